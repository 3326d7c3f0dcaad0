"""One indicator across the network: ranking, median, position in words, mergers, map and downloads."""

import csv
import datetime
import io
import json
import re

import pytest
from django.conf import settings
from openpyxl import load_workbook

from core.cache import bump
from indicators.models import IndicatorValue, ValueStatus
from tests import factories as make

# kg per inhabitant in 2023 for 1 000 inhabitants each: lower is better.
FIGURES_2023 = {"Kongsberg": 380, "Rana": 350, "Oslo": 330, "Fjord": 420}


@pytest.fixture
def network(waste):
    """The network: Kongsberg, Rana, Oslo and Fjord, which was formed in 2020 from Norddal (a member until then)
    and Stordal; waste and population published for 2019 and 2023."""
    network = make.network()
    fjord = make.municipality("Fjord", "1578", established=datetime.date(2020, 1, 1))
    norddal = make.municipality("Norddal", "1524", dissolved=datetime.date(2020, 1, 1), successor=fjord)
    stordal = make.municipality("Stordal", "1526", dissolved=datetime.date(2020, 1, 1), successor=fjord)
    members = {
        name: make.municipality(name, code)
        for name, code in (("Kongsberg", "3303"), ("Rana", "1833"), ("Oslo", "0301"))
    }
    members["Fjord"] = fjord
    for m in members.values():
        make.membership(network, m, joined=m.established or make.JOINED)
    make.membership(network, norddal, left=datetime.date(2019, 12, 31))

    def publish(m, year, people, tonnes):
        make.population(m, {year: people})
        make.published_value(waste, m, year, tonnes)

    for name, kg in FIGURES_2023.items():
        publish(members[name], 2023, 1000, kg)  # tonnes for 1 000 people = kg per inhabitant
        if name != "Fjord":
            publish(members[name], 2019, 1000, kg + 20)
    # Before the merger: Norddal 1 600 people and 640 t, Stordal 400 people and 200 t → 2 000 people, 420 kg each.
    publish(norddal, 2019, 1600, 640)
    publish(stordal, 2019, 400, 200)
    return network


def get(client, url, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response


def ranking_rows(html):
    table = re.search(r'<h2 id="ranking">.*?</tbody>', html, re.S)[0]
    return [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in re.findall(r"<tr.*?</tr>", table, re.S)[1:]]


def test_the_ranking_puts_the_best_first_with_the_median(client, network):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    assert [row[1] for row in ranking_rows(html)] == ["Oslo", "Rana", "Kongsberg", "Fjord"]
    assert "Ranking in Livskraftige kommuner, 2023" in html
    assert re.search(r"Network median</th><td[^>]*>365<", html)  # median of 330, 350, 380, 420


def test_the_municipalitys_position_is_said_in_words(client, network):
    nb = get(client, "/indikator/husholdningsavfall/?kommune=1833", "nb").content.decode()
    assert "Rana er nummer 2 av 4 i 2023 (lavere er bedre)." in nb
    nn = get(client, "/indikator/husholdningsavfall/?kommune=1833", "nn").content.decode()
    assert "Rana er nummer 2 av 4 i 2023 (lågare er betre)." in nn


def test_the_year_selector_changes_the_ranking(client, network):
    html = get(client, "/indikator/husholdningsavfall/?ar=2019").content.decode()
    assert "Ranking in Livskraftige kommuner, 2019" in html
    assert '<option value="2019" selected>' in html


def test_a_merged_member_is_shown_as_the_sum_of_its_predecessors_before_the_merger(client, network):
    html = get(client, "/indikator/husholdningsavfall/?ar=2019&kommune=1578").content.decode()
    fjord = next(row for row in ranking_rows(html) if row[1] == "Fjord")
    assert fjord[-2:] == ["420", "840.0"]  # (640 + 200) t × 1 000 / (1 600 + 400) people; the total beside it
    assert "Computed from Norddal + Stordal, before the merger" in html
    assert "Fjord is number 4 of 4 in 2019" in html


def test_totals_instead_of_per_inhabitant(client, network):
    html = get(client, "/indikator/husholdningsavfall/?visning=total").content.decode()
    assert '<th scope="col" class="text-end">tonnes</th>' in html  # the unit in the column header
    assert "tonnes in total" not in html  # no second column of totals
    assert [row[-1] for row in ranking_rows(html)] == ["330.0", "350.0", "380.0", "420.0"]


def test_unpublished_figures_are_left_out(client, network, waste):
    # Approved but never published.
    IndicatorValue.objects.filter(indicator=waste, municipality__name="Oslo", year=2023).update(
        status=ValueStatus.APPROVED, published_at=None, published_value=None, published_state=""
    )
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    assert [row[1] for row in ranking_rows(html)] == ["Rana", "Kongsberg", "Fjord"]


def test_the_map_colours_members_by_their_current_number_from_the_served_borders(client, network):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    figure = json.loads(re.search(r'<script id="chart-map" type="application/json">(.*?)</script>', html, re.S)[1])
    assert figure["geojson_url"] == "/static/geo/kommuner-2024.geojson"
    outline, members = figure["data"]
    assert len(outline["locations"]) == 357
    assert sorted(members["locations"]) == ["0301", "1578", "1833", "3303"]
    assert set(members["locations"]) <= set(outline["locations"])
    assert "cdn" not in json.dumps(figure).lower()


def test_the_charts_hold_every_member_and_the_median(client, network):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    lines = json.loads(re.search(r'<script id="chart-lines" type="application/json">(.*?)</script>', html, re.S)[1])
    assert [trace["name"] for trace in lines["data"]] == [
        "Fjord",
        "Kongsberg",
        "Oslo",
        "Rana",
        "Network median",
        "Open marker: computed from the municipalities a member was formed from",  # Fjord in 2019
        "Dotted vertical line: a series break",  # Fjord's own figures after its predecessors' sum
    ]
    bars = json.loads(re.search(r'<script id="chart-ranking" type="application/json">(.*?)</script>', html, re.S)[1])
    assert bars["data"][0]["x"] == [420, 380, 350, 330]  # best at the top of the chart, i.e. last


def test_the_figures_download_as_csv_with_units_and_sources(client, network):
    response = get(client, "/indikator/husholdningsavfall/data.csv?ar=2023")
    assert response["Content-Disposition"] == 'attachment; filename="livskraft-husholdningsavfall-2023.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Municipality number", "Municipality", "Year", "Value", "Unit"]
    rana = next(row for row in rows if row[1] == "Rana")
    assert rana[2:5] == ["2023", "350", "kg per inhabitant"]
    assert rana[-2:] == ["SSB, KOSTRA tabell 12241", "CC BY 4.0. Kilde: Statistisk sentralbyrå"]
    assert len(rows) == 5


def test_every_year_downloads_as_xlsx_with_the_merger_marked(client, network):
    response = get(client, "/indikator/husholdningsavfall/data.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    fjord_2019 = next(row for row in rows if row[1] == "Fjord" and row[2] == 2019)
    assert fjord_2019[3] == 420
    assert fjord_2019[10] == "Norddal + Stordal"
    assert len(rows) == 1 + 4 + 4  # header, 2023 for four members, 2019 for four (Fjord from its predecessors)


def test_comparison_queries_do_not_grow_with_members_or_years(client, network, waste):
    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            get(client, "/indikator/husholdningsavfall/")
        return len(queries)

    before = count()
    for number in range(50):
        m = make.municipality(f"Kommune {number}", f"{5000 + number}")
        make.membership(network, m)
        for year in range(2015, 2024):
            make.population(m, {year: 1000})
            make.published_value(waste, m, year, 1000)
    assert count() == before


def test_every_municipality_can_be_compared_not_only_the_network(client, network, waste):
    outsider = make.municipality("Bodø", "1804")
    make.population(outsider, {2023: 1000})
    make.published_value(waste, outsider, 2023, 300)
    network_page = get(client, "/indikator/husholdningsavfall/").content.decode()
    assert "Bodø" not in [row[1] for row in ranking_rows(network_page)]
    everyone = get(client, "/indikator/husholdningsavfall/?utvalg=alle").content.decode()
    assert [row[1] for row in ranking_rows(everyone)][0] == "Bodø"  # 300 kg: the lowest of all
    assert "Ranking, 2023" in everyone and '<option value="alle" selected>' in everyone
    csv = get(client, "/indikator/husholdningsavfall/data.csv?utvalg=alle&ar=2023").content.decode("utf-8-sig")
    assert "Bodø" in csv


def test_all_municipalities_are_read_for_the_year_shown_and_every_year_is_offered(
    client, network, waste, django_assert_max_num_queries
):
    """With every municipality the page reads one year's figures; the year choice still lists every year."""
    outsider = make.municipality("Bodø", "1804")
    for year, people, tonnes in ((2015, 1000, 310), (2023, 1000, 300)):
        make.population(outsider, {year: people})
        make.published_value(waste, outsider, year, tonnes)
    # 2010: waste figures but no published population, so no figure per inhabitant can be shown for that year.
    make.published_value(waste, outsider, 2010, 320)
    latest = get(client, "/indikator/husholdningsavfall/?utvalg=alle").content.decode()
    assert "Ranking, 2023" in latest and '<option value="2023" selected>' in latest
    offered = re.findall(r'<option value="(\d{4})"', latest.split('name="ar"')[1].split("</select>")[0])
    assert offered == ["2023", "2019", "2015"]  # newest first; 2010 has no population
    assert [row[1] for row in ranking_rows(latest)][0] == "Bodø"
    older = get(client, "/indikator/husholdningsavfall/?utvalg=alle&ar=2015").content.decode()
    assert "Ranking, 2015" in older and [row[1] for row in ranking_rows(older)] == ["Bodø"]
    assert get(client, "/indikator/husholdningsavfall/?utvalg=alle&ar=2019").content.decode().count("<tr") > 4
    totals = get(client, "/indikator/husholdningsavfall/?utvalg=alle&ar=2010&visning=total").content.decode()
    assert "Ranking, 2010" in totals  # in tonnes the population is not needed
    bump()  # the page above is stored: without this the count below would be of a stored copy, none
    # 1. the indicator by its code
    # 2. every municipality with a published figure of it
    # 3. their numbers
    # 4. their predecessors
    # 5. the population indicator
    # 6. the years with published figures, to offer
    # 7. the figures of the year shown
    with django_assert_max_num_queries(7):
        get(client, "/indikator/husholdningsavfall/?utvalg=alle&ar=2015")


# --- one early publisher must not empty the public views --------------------------------------------------------


def years_offered(html: str) -> list[str]:
    return re.findall(r'<option value="(\d{4})"', html.split('name="ar"')[1].split("</select>")[0])


@pytest.fixture
def early(network, waste):
    """Rana publishes 2024 before the three other members."""
    rana = network.members.get(name="Rana")
    make.population(rana, {2024: 1000})
    make.published_value(waste, rana, 2024, 340)
    return network


def test_the_comparison_shows_the_latest_year_most_members_have_published(client, early):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    assert "Ranking in Livskraftige kommuner, 2023" in html
    assert [row[1] for row in ranking_rows(html)] == ["Oslo", "Rana", "Kongsberg", "Fjord"]
    assert years_offered(html) == ["2024", "2023", "2019"]  # only years with figures; Rana's 2024 can be chosen
    assert '<option value="2023" selected>' in html


def test_the_early_year_asked_for_shows_its_one_figure_without_a_median(client, early):
    html = get(client, "/indikator/husholdningsavfall/?ar=2024").content.decode()
    assert [row[1] for row in ranking_rows(html)] == ["Rana"]
    assert "Network median" not in html.split('id="over-time"')[0]
    assert (
        "No median is shown for a year in which fewer than 3 of the 4 municipalities compared have a figure "
        "(a median needs at least half of them, and at least 3)." in html
    )
    ranking = json.loads(re.search(r'<script id="chart-ranking" type="application/json">(.*?)</script>', html, re.S)[1])
    assert ranking["layout"]["shapes"] == []  # no median line


def test_a_median_needs_half_the_members_and_at_least_three(client, early, waste):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    assert re.search(r"Network median</th><td[^>]*>365<", html)  # four of four
    # Oslo's 2023 figure withdrawn: three of four is still at least half and three.
    IndicatorValue.objects.filter(indicator=waste, municipality__name="Oslo", year=2023).update(
        published_at=None, published_value=None, published_state="", status=ValueStatus.APPROVED
    )
    bump()  # the updates above send no signal
    html = get(client, "/indikator/husholdningsavfall/?ar=2023").content.decode()
    assert re.search(r"Network median</th><td[^>]*>380<", html)  # 350, 380, 420
    # Two members in a network of four is too few: the table says why.
    IndicatorValue.objects.filter(indicator=waste, municipality__name="Rana", year=2023).update(
        published_at=None, published_value=None, published_state="", status=ValueStatus.APPROVED
    )
    bump()  # the updates above send no signal
    html = get(client, "/indikator/husholdningsavfall/?ar=2023").content.decode()
    assert "Network median</th>" not in html.split('id="over-time"')[0]
    assert "No median is shown for a year in which fewer than 3 of the 4" in html


def test_the_median_over_time_is_left_out_for_years_with_too_few_figures(client, early):
    html = get(client, "/indikator/husholdningsavfall/").content.decode()
    lines = json.loads(re.search(r'<script id="chart-lines" type="application/json">(.*?)</script>', html, re.S)[1])
    median = next(trace for trace in lines["data"] if trace["name"] == "Network median")
    assert dict(zip(median["x"], median["y"], strict=True)) == {
        2019: 385, 2020: None, 2021: None, 2022: None, 2023: 365, 2024: None
    }  # fmt: skip
    over_time = html.split('id="over-time"')[1]
    row_2024 = re.search(r"<tr>\s*<th scope=\"row\">2024</th>.*?</tr>", over_time, re.S)[0]
    assert row_2024.rstrip("</tr>").rstrip().endswith('<td class="text-end number">–</td>')


def test_comparing_every_municipality_also_shows_the_year_most_have_published(client, early):
    html = get(client, "/indikator/husholdningsavfall/?utvalg=alle").content.decode()
    assert "Ranking, 2023" in html
    assert years_offered(html) == ["2024", "2023", "2019"]


def test_a_member_that_absorbed_others_is_shown_with_them_before_the_absorption(client, network, waste):
    # Stavanger kept its number 1103 and absorbed Finnøy and Rennesøy in 2020: 2019 is the three added up.
    stavanger = make.municipality("Stavanger", "1103", established=datetime.date(1838, 1, 1))
    make.membership(network, stavanger)
    for name, code, people, tonnes in (("Finnøy", "1141", 300, 120), ("Rennesøy", "1142", 400, 180)):
        absorbed = make.municipality(name, code, dissolved=datetime.date(2020, 1, 1), successor=stavanger)
        make.population(absorbed, {2019: people})
        make.published_value(waste, absorbed, 2019, tonnes)
    make.population(stavanger, {2019: 1300, 2023: 2000})
    make.published_value(waste, stavanger, 2019, 500)
    make.published_value(waste, stavanger, 2023, 780)

    html = get(client, "/indikator/husholdningsavfall/?ar=2019").content.decode()
    row = next(row for row in ranking_rows(html) if row[1] == "Stavanger")
    assert row[-2:] == ["400", "800.0"]  # (500 + 120 + 180) t × 1 000 / (1 300 + 300 + 400) people
    assert "Computed from Stavanger + Finnøy + Rennesøy, before the merger" in html
    html = get(client, "/indikator/husholdningsavfall/?ar=2023").content.decode()
    assert next(row for row in ranking_rows(html) if row[1] == "Stavanger")[-2:] == ["390", "780.0"]
