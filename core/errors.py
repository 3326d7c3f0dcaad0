"""Error pages the portal renders itself; Django finds 400/403/404/500.html by name."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """Say that the form expired (settings.CSRF_FAILURE_VIEW), instead of Django's page about CSRF tokens.

    Django has already logged the reason to django.security.csrf; the visitor only needs to know what to do.
    """
    return render(request, "403.html", {"form_expired": True}, status=403)


def health(request):
    """For the load balancer: 200 "ok" when the portal reaches its database and cache; 200 "degraded: cache
    unreachable" when only the cache fails (pages are then served uncached, so keep sending traffic); 503 when the
    database fails. Never cached; it reads no session."""
    from django.core.cache import cache
    from django.db import connection
    from django.http import HttpResponse

    from core.redis_cache import cache_reachable_now

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not healthy
        response = HttpResponse("database unavailable", status=503, content_type="text/plain")
    else:
        state = "ok" if cache_reachable_now(cache) else "degraded: cache unreachable"
        response = HttpResponse(state, content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
