"""Rendering again, in the background, the public pages a committed change retired, so readers find them stored.

core/cache.py tells, once a change commits, which scopes it changed; this module enqueues one task (the worker,
`manage.py db_worker`, runs it) that first builds the read models of those scopes (the apps' builders: the
municipalities' dashboards and reports, the indicators' comparisons, stored in the database), then renders the
pages of those scopes in every language through the whole
middleware stack, as a visitor without a session would ask for them. public_page() stores each under the
versions it reads then, exactly as for a visitor; a page whose data changed again meanwhile is simply retired
again. The apps say which pages belong to a scope (pages_of()): a municipality's dashboard and latest annual
report, an indicator's comparisons, the front page. A change to everything ("all") renders the front page and
every indicator's comparison; the rest is rendered on its first visit.

The rendering is off with LIVSKRAFT_PRERENDER=0 (the default without Redis), and whenever the page cache is off;
the read models are built whatever those say.
"""

import io
import logging
import sys
import time

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django_tasks import task

from core import cache

logger = logging.getLogger(__name__)

# Scope kind ("m", "i", "data", "population", "all") -> function(name after the colon, or "") -> addresses.
_PAGES: dict[str, list] = {}
# Functions(scopes) that build the read models (plans/read_model.py, indicators/read_model.py) for what changed.
_BUILDERS: list = []


def builds(builder) -> None:
    """Call builder(scopes) in the task, before the pages are rendered: it stores what the pages read."""
    _BUILDERS.append(builder)


def pages_of(kind: str, addresses) -> None:
    """Declare the pages to render again when a scope of the kind changes: addresses(name) lists them."""
    _PAGES.setdefault(kind, []).append(addresses)


def addresses_for(scopes) -> list[str]:
    """The addresses of the pages to render again for the scopes, each once, in a stable order."""
    found: dict[str, None] = {}
    for scope in sorted(scopes):
        kind, _colon, name = scope.partition(":")
        for addresses in _PAGES.get(kind, ()):
            found.update(dict.fromkeys(addresses(name)))
    return list(found)


def _rendering() -> bool:
    return bool(settings.LIVSKRAFT_PRERENDER and settings.LIVSKRAFT_PAGE_CACHE_SECONDS)


def _enqueue(scopes: frozenset[str]) -> None:
    if _BUILDERS or _rendering():
        try:
            render_again.enqueue(sorted(scopes))
        except Exception:  # the change is committed; a page not rendered in advance is rendered on its first visit
            logger.exception("Could not enqueue rendering the pages of %s again", sorted(scopes))


cache.after_commit(_enqueue)


@task()
def render_again(scopes: list[str]) -> dict:
    """Build the read models of the scopes, then render their pages in every language (with the page cache and
    LIVSKRAFT_PRERENDER on); return how many pages, and how long it took."""
    started = time.perf_counter()
    for builder in _BUILDERS:
        builder(frozenset(scopes))
    built = round(time.perf_counter() - started, 3)
    addresses = addresses_for(scopes) if _rendering() else []
    statuses: dict[int, int] = {}
    for address in addresses:
        for language, _name in settings.LANGUAGES:
            status = render(address, language)
            statuses[status] = statuses.get(status, 0) + 1
    seconds = round(time.perf_counter() - started, 3)
    logger.info("Rendered %s pages of %s again in %s s: %s", len(addresses), scopes, seconds, statuses)
    return {
        "built_seconds": built,
        "pages": len(addresses),
        "languages": len(settings.LANGUAGES),
        "statuses": statuses,
        "seconds": seconds,
    }


_handler: WSGIHandler | None = None


def render(address: str, language: str) -> int:
    """Ask for the address as a visitor without a session who chose the language; return the status."""
    global _handler
    if _handler is None:
        _handler = WSGIHandler()
    path, _mark, query = address.partition("?")
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"), "localhost")
    secure = settings.SECURE_SSL_REDIRECT
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": host.strip("[]"),
        "SERVER_PORT": "443" if secure else "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}={language}",
        "HTTP_ACCEPT_ENCODING": "br, gzip",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if secure else "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        environ[settings.SECURE_PROXY_SSL_HEADER[0]] = settings.SECURE_PROXY_SSL_HEADER[1]
    started: list[str] = []
    response = _handler(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        for _chunk in response:
            pass
    finally:
        response.close()
    return int(started[0].split()[0])
