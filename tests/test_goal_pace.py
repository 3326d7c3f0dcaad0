"""When do we get there: each goal's reach year and needed change in words on the dashboard, the annual report and
the digest, and its calculation as a CSV download, to those who may read the page it sits on."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings

from indicators.models import Role
from indicators.models import ValueStatus as S
from plans import read_model
from plans.models import AnnualReport, GoalIndicator, PlanStatus
from tests import factories as make

THIS_YEAR = datetime.date.today().year
MINUS, NBSP = "\u2212", "\xa0"
PEOPLE = 26000
# 5 kg less a year from 412 kg in 2019: 392 kg in 2023, and 350 kg is passed only in 2032, two years late.
FIGURES = {2019: 412, 2020: 407, 2021: 402, 2022: 397, 2023: 392}
LATE_EN = (
    f"At the current pace the target is reached in 2032, 2 years after the deadline; reaching it by 2030 takes "
    f"{MINUS}1.6% a year."
)
LATE_NB = (
    f"Med dagens utvikling nås målet i 2032, 2 år etter fristen; det trengs {MINUS}1,6{NBSP}% per år for å nå det "
    "innen 2030."
)
LATE_NN = (
    f"Med dagens utvikling blir målet nådd i 2032, 2 år etter fristen; det trengst {MINUS}1,6{NBSP}% per år for å "
    "nå det innan 2030."
)


def add_waste(rana, waste, figures, status=S.PUBLISHED, **fields):
    """Store waste as tonnes for 26 000 inhabitants, given in kg per inhabitant."""
    for year, kg in figures.items():
        make.value(waste, rana, year, Decimal(kg) * PEOPLE // 1000, status=status, **fields)


@pytest.fixture
def rana_goal(rana, waste):
    """Rana's kommuneplan in force: household waste from 412 kg (2019) to 350 kg in 2030; figures to 2023."""
    make.population(rana, dict.fromkeys(range(2019, 2026), PEOPLE))
    add_waste(rana, waste, FIGURES)
    plan = make.plan(rana, title="Kommuneplanens samfunnsdel", last=THIS_YEAR + 6, adopted_on=datetime.date(2020, 6, 1))
    area = make.focus_area(plan, "Natur og miljø")
    make.goal(area, "Mindre avfall fra husholdningene", indicator=waste, baseline=(2019, 412), target=(2030, 350))
    return GoalIndicator.objects.get()


def text(client, url, language="en", status=200) -> str:
    """The page as a reader reads it: no tags, white space collapsed (non-breaking spaces kept)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == status, url
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def download(client, url, language="en", status=200) -> list[list[str]]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == status, url
    if status != 200:
        return []
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads UTF-8, as the other downloads
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def csv_url(measure, year=None) -> str:
    if year is None:
        return f"/kommune/1833/mal/{measure.pk}/beregning.csv"
    return f"/kommune/1833/arsrapport/{year}/mal/{measure.pk}/beregning.csv"


# --- the dashboard ------------------------------------------------------------------------------------------------


def test_the_dashboard_says_when_the_target_is_reached_and_links_the_calculation(client, rana_goal):
    assert f"{LATE_EN} The calculation : Household waste per inhabitant (CSV)" in text(client, "/kommune/1833/")
    assert LATE_NB in text(client, "/kommune/1833/", "nb")
    assert LATE_NN in text(client, "/kommune/1833/", "nn")
    html = client.get("/kommune/1833/").content.decode()
    assert f'href="{csv_url(rana_goal)}" download' in html
    assert "When the target is reached at the current pace: the first whole year" in text(client, "/kommune/1833/")


def test_the_stored_dashboard_says_the_same_as_the_live_one(client, rana, rana_goal):
    live = text(client, "/kommune/1833/", "nb")
    assert read_model.build({rana.pk}) == 1
    assert text(client, "/kommune/1833/", "nb") == live
    assert LATE_NB in live


def test_the_public_dashboard_ignores_approved_figures_its_own_readers_see_them(client, rana, waste, rana_goal):
    add_waste(rana, waste, {2024: 300}, status=S.APPROVED)  # would reach the target
    assert LATE_EN in text(client, "/kommune/1833/")
    assert download(client, csv_url(rana_goal))[-1][0] == "2023"
    reader = make.role(make.user("leser-rana"), rana, Role.READER)
    client.force_login(reader)
    assert "The target is reached." in text(client, "/kommune/1833/")
    rows = download(client, csv_url(rana_goal))
    assert rows[-1][:5] == ["2024", "300", "kg per inhabitant", "Reported", "Approved"]


# --- the download ---------------------------------------------------------------------------------------------


def test_the_calculation_lists_its_inputs_results_and_the_figures_it_rests_on(client, rana_goal):
    rows = download(client, csv_url(rana_goal))
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields["Municipality"] == "Rana"
    assert fields["Goal"] == "Mindre avfall fra husholdningene"
    assert fields["Unit"] == "kg per inhabitant"
    assert (fields["Baseline year"], fields["Baseline value"]) == ("2019", "412")
    assert (fields["Target year"], fields["Target value"]) == ("2030", "350")
    assert (fields["Latest year"], fields["Latest figure"]) == ("2023", "392")
    assert fields["Progress"] == "Off track"
    assert fields["Trend years"] == "2019–2023"
    assert fields["Slope (change per year)"] == "-5"
    assert fields["Trend in the target year"] == "357"
    assert fields["Needed change per year"] == "-6"  # 42 kg in 7 years
    assert fields["Needed change per year (per cent)"] == "-1,61"
    assert fields["Year the target is reached at the current pace"] == "2032"
    assert fields["When we get there"] == LATE_EN
    header = rows.index(
        ["Year", "Value", "Unit", "State", "Status", "In the trend", "Sample data", "Source", "Licence"]
    )
    assert rows[header + 1] == [
        "2019", "412", "kg per inhabitant", "Reported", "Published", "yes", "", "SSB, KOSTRA tabell 12241",
        "CC BY 4.0. Kilde: Statistisk sentralbyrå",
    ]  # fmt: skip
    assert [row[0] for row in rows[header + 1 :]] == ["2019", "2020", "2021", "2022", "2023"]


def test_the_calculation_is_in_the_readers_language_with_decimal_commas(client, rana_goal):
    rows = download(client, csv_url(rana_goal), "nb")
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert fields["Nødvendig endring per år (prosent)"] == "-1,61"
    assert fields["Når vi når målet"] == LATE_NB


def test_a_baseline_without_a_figure_of_its_own_is_listed_as_the_plans(client, rana, waste, rana_goal):
    rana_goal.baseline_year, rana_goal.baseline_value = 2018, Decimal(420)
    rana_goal.save()
    rows = download(client, csv_url(rana_goal))
    assert ["2018", "420", "kg per inhabitant", "", "", "", "", "The plan's baseline", ""] in rows


def test_a_goal_of_a_plan_not_adopted_or_of_another_municipality_cannot_be_downloaded(
    client, rana, oslo, waste, rana_goal, rana_planner
):
    draft = make.plan(rana, title="Utkast", status=PlanStatus.DRAFT)
    hidden = make.goal(make.focus_area(draft, "Utkast"), "Utkast", indicator=waste, target=(2030, 1)).measures.get()
    others = make.plan(oslo, title="Oslos plan", last=THIS_YEAR + 6)
    oslo_goal = make.goal(make.focus_area(others, "Oslo"), "Oslo", indicator=waste, target=(2030, 1)).measures.get()
    download(client, csv_url(hidden), status=404)
    download(client, csv_url(oslo_goal), status=404)
    download(client, f"/kommune/0301/mal/{rana_goal.pk}/beregning.csv", status=404)
    client.force_login(rana_planner)  # the dashboard shows adopted plans only, to its own people too
    download(client, csv_url(hidden), status=404)


def test_the_download_takes_the_same_queries_however_many_figures(
    client, rana, waste, rana_goal, django_assert_num_queries
):
    # 1–2 the municipality by its number and its numbers (municipality_for_user), 3–6 the plan, its focus areas,
    # goals and measures with their indicators (current_plan), 7 the indicators, 8 the values (municipality_series).
    with django_assert_num_queries(8):
        download(client, csv_url(rana_goal))
    add_waste(rana, waste, dict.fromkeys(range(2000, 2019), 400))
    with django_assert_num_queries(8):
        download(client, csv_url(rana_goal))


# --- the annual report --------------------------------------------------------------------------------------------


@pytest.fixture
def report_2022(rana, waste, rana_goal):
    """Rana's annual report for 2022, published; a figure for 2023 came later."""
    now = datetime.datetime.now(datetime.UTC)
    return AnnualReport.objects.create(municipality=rana, year=2022, published_at=now, first_published_at=now)


# As known in 2022: 397 kg, 5 kg less a year, passes 350 kg in 2032 too; 47 kg in 8 years is −1.6 % a year too.
REPORT_EN = (
    f"At the current pace the target is reached in 2032, 2 years after the deadline; reaching it by 2030 takes "
    f"{MINUS}1.6% a year."
)


def test_the_report_says_when_the_target_is_reached_with_the_figures_of_its_year(client, rana, report_2022, rana_goal):
    page = text(client, "/kommune/1833/arsrapport/2022/?lang=en")
    assert f"{REPORT_EN} The calculation : Household waste per inhabitant (CSV)" in page
    assert "Med dagens utvikling nås målet i 2032, 2 år etter fristen" in text(
        client, "/kommune/1833/arsrapport/2022/", "nb"
    )
    html = client.get("/kommune/1833/arsrapport/2022/").content.decode()
    assert f'href="{csv_url(rana_goal, 2022)}" download' in html
    rows = download(client, csv_url(rana_goal, 2022))
    fields = {row[0]: row[1] for row in rows if len(row) == 2}
    assert (fields["Latest year"], fields["Latest figure"]) == ("2022", "397")
    assert fields["When we get there"] == REPORT_EN
    assert rows[-1][0] == "2022"  # nothing after the report's year
    read_model.build({rana.pk})
    assert text(client, "/kommune/1833/arsrapport/2022/?lang=en") == page


def test_an_unpublished_reports_calculation_is_only_for_the_municipalitys_own_readers(
    client, rana, rana_goal, rana_planner
):
    AnnualReport.objects.create(municipality=rana, year=2022)
    download(client, csv_url(rana_goal, 2022), status=404)
    download(client, csv_url(rana_goal, 2021), status=404)  # no report at all
    client.force_login(rana_planner)
    assert download(client, csv_url(rana_goal, 2022))[-1][0] == "2022"
    download(client, csv_url(rana_goal, THIS_YEAR + 1), status=404)  # no report can be for a year to come
