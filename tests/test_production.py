"""Production hardening: friendly error pages, login throttling and the admin's own address.

This module is also a URL configuration (see `urlpatterns` below): the portal's own URLs plus views that
fail on purpose, used with `@pytest.mark.urls(__name__)`. DEBUG is off in tests (pytest-django), as in
production, so Django shows the portal's error pages and never its technical ones.
"""

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.template.loader import render_to_string
from django.test import Client
from django.urls import include, path, reverse
from django.utils import translation

from core.throttle import LoginRefused, LoginThrottle

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "livskraft-test"
LANGUAGES = ["nb", "nn", "en"]


def fail_with_a_secret(request):
    raise RuntimeError("internal detail: the secret sauce is in /srv/livskraft/settings")


def refuse(request):
    raise PermissionDenied("internal detail: rule 17b")


urlpatterns = [
    path("test-only/fails/", fail_with_a_secret),
    path("test-only/forbidden/", refuse),
    path("", include("livskraft.urls")),
]


def visitor(language: str, **options) -> Client:
    """Return a browser-like client that chose the language with the language switcher."""
    client = Client(**options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def html(response) -> str:
    return response.content.decode()


def assert_friendly(response, status: int, language: str) -> str:
    """Check the page a visitor sees on an error: the status, one heading, the language, no technical detail."""
    page = html(response)
    assert response.status_code == status
    assert f'<html lang="{language}">' in page
    assert page.count("<h1>") == 1
    for technical in ("Traceback", "internal detail", "Exception", "DEBUG = True", "Request Method"):
        assert technical not in page
    return page


@pytest.fixture
def fast_passwords(settings):
    """Hash passwords quickly: the throttling tests check dozens of them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- error pages -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_address_shows_the_portals_404_page(client, english):
    page = assert_friendly(client.get("/no-such-page/"), 404, "en")
    assert "Page not found" in page
    assert 'href="/"' in page  # back to the front page, with the site's own menus around it
    assert '<a class="skip-link" href="#main">' in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_404_page_speaks_the_visitors_language(language):
    assert_friendly(visitor(language).get("/no-such-page/"), 404, language)


@pytest.mark.django_db
def test_the_404_page_speaks_the_browsers_language_and_bokmal_without_one():
    assert_friendly(Client().get("/no-such-page/", headers={"accept-language": "nn"}), 404, "nn")
    assert_friendly(Client().get("/no-such-page/", headers={"accept-language": "de"}), 404, "nb")
    assert_friendly(Client().get("/no-such-page/"), 404, "nb")


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_failing_view_shows_a_friendly_500_page_without_a_traceback(client, english):
    client.raise_request_exception = False  # as a real browser sees it
    page = assert_friendly(client.get("/test-only/fails/"), 500, "en")
    assert "Something went wrong" in page
    assert "RuntimeError" not in page and "secret sauce" not in page


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_speaks_the_visitors_language(language):
    assert_friendly(visitor(language, raise_request_exception=False).get("/test-only/fails/"), 500, language)


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_refused_page_shows_a_friendly_403_page(client, english):
    page = assert_friendly(client.get("/test-only/forbidden/"), 403, "en")
    assert "Access denied" in page
    assert "rule 17b" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_expired_form_says_so_and_what_to_do(english, language):
    """The CSRF failure page (CSRF_FAILURE_VIEW): the token the form carried is not the browser's any more."""
    browser = visitor(language, enforce_csrf_checks=True)
    assert browser.get("/logg-inn/").status_code == 200  # the form, and the CSRF cookie with it
    response = browser.post("/logg-inn/", {"username": "a", "password": "b", "csrfmiddlewaretoken": "x" * 64})
    page = assert_friendly(response, 403, language)
    assert "CSRF" not in page
    if language == "en":
        assert "The form has expired" in page
        assert "Reload the page and try again." in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_for_an_unknown_host_shows_a_friendly_400_page(english, language):
    response = visitor(language).get("/", headers={"host": "livskraft.evil.example"})
    page = assert_friendly(response, 400, language)
    assert "livskraft.evil.example" not in page
    if language == "en":
        assert "The request could not be understood" in page


@pytest.mark.parametrize("template", ["400.html", "500.html", "503.html"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_plain_error_pages_need_neither_a_request_nor_the_database(template, language):
    """Without the django_db mark any query fails the test: these pages must render while the database is down."""
    with translation.override(language):
        page = render_to_string(template)
    assert f'<html lang="{language}">' in page
    assert page.count("<h1>") == 1
    assert "/css/livskraft.css" in page  # the site's own look


def unreachable_database(tmp_path):
    """Return the settings of a database that cannot be reached, for the engine the tests run on.

    SQLite: a file in a directory that does not exist (not even root can create it there). PostgreSQL:
    a port on this machine where nothing listens (taken from the OS, then freed), so the connection is refused.
    """
    original = connections["default"].settings_dict
    if connections["default"].vendor == "sqlite":
        return {**original, "NAME": str(tmp_path / "no-such-directory" / "livskraft.sqlite3")}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {**original, "HOST": "127.0.0.1", "PORT": str(port), "OPTIONS": {"connect_timeout": 2}}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unreachable_database_shows_a_503_page(english, language, tmp_path, caplog):
    """The front page, served while the database cannot be reached at all.

    Overriding DATABASES with override_settings does not touch the connection Django already holds, and a
    missing table is a broken schema, not an outage. So for this one request the default connection is
    replaced by a new one, of the same engine, whose settings name a database that cannot be reached: the
    view's first query fails to connect with a real django.db.OperationalError. The working connection
    (holding the test's transaction) is put back afterwards.
    """
    original = connections["default"]
    broken = original.__class__(unreachable_database(tmp_path), alias="default")
    connections["default"] = broken
    try:
        with caplog.at_level(logging.ERROR, logger="core.middleware"):
            response = visitor(language).get("/")
    finally:
        broken.close()
        connections["default"] = original

    page = assert_friendly(response, 503, language)
    assert response.headers["Retry-After"] == "60"
    if language == "en":
        assert "The portal is temporarily unavailable" in page
    assert "OperationalError" not in page and "unable to open" not in page
    logged = [record for record in caplog.records if record.name == "core.middleware"]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR
    assert "Database unavailable while answering GET /" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the error itself, for whoever is on call


# --- login throttling --------------------------------------------------------------------------------------------


def log_in(client, username, password, **extra):
    return client.post("/logg-inn/", {"username": username, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def planner(django_user_model, fast_passwords):
    return django_user_model.objects.create_user("planlegger", password=PASSWORD)


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_user_name(client, english, planner, caplog):
    for username in ("planlegger", "Planlegger", "PLANLEGGER", "planlegger", "planLEGGER"):  # one name, any case
        response = log_in(client, username, "wrong password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in html(response)

    with caplog.at_level(logging.WARNING, logger="core.throttle"):
        response = log_in(client, "planlegger", PASSWORD)  # the right password, now refused unchecked
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 15 minutes and try again." in html(response)
    assert '<html lang="en">' in html(response)
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
    assert not logged_in(client)
    assert "Logged in as" not in html(client.get("/"))
    refusals = [record for record in caplog.records if record.name == "core.throttle"]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING
    assert "'planlegger'" in refusals[0].getMessage()


@pytest.mark.django_db
def test_the_refusal_is_in_the_visitors_language(planner):
    browser = visitor("nb")
    for _ in range(5):
        log_in(browser, "planlegger", "wrong password")
    response = log_in(browser, "planlegger", PASSWORD)
    assert response.status_code == 429
    assert '<html lang="nb">' in html(response)


@pytest.mark.django_db
def test_another_user_can_still_log_in(client, english, planner, django_user_model):
    django_user_model.objects.create_user("godkjenner", password=PASSWORD)
    for _ in range(6):
        log_in(client, "planlegger", "wrong password")

    response = log_in(client, "godkjenner", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_a_successful_login_clears_the_count(client, english, planner):
    for _ in range(4):
        log_in(client, "planlegger", "wrong password")
    assert log_in(client, "planlegger", PASSWORD).status_code == 302
    client.post("/logg-ut/")
    for _ in range(4):
        log_in(client, "planlegger", "wrong password")

    assert log_in(client, "planlegger", PASSWORD).status_code == 302  # eight failures, but never five in a row
    assert logged_in(client)


def failed_earlier(username, minutes_ago, times=5):
    """Record failed logins as they were stored that many minutes ago: the throttle takes its clock as an argument."""
    then = time.time() - minutes_ago * 60
    throttle = LoginThrottle(clock=lambda: then)
    for _ in range(times):
        throttle.begin(username, "127.0.0.1")  # begun and never succeeded: a failed login


@pytest.mark.django_db
def test_failures_inside_the_window_still_count(client, english, planner):
    failed_earlier("planlegger", minutes_ago=14)
    response = log_in(client, "planlegger", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 1 minute and try again." in html(response)


@pytest.mark.django_db
def test_failures_older_than_the_window_are_forgotten(client, english, planner):
    failed_earlier("planlegger", minutes_ago=16)
    assert log_in(client, "planlegger", PASSWORD).status_code == 302
    assert logged_in(client)


@pytest.mark.django_db
def test_twenty_failures_from_one_address_lock_the_address(english, planner):
    office = visitor("en", REMOTE_ADDR="198.51.100.7")
    for number in range(20):  # twenty names, each below its own limit
        assert log_in(office, f"gjest{number}", "wrong password").status_code == 200

    response = log_in(office, "planlegger", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 15 minutes and try again." in html(response)

    elsewhere = visitor("en", REMOTE_ADDR="198.51.100.8")
    assert log_in(elsewhere, "planlegger", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_successful_logins_from_one_office_do_not_lock_it(django_user_model, fast_passwords):
    """Many colleagues behind one address log in on a Monday morning: successes are not failures."""
    for number in range(25):
        django_user_model.objects.create_user(f"kollega{number}", password=PASSWORD)
        assert log_in(visitor("en", REMOTE_ADDR="198.51.100.7"), f"kollega{number}", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(planner, settings):
    settings.LIVSKRAFT_TRUSTED_PROXY = False
    for number in range(20):  # an attacker writing a new "address" in the header each time
        log_in(Client(), f"gjest{number}", "wrong password", headers={"x-forwarded-for": f"192.0.2.{number}"})
    response = log_in(Client(), "planlegger", PASSWORD, headers={"x-forwarded-for": "192.0.2.200"})
    assert response.status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_it_saw_counts(planner, settings):
    settings.LIVSKRAFT_TRUSTED_PROXY = True
    for number in range(20):  # whatever the visitor writes first, the proxy appends the address it saw
        log_in(Client(), f"gjest{number}", "wrong password", headers={"x-forwarded-for": f"10.9.9.{number}, 192.0.2.1"})

    locked = log_in(Client(), "planlegger", PASSWORD, headers={"x-forwarded-for": "192.0.2.1"})
    assert locked.status_code == 429
    other = log_in(Client(), "planlegger", PASSWORD, headers={"x-forwarded-for": "192.0.2.2"})
    assert other.status_code == 302  # same REMOTE_ADDR (the proxy), another visitor


@pytest.mark.django_db
def test_the_admin_login_counts_with_the_sites(english, django_user_model, fast_passwords):
    django_user_model.objects.create_superuser("forvalter", password=PASSWORD)
    browser = visitor("en")
    for _ in range(5):
        log_in(browser, "forvalter", "wrong password")

    response = browser.post(reverse("admin:login"), {"username": "forvalter", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in html(response)
    assert not logged_in(browser)


def test_simultaneous_guesses_cannot_pass_the_limit():
    """Fifty guesses sent at once, all before any has been judged: only five get their password checked."""
    checked, refused = [], []
    start = threading.Barrier(50)

    def guess():
        start.wait()
        try:
            LoginThrottle().begin("planlegger", None)
        except LoginRefused:
            refused.append(1)
        else:
            checked.append(1)  # a failed guess: the attempt keeps its place

    threads = [threading.Thread(target=guess) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(checked), len(refused)) == (5, 45)


# --- the admin's address -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_is_not_at_admin(client, english):
    assert reverse("admin:index") == "/forvaltning/"
    assert_friendly(client.get("/admin/"), 404, "en")
    response = client.get("/forvaltning/")
    assert response.status_code == 302
    assert response.url == "/forvaltning/login/?next=/forvaltning/"


@pytest.mark.django_db
def test_an_administrator_logs_in_at_the_admins_address(client, english, django_user_model, fast_passwords):
    django_user_model.objects.create_superuser("forvalter", password=PASSWORD)
    response = client.post(
        "/forvaltning/login/?next=/forvaltning/", {"username": "forvalter", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/forvaltning/"
    assert response.status_code == 200
    assert "Site administration" in html(response)


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )


def test_the_admins_address_comes_from_the_environment():
    result = manage(
        "shell", "-c", "from django.urls import reverse; print(reverse('admin:index'))", LIVSKRAFT_ADMIN_URL="/styring/"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/styring/"


@pytest.mark.parametrize("address", ["", "/", "admin/"])
def test_the_admin_address_must_be_its_own(address):
    result = manage("check", LIVSKRAFT_ADMIN_URL=address)
    assert result.returncode != 0
    assert "LIVSKRAFT_ADMIN_URL must name a path of its own" in result.stderr
