"""A year's reporting in real Chromium: a planner enters and submits, an approver approves and publishes."""

import re

import pytest
from playwright.sync_api import expect

from indicators.models import IndicatorValue, reporting_year
from tests import factories as make

YEAR = reporting_year()


@pytest.fixture
def rana(waste, lighthouses):
    """Rana under its name in both languages (its number still named Rana), with its population published."""
    rana = make.municipality("Rana - Raane", codes=[("1833", 1964, None, "Rana")])
    make.population(rana, {YEAR - 1: 26000, YEAR: 26000})
    return rana


def log_in(page, user):
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(user.username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min rapportering")


def log_out(page):
    page.get_by_role("button", name="Logg ut").click()


def test_a_planner_reports_and_an_approver_publishes(page, axe, rana_planner, rana_approver):
    log_in(page, rana_planner)
    page.get_by_role("link", name=re.compile("Registrer verdier")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Rapportering {YEAR}")
    axe.assert_no_violations(page)

    waste = page.locator("#indicator-husholdningsavfall")
    amount = waste.get_by_label("Samlet mengde (tonn)")
    # 52 000 tonnes for 26 000 inhabitants: the page computes 2 000 kg each while she types.
    amount.fill("52 000")
    expect(waste.locator("output")).to_have_text("2\u00a0000\u00a0kg per innbygger")
    page.locator("#indicator-miljofyrtarn").get_by_label("Tall (antall)").fill("12")
    page.get_by_role("button", name="Lagre og send til godkjenning").click()

    # The figure is implausible: nothing is submitted until she explains it.
    expect(page.get_by_text("Ingenting ble lagret")).to_be_visible()
    expect(waste.get_by_text("over det høyeste sannsynlige tallet")).to_be_visible()
    axe.assert_no_violations(page)
    assert not IndicatorValue.objects.filter(year=YEAR, indicator__code="miljofyrtarn").exists()

    waste.get_by_label("Kommentar").fill("Ny gjenvinningsstasjon tar imot næringsavfall.")
    page.get_by_role("button", name="Lagre og send til godkjenning").click()
    expect(page.get_by_text("2 verdier ble sendt inn til godkjenning")).to_be_visible()
    log_out(page)

    log_in(page, rana_approver)
    page.get_by_role("link", name=re.compile("^Godkjenn")).click()
    axe.assert_no_violations(page)
    page.get_by_label("Miljøfyrtårn-sertifiserte virksomheter").check()
    page.get_by_label("Husholdningsavfall per innbygger").check()
    page.get_by_role("button", name="Godkjenn valgte").click()
    expect(page.get_by_text("Godkjente 2 verdier.")).to_be_visible()
    page.get_by_label("Miljøfyrtårn-sertifiserte virksomheter").check()
    page.get_by_role("button", name="Publiser valgte").click()
    expect(page.get_by_text("Publiserte 1 verdi.")).to_be_visible()
    log_out(page)

    page.goto("/kommune/1833/")
    lighthouses = page.locator("#indicator-miljofyrtarn")
    expect(lighthouses.get_by_role("row", name=str(YEAR))).to_contain_text("12")
    # The approved but unpublished waste figure stays out of public view.
    expect(page.locator("#indicator-husholdningsavfall")).not_to_contain_text("2\u00a0000")


def test_the_entry_page_fits_a_phone_and_200_percent_zoom(page, rana_planner):
    """WCAG 1.4.10 reflow: at 320 CSS pixels wide (a phone, or 1280 px at 400 %) nothing scrolls sideways."""
    log_in(page, rana_planner)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/rapportering/1833/{YEAR}/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    expect(page.get_by_role("button", name="Lagre og send til godkjenning")).to_be_visible()


def test_the_entry_form_works_by_keyboard_alone(page, rana_planner):
    log_in(page, rana_planner)
    page.goto(f"/rapportering/1833/{YEAR}/")
    page.locator("#indicator-miljofyrtarn").get_by_label("Tall (antall)").focus()
    page.keyboard.type("7")
    # Tab on through the comment to the buttons, and press Enter on "Lagre som utkast".
    for _ in range(50):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Lagre som utkast":
            break
    page.keyboard.press("Enter")
    expect(page.get_by_text("Lagret 1 verdi som utkast.")).to_be_visible()
    assert IndicatorValue.objects.get(indicator__code="miljofyrtarn", year=YEAR).value == 7


def test_a_failed_import_lists_its_problems_and_passes_axe(page, axe, rana_planner):
    """The preview of a file with problems meets WCAG 2.1 AA; every other reporting page, with data in it, is checked
    by tests/browser/test_accessibility.py, which takes them from the walk of the URL conf."""
    log_in(page, rana_planner)
    page.goto(f"/rapportering/1833/{YEAR}/import/")
    # A file with problems: the preview lists them, and that page too is accessible.
    page.get_by_label("Regneark (CSV eller XLSX)").set_input_files(
        files=[
            {
                "name": "feil.csv",
                "mimeType": "text/csv",
                "buffer": b"kommunenummer;indikator;\xc3\xa5r;verdi\n1833;x;1;y\n",
            }
        ]
    )
    page.get_by_role("button", name="Last opp og sjekk").click()
    expect(page.get_by_text("Ingenting er lagret")).to_be_visible()
    axe.assert_no_violations(page)
