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


OWNER_ADDRESS = "198.51.100.7"
ATTACKER_ADDRESS = "203.0.113.9"


def checked(response) -> bool:
    """Return whether the password was judged: a wrong one is answered 200 with Django's error, not 429."""
    return response.status_code == 200 and "Please enter a correct username and password" in html(response)


def allowed_guesses(seconds: float) -> int:
    """Return how many failures one address may send for one name in this long: five free, then after waits of
    2, 4, 8 … seconds, each counted from the failure before."""
    allowed, ready, delay = 5, 0.0, 2
    while ready + delay <= seconds:
        allowed, ready, delay = allowed + 1, ready + delay, delay * 2
    return allowed


@pytest.mark.django_db
def test_the_owner_logs_in_from_her_address_while_an_attacker_guesses_from_another(english, planner):
    attacker = visitor("en", REMOTE_ADDR=ATTACKER_ADDRESS)
    started = time.monotonic()
    answers = [log_in(attacker, "planlegger", f"guess {number}") for number in range(50)]
    elapsed = time.monotonic() - started

    judged = [answer for answer in answers if checked(answer)]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(judged) + len(refused) == 50
    assert 5 <= len(judged) <= allowed_guesses(elapsed)  # five, and one more for each delay that passed
    assert all(1 <= int(answer.headers["Retry-After"]) <= 8 for answer in refused)

    owner = visitor("en", REMOTE_ADDR=OWNER_ADDRESS)
    response = log_in(owner, "planlegger", PASSWORD)
    assert response.status_code == 302
    assert logged_in(owner)


@pytest.mark.django_db
def test_the_guesser_is_refused_for_seconds_and_told_how_long(client, english, planner, caplog):
    for username in ("planlegger", "Planlegger", "PLANLEGGER", "planlegger", "planLEGGER"):  # one name, any case
        assert checked(log_in(client, username, "wrong password"))

    with caplog.at_level(logging.WARNING, logger="core.throttle"):
        response = log_in(client, "planlegger", PASSWORD)  # the right password, refused unchecked during the delay
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 2
    assert f"Too many failed attempts. Wait {seconds} second" in html(response)
    assert '<html lang="en">' in html(response)
    assert not logged_in(client)
    refusals = [record for record in caplog.records if record.name == "core.throttle"]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING
    assert "planlegger" in refusals[0].getMessage()

    time.sleep(seconds)  # the delay passes, and the owner, even at the guesser's address, gets in
    assert log_in(client, "planlegger", PASSWORD).status_code == 302
    assert logged_in(client)


def test_each_further_failure_doubles_the_wait():
    now = [1_000_000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(5):
        throttle.begin("planlegger", ATTACKER_ADDRESS)  # five free failures, all at once
    waits = []
    for _ in range(6):
        with pytest.raises(LoginRefused) as refused:
            throttle.begin("planlegger", ATTACKER_ADDRESS)
        waits.append(refused.value.seconds)
        now[0] += refused.value.seconds - 0.5
        with pytest.raises(LoginRefused):  # half a second early: still refused
            throttle.begin("planlegger", ATTACKER_ADDRESS)
        now[0] += 0.5
        throttle.begin("planlegger", ATTACKER_ADDRESS)  # on time: judged, and failed again
    assert waits == [2, 4, 8, 16, 32, 64]
    with pytest.raises(LoginRefused):  # the owner's name is not locked: only this address waits
        throttle.begin("planlegger", ATTACKER_ADDRESS)
    throttle.begin("planlegger", OWNER_ADDRESS)


def test_the_wait_is_at_most_the_window():
    now = [1_000_000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(5 + 12):
        while True:
            try:
                throttle.begin("planlegger", ATTACKER_ADDRESS)
                break
            except LoginRefused as refused:
                assert refused.seconds <= 15 * 60
                now[0] += refused.seconds


@pytest.mark.django_db
def test_the_refusal_is_in_the_visitors_language(planner):
    browser = visitor("nb")
    for _ in range(5):
        log_in(browser, "planlegger", "wrong password")
    response = log_in(browser, "planlegger", PASSWORD)
    assert response.status_code == 429
    assert '<html lang="nb">' in html(response)
    assert "For mange mislykkede forsøk" in html(response)


@pytest.mark.django_db
def test_an_unknown_name_is_answered_as_a_real_one(english, planner):
    """Nothing tells a guesser whether a login name exists: the same answers, the same delays."""
    real, unknown = visitor("en", REMOTE_ADDR="192.0.2.1"), visitor("en", REMOTE_ADDR="192.0.2.2")
    for _ in range(5):
        assert checked(log_in(real, "planlegger", "wrong password"))
        assert checked(log_in(unknown, "ingen-slik", "wrong password"))
    refused_real, refused_unknown = log_in(real, "planlegger", "x"), log_in(unknown, "ingen-slik", "x")
    assert refused_real.status_code == refused_unknown.status_code == 429
    assert refused_real.headers["Retry-After"] == refused_unknown.headers["Retry-After"]


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
        assert checked(log_in(client, "planlegger", "wrong password"))

    assert log_in(client, "planlegger", PASSWORD).status_code == 302  # eight failures, but never five in a row
    assert logged_in(client)


def failed_earlier(username, minutes_ago, addresses):
    """Record failed logins as they were stored that many minutes ago: the throttle takes its clock as an argument."""
    then = time.time() - minutes_ago * 60
    throttle = LoginThrottle(clock=lambda: then)
    for address in addresses:
        throttle.begin(username, address)  # begun and never succeeded: a failed login


SPREAD = [f"10.{n // 250}.{n % 250}.1" for n in range(30)]  # thirty addresses, one guess each


@pytest.mark.django_db
def test_guessing_spread_over_many_addresses_shuts_the_name_except_where_its_owner_logs_in(planner):
    assert log_in(visitor("en", REMOTE_ADDR=OWNER_ADDRESS), "planlegger", PASSWORD).status_code == 302  # last week
    failed_earlier("planlegger", minutes_ago=0, addresses=SPREAD)

    newcomer = log_in(visitor("en", REMOTE_ADDR="192.0.2.77"), "planlegger", PASSWORD)
    assert newcomer.status_code == 429
    assert "Too many failed attempts. Wait 15 minutes and try again." in html(newcomer)
    assert 14 * 60 < int(newcomer.headers["Retry-After"]) <= 15 * 60

    owner = visitor("en", REMOTE_ADDR=OWNER_ADDRESS)
    assert log_in(owner, "planlegger", PASSWORD).status_code == 302  # her office: she is let in
    assert logged_in(owner)


@pytest.mark.django_db
def test_failures_inside_the_window_still_count(client, english, planner):
    failed_earlier("planlegger", minutes_ago=13, addresses=SPREAD)
    response = log_in(client, "planlegger", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 2 minutes and try again." in html(response)


@pytest.mark.django_db
def test_failures_older_than_the_window_are_forgotten(client, english, planner):
    failed_earlier("planlegger", minutes_ago=16, addresses=SPREAD)
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
    """Fifty guesses from one address sent at once, all before any has been judged: only five are checked."""
    checked, refused = [], []
    start = threading.Barrier(50)

    def guess():
        start.wait()
        try:
            LoginThrottle().begin("planlegger", ATTACKER_ADDRESS)
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
