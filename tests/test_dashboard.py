"""The municipality dashboard: goals with their progress, a chart, a table and a sentence per indicator."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Indicator, Role
from indicators.models import ValueStatus as S
from tests import factories as make

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def population(rana):
    return make.population(rana, dict.fromkeys(range(2019, 2025), 26000))


@pytest.fixture
def plan(rana, waste):
    plan = make.plan(
        rana, title="Kommuneplanens samfunnsdel 2020–2032", last=THIS_YEAR + 6, adopted_on=datetime.date(2020, 6, 18)
    )
    area = make.focus_area(plan, "Natur, miljø og bærekraftig utvikling")
    make.goal(
        area, "Mindre avfall fra husholdningene", indicator=waste, baseline=(2019, 412), target=(THIS_YEAR + 2, 350)
    )
    return plan


def add_waste(rana, waste, figures, status=S.PUBLISHED, **fields):
    """Store waste as tonnes for 26 000 inhabitants, given in kg per inhabitant."""
    for year, kg in figures.items():
        make.value(waste, rana, year, Decimal(kg) * 26, status=status, **fields)


def page(client, language="en", url="/kommune/1833/"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def chart_data(html, code):
    return json.loads(re.search(rf'<script id="chart-{code}" type="application/json">(.*?)</script>', html, re.S)[1])


def test_a_goal_shows_baseline_target_latest_and_progress(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2020: 400, 2021: 390, 2022: 379, 2023: 368, 2024: 357})
    html = page(client)
    goals = re.search(r'<h2 id="goals">.*?<h2 id="indicators">', html, re.S)[0]
    assert "Mindre avfall fra husholdningene" in goals
    assert "412\xa0kg per inhabitant (2019)" in goals
    assert f"350\xa0kg per inhabitant ({THIS_YEAR + 2})" in goals
    assert "357\xa0kg per inhabitant (2024)" in goals
    assert "On track" in goals
    assert "How progress is assessed" in html


def test_progress_that_goes_the_wrong_way_is_said_so(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2022: 430, 2024: 445})
    assert "Moving the wrong way" in page(client)


def test_the_sentence_says_how_the_figure_moved_and_what_the_target_is(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2023: 380})
    html = page(client)
    assert (
        "Household waste per inhabitant fell from 412\xa0kg per inhabitant in 2019 to 380\xa0kg per inhabitant "
        f"in 2023. The target is 350\xa0kg per inhabitant in {THIS_YEAR + 2}."
    ) in html
    nynorsk = page(client, "nn")
    assert "Hushaldsavfall per innbyggjar fall frå 412" in nynorsk


def test_the_chart_holds_the_figures_the_target_and_the_trend(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2021: 400, 2023: 380})
    figure = chart_data(page(client), "husholdningsavfall")
    traces = {trace["name"]: trace for trace in figure["data"]}
    # Every year from the first to the last; the line breaks at a year without a figure.
    assert traces["Figures"]["x"] == [2019, 2020, 2021, 2022, 2023]
    assert traces["Figures"]["y"][::2] == pytest.approx([412, 400, 380])
    assert traces["Figures"]["y"][1::2] == [None, None]
    assert traces["Figures"]["connectgaps"] is False
    assert traces["Target: straight path from the baseline"]["x"] == [2019, THIS_YEAR + 2]
    assert traces["Target: straight path from the baseline"]["line"]["dash"] == "dash"
    assert traces["Trend projected to the target year"]["x"] == [2023, THIS_YEAR + 2]
    assert traces["Trend projected to the target year"]["line"]["dash"] == "dot"
    # The unit above the axis, reading across: it needs one line of height, however short a printed chart is.
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["kg per inhabitant"]
    assert figure["layout"]["yaxis"]["automargin"] is True  # room for the tick labels


def test_sample_data_is_its_own_series_in_the_chart(client, population, waste, rana):
    add_waste(rana, waste, {2020: 400, 2021: 390}, is_sample=True)
    html = page(client)
    figure = chart_data(html, "husholdningsavfall")
    assert [trace["name"] for trace in figure["data"]] == ["Sample data, not real figures"]
    assert figure["data"][0]["marker"]["symbol"] == ["diamond", "diamond"]


def test_an_open_marker_for_a_figure_not_yet_published_has_its_legend_entry(
    client, population, waste, rana, politician
):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 390}, status=S.APPROVED)
    client.force_login(make.role(politician, rana, Role.READER))
    figure = chart_data(page(client), "husholdningsavfall")
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["Figures"]["marker"]["symbol"] == ["circle", "circle-open"]
    legend = traces["Open marker: approved, not yet published"]
    assert legend["marker"]["symbol"] == "circle-open" and legend["x"] == [None]
    client.logout()
    public = chart_data(page(client), "husholdningsavfall")
    assert [trace["name"] for trace in public["data"]] == ["Figures"]  # the public sees no open markers


def test_the_public_sees_published_values_only(client, population, waste, rana):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    add_waste(rana, waste, {2024: 888}, status=S.SUBMITTED)
    html = page(client)
    assert "777" not in html and "888" not in html
    assert "not published" not in html


def test_readers_of_the_municipality_also_see_approved_values_marked(client, population, waste, rana, oslo, politician):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    add_waste(rana, waste, {2024: 888}, status=S.DRAFT)
    client.force_login(make.role(politician, rana, Role.READER))
    section = re.search(r'<section[^>]*id="indicator-husholdningsavfall".*?</section>', page(client), re.S)[0]
    assert "777\xa0kg" in section
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td[^>]*>(.*?)</td>', section, re.S)
    assert [year for year, _cell in rows] == ["2023", "2022"]  # newest first
    assert "not published" in rows[0][1] and "not published" not in rows[1][1]
    assert "888" not in section  # drafts are not for the dashboard
    # A reader in Rana is a member of the public elsewhere.
    make.value(waste, oslo, 2023, 5555, status=S.APPROVED)
    assert "5\xa0555" not in page(client, url="/kommune/0301/")


def test_without_a_plan_in_force_the_latest_adopted_plan_is_shown(client, population, waste, plan, rana):
    plan.period_end = THIS_YEAR - 1
    plan.save()
    assert "No kommuneplan is in force this year; this is the latest adopted one." in page(client)


def test_dashboard_queries_do_not_grow_with_indicators_years_or_municipalities(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2020: 400})

    def count():
        with CaptureQueriesContext(connection) as queries:
            page(client)
        return len(queries)

    before = count()
    for number in range(50):
        make.municipality(f"Kommune {number}", f"{5000 + number}", since=2020)
    for number in range(5):
        indicator = Indicator.objects.create(
            code=f"ekstra-{number}", name_nb=f"Ekstra {number}", unit="count", direction="higher", bottom_line="social"
        )
        make.published_values(indicator, rana, {year: year for year in range(2010, 2025)})
    assert count() == before


def test_the_dashboard_figures_download_with_units_sources_and_nothing_unpublished(client, population, waste, rana):
    import csv
    import io

    add_waste(rana, waste, {2022: 400}, source="Kommunens avfallsselskap")
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/kommune/1833/data.csv")
    assert response["Content-Disposition"] == 'attachment; filename="livskraft-1833.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:6] == ["1833", "Rana", "Household waste per inhabitant", "2022", "400", "kg per inhabitant"]
    assert rows[1][-2:] == ["Kommunens avfallsselskap", ""]  # no licence known for the municipality's own figure
    assert len(rows) == 2  # the approved 2023 figure is not public
    assert client.get("/kommune/1833/data.xlsx").status_code == 200
    assert client.get("/kommune/1833/data.pdf").status_code == 404


def figures_table(html, code):
    section = re.search(rf'<section[^>]*id="indicator-{code}".*?</section>', html, re.S)[0]
    return re.search(r"<table.*?</table>", section, re.S)[0]


def test_the_figures_table_has_its_units_in_the_headers_and_the_total_in_a_column_of_its_own(
    client, population, waste, rana
):
    add_waste(rana, waste, {2022: 400, 2023: 380})
    table = figures_table(page(client, "nb"), "husholdningsavfall")
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    assert headers == ["År", "kg per innbygger", "tonn i alt"]
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', table, re.S)
    # 380 kg for 26 000 people is 9 880 tonnes: each figure once, without its unit after it.
    assert [(year, re.sub(r"<[^>]+>", "", figure), total) for year, figure, total in rows] == [
        ("2023", "380", "9\xa0880,0"),
        ("2022", "400", "10\xa0400,0"),
    ]
    assert "kg per innbygger" not in table.split("</thead>")[1]


def test_sample_data_is_explained_once_per_table_and_marked_in_each_cell(client, population, waste, rana):
    add_waste(rana, waste, {2021: 410}, is_sample=True)
    add_waste(rana, waste, {2022: 400, 2023: 380})
    table = figures_table(page(client, "nb"), "husholdningsavfall")
    assert table.count("Eksempeldata: oppdiktede tall, ikke ekte tall.") == 1
    assert "<caption>" in table and table.index("Eksempeldata") < table.index("</caption>")
    assert table.count('class="sample-mark"') == 1 and "sample-badge" not in table
    sample_row = re.search(r'<th scope="row">2021</th>.*?</tr>', table, re.S)[0]
    assert '<span class="sample-mark" aria-hidden="true">*</span>' in sample_row and "(eksempeldata)" in sample_row
    rana.values.filter(is_sample=True).delete()
    real = figures_table(page(client, "nb"), "husholdningsavfall")
    assert "Eksempeldata" not in real and "sample-mark" not in real
