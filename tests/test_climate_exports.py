"""Downloads of the climate budget: the measures and their published statuses as CSV, XLSX and JSON, the frames and
paths as JSON-stat 2.0 for a municipality and a network; only the adopted budget and published statuses, for anyone."""

import csv
import datetime
import io
import json
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from indicators import jsonstat
from plans.climate import move_reports, save_report
from plans.models import BudgetLine, MeasureStatus, PlanStatus, PlanType, ReportStatus, StrategicProject
from tests import factories as make

pytestmark = pytest.mark.django_db

YEAR = 2025


# --- test data -------------------------------------------------------------------------------------------------


def okonomiplan(m, first, last, status=PlanStatus.ADOPTED):
    return make.plan(
        m, PlanType.OKONOMIPLAN, first=first, last=last, status=status, title=f"Økonomiplan {first}–{last}"
    )


@pytest.fixture
def rana_budget(rana, lighthouses, rana_planner, rana_approver):
    """Rana's adopted økonomiplan 2025–2028 with its climate budget (2009 → 95 % by 2030): road traffic and heating,
    two measures, one with a published status being revised, one with a status never published."""
    make.emissions(rana, "veitrafikk", {2009: 40000, 2023: 33000})
    make.emissions(rana, "oppvarming", {2009: 10000, 2023: 4000})
    plan = okonomiplan(rana, 2025, 2028)
    budget = make.climate_budget(plan, reference_year=2009, target_year=2030, target_percent=95)
    make.climate_sector(budget, "veitrafikk", frames={2025: 70, 2026: 60}, reference={2025: 85, 2026: 84})
    make.climate_sector(budget, "oppvarming", frames={2025: 30}, reference={2025: 40})
    project = StrategicProject.objects.create(plan=plan, title="Grønn bilpark")
    BudgetLine.objects.create(municipality=rana, project=project, year=YEAR, adopted=500, revised=650, accounts=610)
    cars = make.climate_measure(
        budget,
        "T1",
        "veitrafikk",
        title="Nullutslipp i kommunens bilpark",
        cuts={2025: (1200, 800, 1600), 2026: 2000},
        targets={2025: 60},
        result_indicator=lighthouses,
        project=project,
        emission_source="Personbiler",
        responsible_unit="Eiendom",
        co_benefits="Mindre støy",
    )
    heating = make.climate_measure(
        budget,
        "T2",
        "oppvarming",
        title="Utfasing av fossil oppvarming",
        effect_class="medium",
        captured_by_inventory=False,
        level="national",
    )
    make.measure_report(cars, YEAR, MeasureStatus.ON_TRACK, workflow=ReportStatus.PUBLISHED,
                        explanation="Ti av tolv biler er byttet.", result=55)  # fmt: skip
    # The planner revises the published status: the public keeps reading "on track" until it is published again.
    save_report(measure=cars, year=YEAR, status=MeasureStatus.DELAYED, explanation="HEMMELIG forsinkelse",
                result_value=Decimal(77712301), user=rana_planner)  # fmt: skip
    # A status submitted and approved, but not yet published.
    draft = save_report(measure=heating, year=YEAR, status=MeasureStatus.CANCELLED, explanation="HEMMELIG avlyst",
                        result_value=None, user=rana_planner)  # fmt: skip
    move_reports(reports=[draft], to=ReportStatus.SUBMITTED, user=rana_planner)
    move_reports(reports=[draft], to=ReportStatus.APPROVED, user=rana_approver)
    # The next version, still a draft: its budget is nobody's business but the municipality's yet.
    draft_plan = okonomiplan(rana, 2026, 2029, status=PlanStatus.DRAFT)
    secret = make.climate_budget(draft_plan, reference_year=2009)
    make.climate_sector(secret, "veitrafikk", frames={2029: 11}, reference={2029: 80})
    make.climate_measure(secret, "T9", "veitrafikk", title="HEMMELIG tiltak", cuts={2029: 77723402})
    return budget


def measures_url(code="1833", year=YEAR, fmt="csv"):
    return reverse("climate_measures_download", args=[code, year, fmt])


def paths_url(code="1833", year=YEAR):
    return reverse("climate_paths_jsonstat", args=[code, year])


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def by_heading(rows) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# --- measures and statuses ------------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_measure_with_its_figures_and_published_status(client, english, rana_budget):
    response = client.get(measures_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="livskraft-klimatiltak-1833-2025.csv"' in response["Content-Disposition"]
    rows = by_heading(csv_rows(response))
    assert [(r["Measure number"], r["Measure"]) for r in rows] == [
        ("T1", "Nullutslipp i kommunens bilpark"),
        ("T2", "Utfasing av fossil oppvarming"),
    ]
    cars, heating = rows
    assert (cars["Municipality number"], cars["Municipality"], cars["Year"]) == ("1833", "Rana", "2025")
    assert (cars["Plan"], cars["Plan status"]) == ("Økonomiplan 2025–2028 (2025–2028)", "Adopted")
    assert (cars["Sector code"], cars["Sector"], cars["Emission source"]) == (
        "veitrafikk",
        "Road traffic",
        "Personbiler",
    )
    assert (cars["Whose measure"], cars["Responsible unit"]) == ("The municipality's own", "Eiendom")
    # The revised budget is the one in force; amounts in NOK 1 000.
    assert (cars["Strategic project"], cars["Budget (NOK 1 000)"], cars["Accounts (NOK 1 000)"]) == (
        "Grønn bilpark",
        "650",
        "610",
    )
    # Tonnes with a decimal comma, as Excel in Norway reads them.
    assert [cars[f"{h} (tonnes CO₂-eq.)"] for h in ("Expected cut", "Low estimate", "High estimate")] == [
        "1200",
        "800",
        "1600",
    ]
    assert (cars["Result indicator code"], cars["Result target"], cars["Result"]) == ("miljofyrtarn", "60", "55")
    # As last published: not the planner's revision in progress.
    assert (cars["Status"], cars["Explanation"]) == ("On track", "Ti av tolv biler er byttet.")
    assert cars["Status published"]
    assert (heating["Effect class"], heating["Captured by the inventory"], heating["Whose measure"]) == (
        "Medium",
        "no",
        "National",
    )
    assert heating["Expected cut (tonnes CO₂-eq.)"] == ""
    # Each row names where it comes from; the municipality's own figures carry no known licence.
    assert cars["Source"] == "Rana, climate budget in Økonomiplan 2025–2028 (2025–2028)"
    assert cars["Licence"] == ""
    assert list(cars)[-2:] == ["Source", "Licence"]


def test_a_status_not_yet_published_is_absent_and_so_is_the_revision_of_a_published_one(client, rana_budget):
    for fmt in ("csv", "json"):
        body = client.get(measures_url(fmt=fmt)).content.decode()
        assert "HEMMELIG" not in body and "77712301" not in body, fmt
    heating = json.loads(client.get(measures_url(fmt="json")).content)["measures"][1]
    assert (heating["measure_number"], heating["status"], heating["explanation"], heating["published_at"]) == (
        "T2",
        None,
        "",
        None,
    )
    rows = by_heading(csv_rows(client.get(measures_url())))
    assert rows[1]["Status"] == ""  # the heating measure: approved, not published


def test_a_csv_in_norwegian_has_norwegian_headings_and_decimal_commas(client, rana_budget):
    cut = rana_budget.measures.get(number="T1").years.get(year=YEAR)
    cut.cut, cut.cut_low = Decimal("1200.5"), Decimal("800.2")
    cut.save()
    rows = csv_rows(client.get(measures_url()))
    assert rows[0][0] == "Kommunenummer"
    cars = rows[1]
    assert "1200,5" in cars and "800,2" in cars
    assert "1200.5" not in cars


def test_the_xlsx_has_the_same_rows_with_numbers_as_numbers(client, english, rana_budget):
    response = client.get(measures_url(fmt="xlsx"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="livskraft-klimatiltak-1833-2025.xlsx"' in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3
    cars = dict(zip(rows[0], rows[1], strict=True))
    assert cars["Expected cut (tonnes CO₂-eq.)"] == 1200
    assert cars["Budget (NOK 1 000)"] == 650
    assert (cars["Measure number"], cars["Status"], cars["Result"]) == ("T1", "On track", 55)
    assert rows[0] == tuple(csv_rows(client.get(measures_url()))[0])


def test_the_json_has_stable_english_keys_and_a_header(client, rana_budget):
    client.cookies["django_language"] = "nb"
    response = client.get(measures_url(fmt="json"))
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="livskraft-klimatiltak-1833-2025.json"' in response["Content-Disposition"]
    document = json.loads(response.content)
    header = document["header"]
    assert header["source"].startswith("Rana")
    assert datetime.datetime.fromisoformat(header["generated"]).tzinfo is not None
    assert (header["municipality_number"], header["year"], header["plan_status"]) == ("1833", 2025, "adopted")
    cars = document["measures"][0]
    assert cars == {
        "municipality_number": "1833",
        "municipality": "Rana",
        "plan": "Økonomiplan 2025–2028 (2025–2028)",
        "plan_status": "adopted",
        "year": 2025,
        "measure_number": "T1",
        "title": "Nullutslipp i kommunens bilpark",
        "sector": "veitrafikk",
        "sector_label": cars["sector_label"],  # in the visitor's language
        "emission_source": "Personbiler",
        "level": "own",
        "responsible_unit": "Eiendom",
        "strategic_project": "Grønn bilpark",
        "cost_budget_nok_1000": 650,
        "cost_accounts_nok_1000": 610,
        "expected_cut_tonnes": 1200,
        "expected_cut_low_tonnes": 800,
        "expected_cut_high_tonnes": 1600,
        "effect_class": None,
        "captured_by_inventory": True,
        "co_benefits": "Mindre støy",
        "result_indicator_code": "miljofyrtarn",
        "result_indicator": cars["result_indicator"],
        "result_indicator_unit": cars["result_indicator_unit"],
        "result_target": 60,
        "result_value": 55,
        "status": "on_track",
        "status_label": cars["status_label"],
        "explanation": "Ti av tolv biler er byttet.",
        "published_at": cars["published_at"],
        "is_example": False,
    }
    assert datetime.datetime.fromisoformat(cars["published_at"])
    assert document["measures"][1]["effect_class"] == "medium"


def test_the_public_cannot_download_a_draft_budget(client, rana_budget, oslo):
    # 2029 is covered only by the draft version.
    for fmt in ("csv", "xlsx", "json"):
        assert client.get(measures_url(year=2029, fmt=fmt)).status_code == 404
    assert client.get(paths_url(year=2029)).status_code == 404
    # In 2026 both versions cover the year: the adopted one is served, and nothing of the draft.
    body = client.get(measures_url(year=2026)).content.decode()
    assert "Nullutslipp" in body and "HEMMELIG" not in body
    assert b"77723402" not in client.get(paths_url(year=2026)).content
    # Oslo has only a draft.
    make.climate_budget(okonomiplan(oslo, 2025, 2028, status=PlanStatus.DRAFT))
    assert client.get(measures_url("0301")).status_code == 404


def test_a_planner_downloads_what_the_public_downloads(client, rana_budget, rana_planner):
    """A file is open data, to be passed on: a role shows no draft in it."""
    public = by_heading(csv_rows(client.get(measures_url())))
    client.force_login(rana_planner)
    assert by_heading(csv_rows(client.get(measures_url()))) == public
    assert client.get(measures_url(year=2029)).status_code == 404


def test_an_unknown_format_or_municipality_is_not_found(client, rana_budget):
    assert client.get(measures_url(fmt="pdf")).status_code == 404
    assert client.get(measures_url(code="9999")).status_code == 404
    assert client.get(measures_url(year=2024)).status_code == 404  # before the plan
    assert client.get(measures_url(year=99999)).status_code == 404


def test_text_that_a_spreadsheet_would_run_is_neutralised(client, english, rana_budget):
    rana_budget.measures.filter(number="T2").update(title='=HYPERLINK("http://x")')
    rows = by_heading(csv_rows(client.get(measures_url())))
    assert rows[1]["Measure"].startswith("'=")


def add_measures(budget, count):
    first = budget.measures.count()
    for n in range(first, first + count):
        make.climate_measure(budget, f"X{n:02}", "veitrafikk", cuts={YEAR: 10}, result_indicator=None,
                             effect_class="low")  # fmt: skip


def test_the_measures_download_takes_the_same_queries_with_1_or_10_measures(
    client, rana, lighthouses, django_assert_num_queries
):
    make.emissions(rana, "veitrafikk", {2009: 40000})
    budget = make.climate_budget(okonomiplan(rana, 2025, 2028))
    make.climate_sector(budget, "veitrafikk", frames={2025: 70}, reference={2025: 85})
    project = StrategicProject.objects.create(plan=budget.plan, title="Prosjekt")
    make.climate_measure(budget, "T1", "veitrafikk", cuts={YEAR: 10}, result_indicator=lighthouses, project=project)
    for count in (1, 10):
        # 1. the municipality by its number
        # 2. its numbers
        # 3. the budget for the year, with its plan
        # compose():
        # 4. the interim targets
        # 5. the sectors
        # 6. their years
        # 7. the measures, with their result indicator and project
        # 8. their years
        # 9. the inventory
        # 10. the projects' budget lines
        # 11. the year's reports
        # 12. the revisions of the reference year
        with django_assert_num_queries(12):
            response = client.get(measures_url())
        assert len(csv_rows(response)) == 1 + count
        add_measures(budget, 9 if count == 1 else 0)


# --- frames and paths as JSON-stat ----------------------------------------------------------------------------


def test_the_paths_are_json_stat_2_in_the_order_region_sector_path_year(client, english, rana_budget):
    response = client.get(paths_url())
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="livskraft-klimabudsjett-1833-2025.json"' in response["Content-Disposition"]
    document = json.loads(response.content)
    assert (document["version"], document["class"]) == ("2.0", "dataset")
    assert document["id"] == ["Region", "Sektor", "Bane", "Tid"]
    assert math.prod(document["size"]) == len(document["value"])
    assert document["role"]["geo"] == ["Region"] and document["role"]["time"] == ["Tid"]
    categories = {d: list(document["dimension"][d]["category"]["index"]) for d in document["id"]}
    assert categories == {
        "Region": ["1833"],
        "Sektor": ["oppvarming", "veitrafikk", "totalt"],
        "Bane": ["utslipp", "referansebane", "med_tiltak", "ramme"],
        "Tid": ["2009", "2023", "2025", "2026"],
    }
    assert document["dimension"]["Bane"]["category"]["unit"]["ramme"] == {"base": "tonnes CO₂-eq.", "decimals": 1}

    def at(sector, path, year):
        """The value at its row-major index, counted by hand: the last dimension varies fastest."""
        s = categories["Sektor"].index(sector)
        p = categories["Bane"].index(path)
        t = categories["Tid"].index(year)
        return document["value"][((0 * 3 + s) * 4 + p) * 4 + t]

    assert at("veitrafikk", "ramme", "2025") == 28000  # 70 % of 40 000 tonnes in 2009
    assert at("veitrafikk", "referansebane", "2025") == 34000  # 85 %
    assert at("veitrafikk", "med_tiltak", "2025") == 32800  # 34 000 − the 1 200 tonnes of T1
    assert at("veitrafikk", "utslipp", "2023") == 33000
    assert at("veitrafikk", "utslipp", "2025") is None  # Miljødirektoratet publishes 2025's figures in 2027
    assert at("totalt", "ramme", "2025") == 31000  # 28 000 + 3 000
    assert at("totalt", "med_tiltak", "2025") == 36800
    assert at("oppvarming", "ramme", "2026") is None  # no frame set
    assert at("totalt", "ramme", "2026") is None  # so no sum either
    notes = " ".join(document["note"])
    assert "(2009)" in notes and "per cent" in notes
    terms = document["extension"]["budgets"]["1833"]
    assert terms["frame_percent"]["veitrafikk"] == {"2025": 70, "2026": 60}
    assert (terms["reference_year"], terms["target_year"], terms["target_percent"]) == (2009, 2030, 95)
    assert "Miljødirektoratet" in document["source"]


def test_the_paths_read_back_with_the_portals_json_stat_reader(client, rana_budget):
    dataset = jsonstat.parse(client.get(paths_url()).content)
    assert dataset.dimension_ids == ["Region", "Sektor", "Bane", "Tid"]
    assert len(dataset) == len(list(dataset.cells()))
    cell = dataset.cell({"Region": "1833", "Sektor": "veitrafikk", "Bane": "ramme", "Tid": "2026"})
    assert cell.value == 24000  # 60 % of 40 000
    assert dataset.dimension_for_role("time") == "Tid" and dataset.dimension_for_role("geo") == "Region"
    assert dataset.updated_at is not None


@pytest.mark.filterwarnings("ignore:Shouldn't use this function anymore:DeprecationWarning")  # inside pyjstat
def test_pyjstat_reads_the_paths(client, rana_budget):
    from pyjstat import pyjstat

    frame = pyjstat.Dataset.read(client.get(paths_url()).content.decode()).write("dataframe", naming="id")
    row = frame[(frame["Sektor"] == "oppvarming") & (frame["Bane"] == "referansebane") & (frame["Tid"] == "2025")]
    assert float(row["value"].iloc[0]) == 4000


def test_a_revised_reference_year_moves_the_tonnes_not_the_per_cent(client, rana_budget, rana):
    from indicators.models import IndicatorValue

    IndicatorValue.objects.filter(municipality=rana, indicator__code="klimagassutslipp-veitrafikk", year=2009).update(
        published_value=Decimal(50000)
    )
    dataset = jsonstat.parse(client.get(paths_url()).content)
    assert dataset.cell({"Region": "1833", "Sektor": "veitrafikk", "Bane": "ramme", "Tid": "2025"}).value == 35000
    assert dataset.extension["budgets"]["1833"]["frame_percent"]["veitrafikk"]["2025"] == 70


def test_the_paths_take_the_same_queries_with_2_or_12_measures(client, rana_budget, django_assert_num_queries):
    for count in (2, 12):
        # 1. the municipality by its number
        # 2. its numbers
        # 3. the budget for the year, with its plan
        # 4. the sectors
        # 5. their years
        # 6. the measures
        # 7. their years
        # 8. the interim targets
        # 9. the inventory
        with django_assert_num_queries(9):
            response = client.get(paths_url())
        assert response.status_code == 200
        assert rana_budget.measures.count() == count
        add_measures(rana_budget, 10 if count == 2 else 0)


# --- the network ----------------------------------------------------------------------------------------------


@pytest.fixture
def climate_network(rana_budget, rana, oslo, kongsberg):
    """Oslo (an adopted budget from 1990), Rana (from 2009) and Kongsberg (only a draft) in one network."""
    make.emissions(oslo, "veitrafikk", {1990: 1000000, 2023: 700000})
    budget = make.climate_budget(okonomiplan(oslo, 2024, 2027), reference_year=1990, target_year=2030)
    make.climate_sector(budget, "veitrafikk", frames={2025: 50}, reference={2025: 75})
    make.climate_measure(budget, "O1", "veitrafikk", cuts={2025: 20000})
    make.emissions(kongsberg, "veitrafikk", {2009: 77734503})
    secret = make.climate_budget(okonomiplan(kongsberg, 2025, 2028, status=PlanStatus.DRAFT))
    make.climate_sector(secret, "veitrafikk", frames={2025: 100})
    return make.network("Klimanettverket", slug="klima", members=[rana, oslo, kongsberg])


def network_url(year=YEAR):
    return reverse("climate_network_jsonstat", args=["klima", year])


def test_the_network_file_has_every_member_with_an_adopted_budget(client, climate_network):
    response = client.get(network_url())
    assert 'filename="livskraft-klimabudsjett-klima-2025.json"' in response["Content-Disposition"]
    assert b"77734503" not in response.content  # Kongsberg's draft is absent
    document = json.loads(response.content)
    assert math.prod(document["size"]) == len(document["value"])
    dataset = jsonstat.parse(response.content)
    assert dataset.dimensions["Region"].categories == [("0301", "Oslo"), ("1833", "Rana")]
    assert dataset.dimensions["Tid"].codes == ["1990", "2009", "2023", "2025", "2026"]

    def value(region, sector, path, year):
        return dataset.cell({"Region": region, "Sektor": sector, "Bane": path, "Tid": year}).value

    assert value("0301", "veitrafikk", "ramme", "2025") == 500000
    assert value("0301", "veitrafikk", "med_tiltak", "2025") == 730000  # 750 000 − 20 000
    assert value("0301", "oppvarming", "ramme", "2025") is None  # not in Oslo's budget
    assert value("1833", "veitrafikk", "ramme", "2025") == 28000
    assert value("0301", "veitrafikk", "utslipp", "1990") == 1000000
    assert value("1833", "veitrafikk", "utslipp", "1990") is None  # before Rana's reference year
    assert "1990, 2009" in " ".join(dataset.notes)
    assert set(dataset.extension["budgets"]) == {"0301", "1833"}


def test_a_network_without_budgets_or_unknown_is_not_found(client, climate_network):
    assert client.get(network_url(year=2020)).status_code == 404
    assert client.get(reverse("climate_network_jsonstat", args=["ukjent", YEAR])).status_code == 404


def test_the_network_file_takes_the_same_queries_however_many_members(
    client, climate_network, kongsberg, django_assert_num_queries
):
    def fetch():
        # 1. the network
        # 2. the members' public budgets covering the year, with their plans and municipalities
        # 3. the municipalities' numbers
        # 4. the sectors
        # 5. their years
        # 6. the measures
        # 7. their years
        # 8. the interim targets
        # 9. the inventory
        with django_assert_num_queries(9):
            return jsonstat.parse(client.get(network_url()).content)

    assert len(fetch().dimensions["Region"]) == 2
    # Kongsberg adopts its budget, with measures of its own.
    kongsberg_budget = make.climate_budget(okonomiplan(kongsberg, 2025, 2026))
    make.climate_sector(kongsberg_budget, "veitrafikk", frames={2025: 90}, reference={2025: 95})
    add_measures(kongsberg_budget, 5)
    assert fetch().dimensions["Region"].codes == ["3303", "0301", "1833"]  # by name


# --- the API --------------------------------------------------------------------------------------------------

API = "/api/v1/climate-budgets/"


def test_the_api_lists_the_adopted_budget_with_its_sectors_in_per_cent_and_tonnes(client, rana_budget):
    response = client.get(f"{API}?kommune=1833")
    assert response.status_code == 200
    assert b"HEMMELIG" not in response.content and b"77712301" not in response.content
    (budget,) = response.json()["results"]  # not the draft version
    assert (budget["kommunenummer"], budget["plan"]["title"], budget["plan"]["status"]) == (
        "1833",
        "Økonomiplan 2025–2028",
        "adopted",
    )
    assert (budget["reference_year"], budget["target_year"], budget["target_percent"]) == (2009, 2030, "95")
    assert budget["reference_year_emissions"] == "50000"
    roads = next(s for s in budget["sectors"] if s["sector"] == "veitrafikk")
    assert (roads["label"], roads["reference_year_emissions"]) == ("Road traffic", "40000")
    assert roads["years"][0] == {
        "year": 2025,
        "frame_percent": "70",
        "reference_percent": "85",
        "frame_tonnes": "28000",
        "reference_tonnes": "34000",
        "with_measures_tonnes": "32800",
    }
    cars, heating = budget["measures"]
    assert cars["years"][0] == {
        "year": 2025,
        "cut": "1200",
        "cut_low": "800",
        "cut_high": "1600",
        "result_target": "60",
    }
    assert (cars["strategic_project"], cars["result_indicator"]) == ("Grønn bilpark", "miljofyrtarn")
    # As last published, not the revision in progress; the heating measure's approved status is not published.
    (report,) = cars["reports"]
    assert (report["year"], report["status"], report["result_value"]) == (2025, "on_track", "55")
    assert heating["reports"] == []


def test_the_api_takes_the_same_queries_with_2_or_11_measures(client, rana_budget, django_assert_num_queries):
    for count in (2, 11):
        # 1. the municipality by its number
        # 2. the count of its public climate budgets
        # 3. the page of budgets with their plan and municipality
        # 4. the municipalities' numbers
        # 5. the interim targets
        # 6. the sectors
        # 7. their years
        # 8. the measures, with their project and result indicator
        # 9. their years
        # 10. their published reports
        # 11. the inventory of the page's municipalities
        with django_assert_num_queries(11):
            (budget,) = client.get(f"{API}?kommune=1833").json()["results"]
        assert len(budget["measures"]) == count
        add_measures(rana_budget, 9 if count == 2 else 0)
