"""The politician in real Chromium: she logs in and lands on her municipality's dashboard, reads its summary and
the progress chips, follows the link to what changed; the planner's goal form warns about a baseline that
disagrees with the recorded figure as she types. axe checks every page on the way."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from playwright.sync_api import expect

from plans.models import AnnualReport, GoalIndicator
from tests import factories as make

THIS_YEAR = datetime.date.today().year
REPORT_DAY = datetime.datetime(2024, 5, 2, 10, tzinfo=datetime.UTC)


@pytest.fixture
def kongsberg_goals(kongsberg, lighthouses, waste):
    """Kongsberg's kommuneplan: Miljøfyrtårn from 15 (2010) to 22 by 2012, reached in 2013; waste on track."""
    plan = make.plan(kongsberg, first=2008, last=THIS_YEAR + 4, title="Kommuneplan for Kongsberg")
    area = make.focus_area(plan, "Natur, miljø og bærekraftig utvikling")
    make.goal(area, "Et miljøbevisst næringsliv", indicator=lighthouses, baseline=(2010, 15), target=(2012, 22))
    before = REPORT_DAY - datetime.timedelta(days=30)
    long_ago = {"published_at": before, "first_published_at": before}
    make.published_values(lighthouses, kongsberg, {2010: 15, 2011: 18, 2012: 19}, **long_ago)
    make.published_values(lighthouses, kongsberg, {2013: 22, 2014: 25})  # published since the report
    AnnualReport.objects.create(
        municipality=kongsberg, year=2023, published_at=REPORT_DAY, first_published_at=REPORT_DAY
    )
    return plan


def log_in(page, live_server, user):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(make.PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_politician_lands_on_her_dashboard_and_reads_it_in_half_a_minute(
    page, axe, live_server, kongsberg_goals, politician
):
    log_in(page, live_server, politician)
    expect(page).to_have_url(f"{live_server.url}/kommune/3303/")
    summary = page.locator(".dashboard-summary")
    expect(summary).to_contain_text("Progress on 1 measured target:")
    expect(summary.locator(".progress-chip")).to_have_text(["1 reached"])
    expect(summary).to_contain_text("2 figures published since the annual report for 2023 came out on 2.5.2024.")
    expect(summary).to_contain_text("0 figures are approved and wait to be published.")
    chip = page.locator(".goal .progress-chip")
    expect(chip).to_have_text("Reached in 2013, after the 2012 deadline")
    expect(chip.locator("svg")).to_have_attribute("aria-hidden", "true")
    # The indicator's comparison across the network opens with Kongsberg marked.
    expect(page.locator("#heading-miljofyrtarn a")).to_have_attribute("href", "/indikator/miljofyrtarn/?kommune=3303")
    axe.assert_no_violations(page)

    summary.get_by_role("link", name="See what has changed").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What has changed in Kongsberg since 2.5.2024")
    expect(page.locator("#summary + ul, .dashboard-summary ul")).to_contain_text("2 new or revised figures")
    expect(page.locator("tr.figure-group")).to_contain_text("2 (2013–2014)")
    axe.assert_no_violations(page)


def test_a_planner_is_warned_when_the_baseline_disagrees_with_the_recorded_figure(
    page, axe, live_server, kongsberg, lighthouses, kongsberg_goals
):
    from indicators.models import Role

    planner = make.role(make.user("planlegger-kongsberg"), kongsberg, Role.PLANNER)
    make.value(lighthouses, kongsberg, 2015, 30)  # a draft: it counts for the planner
    measure = GoalIndicator.objects.get()
    log_in(page, live_server, planner)
    expect(page.get_by_role("heading", level=1)).to_have_text("My reporting")
    page.goto(f"/rapportering/mal/{measure.goal_id}/")
    note = page.locator(".baseline-check")
    expect(note).to_be_empty()  # 15 is the figure recorded for 2010

    page.get_by_label("Baseline value").fill("14")
    page.get_by_label("Baseline value").blur()
    expect(note).to_have_text(
        "The figure recorded for 2010 is 15 (published), not 14. Correct the baseline, or keep it if it is meant to "
        "differ."
    )
    expect(note).to_have_class("baseline-check baseline-differs")
    axe.assert_no_violations(page)

    page.get_by_label("Baseline year").fill("2015")
    page.get_by_label("Baseline year").blur()
    expect(note).to_contain_text("The figure recorded for 2015 is 30 (draft), not 14.")
    page.get_by_label("Baseline value").fill("30.0")
    page.get_by_label("Baseline value").blur()
    expect(note).to_be_empty()

    # Kept anyway: saved, and the warning repeated once more after saving.
    page.get_by_label("Baseline year").fill("2010")
    page.get_by_label("Baseline value").fill("14")
    page.locator("#id_reason").fill("Utgangspunktet fra planvedtaket")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("div.alert-warning[role=alert]")).to_contain_text(
        "The figure recorded for 2010 is 15 (published), not 14."
    )
    assert GoalIndicator.objects.get().baseline_value == Decimal(14)
