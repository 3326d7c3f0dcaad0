"""Each page loads only the plotly.js it draws with: the basic bundle for scatter and bar, the full one for the map."""

import re

import pytest
from django.conf import settings

from tests import pages

BASIC = "/static/vendor/plotly/plotly-basic.min.js"
FULL = "/static/vendor/plotly/plotly.min.js"
# The pages that draw charts with scatter and bar traces only (core/charts.py, plans/dashboard.py, the climate
# budget's wedge chart: stacked scatter areas, plans/climate_pages.py).
BASIC_PAGES = {"municipality", "annual_report", "climate_budget", "climate_budget_latest"}


def plotly_scripts(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]*plotly[^"]*)"', html)


def test_the_basic_bundle_is_the_version_of_the_full_one():
    """The two bundles draw the same figures alike only when they are the same plotly.js release."""
    heads = {
        name: settings.VENDOR_STATIC_FILES[f"vendor/plotly/{name}"].read_text(encoding="utf-8")[:200]
        for name in ("plotly.min.js", "plotly-basic.min.js")
    }
    versions = {name: re.search(r"plotly\.js.*? v(\d+\.\d+\.\d+)", head).group(1) for name, head in heads.items()}
    assert versions["plotly.min.js"] == versions["plotly-basic.min.js"], versions


@pytest.mark.parametrize("route", [route for route in pages.every_page() if route.name not in pages.PRIVATE], ids=str)
def test_every_public_page_loads_only_the_plotly_it_needs(client, site, route):
    response = client.get(site.url(route), follow=True)
    html = response.content.decode()
    scripts = plotly_scripts(html)
    if route.name in BASIC_PAGES:
        assert 'data-chart="' in html, f"{route}: the world in tests/pages.py draws no chart here"
        assert scripts == [BASIC], f"{route}: {scripts}"
    elif route.name == "indicator":
        # The comparison draws its map (a choroplethmap trace) only here, and only the map needs the full bundle.
        assert 'data-chart="chart-map"' in html, f"{route}: the world in tests/pages.py draws no map here"
        assert scripts == [FULL], f"{route}: {scripts}"
    else:
        assert scripts == [], f"{route} loads plotly.js without drawing a chart: {scripts}"


@pytest.mark.parametrize("route", [r for r in pages.every_page() if r.name in pages.PRIVATE], ids=str)
def test_no_page_behind_the_login_loads_plotly(client, site, route, request):
    client.force_login(request.getfixturevalue(pages.PRIVATE[route.name]))
    html = client.get(site.url(route), follow=True).content.decode()
    assert plotly_scripts(html) == [], route


def test_an_indicator_page_without_a_chart_loads_no_plotly(client, site, lighthouses):
    """Lighthouses has no published figure in the world: no ranking, no lines, no map, so no plotly.js at all."""
    html = client.get(f"/indikator/{lighthouses.code}/").content.decode()
    assert "data-chart=" not in html
    assert plotly_scripts(html) == []
