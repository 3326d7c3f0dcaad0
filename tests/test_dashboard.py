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
    assert traces["Figures"]["x"] == [2019, 2021, 2023]
    assert traces["Figures"]["y"] == pytest.approx([412, 400, 380])
    assert traces["Path to the target"]["x"] == [2019, THIS_YEAR + 2]
    assert traces["Trend"]["x"] == [2023, THIS_YEAR + 2]
    assert figure["layout"]["yaxis"]["title"]["text"] == "kg per inhabitant"


def test_sample_data_is_its_own_series_in_the_chart(client, population, waste, rana):
    add_waste(rana, waste, {2020: 400, 2021: 390}, is_sample=True)
    html = page(client)
    figure = chart_data(html, "husholdningsavfall")
    assert [trace["name"] for trace in figure["data"]] == ["Sample data"]


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
