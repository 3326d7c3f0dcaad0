"""The plan chain in real Chromium: a planner adds a goal, rolls the økonomiplan and enters a budget line; the
politician's digest then shows what changed. axe checks every page on the way."""

import datetime
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from indicators.models import Role
from plans.models import BudgetLine, Plan, PlanStatus, PlanType
from tests import factories as make

YEAR = datetime.date.today().year


@pytest.fixture
def chain(rana):
    """Rana's kommuneplan with two focus areas, and an adopted økonomiplan carrying one of them."""
    kommuneplan = make.plan(rana, title="Kommuneplanens samfunnsdel 2020–2032", adopted_on=datetime.date(2020, 6, 16))
    climate = make.focus_area(kommuneplan, "Klima og miljø", order=1)
    make.focus_area(kommuneplan, "Folkehelse", order=2)
    okonomiplan = make.plan(
        rana, PlanType.OKONOMIPLAN, first=YEAR, last=YEAR + 3, title=f"Økonomiplan {YEAR}–{YEAR + 3}",
        adopted_on=datetime.date(YEAR - 1, 12, 12), parent=kommuneplan,
    )  # fmt: skip
    make.focus_area(okonomiplan, "Klima og miljø i økonomiplanen", carries=climate)
    return kommuneplan


@pytest.fixture
def politician(politician, rana):
    """The politician reads Rana's drafts too, such as a rolled plan not yet adopted."""
    return make.role(politician, rana, Role.READER)


def log_in(page, live_server, user, *, lands_on="My reporting"):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    page.goto("/logg-inn/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(make.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(lands_on)


def test_a_planner_changes_the_chain_and_the_politician_sees_it(
    page, axe, live_server, chain, rana_planner, politician, waste
):
    log_in(page, live_server, rana_planner)
    page.goto("/kommune/1833/planer/")
    expect(page.get_by_role("note")).to_contain_text("Folkehelse")  # carried by no økonomiplan
    axe.assert_no_violations(page)
    page.get_by_role("link", name=f"Økonomiplan {YEAR}–{YEAR + 3}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Økonomiplan {YEAR}–{YEAR + 3}")
    axe.assert_no_violations(page)

    # A new goal under the focus area; the plan is adopted, so it needs an explanation.
    page.get_by_role("link", name=re.compile("New goal")).click()
    axe.assert_no_violations(page)
    page.get_by_label("Goal").fill("Halvere restavfallet innen 2030")
    page.get_by_label("Indicator", exact=True).select_option(label=waste.name_en or waste.name_nb)
    page.get_by_label("Baseline year").fill("2020")
    page.get_by_label("Baseline value").fill("420")
    page.get_by_label("Target year").fill("2030")
    page.get_by_label("Target value").fill("210")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("explain the change in one line")
    page.get_by_label("Explanation").fill("Nytt mål etter bystyrets klimavedtak")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").or_(page.locator(".alert-success"))).to_contain_text("The goal was added")
    expect(page.locator("section li").filter(has_text="Halvere restavfallet innen 2030")).to_have_count(1)

    # Roll the økonomiplan: a new draft version one year on with the goal; the old one stays adopted.
    page.get_by_role("button", name=f"Roll to {YEAR + 1}–{YEAR + 4}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Økonomiplan {YEAR + 1}–{YEAR + 4}")
    expect(page.locator("section li").filter(has_text="Halvere restavfallet innen 2030")).to_have_count(1)
    assert Plan.objects.get(period_start=YEAR, plan_type=PlanType.OKONOMIPLAN).status == PlanStatus.ADOPTED

    # A budget line for this year's focus area.
    page.goto(f"/rapportering/1833/budsjett/{YEAR}/")
    axe.assert_no_violations(page)
    page.get_by_label(re.compile("^Adopted budget, Klima og miljø i økonomiplanen")).fill("1 500")
    page.get_by_role("button", name="Save the budget").click()
    expect(page.locator(".alert-success")).to_be_visible()
    line = BudgetLine.objects.get()
    assert (line.year, line.adopted) == (YEAR, 1500)
    page.get_by_role("button", name="Log out").click()

    # The politician's digest shows the new goal with its explanation, and the rolled plan.
    log_in(page, live_server, politician, lands_on="Choose a municipality")  # she reads Kongsberg and Rana
    page.get_by_role("link", name="Rana").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rana")
    page.goto("/kommune/1833/endringer/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("What has changed in Rana")
    expect(page.locator("main")).to_contain_text("Nytt mål etter bystyrets klimavedtak")
    expect(page.locator("main")).to_contain_text("Halvere restavfallet innen 2030")
    expect(page.locator("main")).to_contain_text(f"{YEAR + 1}–{YEAR + 4}")
    axe.assert_no_violations(page)
