"""A planner who forgot her password, in real Chromium and bokmål: from the login page's link, through the mail,
to a new password and logged in; then she changes it from the header. axe checks every page on the way."""

import re

from django.core import mail
from playwright.sync_api import expect

from indicators.models import Role
from tests import factories as make

NEW_PASSWORD = "Multe-og-molte-2025"
LINK = re.compile(r"https?://[^/\s]+(/passord/nytt/\S+/)")


def test_a_planner_resets_her_forgotten_password_and_then_changes_it(page, axe, live_server, rana):
    make.role(make.user("kari-rana", email="kari@rana.kommune.no"), rana, Role.PLANNER)
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Glemt passordet?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glemt passord")
    axe.assert_no_violations(page)
    page.get_by_label("E-post").fill("kari@rana.kommune.no")
    page.get_by_role("button", name="Send lenken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sjekk e-posten din")
    axe.assert_no_violations(page)

    assert [message.subject for message in mail.outbox] == ["Velg nytt passord for Livskraft"]
    page.goto(LINK.search(mail.outbox[0].body).group(1))
    # Password fields have no role to find them by; their labels are checked by axe.
    expect(page.get_by_role("heading", level=1)).to_have_text("Velg nytt passord")
    axe.assert_no_violations(page)
    page.locator("#id_new_password1").fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Lagre det nye passordet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt passord er lagret")
    expect(page.locator(".site-user")).to_have_text("Logget inn som kari-rana")
    axe.assert_no_violations(page)

    page.get_by_role("link", name="Endre passord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Endre passord")
    axe.assert_no_violations(page)
    page.locator("#id_old_password").fill(NEW_PASSWORD)
    page.locator("#id_new_password1").fill("Tyttebær-og-krekling-2026")
    page.locator("#id_new_password2").fill("Tyttebær-og-krekling-2026")
    page.get_by_role("button", name="Endre passord").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passordet er endret")
    axe.assert_no_violations(page)
