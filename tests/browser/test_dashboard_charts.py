"""The dashboard in real Chromium: plotly draws each chart from local plotly.js, and axe finds nothing."""

import datetime
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from indicators.models import Indicator
from tests import factories as make

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def rana(waste, lighthouses):
    """Rana under its name in both languages (its number still named Rana), with three years of figures and a goal."""
    rana = make.municipality("Rana - Raane", codes=[("1833", 1964, None, "Rana")])
    population = Indicator.objects.population()
    for year, kg, count in ((2019, 412, 10), (2021, 400, 14), (2023, 380, 19)):
        make.published_value(population, rana, year, 26000)
        make.published_value(waste, rana, year, kg * 26)
        make.published_value(lighthouses, rana, year, count, is_sample=True)
    plan = make.plan(
        rana, title="Kommuneplanens samfunnsdel", first=2019, last=THIS_YEAR + 5, adopted_on=datetime.date(2019, 6, 1)
    )
    make.goal(
        make.focus_area(plan, "Natur og miljø"),
        "Mindre avfall",
        indicator=waste,
        baseline=(2019, 412),
        target=(THIS_YEAR + 3, 350),
    )
    return rana


def test_the_dashboard_draws_its_charts_and_passes_axe(page, axe, rana):
    requests, console = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(message.text))
    response = page.goto("/kommune/1833/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    chart = page.locator("#indicator-husholdningsavfall [data-chart]")
    expect(chart.locator(".main-svg").first).to_be_visible()
    traces = chart.evaluate("element => element.data.map(trace => trace.name)")
    assert traces == ["Tall", "Mål: rett linje fra utgangspunktet", "Trend fram til målåret"]
    # A chart further down is drawn as the reader scrolls towards it (static/js/charts.js).
    lighthouses = page.locator("#indicator-miljofyrtarn [data-chart]")
    lighthouses.scroll_into_view_if_needed()
    expect(lighthouses.locator(".main-svg").first).to_be_visible()
    assert lighthouses.evaluate("e => e.data[0].name") == "Eksempeldata, ikke ekte tall"
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
    # plotly.js comes from the portal itself: its basic bundle, as the dashboard draws only lines and bars.
    assert any("/static/vendor/plotly/plotly-basic.min.js" in url for url in requests)
    assert not any("/static/vendor/plotly/plotly.min.js" in url for url in requests)
    assert all(url.startswith(page.url.split("/kommune")[0]) for url in requests)
    # Drawn under the portal's Content Security Policy, which blocked nothing.
    assert not [text for text in console if "Content Security Policy" in text], console


@pytest.fixture
def network(rana):
    oslo = make.municipality("Oslo - Oslove", codes=[("0301", 1838, None, "Oslo")])
    population, waste = Indicator.objects.population(), Indicator.objects.get(code="husholdningsavfall")
    for year, kg in ((2019, 390), (2021, 370), (2023, 330)):
        make.published_value(population, oslo, year, 700000)
        make.published_value(waste, oslo, year, kg * 700)
    return make.network(members=[rana, oslo])


def map_pixels(page) -> tuple[float, int]:
    """Look at the map as a person would: the share of its area drawn in something other than the white
    background (Norway's municipalities in grey), and how many pixels show the members (coloured by their figure,
    outlined in black). The colour bar beside the map is drawn whether the map is or not, so it is left out."""
    chart = page.locator("[data-chart='chart-map']")
    box = chart.bounding_box()
    shot = Image.open(io.BytesIO(chart.screenshot())).convert("RGB")
    bar = chart.locator("g.colorbar").bounding_box()
    left = (bar["x"] - box["x"]) * shot.width / box["width"]  # the colour bar stands at the right of the map
    data = shot.crop((0, 0, int(left), shot.height)).tobytes()
    pixels = list(zip(data[0::3], data[1::3], data[2::3], strict=True))
    drawn = [p for p in pixels if min(p) < 245]
    members = [(r, g, b) for r, g, b in drawn if (g > r + 30 and g > b + 10) or max(r, g, b) < 120]
    return len(drawn) / len(pixels), len(members)


def test_the_comparison_draws_ranking_lines_and_an_offline_map(page, axe, network, live_server):
    own = (live_server.url, f"blob:{live_server.url}", "data:")
    outside, console = [], []
    page.on("request", lambda request: None if request.url.startswith(own) else outside.append(request.url))
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.goto("/indikator/husholdningsavfall/?kommune=1833")
    expect(page.get_by_text("Rana - Raane er nummer 2 av 2 i 2023 (lavere er bedre).")).to_be_visible()
    for chart in ("chart-ranking", "chart-lines"):
        element = page.locator(f"[data-chart='{chart}']")
        expect(element.locator(".main-svg").first).to_be_visible()
        assert element.evaluate("e => e.data.length") >= 1
    # The map is drawn, not only its colour bar: Norway's municipalities in grey, the members in green. The map
    # draws in a worker (WebGL, after the borders are fetched), so look again until it is there.
    page.locator("[data-chart='chart-map']").scroll_into_view_if_needed()
    expect(page.locator("[data-chart='chart-map'] canvas.maplibregl-canvas")).to_be_attached()
    for _attempt in range(40):
        share, members = map_pixels(page)
        if share > 0.02 and members > 50:
            break
        page.wait_for_timeout(250)
    assert share > 0.02 and members > 50, (
        f"the map is not drawn: {share:.1%} of it is not background, {members} pixels of members; console: {console}"
    )
    assert console == []
    # The chart is one image with its label; the map's canvas is no second, English-labelled tab stop inside it.
    canvas = page.locator("[data-chart='chart-map'] canvas.maplibregl-canvas")
    expect(canvas).not_to_have_attribute("tabindex", "0")
    expect(canvas).not_to_have_attribute("aria-label", "Map")
    axe.assert_no_violations(page)

    # The year selector: choose 2019 and update, by keyboard.
    page.get_by_label("År", exact=True).select_option("2019")
    page.get_by_role("button", name="Oppdater").press("Enter")
    expect(page.get_by_role("heading", name="Rangering i Livskraftige kommuner, 2019")).to_be_visible()
    expect(page.get_by_text("Rana - Raane er nummer 2 av 2 i 2019")).to_be_visible()
    assert outside == []  # plotly.js, the map and its borders come from the portal alone
    # The map needs plotly's full bundle, so the comparison loads it (and not the basic one besides).
    assert page.evaluate(
        "[...document.scripts].map(s => s.getAttribute('src')).filter(s => s && s.includes('plotly'))"
    ) == ["/static/vendor/plotly/plotly.min.js"]


def fill_pixels(page, fills: list[str]) -> list[int]:
    """How many pixels of the map are drawn in each fill (within a small distance, for the edges' blending)."""
    shot = Image.open(io.BytesIO(page.locator("[data-chart='chart-map']").screenshot())).convert("RGB")
    data = shot.tobytes()
    colours = [tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5)) for fill in fills]
    counts = [0] * len(colours)
    for pixel in zip(data[0::3], data[1::3], data[2::3], strict=True):
        for index, colour in enumerate(colours):
            if sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 24:
                counts[index] += 1
    return counts


def test_the_map_draws_each_quartile_in_its_own_colour(page, axe, waste, live_server):
    """Eight large municipalities (two a quartile, so the fills are big enough to count), every one compared."""
    from indicators.comparison import QUARTILE_FILLS

    population = Indicator.objects.population()
    large = ["5612", "5610", "5605", "5601", "5524", "4036", "1833", "3421"]  # Kautokeino … Trysil
    for kg, code in enumerate(large, start=300):
        municipality = make.municipality(f"Kommune {code}", code)
        make.published_value(population, municipality, 2023, 1000)
        make.published_value(waste, municipality, 2023, kg)
    page.goto("/indikator/husholdningsavfall/?utvalg=alle")
    expect(page.get_by_text("1. kvartil (beste): 300–301 kg per innbygger, 2 kommuner")).to_be_visible()
    page.locator("[data-chart='chart-map']").scroll_into_view_if_needed()
    expect(page.locator("[data-chart='chart-map'] canvas.maplibregl-canvas")).to_be_attached()
    fills = [QUARTILE_FILLS[q] for q in (1, 2, 3, 4)]
    for _attempt in range(40):
        counts = fill_pixels(page, fills)
        if all(count > 20 for count in counts):
            break
        page.wait_for_timeout(250)
    assert all(count > 20 for count in counts), f"pixels of each quartile's fill, best first: {counts}"
    axe.assert_no_violations(page)  # the quartile cells' tints and the legend's text included
