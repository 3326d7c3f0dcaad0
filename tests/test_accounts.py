"""People manage their own access: change the password, reset it by e-mail, sessions that end when left idle, and
login names that no one else reads."""

import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from core.middleware import IDLE_KEY
from indicators.models import Role, ValueStatus
from indicators.services import change_status, save_value
from tests import factories as make
from tests import pages

PASSWORD = make.PASSWORD
NEW_PASSWORD = "Blåbær-og-tyttebær-2025"
RESET_LINK = re.compile(r"https?://[^/\s]+(/passord/nytt/[^/\s]+/[^/\s]+/)")

pytestmark = pytest.mark.django_db


def visitor(language: str = "en", **options) -> Client:
    client = Client(**options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def html(response) -> str:
    return response.content.decode()


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def log_in(client, username, password, **extra):
    return client.post("/logg-inn/", {"username": username, "password": password}, **extra)


@pytest.fixture
def kari(rana):
    """A planner in Rana with an e-mail address, the way an administrator sets her up."""
    return make.role(make.user("kari-rana", email="kari@rana.kommune.no"), rana, Role.PLANNER)


# --- changing the password -------------------------------------------------------------------------------------


def test_the_header_leads_a_logged_in_user_to_change_her_password(kari):
    browser = visitor()
    browser.force_login(kari)
    page = html(browser.get("/"))
    assert '<a class="site-user-link" href="/passord/endre/">Change password</a>' in page


def test_changing_the_password_needs_the_current_one(kari):
    browser = visitor()
    browser.force_login(kari)
    form = browser.get("/passord/endre/")
    assert form.status_code == 200
    assert "<h1>Change password</h1>" in html(form)

    wrong = browser.post(
        "/passord/endre/",
        {"old_password": "not mine", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in html(wrong)

    done = browser.post(
        "/passord/endre/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.url == "/passord/endret/"
    assert "<h1>Password changed</h1>" in html(browser.get(done.url))
    assert logged_in(browser)  # she stays logged in here

    assert log_in(visitor(), "kari-rana", PASSWORD).status_code == 200  # the old one no longer works
    assert log_in(visitor(), "kari-rana", NEW_PASSWORD).status_code == 302


def test_changing_the_password_asks_a_visitor_to_log_in_first():
    response = visitor().get("/passord/endre/")
    assert response.status_code == 302
    assert response.url == "/logg-inn/?next=/passord/endre/"


def test_the_change_page_speaks_norwegian(kari):
    browser = visitor("nn")
    browser.force_login(kari)
    page = html(browser.get("/passord/endre/"))
    assert '<html lang="nn">' in page
    assert "<h1>Endre passord</h1>" in page


# --- resetting it by e-mail ------------------------------------------------------------------------------------


def ask_for_a_link(client, email, **extra):
    return client.post("/passord/glemt/", {"email": email}, **extra)


def link_in(message) -> str:
    return RESET_LINK.search(message.body).group(1)


def test_the_login_page_offers_a_reset():
    page = html(visitor("nb").get("/logg-inn/"))
    assert '<a href="/passord/glemt/">Glemt passordet?</a>' in page


def test_a_forgotten_password_is_reset_through_a_link_that_works_once(kari):
    browser = visitor()
    answer = ask_for_a_link(browser, "KARI@rana.kommune.no")  # any case
    assert answer.status_code == 302 and answer.url == "/passord/glemt/sendt/"
    assert "<h1>Check your e-mail</h1>" in html(browser.get(answer.url))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kari@rana.kommune.no"]
    assert message.subject == "Choose a new password for Livskraft"
    assert "Your user name is kari-rana." in message.body
    assert "It works once, within 60 minutes" in message.body

    link = link_in(message)
    opened = browser.get(link)  # Django moves the token into the session, out of the address bar
    assert opened.status_code == 302
    form = browser.get(opened.url)
    assert "<h1>Choose a new password</h1>" in html(form)
    saved = browser.post(opened.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert saved.status_code == 302 and saved.url == "/passord/nytt/ferdig/"
    assert logged_in(browser)  # logged in with the new password
    assert "you are logged in" in html(browser.get(saved.url))

    again = visitor().get(link)
    assert again.status_code == 200
    assert "<h1>The link does not work</h1>" in html(again)
    assert log_in(visitor(), "kari-rana", NEW_PASSWORD).status_code == 302


def test_a_reset_link_expires(kari, settings):
    ask_for_a_link(visitor(), "kari@rana.kommune.no")
    settings.PASSWORD_RESET_TIMEOUT = 1
    time.sleep(2.1)
    response = visitor().get(link_in(mail.outbox[0]))
    assert response.status_code == 200
    assert "<h1>The link does not work</h1>" in html(response)


def test_the_mail_is_in_the_language_of_the_page_it_was_asked_from(kari):
    ask_for_a_link(visitor("nn"), "kari@rana.kommune.no")
    message = mail.outbox[0]
    assert message.subject == "Vel nytt passord for Livskraft"
    assert "Brukarnamnet ditt er kari-rana." in message.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(kari):
    known, unknown = ask_for_a_link(visitor(), "kari@rana.kommune.no"), ask_for_a_link(visitor(), "ingen@example.no")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mail.outbox) == 1


def test_reset_mails_to_one_address_are_limited_without_telling(kari):
    answers = [ask_for_a_link(visitor(REMOTE_ADDR=f"192.0.2.{n}"), "kari@rana.kommune.no") for n in range(5)]
    assert {(answer.status_code, answer.url) for answer in answers} == {(302, "/passord/glemt/sendt/")}
    assert len(mail.outbox) == 3  # LIVSKRAFT_RESET_MAX_PER_EMAIL an hour; the page says the same every time


def test_reset_requests_from_one_address_are_refused_after_ten(kari):
    office = visitor(REMOTE_ADDR="203.0.113.9")
    for n in range(10):
        assert ask_for_a_link(office, f"someone{n}@example.no").status_code == 302
    refused = ask_for_a_link(office, "kari@rana.kommune.no")
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 55 * 60 < seconds <= 60 * 60  # until the oldest requests leave the hour, counted in slices of 4 minutes
    minutes = -(-seconds // 60)
    assert f"Too many reset requests from your address. Wait {minutes} minutes and try again." in html(refused)
    assert mail.outbox == []
    assert ask_for_a_link(visitor(REMOTE_ADDR="198.51.100.7"), "kari@rana.kommune.no").status_code == 302


def test_the_admins_login_offers_the_portals_reset():
    page = html(visitor().get("/forvaltning/login/"))
    assert 'href="/forvaltning/password_reset/"' in page
    assert visitor().get("/forvaltning/password_reset/").url == "/passord/glemt/"


# --- an idle session ends --------------------------------------------------------------------------------------


def idle_for(client, minutes: float) -> None:
    """Make the session's last request that many minutes old, as if she had left the browser."""
    session = client.session
    session[IDLE_KEY] = int(time.time() - minutes * 60)
    session.save()


def test_a_session_left_idle_ends_and_brings_her_back_after_logging_in(kari):
    browser = visitor()
    assert log_in(browser, "kari-rana", PASSWORD).status_code == 302
    assert browser.get("/rapportering/").status_code == 200
    idle_for(browser, settings.LIVSKRAFT_SESSION_IDLE_MINUTES + 1)

    sent = browser.get("/rapportering/")
    assert sent.status_code == 302 and sent.url == "/logg-inn/?next=/rapportering/"
    assert not logged_in(browser)
    login_page = html(browser.get(sent.url))
    assert "You were logged out after 60 minutes without activity. Log in again to go on." in login_page

    back = browser.post(sent.url, {"username": "kari-rana", "password": PASSWORD, "next": "/rapportering/"})
    assert back.status_code == 302 and back.url == "/rapportering/"


def test_activity_keeps_the_session(kari):
    browser = visitor()
    log_in(browser, "kari-rana", PASSWORD)
    idle_for(browser, settings.LIVSKRAFT_SESSION_IDLE_MINUTES - 1)
    assert browser.get("/rapportering/").status_code == 200  # in time: the clock starts again
    assert time.time() - browser.session[IDLE_KEY] < 5
    idle_for(browser, settings.LIVSKRAFT_SESSION_IDLE_MINUTES - 1)
    assert browser.get("/rapportering/").status_code == 200


def test_the_idle_time_is_a_setting(kari, settings):
    settings.LIVSKRAFT_SESSION_IDLE_MINUTES = 5
    browser = visitor()
    log_in(browser, "kari-rana", PASSWORD)
    idle_for(browser, 6)
    assert browser.get("/rapportering/").status_code == 302


def test_visitors_get_no_session_so_public_pages_stay_cached(site):
    anonymous = visitor()
    for route in pages.every_page():
        if route.name in pages.PRIVATE or route.name in pages.REDIRECTS:
            continue
        response = anonymous.get(site.url(route))
        assert settings.SESSION_COOKIE_NAME not in response.cookies, route


# --- login names are nobody else's business --------------------------------------------------------------------


def test_no_public_page_shows_a_login_name(site, django_user_model, rana, waste):
    """The world's people have no full names, like the "sec-admin" that published in the attack."""
    sec_admin = make.role(make.user("sec-admin"), rana, Role.APPROVER)
    value = make.value(waste, rana, pages.YEAR - 3, 10300)
    value.value = 10350
    save_value(value, user=sec_admin, reason="Rettet")
    for status in (ValueStatus.SUBMITTED, ValueStatus.APPROVED, ValueStatus.PUBLISHED):
        change_status(values=[value], status=status, user=sec_admin, reason="Publisert")
    names = list(django_user_model.objects.values_list("username", flat=True))
    anonymous = visitor()
    for route in pages.every_page():
        if route.name in pages.PRIVATE or route.name in pages.REDIRECTS:
            continue
        page = html(anonymous.get(site.url(route)))
        assert [name for name in names if name in page] == [], route
    digest = html(anonymous.get(f"/kommune/{rana.kommunenummer}/endringer/?siden={pages.YEAR - 5}-01-01"))
    assert "Rana municipality" in digest and "sec-admin" not in digest
    for download in ("/data/alle-publiserte-tall.csv", f"/kommune/{rana.kommunenummer}/data.csv", "/api/v1/values/"):
        response = anonymous.get(download)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert [name for name in names if name.encode() in body] == [], download


def test_colleagues_read_a_role_for_someone_without_a_full_name(site, rana, waste, rana_planner):
    sec_admin = make.role(make.user("sec-admin"), rana, Role.APPROVER)
    value = make.value(waste, rana, pages.YEAR - 3, 10300, changed_by=sec_admin)
    value.value = 10350
    save_value(value, user=sec_admin, reason="Rettet")
    browser = visitor()
    browser.force_login(rana_planner)
    history = html(browser.get(f"/verdi/{value.pk}/historikk/"))
    assert "<td>Approver in Rana</td>" in history and "sec-admin" not in history

    sec_admin.municipality_roles.all().delete()
    sec_admin.is_superuser = True
    sec_admin.save()
    assert "<td>Administrator</td>" in html(browser.get(f"/verdi/{value.pk}/historikk/"))
    sec_admin.first_name, sec_admin.last_name = "Siri", "Sikkerhet"
    sec_admin.save()
    assert "<td>Siri Sikkerhet</td>" in html(browser.get(f"/verdi/{value.pk}/historikk/"))


def test_a_report_is_said_to_be_published_by_a_role_not_a_login_name(site, rana_planner):
    browser = visitor()
    browser.force_login(rana_planner)
    page = html(browser.get(f"/rapportering/{site.municipality.kommunenummer}/{pages.YEAR}/arsrapport/"))
    assert "by Planner in Rana." in page
    assert page.count("planlegger-rana") == 1  # her own, in "Logged in as"
