"""Caching public pages, with correct invalidation when anything they show changes.

A public page is the same for every visitor without a session, in one language. Such pages are stored in
the cache under a key made of a *data version*, the language and the full address. Any committed write to
the portal's data (a save or delete of any model of the apps in LIVSKRAFT_CACHED_APPS, or one of the bulk writes,
which call bump() themselves) increments the data version, so every stored page is out of date at once and
the next visitor gets a freshly rendered one.

The version is read when the request starts and the page is stored under that version: a page rendered from
data that changed while it was being rendered is stored under the old version and never served again.

People with a session (planners, approvers, anyone logged in, or with messages waiting) always get a fresh
page. The cache is Django's default cache: local memory in one process by default, Redis when REDIS_URL is
set (shared by every gunicorn worker, and needed there for invalidation to reach all of them).

A page's key also names the release (LIVSKRAFT_RELEASE, or a digest of the code, templates, translations and
static manifest), so after a deployment no page rendered by the code before it is served.

Each process also keeps the pages it served lately in its own memory (PAGES, LIVSKRAFT_PAGE_MEMORY_MB), so a
hit does not fetch and unpickle a 200 kB page from Redis every time. Only the data version is read from the
shared cache on every request: a page's key names the version, so a page in a worker's memory is never served
after the data changed. The version starts from the clock, so a flushed cache never reuses an old number.
"""

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

VERSION_KEY = "livskraft:data-version"
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        # Microseconds since 1970: after a flush or an eviction, the count goes on above every number used before,
        # so no page a worker holds under an old version can match a new one.
        start = time.time_ns() // 1000
        cache.add(VERSION_KEY, start, timeout=None)
        version = cache.get(VERSION_KEY, start)
    return version


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


def bump() -> None:
    """Make every cached public page out of date: now, and again once the current transaction commits.

    The first keeps a page rendered later in the same transaction from being served from the cache; the second
    retires pages that other requests rendered from the old data while the transaction was open.
    """
    _bump_now()
    transaction.on_commit(_bump_now)


def _bump_now() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not there (evicted or never set): any new value differs from what pages were stored under
        cache.set(VERSION_KEY, data_version() + 1, timeout=None)


def _on_change(sender, **kwargs):
    if sender._meta.app_label in settings.LIVSKRAFT_CACHED_APPS:
        bump()


def _on_m2m_change(sender, action, **kwargs):
    if action.startswith("post_") and kwargs["instance"]._meta.app_label in settings.LIVSKRAFT_CACHED_APPS:
        bump()


post_save.connect(_on_change, dispatch_uid="livskraft-cache-save")
post_delete.connect(_on_change, dispatch_uid="livskraft-cache-delete")
m2m_changed.connect(_on_m2m_change, dispatch_uid="livskraft-cache-m2m")


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _key(request, version: int, language: str) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"livskraft:page:{release()}:{version}:{language}:{path}"


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


def _stored(request):
    """The stored page for the request (under the data version read now), or None; and the key it goes under."""
    from core.middleware import chosen_language

    if not settings.LIVSKRAFT_PAGE_CACHE_SECONDS or not _cacheable_request(request):
        return None, None
    if hasattr(request, "_page_cache_key"):
        # The middleware looked already and found nothing: a second read in the view would find nothing either.
        return None, request._page_cache_key
    key = request._page_cache_key = _key(request, data_version(), chosen_language(request))
    stored = PAGES.get(key)
    if stored is None:
        stored = cache.get(key)
        if stored is None:
            return None, key
        PAGES.put(key, stored, settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
    content, headers = stored
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    response["Content-Language"] = chosen_language(request)
    # The language comes from the cookie or the browser's Accept-Language; whether there is a session, from cookies.
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response, request._page_cache_key


class PublicPageCacheMiddleware:
    """Answer a stored public page before sessions, CSRF, authentication and messages are set up.

    Placed right after WhiteNoise, so that a hit costs little more than a static file; the security and CSP
    headers are still added on the way out by the middleware above it. Pages are stored by @public_page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response, _key = _stored(request)
        if response is not None:
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
            return response
        return self.get_response(request)


def public_page(view):
    """Serve the view's page from the cache to visitors without a session; store a fresh 200 answer."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        stored, key = _stored(request)
        if stored is not None:
            return stored
        if key is None:
            return view(request, *args, **kwargs)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            page = (response.content, {name: response[name] for name in KEPT_HEADERS if name in response})
            cache.set(key, page, timeout=settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
            PAGES.put(key, page, settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    return wrapped
