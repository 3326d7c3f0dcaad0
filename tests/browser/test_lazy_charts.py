"""Charts drawn when the reader comes near them: a dashboard of many charts draws the first ones at load, one far
below the fold when it is scrolled to, and every one of them when the page is printed."""

import pytest
from playwright.sync_api import expect

from indicators.models import Indicator
from tests import factories as make

pytestmark = pytest.mark.browser

# plotly draws a scatter trace's line as a path inside the plot's SVG: the chart is drawn, not only its box.
TRACE = ".main-svg .scatterlayer .trace path"


@pytest.fixture
def rana(waste, lighthouses):
    """Rana with figures for fourteen indicators: a dashboard many screens long, as a real one with 40 charts is."""
    rana = make.municipality("Rana", codes=[("1833", 1964, None, "Rana")])
    make.population(rana, {2022: 26000, 2023: 26200})
    make.published_values(waste, rana, {2022: 10400, 2023: 10150})
    make.published_values(lighthouses, rana, {2022: 12, 2023: 14})
    for n in range(12):
        indicator = Indicator.objects.create(
            code=f"teller-{n}", name_nb=f"Teller {n}", name_en=f"Count {n}", unit="count"
        )
        make.published_values(indicator, rana, {2021: n, 2022: n + 1, 2023: n + 3})
    return rana


def drawn(chart) -> bool:
    return chart.locator(TRACE).count() > 0


def test_a_chart_below_the_fold_is_drawn_when_scrolled_to_and_not_before(page, rana):
    page.goto("/kommune/1833/")
    charts = page.locator("[data-chart]")
    first, last = charts.first, charts.last
    expect(first.locator(TRACE).first).to_be_attached()
    assert charts.count() >= 10
    # The last chart is many screens down: nothing of it is drawn yet, though its figure and its words are there.
    page.wait_for_timeout(500)
    assert last.bounding_box()["y"] > 3 * page.viewport_size["height"]
    assert not drawn(last)
    assert last.locator(".main-svg").count() == 0
    assert last.get_attribute("aria-label")
    last.scroll_into_view_if_needed()
    expect(last.locator(TRACE).first).to_be_attached()
    expect(last.locator(".main-svg").first).to_be_visible()


@pytest.mark.parametrize("how", ["print media", "beforeprint"])
def test_printing_draws_every_chart(page, rana, how):
    page.goto("/kommune/1833/")
    charts = page.locator("[data-chart]")
    expect(charts.first.locator(TRACE).first).to_be_attached()
    assert not drawn(charts.last)
    if how == "print media":
        page.emulate_media(media="print")
    else:
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    for n in range(charts.count()):
        expect(charts.nth(n).locator(TRACE).first).to_be_attached()
    assert page.evaluate("window.scrollY") == 0  # drawn where they are, without scrolling the reader away


def test_without_intersection_observer_every_chart_is_drawn_at_once(page, rana):
    page.add_init_script("delete window.IntersectionObserver")
    page.goto("/kommune/1833/")
    charts = page.locator("[data-chart]")
    for n in range(charts.count()):
        expect(charts.nth(n).locator(TRACE).first).to_be_attached()
