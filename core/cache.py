"""Caching public pages, and retiring exactly the pages whose data changed.

A public page is the same for every visitor without a session, in one language. Such pages are stored in the
cache under a key made of the *versions of the scopes it reads*, the language and the full address. A scope is a
part of the data with a version number of its own in the cache:

- ``all``: everything. Every page reads it; a change the portal cannot place (an indicator's definition, the
  register of municipalities and their numbers, networks, roles) and bump() increment it, retiring every page.
- ``m:<number>``: one municipality's figures, plans, budget and reports: its dashboard, reports, plan chain and
  digest, under its current number.
- ``i:<code>``: one indicator's figures in every municipality: its comparison page; those also read
  ``population``, since a per-inhabitant figure divides by it.
- ``data``: any figure, plan or report anywhere: the pages that gather from many municipalities (the front page,
  the network's report, the good examples).

Each model of the apps in LIVSKRAFT_CACHED_APPS says which scopes one of its rows belongs to (watch(), from the
apps' ready()); a committed save or delete increments those scopes' versions, and bulk writes call changed()
themselves. Publishing a figure of Rana retires Rana's pages, that indicator's comparison and the gathering
pages; Oslo's dashboard stays stored. The versions are read with one request to the cache (get_many) when the
request starts, and the page is stored under them: a page rendered from data that changed while it was being
rendered is stored under the old versions and never served again.

Once a change commits, the pages it retired are rendered again in the background (core/prerender.py, a task the
worker runs), so that a reader almost never waits for a render.

People with a session (planners, approvers, anyone logged in, or with messages waiting) always get a fresh
page. The cache is Django's default cache: local memory in one process by default, Redis when REDIS_URL is
set (shared by every gunicorn worker, and needed there for invalidation to reach all of them).

A page's key also names the release (LIVSKRAFT_RELEASE, or a digest of the code, templates, translations and
static manifest), so after a deployment no page rendered by the code before it is served.

Each process also keeps the pages it served lately in its own memory (PAGES, LIVSKRAFT_PAGE_MEMORY_MB), so a
hit does not fetch and unpickle a page from Redis every time. Only the versions are read from the shared cache on
every request: a page's key names them, so a page in a worker's memory is never served after its data changed.
A version starts from the clock, so a flushed cache never reuses an old number.

A page declares the query parameters it reads (public_page(view, query=("ar",))). Its key names only those, in
alphabetical order, each with the last value given (the one request.GET.get() returns); the view is handed that
canonical query and nothing else, and reading any other parameter raises UndeclaredParameter. So ?x=<random>
serves the stored page, and no page can differ by a parameter its key does not name.

A page is stored compressed (core/compression.py: brotli, or gzip without the brotli module), once, when it is
stored: a 350 kB dashboard takes some 20 kB in Redis and in a worker's memory. A hit is sent as stored to a client
that accepts that encoding, so it costs no compression work; for one that does not, each worker makes the gzip or
plain copy once. Only pages for visitors without a session are stored, so compressing them gives BREACH nothing
to read.

The cache may be unreachable (core/redis_cache.py): then no version can be read, pages are neither served
from nor stored in any cache, and every visitor gets a fresh page from the database. A save whose bump cannot
reach the cache still commits. When the cache answers again, the process that noticed the outage bumps ``all``
before anything else, so no page stored before the outage (in Redis or in a worker's memory) is served:
its data may have changed in between. A worker that served no request during the outage keeps reading the old
versions until a worker that did serves one; behind a load balancer, that is the next few requests.
"""

import functools
import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from core.compression import (
    accepted,
    best_encoding,
    compress,
    decompress,
    public_request,
    secret_free,
    set_content,
    stored_encoding,
)
from core.redis_cache import cache_recovered, cache_unreachable

VERSION_KEY = "livskraft:data-version"  # the version of the scope "all"
SCOPE_KEY = "livskraft:version:"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")

ALL = "all"
DATA = "data"
POPULATION = "population"


def municipality_scope(number: str) -> str:
    return f"m:{number.strip()}"


def indicator_scope(code: str) -> str:
    return f"i:{code}"


def names_in(scopes, kind: str) -> set[str]:
    """The names of the scopes of one kind: names_in({"m:1833", "data"}, "m") == {"1833"}."""
    prefix = f"{kind}:"
    return {scope.removeprefix(prefix) for scope in scopes if scope.startswith(prefix)}


def _version_key(scope: str) -> str:
    return VERSION_KEY if scope == ALL else SCOPE_KEY + scope


# The versions this process read lately, by the scopes asked for: (when they go stale, versions). A hit then costs
# no request to Redis; a change made by another process is seen within LIVSKRAFT_VERSION_MEMORY_MS, and one made by
# this process at once (_bump_now forgets them all).
_RECENT_VERSIONS: dict[tuple[str, ...], tuple[float, tuple[int, ...]]] = {}


def versions(scopes, *, fresh: bool = False) -> tuple[int, ...] | None:
    """The versions of "all" and the scopes, in that order, read in one request (or remembered from one made less
    than LIVSKRAFT_VERSION_MEMORY_MS ago, unless fresh); None when the cache cannot be reached."""
    scopes = tuple(scopes)
    memory = settings.LIVSKRAFT_VERSION_MEMORY_MS / 1000
    if memory and not fresh:
        remembered = _RECENT_VERSIONS.get(scopes)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
    keys = [_version_key(scope) for scope in (ALL, *scopes)]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        if cache_unreachable(cache):
            return None
        # Microseconds since 1970: after a flush or an eviction, the count goes on above every number used before,
        # so no page a worker holds under an old version can match a new one.
        start = time.time_ns() // 1000
        for key in keys:
            if key not in found:
                cache.add(key, start, timeout=None)
        found = cache.get_many(keys)
        if len(found) < len(keys):
            return None if cache_unreachable(cache) else tuple(found.get(key, start) for key in keys)
    result = tuple(found[key] for key in keys)
    if memory:
        _RECENT_VERSIONS[scopes] = (time.monotonic() + memory, result)
    return result


def forget_versions() -> None:
    """Read the versions from the cache again on the next request (this process changed them, or the cache came
    back)."""
    _RECENT_VERSIONS.clear()


def data_version() -> int | None:
    """The version of the scope "all"; None when the cache cannot be reached."""
    found = versions(())
    return None if found is None else found[0]


class RecentPages:
    """The pages this process stored or served lately, by cache key, up to a number of bytes; oldest out first.

    A key names the data version, so an entry never goes out of date: it is only evicted, or expires after
    LIVSKRAFT_PAGE_CACHE_SECONDS like the shared copy. Thread-safe, for a threaded server.
    """

    def __init__(self):
        self._pages: OrderedDict[str, tuple[float, tuple]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._pages.get(key)
            if entry is None:
                return None
            expires, page = entry
            if expires < time.monotonic():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: tuple, seconds: int) -> None:
        size, limit = len(page[0]), settings.LIVSKRAFT_PAGE_MEMORY_MB * 2**20
        if size > limit:
            return
        with self._lock:
            if key in self._pages:
                self._drop(key)
            while self._pages and self._bytes + size > limit:
                self._drop(next(iter(self._pages)))
            self._pages[key] = (time.monotonic() + seconds, page)
            self._bytes += size

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        _expires, page = self._pages.pop(key)
        self._bytes -= len(page[0])


PAGES = RecentPages()
# The same pages in another encoding (gzip) or plain, for clients that do not take the one a page is stored in
# (wrk, curl, some bots, gzip-only browsers): only those a worker served so, up to the same size, so such a hit
# need not decompress (and compress again) the page every time.
PLAIN_PAGES = RecentPages()


def bump() -> None:
    """Make every cached public page out of date: now, and again once the current transaction commits."""
    changed({ALL})


def changed(scopes) -> None:
    """Retire the pages that read any of the scopes: now, and again once the current transaction commits; then
    have them rendered again in the background.

    The first keeps a page rendered later in the same transaction from being served from the cache; the second
    retires pages that other requests rendered from the old data while the transaction was open. The scopes of one
    transaction are gathered and handled once when it commits.
    """
    scopes = {DATA, *scopes} - {ALL} if ALL not in scopes else {ALL}
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # the write has committed already: one bump retires the pages
        _tell(scopes)
        _committed(scopes)
        return
    outermost = connection.atomic_blocks[0]
    pending = _PENDING.get(connection)
    if pending is None or pending[0] is not outermost:
        pending = _PENDING[connection] = (outermost, set(), {})
        transaction.on_commit(functools.partial(_on_commit, connection, outermost))
    gathered, told = pending[1], pending[2]
    # Tell the in-transaction receivers (read models forgetting rows) about a scope once per transaction: again only
    # if the savepoint it was told in has been rolled back (that undid what they did) or released.
    stack = tuple(connection.savepoint_ids)
    new = {scope for scope in scopes if scope not in told or stack[: len(told[scope])] != told[scope]}
    _tell(new)
    told.update(dict.fromkeys(new, stack))
    gathered.update(scopes)
    _bump_now(scopes)


def told_again() -> None:
    """Tell the in-transaction receivers about every scope again on its next change: a read model stored rows in
    this transaction (its build(), run inside a test's transaction) that such a change must forget."""
    pending = _PENDING.get(transaction.get_connection())
    if pending is not None:
        pending[2].clear()


def _tell(scopes: set[str]) -> None:
    if scopes:
        for receiver in _ON_CHANGE:
            receiver(frozenset(scopes))


# Scopes changed in each connection's open transaction, with the outermost atomic block they belong to, and the
# savepoints each scope was told to the in-transaction receivers under: a block that was rolled back leaves its
# entry behind, and the next transaction's block replaces it.
_PENDING: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _on_commit(connection, outermost) -> None:
    pending = _PENDING.get(connection)
    if pending is not None and pending[0] is outermost:
        del _PENDING[connection]
        _committed(pending[1])


def _committed(scopes: set[str]) -> None:
    if ALL in scopes:  # a transaction that changed everything and some parts changed everything
        scopes = {ALL}
    _bump_now(scopes)
    for receiver in _AFTER_COMMIT:
        receiver(frozenset(scopes))


_AFTER_COMMIT: list = []
_ON_CHANGE: list = []


def on_change(receiver):
    """Call receiver(scopes) at once, inside the transaction of the change (a read model forgets what it held)."""
    _ON_CHANGE.append(receiver)
    return receiver


def after_commit(receiver):
    """Call receiver(scopes) once a change to those scopes has committed (core/prerender.py renders again)."""
    _AFTER_COMMIT.append(receiver)
    return receiver


def _bump_now(scopes) -> None:
    forget_versions()
    for scope in scopes:
        key = _version_key(scope)
        try:
            cache.incr(key)
        except ValueError:  # not there (evicted or never set): any new value differs from what pages were stored under
            found = versions((scope,), fresh=True)
            if found is not None:  # else the cache is unreachable: "all" is bumped when it answers again
                cache.set(key, found[-1] + 1, timeout=None)


def _on_recovery(sender, **kwargs):
    _bump_now({ALL})


cache_recovered.connect(_on_recovery, dispatch_uid="livskraft-cache-recovered")


# What a row of each model belongs to: model label -> function(row) -> scopes; registered by the apps (watch()).
# A model of a cached app that registered nothing retires everything when it changes.
_WATCHED: dict[str, object] = {}


def watch(label: str, scopes_of) -> None:
    """Declare the scopes a row of the model (app_label.ModelName) belongs to: scopes_of(row) gives them, or None
    when it cannot tell (then everything is retired). scopes_of=None: the model's rows are on no public page."""
    _WATCHED[label] = scopes_of


def _scopes_of(instance) -> set[str]:
    label = instance._meta.label
    if label not in _WATCHED:
        return {ALL}
    scopes_of = _WATCHED[label]
    if scopes_of is None:
        return set()
    try:
        scopes = scopes_of(instance)
    except ObjectDoesNotExist:  # a parent already deleted in a cascade: no telling what the row was part of
        scopes = None
    return {ALL} if scopes is None else set(scopes)


def _on_change(sender, instance, **kwargs):
    if sender._meta.app_label in settings.LIVSKRAFT_CACHED_APPS:
        scopes = {ALL} if kwargs.get("raw") else _scopes_of(instance)  # a fixture's row: its parents may be missing
        if scopes:
            changed(scopes)


def _on_m2m_change(sender, action, instance, **kwargs):
    if action.startswith("post_") and instance._meta.app_label in settings.LIVSKRAFT_CACHED_APPS:
        scopes = _scopes_of(instance)
        if scopes:
            changed(scopes)


post_save.connect(_on_change, dispatch_uid="livskraft-cache-save")
post_delete.connect(_on_change, dispatch_uid="livskraft-cache-delete")
m2m_changed.connect(_on_m2m_change, dispatch_uid="livskraft-cache-m2m")


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


class UndeclaredParameter(Exception):  # noqa: N818 - a programming error, not a visitor's
    """A public page read a query parameter its public_page() does not declare."""


class DeclaredQuery(QueryDict):
    """request.GET as a public page sees it: its declared parameters only; reading any other one raises."""

    def __init__(self, *args, declared: frozenset[str] = frozenset(), view: str = "", **kwargs):
        self._declared, self._view = declared, ""  # no checks while the parameters are filled in
        super().__init__(*args, **kwargs)
        self._view = view

    def _check(self, name: str) -> None:
        if self._view and name not in self._declared:
            raise UndeclaredParameter(
                f"{self._view} reads ?{name}= but public_page() declares only {sorted(self._declared)}: "
                "declare it, or the cached page would be the same whatever its value."
            )

    def __getitem__(self, key):
        self._check(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._check(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._check(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._check(key)
        return super().getlist(key, default)


def canonical_query(query: QueryDict, declared) -> str:
    """The declared parameters of a query, alphabetically, each once with its last value (what .get() reads)."""
    kept = QueryDict(mutable=True)
    for name in sorted(declared):
        if name in query:
            kept[name] = query.getlist(name)[-1]
    return kept.urlencode()


def _public_page(request):
    """The query parameters and the scopes of the public page at the request's address; None if it is no public
    page."""
    return _public_page_at(request.path_info)


@functools.lru_cache(maxsize=4096)
def _public_page_at(path: str):
    # The URL patterns are fixed in a process: resolving each address once saves a hit a tenth of a millisecond.
    try:
        match = resolve(path)
    except Resolver404:
        return None
    declared = getattr(match.func, "public_query", None)
    if declared is None:
        return None
    return declared, match.func.public_scopes(match.kwargs)


def _key(request, found_versions: tuple[int, ...], language: str, declared) -> str:
    address = f"{request.path}?{canonical_query(request.GET, declared)}"
    path = hashlib.sha256(address.encode()).hexdigest()
    return f"livskraft:page:{release()}:{'.'.join(map(str, found_versions))}:{language}:{path}"


# What makes a page look the way it does, besides the data: code, templates, compiled translations, in the folders
# settings.LIVSKRAFT_RELEASE_FOLDERS names.
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".mo"}


def release() -> str:
    """The release this process runs: LIVSKRAFT_RELEASE when the deployment names it, else a digest of its files."""
    return settings.LIVSKRAFT_RELEASE or _files_digest_of_this_process()


@functools.cache
def _files_digest_of_this_process() -> str:
    return files_digest(Path(settings.BASE_DIR), Path(settings.STATIC_ROOT) / "staticfiles.json")


def files_digest(base: Path, manifest: Path) -> str:
    """A digest of the files that render pages under base, and of the static files' manifest if there is one (it
    names the hashed file names pages link to). Reads about 1 MB: some 25 milliseconds, once per process."""
    digest = hashlib.sha256()
    paths = [path for folder in settings.LIVSKRAFT_RELEASE_FOLDERS for path in sorted((base / folder).rglob("*"))]
    for path in [*paths, manifest]:
        if (path is manifest or path.suffix in RELEASE_SUFFIXES) and path.is_file():
            digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _stored(request, declared, scopes):
    """The stored page for the request (under the versions read now), or None; and the key it goes under
    (None when the page must not be stored: a visitor with a session, or the cache unreachable)."""
    from core.middleware import chosen_language

    if not settings.LIVSKRAFT_PAGE_CACHE_SECONDS or not _cacheable_request(request):
        return None, None
    if hasattr(request, "_page_cache_key"):
        # The middleware looked already and found nothing: a second read in the view would find nothing either.
        return None, request._page_cache_key
    found_versions = versions(scopes)
    if found_versions is None:
        request._page_cache_key = None
        return None, None
    key = request._page_cache_key = _key(request, found_versions, chosen_language(request), declared)
    stored = PAGES.get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            return None, key
        PAGES.put(key, stored, settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
    content, headers, encoding = stored if len(stored) == 3 else (*stored, None)
    response = HttpResponse()
    for name, value in headers.items():
        response[name] = value
    send_stored(request, response, key, content, encoding)
    response["X-Cache"] = "hit"
    response["Content-Language"] = chosen_language(request)
    # The language comes from the cookie or the browser's Accept-Language; whether there is a session, from cookies.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response, request._page_cache_key


def send_stored(request, response, key: str, content: bytes, encoding: str | None) -> None:
    """Put a stored page in the response: as stored if the client accepts its encoding; else in the encoding it
    takes (gzip) or plain, made once per worker and page and kept in PLAIN_PAGES."""
    if encoding and encoding in accepted(request):
        set_content(response, content, encoding)
        return
    wanted = best_encoding(request) if public_request(request) else None
    variant = PLAIN_PAGES.get(f"{key}:{wanted}")
    if variant is None:
        plain = decompress(content, encoding)
        variant = (compress(plain, wanted) if wanted else plain,)
        PLAIN_PAGES.put(f"{key}:{wanted}", variant, settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
    set_content(response, variant[0], wanted)


class PublicPageCacheMiddleware:
    """Answer a stored public page before sessions, CSRF, authentication and messages are set up.

    Placed right after WhiteNoise, so that a hit costs little more than a static file; the security and CSP
    headers are still added on the way out by the middleware above it. Pages are stored by @public_page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _public_page(request) if _cacheable_request(request) else None
        response = None if page is None else _stored(request, *page)[0]
        if response is not None:
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
            return response
        return self.get_response(request)


def gathering(kwargs) -> tuple[str, ...]:
    """The scopes of a page that gathers from many municipalities and indicators: any change to data."""
    return (DATA,)


def register_only(kwargs) -> tuple[str, ...]:
    """The scopes of a page that shows no figures, plans or reports: only "all" (definitions, the register)."""
    return ()


def of_municipality(kwargs) -> tuple[str, ...]:
    """The scopes of a page about the municipality whose number is in the address."""
    return (municipality_scope(kwargs["code"]),)


def of_indicator(kwargs) -> tuple[str, ...]:
    """The scopes of a page about the indicator whose code is in the address, in every municipality."""
    return (indicator_scope(kwargs["code"]), POPULATION)


def public_page(view, *, query: tuple[str, ...] = (), scopes=gathering):
    """Serve the view's page from the cache to visitors without a session; store a fresh 200 answer.

    query names the parameters the view (its helpers and templates included) reads from the address; scopes(kwargs)
    the scopes of the data it shows, from the address's arguments (gathering, register_only, of_municipality,
    of_indicator).
    """
    declared = frozenset(query)
    name = f"{view.__module__}.{view.__qualname__}"

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        canonical = canonical_query(request.GET, declared)
        request.GET = DeclaredQuery(canonical, declared=declared, view=name)
        request.META["QUERY_STRING"] = canonical  # what get_full_path() puts in the login and language links
        stored, key = _stored(request, declared, scopes(kwargs))
        if stored is not None:
            return stored
        if key is None:
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            encoding = stored_encoding()
            content = compress(response.content, encoding)
            page = (content, {name: response[name] for name in KEPT_HEADERS if name in response}, encoding)
            cache.set(key, page, timeout=settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
            PAGES.put(key, page, settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
            if encoding in accepted(request) and secret_free(request, response):
                set_content(response, content, encoding)
            else:
                patch_vary_headers(response, ["Accept-Encoding"])
            response["X-Cache"] = "miss"
        return response

    wrapped.public_query = declared
    wrapped.public_scopes = scopes
    return wrapped
