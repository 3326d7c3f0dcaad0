"""The dashboard in real Chromium: plotly draws each chart from local plotly.js, and axe finds nothing."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator, IndicatorValue, Municipality, MunicipalityCode, ValueStatus
from plans.models import FocusArea, Goal, GoalIndicator, Plan, PlanStatus, PlanType

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def rana(waste, lighthouses):
    rana = Municipality.objects.create(name="Rana - Raane")
    MunicipalityCode.objects.create(municipality=rana, code="1833", name="Rana", valid_from=datetime.date(1964, 1, 1))
    population = Indicator.objects.population()
    for year, kg, count in ((2019, 412, 10), (2021, 400, 14), (2023, 380, 19)):
        for indicator, value in ((population, 26000), (waste, kg * 26), (lighthouses, count)):
            IndicatorValue.objects.create(
                indicator=indicator,
                municipality=rana,
                year=year,
                value=Decimal(value),
                status=ValueStatus.PUBLISHED,
                is_sample=indicator == lighthouses,
            )
    plan = Plan.objects.create(
        municipality=rana,
        plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
        title="Kommuneplanens samfunnsdel",
        period_start=2019,
        period_end=THIS_YEAR + 5,
        status=PlanStatus.ADOPTED,
        adopted_on=datetime.date(2019, 6, 1),
    )
    goal = Goal.objects.create(
        focus_area=FocusArea.objects.create(plan=plan, title="Natur og miljø"), title="Mindre avfall"
    )
    GoalIndicator.objects.create(
        goal=goal,
        indicator=waste,
        baseline_year=2019,
        baseline_value=Decimal(412),
        target_year=THIS_YEAR + 3,
        target_value=Decimal(350),
    )
    return rana


def test_the_dashboard_draws_its_charts_and_passes_axe(page, axe, rana):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/kommune/1833/")
    chart = page.locator("#indicator-husholdningsavfall [data-chart]")
    expect(chart.locator(".main-svg").first).to_be_visible()
    traces = chart.evaluate("element => element.data.map(trace => trace.name)")
    assert traces == ["Tall", "Vei mot målet", "Trend"]
    assert page.locator("#indicator-miljofyrtarn [data-chart]").evaluate("e => e.data[0].name") == "Eksempeldata"
    # The chart is reachable by keyboard and says in words what it shows.
    chart.focus()
    expect(chart).to_be_focused()
    expect(chart).to_have_attribute(
        "aria-label",
        "Husholdningsavfall per innbygger falt fra 412\u00a0kg per innbygger i 2019 til 380\u00a0kg per innbygger i 2023. "
        f"Målet er 350\u00a0kg per innbygger i {THIS_YEAR + 3}.",
    )
    expect(page.get_by_text("I rute", exact=True)).to_be_visible()
    axe.assert_no_violations(page)
    # plotly.js comes from the portal itself.
    assert any("/static/vendor/plotly/plotly.min.js" in url for url in requests)
    assert all(url.startswith(page.url.split("/kommune")[0]) for url in requests)
