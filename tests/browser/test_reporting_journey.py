"""A year's reporting in real Chromium: a planner enters and submits, an approver approves and publishes."""

import re

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorValue, ValueStatus, reporting_year
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
    expect(page.get_by_text("2 tall er lagret og sendt til godkjenning. 1 av dem har merknader")).to_be_visible()
    log_out(page)

    log_in(page, rana_approver)
    page.get_by_role("link", name=re.compile("^Godkjenn")).click()
    axe.assert_no_violations(page)
    page.get_by_label("Miljøfyrtårn-sertifiserte virksomheter", exact=True).check()
    page.get_by_label("Husholdningsavfall per innbygger", exact=True).check()
    page.get_by_role("button", name="Godkjenn valgte").click()
    expect(page.get_by_text("Godkjente 2 tall.")).to_be_visible()
    page.get_by_label("Miljøfyrtårn-sertifiserte virksomheter", exact=True).check()
    page.get_by_role("button", name="Publiser valgte").click()
    expect(page.get_by_text("Publiserte 1 tall: de offentlige sidene viser det nå.")).to_be_visible()
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


# --- issue 16: what the planner and the approver see while they work ----------------------------------------------


def test_hints_appear_as_she_types_and_the_population_typed_moves_every_figure(page, axe, rana, share, rana_planner):
    make.published_value(Indicator.objects.get(code="miljofyrtarn"), rana, YEAR - 3, 20)
    log_in(page, rana_planner)
    page.goto(f"/rapportering/1833/{YEAR}/")
    waste = page.locator("#indicator-husholdningsavfall")
    amount = waste.get_by_label("Samlet mengde (tonn)")
    hint = waste.locator(".entry-hint")
    expect(waste).to_contain_text("Ingenting publisert ennå")
    expect(page.locator("#indicator-miljofyrtarn")).to_contain_text(f"20 ({YEAR - 3})")

    # 52 000 tonnes on the stored 26 000 inhabitants: 2 000 kg each, above the plausible 1 000 kg.
    amount.fill("52 000")
    expect(waste.locator("output")).to_have_text("2\u00a0000\u00a0kg per innbygger")
    expect(hint).to_have_text(
        "Sjekk tallet: 2\u00a0000\u00a0kg per innbygger er over det høyeste sannsynlige tallet, "
        "1\u00a0000\u00a0kg per innbygger. Forklar tallet i kommentaren før du sender det inn."
    )
    # She types this year's population on the same page: every per-inhabitant figure follows it, and the hint goes.
    page.locator("#indicator-folkemengde").get_by_label("Tall (personer)").fill("52 000")
    expect(waste.locator("output")).to_have_text("1\u00a0000\u00a0kg per innbygger")
    expect(waste.locator(".entry-population")).to_have_text("Folkemengde: 52\u00a0000")
    expect(hint).to_be_hidden()
    expect(hint).to_have_text("")

    # The change from the last published figure, with its year.
    lighthouses = page.locator("#indicator-miljofyrtarn")
    lighthouses.get_by_label("Tall (antall)").fill("45")
    expect(lighthouses.locator(".entry-hint")).to_contain_text(
        f"+125\u00a0% endring fra sist publiserte tall, 20 i {YEAR - 3}; mer enn 50\u00a0% er uvanlig."
    )
    lighthouses.get_by_label("Tall (antall)").fill("25")
    expect(lighthouses.locator(".entry-hint")).to_be_hidden()

    # A share above 100 % is an error, said before the server refuses it.
    shares = page.locator("#indicator-skoler-naer-friluftsomrade")
    shares.get_by_label("Tall (prosent)").fill("120")
    expect(shares.locator(".entry-hint")).to_have_text(
        "Rett tallet: En andel kan ikke være over 100 %. Skriv den i prosent, for eksempel 95,5."
    )
    expect(shares.locator(".entry-hint")).to_have_class(re.compile("entry-hint-error"))
    shares.get_by_label("Tall (prosent)").fill("abc")
    expect(shares.locator(".entry-hint")).to_contain_text("«abc» er ikke et tall.")
    # Read as the server reads it: thousands grouped by three, digits 0-9 only.
    for typed in ("12,5.3", "١٢"):
        shares.get_by_label("Tall (prosent)").fill(typed)
        expect(shares.locator(".entry-hint")).to_contain_text(f"«{typed}» er ikke et tall.")
    # The hint describes the field for a screen reader.
    described = amount.get_attribute("aria-describedby").split()
    assert hint.get_attribute("id") in described
    axe.assert_no_violations(page)


def test_the_error_summary_takes_focus_and_leads_to_each_field(page, axe, rana, rana_planner):
    log_in(page, rana_planner)
    page.goto(f"/rapportering/1833/{YEAR}/")
    page.locator("#indicator-husholdningsavfall").get_by_label("Samlet mengde (tonn)").fill("52 000")
    page.locator("#indicator-miljofyrtarn").get_by_label("Tall (antall)").fill("mange")
    page.get_by_role("button", name="Lagre og send til godkjenning").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading", level=2)).to_have_text("Ingenting ble lagret")
    expect(summary.get_by_role("link")).to_have_count(2)
    expect(page).to_have_title(re.compile("^Feil: "))
    axe.assert_no_violations(page)
    # Tab to the first link and follow it: the field it names takes focus.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    comment = page.locator("#indicator-husholdningsavfall").get_by_label("Kommentar")
    expect(comment).to_be_focused()
    expect(comment).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link").nth(1).click()
    figure = page.locator("#indicator-miljofyrtarn").get_by_label("Tall (antall)")
    expect(figure).to_be_focused()
    expect(figure).to_have_accessible_description(re.compile("«mange» er ikke et tall"))


def test_the_approver_chooses_all_by_keyboard_and_returns_each_figure_with_its_own_reason(
    page, axe, rana, rana_planner, rana_approver
):
    waste = Indicator.objects.get(code="husholdningsavfall")
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    make.population(rana, {YEAR - 3: 26000})
    make.published_value(waste, rana, YEAR - 3, 10400)
    make.value(waste, rana, YEAR, 52000, status=ValueStatus.SUBMITTED, comment="Ny gjenvinningsstasjon.")
    make.value(lighthouses, rana, YEAR, 12, status=ValueStatus.SUBMITTED)
    log_in(page, rana_approver)
    page.goto(f"/rapportering/1833/{YEAR}/godkjenning/")
    row = page.get_by_role("row", name=re.compile("Husholdningsavfall"))
    expect(row).to_contain_text(f"fra 400\u00a0kg per innbygger ({YEAR - 3})")
    expect(row).to_contain_text("+400\u00a0%")
    expect(row).to_contain_text("Ny gjenvinningsstasjon.")
    axe.assert_no_violations(page)

    # "Velg alle" by keyboard: focus it and press Space.
    choose_all = page.get_by_label("Velg alle")
    boxes = page.locator("tbody input[type=checkbox]")
    choose_all.focus()
    page.keyboard.press("Space")
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).to_be_checked()
    page.keyboard.press("Space")
    expect(boxes.nth(0)).not_to_be_checked()
    boxes.nth(0).check()
    assert page.evaluate("document.getElementById('choose-all').indeterminate")
    choose_all.focus()
    page.keyboard.press("Space")
    expect(boxes.nth(1)).to_be_checked()

    # Returning needs a reason for each figure: one is missing, so nothing is returned.
    page.get_by_label("Grunn til å sende tilbake Husholdningsavfall per innbygger").fill("Tonn eller kg?")
    page.get_by_role("button", name="Send valgte tilbake til planleggeren").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Ingenting ble sendt tilbake")
    reason = page.get_by_label("Grunn til å sende tilbake Miljøfyrtårn-sertifiserte virksomheter")
    expect(reason).to_have_attribute("aria-invalid", "true")
    axe.assert_no_violations(page)
    reason.fill("Gjelder tallet hele året?")
    page.get_by_role("button", name="Send valgte tilbake til planleggeren").click()
    expect(page.get_by_text("Sendte 2 tall tilbake til planleggeren med begrunnelsene dine.")).to_be_visible()
    assert set(IndicatorValue.objects.filter(year=YEAR).values_list("review_comment", flat=True)) >= {
        "Tonn eller kg?",
        "Gjelder tallet hele året?",
    }


def test_the_approval_form_works_without_javascript(browser, live_server, rana, rana_planner, rana_approver):
    lighthouses = Indicator.objects.get(code="miljofyrtarn")
    value = make.value(lighthouses, rana, YEAR, 12, status=ValueStatus.SUBMITTED)
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, rana_approver)
        page.goto(f"/rapportering/1833/{YEAR}/godkjenning/")
        expect(page.get_by_label("Velg alle")).to_have_count(0)
        page.get_by_label("Miljøfyrtårn-sertifiserte virksomheter", exact=True).check()
        page.get_by_role("button", name="Godkjenn valgte").click()
        expect(page.get_by_text("Godkjente 1 tall.")).to_be_visible()
        value.refresh_from_db()
        assert value.status == ValueStatus.APPROVED
    finally:
        context.close()


def test_the_reporting_matrix_scrolls_by_keyboard(page, axe, rana, coordinator):
    """On a phone the matrix is wider than the screen: it scrolls in its own region, which takes keyboard focus."""
    page.set_viewport_size({"width": 375, "height": 700})
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(coordinator.username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.goto(f"/rapportering/oversikt/{YEAR}/")
    region = page.get_by_role("region", name=re.compile(f"Rapporteringsrunden {YEAR}"))
    region.focus()
    expect(region).to_be_focused()
    scrolled = "document.querySelector('.reporting-matrix-scroll').scrollLeft"
    assert page.evaluate(scrolled) == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    for _ in range(30):  # arrow keys scroll smoothly
        if page.evaluate(scrolled) > 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(scrolled) > 0
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    axe.assert_no_violations(page)
