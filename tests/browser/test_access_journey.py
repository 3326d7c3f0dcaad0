"""Roles in real Chromium (issue 18): the coordinator gives the politician a role from her start page, is refused
when she tries to give herself one, and withdraws it after confirming; the politician is told on her start page
until she has read it. axe checks every page on the way."""

from django.conf import settings
from playwright.sync_api import expect

from indicators.models import AccessChange, MunicipalityRole, Role
from tests import factories as make


def log_in(page, live_server, user):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/logg-inn/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(make.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def give(page, municipality, role, user):
    page.get_by_role("combobox", name="Municipality").select_option(label=municipality)
    page.get_by_role("combobox", name="Role").select_option(label=role)
    page.get_by_role("textbox", name="User name or e-mail address").fill(user)
    page.get_by_role("button", name="Give the role").click()


def test_the_coordinator_gives_and_withdraws_a_role_and_the_politician_is_told(
    page, axe, live_server, kongsberg, coordinator, politician
):
    log_in(page, live_server, coordinator)
    page.get_by_role("link", name="Access and roles: who has which role where, and network members").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Access and roles")
    axe.assert_no_violations(page)

    give(page, "Kongsberg (3303)", "Approver", "koordinator")
    expect(page.get_by_role("alert")).to_contain_text("You cannot change your own roles")
    axe.assert_no_violations(page)

    give(page, "Kongsberg (3303)", "Approver", "politiker")
    expect(page.get_by_role("status")).to_contain_text("politiker is now approver in Kongsberg.")
    history = page.locator("#caption-history").locator("xpath=..")
    expect(history.locator("tbody tr").first).to_contain_text("Granted: approver")
    assert set(MunicipalityRole.objects.filter(user=politician).values_list("role", flat=True)) == {
        Role.READER,
        Role.APPROVER,
    }

    page.get_by_role("link", name="Withdraw – approver, politiker, Kongsberg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw a role")
    axe.assert_no_violations(page)
    page.get_by_role("button", name="Withdraw the role").click()
    expect(page.get_by_role("status")).to_contain_text("politiker is no longer approver in Kongsberg.")
    assert AccessChange.objects.count() == 2

    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, politician)
    # A reader of one municipality would land on its dashboard; with news of her access she is told first.
    notice = page.get_by_role("region", name="Your access has changed")
    expect(notice).to_contain_text(
        "koordinator withdrew your role approver in Kongsberg. Your roles there now: reader."
    )
    expect(notice).to_contain_text("koordinator gave you the role approver in Kongsberg.")
    axe.assert_no_violations(page)
    page.get_by_role("button", name="I have read this").click()
    # Back to the start page, which, with nothing new to tell, sends her on to her dashboard as before.
    expect(page).to_have_url(f"{live_server.url}/kommune/3303/")
