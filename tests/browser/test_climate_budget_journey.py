"""The climate budget in real Chromium, from the planner's first entry to what the public reads.

A Rana planner sets up a climate budget in the adopted økonomiplan, sets road traffic's frames and reference path,
adds three measures (one refused first for cutting more than the sector emits), reports their statuses and submits
them; Rana's approver approves and publishes; then the public reads the budget page (headline, wedge chart drawn,
measures with their statuses), the annual report's climate chapter and the network's comparison. axe checks each
page; the public pages fit a 320 px phone.
"""

import datetime

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import NETWORK_SLUG
from plans.models import AnnualReport, ClimateMeasure, MeasureReport, PlanType, ReportStatus
from plans.services import publish_report
from tests import factories as make

YEAR = datetime.date.today().year
TARGET_YEAR = YEAR + 4
ROAD = "veitrafikk"


@pytest.fixture
def rana_world(rana, rana_planner, rana_approver, share):
    """Rana's road traffic emissions (100 000 t in 2009, 80 000 t two years ago, as Miljødirektoratet published
    them), an adopted økonomiplan for this year and three more, a published annual report for this year, and a
    network with Rana in it."""
    make.emissions(rana, ROAD, {2009: 100_000, YEAR - 2: 80_000})
    plan = make.plan(rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3, title="Økonomiplan for Rana")
    plan.strategic_projects.create(title="Ladestasjoner", responsible_unit="Teknisk drift")
    report = AnnualReport.objects.create(municipality=rana, year=YEAR)
    publish_report(report=report, user=rana_approver)
    make.network(members=[rana])
    return plan


def log_in(page, live_server, user):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/logg-inn/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(make.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def saved(page, text: str = ""):
    """The page says the change was saved (in a success message holding the text)."""
    expect(page.locator(".alert-success").filter(has_text=text).first).to_be_visible()


def add_measure(page, number, title, **fields):
    page.get_by_role("link", name="Add a measure").click()
    page.locator("[name=number]").fill(number)
    page.locator("[name=title]").fill(title)
    page.locator("[name=sector]").select_option(label="Road traffic")
    if "indicator" in fields:
        page.locator("[name=result_indicator]").select_option(label=fields["indicator"])
    if "effect" in fields:
        page.locator("[name=effect_class]").select_option(label=fields["effect"])
    if "project" in fields:
        page.locator("[name=project]").select_option(label=fields["project"])
    for year, cut in fields.get("cuts", {}).items():
        page.get_by_label(f"Expected cut {year} (tonnes CO₂-eq.)").fill(str(cut))
    for year, target in fields.get("targets", {}).items():
        page.get_by_label(f"Target for the result indicator {year}").fill(str(target))
    page.get_by_label("Explanation").fill("Vedtatt med økonomiplanen")
    page.get_by_role("button", name="Save").click()


def test_a_planner_builds_the_budget_an_approver_publishes_and_the_public_reads_it(
    page, axe, live_server, browser, rana_world, rana_planner, rana_approver, share
):
    plan = rana_world
    log_in(page, live_server, rana_planner)
    page.goto(f"/kommune/1833/planer/{plan.pk}/")
    page.get_by_role("link", name="Set up a climate budget").click()
    axe.assert_no_violations(page)
    page.get_by_role("spinbutton", name="Reference year").fill("2009")
    page.get_by_role("spinbutton", name="Target year").fill(str(TARGET_YEAR))
    page.get_by_label("Target cut (%)").fill("60")
    # An interim target: half the way by the plan's last year.
    page.locator("[name=interim-0-year]").fill(str(YEAR + 3))
    page.locator("[name=interim-0-percent]").fill("45")
    page.get_by_label("Explanation").fill("Klimabudsjettet vedtatt med økonomiplanen")
    page.get_by_role("button", name="Save").click()
    saved(page)

    # Road traffic: frames falling from 70 % to 40 %, the reference path at 78 % … 74 % of 2009.
    page.get_by_role("link", name="Add a sector").click()
    page.locator("[name=sector]").select_option(value=ROAD)
    for n, year in enumerate(range(YEAR, TARGET_YEAR + 1)):
        page.get_by_label(f"Frame {year} (% of the reference year)").fill(str(70 - 7.5 * n).replace(".0", ""))
        page.get_by_label(f"Reference path {year} (% of the reference year)").fill(str(78 - n))
    axe.assert_no_violations(page)
    page.get_by_label("Explanation").fill("Rammer etter bystyrets vedtak")
    page.get_by_role("button", name="Save").click()
    saved(page)

    indicator = share.name_en or share.name_nb
    add_measure(page, "T1", "Ladestasjoner ved kommunale bygg", indicator=indicator, project="Ladestasjoner",
                cuts={YEAR: 3000, TARGET_YEAR: 6000}, targets={YEAR: 40})  # fmt: skip
    saved(page)
    add_measure(page, "T2", "Klimakrav i anskaffelser", effect="Medium")
    saved(page)
    # A cut bigger than road traffic emits on its reference path this year (78 000 t) is refused, and nothing saved.
    add_measure(page, "T3", "Bompenger i sentrum", indicator=indicator, cuts={YEAR: 90_000})
    expect(page.locator(".alert-danger, .error-summary").first).to_contain_text("more than the 78,000 tonnes")
    axe.assert_no_violations(page)
    assert not ClimateMeasure.objects.filter(number="T3").exists()
    page.get_by_label(f"Expected cut {YEAR} (tonnes CO₂-eq.)").fill("5000")
    page.get_by_label("Explanation").fill("Vedtatt med økonomiplanen")
    page.get_by_role("button", name="Save").click()
    saved(page)

    # This year's statuses, saved and submitted in one step.
    page.goto(f"/rapportering/1833/klimabudsjett/{YEAR}/status/")
    axe.assert_no_violations(page)
    rows = page.locator("table.climate-status-table tbody tr")
    statuses = {
        "T1": ("On track", "", "45"),
        "T2": ("Not started", "", None),
        "T3": ("Delayed", "Venter på vedtak", "0"),
    }
    for number, (status, explanation, result) in statuses.items():
        row = rows.filter(has_text=f"{number} ")
        row.locator("select").select_option(label=status)
        if explanation:
            row.locator("textarea").first.fill(explanation)
        if result is not None:
            row.locator("input[type=text], input[inputmode]").last.fill(result)
    page.get_by_role("button", name="Save and submit every draft").click()
    saved(page, "submitted")
    assert set(MeasureReport.objects.values_list("workflow", flat=True)) == {ReportStatus.SUBMITTED}
    log_out(page)

    # The approver approves and publishes them all.
    log_in(page, live_server, rana_approver)
    page.goto(f"/rapportering/1833/klimabudsjett/{YEAR}/status/")
    page.get_by_role("checkbox", name="Choose all").check()
    page.get_by_role("button", name="Approve chosen").click()
    saved(page, "approved")
    page.get_by_role("checkbox", name="Choose all").check()
    page.get_by_role("button", name="Publish chosen").click()
    saved(page, "published")
    assert set(MeasureReport.objects.values_list("workflow", flat=True)) == {ReportStatus.PUBLISHED}
    log_out(page)

    # The public: a fresh tab without a login.
    public = browser.new_context(base_url=live_server.url, locale="en-GB")
    public.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    tab = public.new_page()
    try:
        for width in (1280, 320):
            tab.set_viewport_size({"width": width, "height": 900})
            tab.goto(f"/kommune/1833/klimabudsjett/{YEAR}/")
            # Frame: 70 % of 100 000 t; latest known 80 000 t; needed 78 000 − 70 000 = 8 000, T1 and T3 cut 8 000. In
            # the target year the path with measures is 74 000 − 6 000 = 68 000 t: a 32 % cut, 28 points short of 60 %.
            expect(tab.locator(".climate-headline-sentence")).to_have_text(
                f"The frame for {YEAR} is 70,000 tonnes CO₂-eq. The latest known emissions are 80,000 tonnes "
                f"({YEAR - 2}). The quantified measures cover 100 % of the cut needed in {YEAR}. With them, 28 "
                f"percentage points are missing to the target of a 60 % cut by {TARGET_YEAR}."
            )
            measures = tab.locator("#climate-measures, section").filter(has_text="Ladestasjoner ved kommunale bygg")
            expect(measures.first).to_contain_text("On track")
            expect(measures.first).to_contain_text("Delayed")
            expect(measures.first).to_contain_text("Venter på vedtak")
            # The wedge chart was drawn: plotly's SVG holds the sector's area and the paths, each with a shape.
            chart = tab.locator(".climate-chart")
            chart.scroll_into_view_if_needed()
            traces = chart.locator(".scatterlayer .trace")
            expect(traces.first).to_be_attached()
            assert traces.count() >= 3
            drawn = chart.locator(".scatterlayer path.js-line, .scatterlayer path.js-fill").evaluate_all(
                "paths => paths.filter(p => (p.getAttribute('d') || '').length > 10).length"
            )
            assert drawn >= 3
            assert tab.evaluate("document.documentElement.scrollWidth") <= width
            axe.assert_no_violations(tab)

        # The annual report's chapter and the network's comparison.
        tab.set_viewport_size({"width": 1280, "height": 900})
        tab.goto(f"/kommune/1833/arsrapport/{YEAR}/?lang=en")  # the report is written in Rana's bokmål unless asked
        chapter = tab.locator("section", has=tab.get_by_role("heading", name="Climate budget"))
        expect(chapter.first).to_contain_text("Ladestasjoner ved kommunale bygg")
        expect(chapter.first).to_contain_text("On track")
        expect(chapter.first).to_contain_text(f"Miljødirektoratet's figures for {YEAR} come in {YEAR + 2}.")
        axe.assert_no_violations(tab)
        tab.goto(f"/nettverk/{NETWORK_SLUG}/arsrapport/{YEAR}/")
        member = tab.locator("tr.climate-member", has_text="Rana")
        expect(member).to_contain_text("70,000")
        expect(member).to_contain_text("100 % of the cut needed")
        axe.assert_no_violations(tab)
    finally:
        public.close()
