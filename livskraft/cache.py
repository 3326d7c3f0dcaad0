"""Caching public pages, with correct invalidation when anything they show changes.

A public page is the same for every visitor without a session, in one language. Such pages are stored in
the cache under a key made of a *data version*, the language and the full address. Any committed write to
the portal's data (a save or delete of any model of the indicators and plans apps, or one of the bulk writes,
which call bump() themselves) increments the data version, so every stored page is out of date at once and
the next visitor gets a freshly rendered one.

The version is read when the request starts and the page is stored under that version: a page rendered from
data that changed while it was being rendered is stored under the old version and never served again.

People with a session (planners, approvers, anyone logged in, or with messages waiting) always get a fresh
page. The cache is Django's default cache: local memory in one process by default, Redis when REDIS_URL is
set (shared by every gunicorn worker, and needed there for invalidation to reach all of them).
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import translation

VERSION_KEY = "livskraft:data-version"
DATA_APPS = {"indicators", "plans"}
KEPT_HEADERS = ("Content-Type", "Content-Language", "Content-Disposition")


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


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
    if sender._meta.app_label in DATA_APPS:
        bump()


def _on_m2m_change(sender, action, **kwargs):
    if action.startswith("post_") and kwargs["instance"]._meta.app_label in DATA_APPS:
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


def _key(request, version: int) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"livskraft:page:{version}:{translation.get_language()}:{path}"


def public_page(view):
    """Serve the view's page from the cache to visitors without a session; store a fresh 200 answer."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.LIVSKRAFT_PAGE_CACHE_SECONDS or not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _key(request, data_version())
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            response["X-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            headers = {name: response[name] for name in KEPT_HEADERS if name in response}
            cache.set(key, (response.content, headers), timeout=settings.LIVSKRAFT_PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response

    return wrapped
