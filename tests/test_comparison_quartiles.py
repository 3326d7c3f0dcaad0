"""Quartiles like Kolada's on the comparison page, and series breaks stated where the numbers are.

The quartiles are checked against real figures: SSB table 09594's built-up area of all 357 municipalities in 2022
(demo/real/figures.csv, copied from the project's shared data; CC BY 4.0, Kilde: Statistisk sentralbyrå).
"""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.cache import bump
from indicators.comparison import QUARTILE_FILLS, quartiles
from indicators.models import Computation, Indicator, IndicatorValue, Municipality, MunicipalityCode, ValueStatus
from indicators.services import save_indicator
from tests import factories as make
from tests import test_comparison

# The network of tests/test_comparison.py: Kongsberg, Rana, Oslo, and Fjord, merged in 2020 from Norddal and Stordal.
network = test_comparison.network

REAL_FILE = settings.BASE_DIR / "demo" / "real" / "figures.csv"
# Every municipality's built-up area in km², compared as totals (lower is better), for the year with all 357.
EVERYONE_2022 = "/indikator/arealbruk/?ar=2022&utvalg=alle&visning=total"


def get(client, url, language="en") -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def chart(html: str, name: str) -> dict:
    return json.loads(re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', html, re.S)[1])


def ranking_quartiles(html: str) -> dict[str, str]:
    """Each ranked municipality's quartile as the ranking table says it in words."""
    table = re.search(r'<h2 id="ranking">.*?</tbody>', html, re.S)[0]
    found = {}
    for row in re.findall(r"<tr.*?</tr>", table, re.S)[1:]:
        name = re.sub(r"<[^>]+>", "", re.search(r"<th.*?</th>", row, re.S)[0]).strip()
        cell = re.search(r'<td class="quartile[^"]*">(.*?)</td>', row, re.S)
        found[name] = re.sub(r"<[^>]+>", "", cell[1]).strip() if cell else ""
    return found


@pytest.fixture
def built_up(db):
    """Built-up area (km², shown per inhabitant or in total, lower is better) of every municipality in 2022, as SSB
    published it: 357 figures stored in three bulk inserts."""
    Indicator.objects.population()  # there before any figure per inhabitant is
    indicator = Indicator.objects.create(
        code="arealbruk",
        name_en="Built-up land per inhabitant",
        name_nb="Bebygd areal per innbygger",
        unit="m2",
        computation=Computation.PER_INHABITANT,
        amount_unit="km2",
        per_inhabitant_factor=Decimal(1_000_000),
        direction="lower",
        bottom_line="ecological",
        source="SSB, tabell 09594",
    )
    with REAL_FILE.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator"] == "builtup_area_km2" and r["year"] == "2022"]
    municipalities = Municipality.objects.bulk_create([Municipality(name=r["kommune"]) for r in rows])
    MunicipalityCode.objects.bulk_create(
        MunicipalityCode(municipality=m, code=r["kommunenummer"], name=m.name, valid_from=datetime.date(2024, 1, 1))
        for m, r in zip(municipalities, rows, strict=True)
    )
    now = timezone.now()
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=indicator,
            municipality=m,
            year=2022,
            value=Decimal(r["value"]),
            status=ValueStatus.PUBLISHED,
            published_value=Decimal(r["value"]),
            published_state="reported",
            published_at=now,
            first_published_at=now,
            published_source=indicator.source,
        )  # fmt: skip
        for m, r in zip(municipalities, rows, strict=True)
    )
    assert len(rows) == 357
    return indicator


# --- quartiles -----------------------------------------------------------------------------------------------------


def test_quartiles_split_the_ranks_in_four_and_equal_figures_share_one():
    # Eight figures, lower better: ranks 1–8, quartile ceil(4 × rank / 8): two a quartile.
    figures = dict(zip("abcdefgh", [1, 2, 3, 4, 5, 6, 7, 8], strict=True))
    assert quartiles(figures, higher_is_better=False) == dict(zip("abcdefgh", [1, 1, 2, 2, 3, 3, 4, 4], strict=True))
    assert quartiles(figures, higher_is_better=True) == dict(zip("abcdefgh", [4, 4, 3, 3, 2, 2, 1, 1], strict=True))
    # b and c tie at rank 2 (one figure better than theirs): both in the 1st quartile, where b alone would be.
    tied = dict(zip("abcdefgh", [1, 2, 2, 4, 5, 6, 7, 8], strict=True))
    assert quartiles(tied, higher_is_better=False) == dict(zip("abcdefgh", [1, 1, 1, 2, 3, 3, 4, 4], strict=True))
    # Seven figures are too few: a quartile would hold one or two and only restate the rank.
    assert quartiles(dict(list(figures.items())[:7]), higher_is_better=False) == {}


def test_real_figures_fall_in_the_quartiles_computed_by_hand(client, built_up):
    """The boundaries by hand, from demo/real/figures.csv (2022, km², sorted from the smallest, the best):
    357 figures, quartile = ceil(4 × rank / 357), so ranks 1–89, 90–178, 179–267 and 268–357.
    - Lærdal 6.64 km² is the 89th smallest (88 are smaller; 6.61 is shared by two, ranks 87 and 88):
      4 × 89 / 357 = 0.997 → 1st quartile. Fjaler 6.69 km² is the 90th: 4 × 90 / 357 = 1.008 → 2nd.
    - Tynset 19.39 km² is the 267th: 4 × 267 / 357 = 2.992 → 3rd. Harstad 19.41 km² the 268th: 3.003 → 4th.
    """
    html = get(client, EVERYONE_2022)
    found = ranking_quartiles(html)
    assert len(found) == 357
    assert found["Lærdal"] == "1st quartile (best)"
    assert found["Fjaler"] == "2nd quartile"
    assert found["Tynset"] == "3rd quartile"
    assert found["Harstad - Hárstták"] == "4th quartile (weakest)"
    assert [list(found.values()).count(label) for label in ("1st quartile (best)", "2nd quartile")] == [89, 89]
    # The legend under the map: each quartile's range and size, in words.
    assert "Quartiles among the 357 municipalities compared in 2022 (lower is better):" in html
    assert "1st quartile (best): 0.0–6.6 km², 89 municipalities" in html
    assert "4th quartile (weakest): 19.4–124.9 km², 90 municipalities" in html


def test_the_quartiles_speak_bokmal_and_nynorsk(client, built_up):
    nb = ranking_quartiles(get(client, EVERYONE_2022, "nb"))
    assert (nb["Lærdal"], nb["Fjaler"], nb["Harstad - Hárstták"]) == (
        "1. kvartil (beste)",
        "2. kvartil",
        "4. kvartil (svakeste)",
    )
    nn = get(client, EVERYONE_2022, "nn")
    assert ranking_quartiles(nn)["Harstad - Hárstták"] == "4. kvartil (svakaste)"
    assert "Kvartilar blant dei 357 kommunane som blir samanlikna i 2022 (lågare er betre):" in nn


def test_the_map_colours_each_municipality_by_its_quartile_and_says_it(client, built_up):
    figure = chart(get(client, EVERYONE_2022), "map")
    members = figure["data"][1]
    quartile_of = dict(zip(members["locations"], members["z"], strict=True))
    # Lærdal 4642 and Fjaler 4646 straddle the first boundary; Tynset 3427 and Harstad 5503 the last.
    assert [quartile_of[code] for code in ("4642", "4646", "3427", "5503")] == [1, 2, 3, 4]

    def fill(z):
        """The colour plotly draws for z: the step of the colour scale at z's place between zmin and zmax."""
        at = (z - members["zmin"]) / (members["zmax"] - members["zmin"])
        steps = members["colorscale"]
        return next(colour for (start, colour), (end, _c) in zip(steps, steps[1:], strict=False)
                    if start <= at <= end and start != end)  # fmt: skip

    assert [fill(quartile_of[code]) for code in ("4642", "4646", "3427", "5503")] == [
        QUARTILE_FILLS[1], QUARTILE_FILLS[2], QUARTILE_FILLS[3], QUARTILE_FILLS[4]
    ]  # fmt: skip
    assert len(set(QUARTILE_FILLS.values())) == 4
    hover = dict(zip(members["locations"], members["text"], strict=True))
    assert hover["4642"] == "Lærdal: 6.6 · 1st quartile (best)"
    assert hover["5503"].endswith("· 4th quartile (weakest)")


def test_the_quartile_is_a_column_of_the_download(client, built_up):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/indikator/arealbruk/data.csv?ar=2022&utvalg=alle&visning=total")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Quartile (1 = best)")
    by_name = {row[1]: row[column] for row in rows[1:]}
    assert (by_name["Lærdal"], by_name["Fjaler"], by_name["Tynset"], by_name["Harstad - Hárstták"]) == (
        "1", "2", "3", "4"
    )  # fmt: skip


def test_too_few_figures_show_no_quartiles_and_the_page_says_why(client, network):
    html = get(client, "/indikator/husholdningsavfall/")
    assert set(ranking_quartiles(html).values()) == {""}  # no quartile column
    assert (
        "No quartiles are shown: quartiles need figures from at least 8 municipalities, and 4 have one for 2023."
        in html
    )
    assert '<a href="?utvalg=alle&amp;ar=2023">Compare all municipalities to see quartiles.</a>' in html
    assert "quartile-legend" not in html
    assert "colorbar" in chart(html, "map")["data"][1]  # the map colours by the figure instead, with its scale
    nb = get(client, "/indikator/husholdningsavfall/", "nb")
    assert "Det vises ingen kvartiler: kvartiler trenger tall fra minst 8 kommuner, og 4 har tall for 2023." in nb


def test_the_comparison_page_reads_no_more_with_quartiles(client, built_up, django_assert_num_queries):
    bump()  # nothing stored: the page is composed
    # 1. the indicator by its code
    # 2. every municipality with a published figure of it
    # 3. their numbers
    # 4. their predecessors
    # 5. the population indicator
    # 6. the years with published figures, to offer
    # 7. the figures of the year shown
    with django_assert_num_queries(7):
        html = get(client, EVERYONE_2022)
    assert "4th quartile (weakest)" in html


# --- series breaks -------------------------------------------------------------------------------------------------


@pytest.fixture
def broken(network, waste):
    """Oslo's waste from 2021 on is by the source's new method (2021 and 2022 marked: one new series from 2021);
    Rana's 2021 figure is not. Oslo: 2019 350, 2020 340, 2021 300, 2022 310, 2023 330 kg per inhabitant."""
    oslo, rana = (Municipality.objects.get(name=name) for name in ("Oslo", "Rana"))
    for year, kg in ((2020, 340), (2021, 300), (2022, 310)):
        make.population(oslo, {year: 1000})
        make.published_value(waste, oslo, year, kg, series_break=year >= 2021)
    make.population(rana, {2021: 1000})
    make.published_value(waste, rana, 2021, 360)
    return network


def test_a_series_break_stops_the_line_and_is_marked(client, broken):
    lines = chart(get(client, "/indikator/husholdningsavfall/"), "lines")
    oslo = next(trace for trace in lines["data"] if trace["name"] == "Oslo")
    # A gap half a year before 2021: the line from 2020 does not run on into the new series.
    assert list(zip(oslo["x"], oslo["y"], strict=True)) == [
        (2019, 350), (2020, 340), (2020.5, None), (2021, 300), (2022, 310), (2023, 330)
    ]  # fmt: skip
    assert oslo["connectgaps"] is False
    breaks = {shape["x0"] for shape in lines["layout"]["shapes"]}
    assert breaks == {2020.5, 2022.5}  # Oslo's new method; Fjord's first own figure after its predecessors' sum
    # The dotted vertical lines' meaning, once, in the legend.
    assert [t["name"] for t in lines["data"]][-1] == "Dotted vertical line: a series break"
    fjord = next(trace for trace in lines["data"] if trace["name"] == "Fjord")
    assert fjord["x"][-2:] == [2022.5, 2023] and fjord["y"][-2] is None


def test_a_series_break_is_said_beside_the_chart(client, broken):
    html = get(client, "/indikator/husholdningsavfall/")
    assert "<li>Oslo from 2021: the source changed its method.</li>" in html
    assert (
        "<li>Fjord from 2023: the figures before are those of Norddal + Stordal added up, before the merger.</li>"
        in html
    )
    assert "Figures on either side of a break are not comparable" in html
    years = re.search(r'<table class="table table-sm">\s*<caption id="caption-years">.*?</table>', html, re.S)[0]
    assert "Figures marked † start a new series" in years
    row_2021 = re.search(r"<th scope=\"row\">2021</th>(.*?)</tr>", years, re.S)[1]
    assert re.findall(r"<td[^>]*>(.*?)</td>", row_2021)[2] == "300 †"  # Fjord, Kongsberg, Oslo: Oslo's starts it
    nn = get(client, "/indikator/husholdningsavfall/", "nn")
    assert "<li>Oslo frå 2021: kjelda endra metode.</li>" in nn


def test_a_ranking_that_mixes_the_old_and_new_method_says_so(client, broken):
    html = get(client, "/indikator/husholdningsavfall/?ar=2021")
    assert (
        "The source changed its method for the figures of Oslo in 2021, not for the others': the ranking and the "
        "median compare figures made in two ways." in html
    )
    assert "changed its method for the figures of" not in get(client, "/indikator/husholdningsavfall/?ar=2023")


def test_a_figure_per_inhabitant_breaks_with_its_population(client, network):
    kongsberg = Municipality.objects.get(name="Kongsberg")
    IndicatorValue.objects.filter(indicator__is_population=True, municipality=kongsberg, year=2023).update(
        series_break=True
    )
    assert "<li>Kongsberg from 2023: the source changed its method.</li>" in get(
        client, "/indikator/husholdningsavfall/"
    )
    # In tonnes the population is not in the figure: no break.
    assert "Kongsberg from 2023" not in get(client, "/indikator/husholdningsavfall/?visning=total")


def test_breaks_add_no_queries_to_the_comparison(client, broken, django_assert_num_queries):
    bump()
    # 1. the indicator by its code
    # 2. the stored page (none has been built)
    # 3. the network
    # 4. its members today
    # 5. their numbers
    # 6. their predecessors
    # 7. the population indicator
    # 8. every published figure of the indicator and the population, with its series break
    # 9–17. each member beside its county and KOSTRA group (tests/test_pages.py names them)
    with django_assert_num_queries(17):
        html = get(client, "/indikator/husholdningsavfall/")
    assert "Oslo from 2021" in html


def test_the_dashboards_line_stops_at_a_series_break_too(client, rana, waste):
    make.population(rana, dict.fromkeys(range(2019, 2024), 1000))
    for year, tonnes in ((2019, 400), (2020, 390), (2021, 330), (2022, 320)):
        make.published_value(waste, rana, year, tonnes, series_break=year >= 2021)  # a new method from 2021
    html = get(client, "/kommune/1833/")
    figure = chart(html, "husholdningsavfall")
    figures = next(trace for trace in figure["data"] if trace["name"] == "Figures")
    assert list(zip(figures["x"], figures["y"], strict=True)) == [
        (2019, 400), (2020, 390), (2020.5, None), (2021, 330), (2022, 320)
    ]  # fmt: skip
    assert [shape["x0"] for shape in figure["layout"]["shapes"]] == [2020.5]
    assert figure["data"][-1]["name"] == "Dotted vertical line: a series break"
    assert "Series break: not comparable with earlier years" in html  # the table beside the chart says it too
    # The sentence tells the change within the new series, and why it starts there.
    assert (
        "Household waste per inhabitant fell from 330\xa0kg per inhabitant in 2021 to 320\xa0kg per inhabitant in "
        "2022. The source changed its method in 2021; earlier figures are not comparable with these." in html
    )


def test_a_changed_definition_breaks_the_series_and_a_ranking_that_mixes_definitions_says_so(client, network, waste):
    """Every figure of the network was published before the amount's unit changed; then Rana's 2023 figure is
    published again and Oslo's 2024 figure for the first time, under the new definition."""
    waste.amount_unit = "kg"
    assert save_indicator(waste, user=None, reason="Kommunene rapporterer kilo")
    IndicatorValue.objects.filter(indicator=waste, municipality__name="Rana", year=2023).update(
        published_at=timezone.now()
    )
    oslo = Municipality.objects.get(name="Oslo")
    make.population(oslo, {2024: 1000})
    make.published_value(waste, oslo, 2024, 320)
    html = get(client, "/indikator/husholdningsavfall/?ar=2023")
    for name in ("Oslo from 2024", "Rana from 2023"):
        assert (
            f"<li>{name}: the figures before and after were published under different definitions of the indicator "
            "(its unit or how it is computed changed).</li>"
        ) in html
    assert (
        "The figures of Oslo, Kongsberg, Fjord for 2023 were published under an earlier definition of the indicator "
        "than the others': the ranking and the median compare figures made in two ways."
    ) in html
    lines = chart(html, "lines")
    rana = next(trace for trace in lines["data"] if trace["name"] == "Rana")
    assert rana["x"] == [2019, 2020, 2021, 2022, 2022.5, 2023]  # a gap before the figure of the new definition
