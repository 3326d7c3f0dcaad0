"""Security headers, cookies and the production settings: what a browser and `check --deploy` see."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

pytestmark = pytest.mark.django_db

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "livskraft.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/livskraft",
}


def production(code: str) -> str:
    """Run Python with the production settings (DEBUG off) in a fresh process and return what it prints."""
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("SECURE_SSL_REDIRECT", None)
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='livskraft.settings'; "
         f"django.setup(); from django.conf import settings; {code}"],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip()


def test_check_deploy_is_clean_with_the_production_settings():
    env = {**os.environ, **PRODUCTION_ENV}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_http_only_and_https_is_enforced():
    printed = production(
        "print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, "
        "settings.CSRF_COOKIE_HTTPONLY, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    )
    assert printed == "True True True True True 31536000 True"


def test_every_page_sends_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    # Workers only from the portal, or from a blob: it made itself (plotly's map draws in one); nothing else.
    assert policy["worker-src"] == "'self' blob:"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_plain_http_is_redirected_and_https_carries_hsts(client):
    response = client.get("/kilder/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/kilder/"
    response = client.get("/kilder/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_the_session_and_csrf_cookies_are_secure_http_only_and_same_site(client, django_user_model):
    django_user_model.objects.create_user(username="planlegger", password="a-long-test-password")
    login_page = client.get("/logg-inn/", secure=True)
    csrf = login_page.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post("/logg-inn/", {"username": "planlegger", "password": "a-long-test-password"}, secure=True)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_the_health_check_answers_without_a_session_and_is_never_cached(client):
    response = client.get("/helse/")
    assert response.status_code == 200 and response.content == b"ok"
    assert response["Cache-Control"] == "no-store" and not response.cookies


def test_changing_language_works_without_a_token_and_public_pages_set_no_cookie(client):
    page = client.get("/kilder/")
    assert not page.cookies  # nothing per visitor in a public page: no CSRF cookie, no session
    response = client.post("/i18n/setlang/", {"language": "nn", "next": "/kilder/"})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nn"
