"""Error pages the portal renders itself; Django finds 400/403/404/500.html by name."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """Say that the form expired (settings.CSRF_FAILURE_VIEW), instead of Django's page about CSRF tokens.

    Django has already logged the reason to django.security.csrf; the visitor only needs to know what to do.
    """
    return render(request, "403.html", {"form_expired": True}, status=403)


def health(request):
    """For the load balancer: 200 "ok" when the portal can reach its database, else 503 (never cached)."""
    from django.db import connection
    from django.http import HttpResponse

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means not healthy
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response
