"""Importing Miljødirektoratet's "Klimagassutslipp i kommuner" (Excel): sums, sectors, code history, refusals."""

import datetime
import html
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from indicators.importers.base import ImportRejected
from indicators.importers.miljodir import apply_emissions, read_emissions, sector_code
from indicators.models import Indicator, IndicatorValue, ValueRevision
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "Fylke",
    "Kommunenummer",
    "Kommune",
    "År",
    "Sektor",
    "Utslippskilde",
    "Klimagass",
    "Utslipp (tonn CO2-ekvivalenter)",
]
# Kongsberg 2019 under its old number and 2024 under today's; Oslo 2024. Sums below.
ROWS = [
    ["Viken", "0604", "Kongsberg", 2019, "Veitrafikk", "Personbiler", "CO2", 40000.5],
    ["Viken", "0604", "Kongsberg", 2019, "Veitrafikk", "Tunge kjøretøy", "CO2", 20000.25],
    ["Viken", "0604", "Kongsberg", 2019, "Jordbruk", "Husdyr", "CH4", 15000],
    ["Viken", "0604", "Kongsberg", 2019, "Jordbruk", "Jordbruksarealer", "N2O", -500.75],
    ["Buskerud", "3303", "Kongsberg", 2024, "Veitrafikk", "Personbiler", "CO2", 35000],
    ["Buskerud", "3303", "Kongsberg", 2024, "Sjøfart", "Fritidsbåter", "CO2", 1200.125],
    ["Oslo", "0301", "Oslo", 2024, "Veitrafikk", "Personbiler", "CO2", 300000],
]


def emissions_indicator(code="klimagassutslipp", **fields):
    defaults = {
        "name_nb": "Klimagassutslipp per innbygger",
        "unit": "tonnes_co2e",
        "computation": "per_inhabitant",
        "amount_unit": "tonnes_co2e",
        "direction": "lower",
        "bottom_line": "ecological",
    }
    return Indicator.objects.create(code=code, **{**defaults, **fields})


@pytest.fixture
def total(kongsberg):
    return emissions_indicator()


def workbook(rows=ROWS, *, header=HEADER, title=True) -> bytes:
    """An export shaped like Miljødirektoratet's: a title row and a blank row above the header."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append(["Klimagassutslipp i kommuner, tonn CO2-ekvivalenter"])
        sheet.append([])
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def figures(indicator):
    return {
        (v.municipality.name, v.year): v.value
        for v in IndicatorValue.objects.filter(indicator=indicator).select_related("municipality")
    }


def rejected(data, indicator, **kwargs) -> str:
    with pytest.raises(ImportRejected) as caught:
        read_emissions(data, filename="utslipp.xlsx", indicator=indicator, **kwargs)
    return "\n".join(str(p) for p in caught.value.problems)


def test_sector_codes_keep_norwegian_letters_readable():
    assert sector_code("Veitrafikk") == "klimagassutslipp-veitrafikk"
    assert sector_code("Sjøfart") == "klimagassutslipp-sjofart"
    assert sector_code("Industri, olje og gass") == "klimagassutslipp-industri-olje-og-gass"
    assert sector_code("Avfall og avløp") == "klimagassutslipp-avfall-og-avlop"
    assert sector_code("Ærfugl på Åsen") == "klimagassutslipp-aerfugl-pa-asen"


def test_totals_and_sectors_land_on_the_right_municipality_and_year(kongsberg, total):
    road = emissions_indicator("klimagassutslipp-veitrafikk", name_nb="Veitrafikk")
    farming = emissions_indicator("klimagassutslipp-jordbruk", name_nb="Jordbruk")
    checked = read_emissions(workbook(), filename="utslipp.xlsx", indicator=total)
    assert {part.code: part.counts.created for part in checked.parts} == {
        "klimagassutslipp": 3,
        "klimagassutslipp-jordbruk": 1,
        "klimagassutslipp-veitrafikk": 3,
    }
    assert not IndicatorValue.objects.exists()  # the check writes nothing
    apply_emissions(checked, user=None)
    assert figures(total) == {
        ("Kongsberg", 2019): Decimal("74500"),
        ("Kongsberg", 2024): Decimal("36200.125"),
        ("Oslo", 2024): Decimal(300000),
    }
    assert figures(road) == {
        ("Kongsberg", 2019): Decimal("60000.75"),
        ("Kongsberg", 2024): Decimal(35000),
        ("Oslo", 2024): Decimal(300000),
    }
    assert figures(farming) == {("Kongsberg", 2019): Decimal("14499.25")}
    value = IndicatorValue.objects.get(indicator=total, municipality=kongsberg, year=2019)
    assert (value.status, value.is_official, value.published_value) == ("published", True, Decimal("74500"))
    assert value.source == "Miljødirektoratet, Klimagassutslipp i kommuner, file utslipp.xlsx"
    assert value.revisions.get().reason == "Imported from utslipp.xlsx"


def test_todays_number_for_an_earlier_year_is_the_same_municipality(kongsberg, total):
    """Miljødirektoratet publishes the whole series under today's numbers."""
    rows = [["Buskerud", "3303", "Kongsberg", 2019, "Veitrafikk", "Personbiler", "CO2", 100]]
    apply_emissions(read_emissions(workbook(rows), filename="u.xlsx", indicator=total), user=None)
    assert figures(total) == {("Kongsberg", 2019): Decimal(100)}


def test_the_stored_value_is_the_tonnes_and_per_inhabitant_comes_from_the_population(kongsberg, total):
    population = Indicator.objects.population()
    IndicatorValue.objects.create(indicator=population, municipality=kongsberg, year=2024, value=28000)
    apply_emissions(read_emissions(workbook(), filename="u.xlsx", indicator=total), user=None)
    value = IndicatorValue.objects.with_population().get(indicator=total, municipality=kongsberg, year=2024)
    assert value.value == Decimal("36200.125")
    assert value.display_value == Decimal("36200.125") / 28000


def test_a_direct_indicator_in_tonnes_is_accepted_and_other_units_are_refused(kongsberg):
    direct = emissions_indicator("klimagassutslipp-tonn", computation="direct", amount_unit="")
    checked = read_emissions(workbook(), filename="u.xlsx", indicator=direct)
    assert checked.parts[0].counts.created == 3
    wrong = emissions_indicator("avfall", unit="kg", amount_unit="tonnes")
    assert "does not hold tonnes CO₂-eq." in rejected(workbook(), wrong)


def test_negative_emissions_are_summed_and_a_negative_sector_total_is_kept(kongsberg, total):
    farming = emissions_indicator("klimagassutslipp-jordbruk", name_nb="Jordbruk")
    rows = [
        ["Buskerud", "3303", "Kongsberg", 2024, "Jordbruk", "Husdyr", "CH4", 100],
        ["Buskerud", "3303", "Kongsberg", 2024, "Jordbruk", "Opptak", "CO2", "-250,5"],
    ]
    apply_emissions(read_emissions(workbook(rows), filename="u.xlsx", indicator=total), user=None)
    assert figures(farming) == {("Kongsberg", 2024): Decimal("-150.5")}
    assert figures(total) == {("Kongsberg", 2024): Decimal("-150.5")}


def test_sectors_without_an_indicator_are_skipped_with_the_code_to_create(kongsberg, total, tmp_path):
    checked = read_emissions(workbook(), filename="u.xlsx", indicator=total)
    assert [part.code for part in checked.parts] == ["klimagassutslipp"]
    assert checked.skipped_sectors == [
        ("Jordbruk", "klimagassutslipp-jordbruk", 1),
        ("Sjøfart", "klimagassutslipp-sjofart", 1),
        ("Veitrafikk", "klimagassutslipp-veitrafikk", 3),
    ]
    out = StringIO()
    path = tmp_path / "utslipp.xlsx"
    path.write_bytes(workbook())
    call_command("import_emissions", str(path), "--dry-run", stdout=out)
    assert "create an indicator with the code klimagassutslipp-sjofart to import this sector" in out.getvalue()


def test_missing_sector_indicators_are_created_when_asked(kongsberg, total):
    checked = read_emissions(workbook(), filename="u.xlsx", indicator=total, create_sector_indicators=True)
    assert not Indicator.objects.filter(code__startswith="klimagassutslipp-").exists()  # not before apply
    assert [part.is_new for part in checked.parts] == [False, True, True, True]
    apply_emissions(checked, user=None)
    shipping = Indicator.objects.get(code="klimagassutslipp-sjofart")
    assert (shipping.computation, shipping.unit, shipping.amount_unit, shipping.per_inhabitant_factor) == (
        "per_inhabitant",
        "tonnes_co2e",
        "tonnes_co2e",
        Decimal(1),
    )
    assert (shipping.direction, shipping.bottom_line) == ("lower", "ecological")
    assert shipping.name_nb == "Klimagassutslipp fra sjøfart per innbygger"
    assert shipping.name_nn == "Klimagassutslepp frå sjøfart per innbyggjar"
    assert shipping.name_en == "Greenhouse-gas emissions from sjøfart per inhabitant"
    assert shipping.source == "Miljødirektoratet, Klimagassutslipp i kommuner"
    assert figures(shipping) == {("Kongsberg", 2024): Decimal("1200.125")}
    assert len(figures(Indicator.objects.get(code="klimagassutslipp-veitrafikk"))) == 3


def test_importing_the_same_file_again_writes_nothing(kongsberg, total):
    data = workbook()
    first = apply_emissions(
        read_emissions(data, filename="u.xlsx", indicator=total, create_sector_indicators=True), user=None
    )
    assert sum(r.created for r in first.values()) == 8
    revisions, values = ValueRevision.objects.count(), IndicatorValue.objects.count()
    again = read_emissions(data, filename="u.xlsx", indicator=total, create_sector_indicators=True)
    assert not any(part.is_new for part in again.parts)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 8)
    results = apply_emissions(again, user=None)
    assert sum(r.written for r in results.values()) == 0
    assert (ValueRevision.objects.count(), IndicatorValue.objects.count()) == (revisions, values)


def test_the_header_is_found_by_its_cells_in_any_case_and_order_with_extra_columns(kongsberg, total):
    header = [
        "Ekstra",
        "ÅR",
        "kommunenummer",
        "SEKTOR",
        "utslippskilde",
        "KLIMAGASS",
        "Utslipp (tonn CO₂-ekvivalenter)",
    ]
    rows = [["x", "2024", 3303, "Veitrafikk", "Personbiler", "CO2", "1 234,5"]]
    checked = read_emissions(workbook(rows, header=header), filename="u.xlsx", indicator=total)
    assert checked.parts[0].changes[0].proposed.value == Decimal("1234.5")


def _expect_refusal(data, indicator, message):
    assert message in rejected(data, indicator)
    assert not IndicatorValue.objects.exists()
    assert not ValueRevision.objects.exists()


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (ROWS, HEADER[:7], "The file has no column “Utslipp (tonn CO2-ekvivalenter)”."),
        (ROWS, [h for h in HEADER if h != "Sektor"], "The file has no column “Sektor”."),
        (
            [["Oslo", "0301", "Oslo", 2024, "Veitrafikk", "Personbiler", "CO2", "mye"]],
            HEADER,
            "line 4, column “Utslipp (tonn CO2-ekvivalenter)”: “mye” is not a number.",
        ),
        (
            [
                ["Oslo", "0301", "Oslo", 2024, "Veitrafikk", "Personbiler", "CO2", 1],
                ["?", "9999", "Ukjent", 2024, "Veitrafikk", "Personbiler", "CO2", 1],
            ],
            HEADER,
            "line 5, column “Kommunenummer”: No municipality had the number 9999 in 2024.",
        ),  # fmt: skip
        (
            [["Oslo", "0301", "Oslo", 1989, "Veitrafikk", "Personbiler", "CO2", 1]],
            HEADER,
            "line 4, column “År”: “1989” is not a year from 1990 to",
        ),
        (
            [["Oslo", "0301", "Oslo", datetime.date.today().year + 1, "Veitrafikk", "Personbiler", "CO2", 1]],
            HEADER,
            "is not a year from 1990 to",
        ),
        (
            [["Oslo", "0301", "Oslo", 2024, "Veitrafikk", "Personbiler", "CO2", 1]] * 2,
            HEADER,
            "line 5: The same municipality, year, sector, source and gas are on line 4 too.",
        ),
        ([], None, "Found no header row"),
    ],
)
def test_malformed_rows_are_refused_and_nothing_is_written(total, rows, header, message):
    _expect_refusal(workbook(rows, header=header), total, message)


def test_every_problem_is_listed_at_once(total):
    rows = [
        ["Oslo", "0301", "Oslo", 2024, "Veitrafikk", "Personbiler", "CO2", "mye"],
        ["Oslo", "0301", "Oslo", 1900, "Veitrafikk", "Personbiler", "CO2", 1],
    ]
    problems = rejected(workbook(rows), total)
    assert "line 4" in problems and "line 5" in problems


def test_an_empty_workbook_is_refused(total):
    _expect_refusal(workbook([], header=None, title=False), total, "The workbook is empty.")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "Kommunenummer;År;Sektor;Utslippskilde;Klimagass;Utslipp\n0301;2024;Veitrafikk;Bil;CO2;1\n".encode(),
            "utslipp.xlsx is not an Excel workbook (.xlsx).",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "This is an old Excel file (.xls)."),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "utslipp.xlsx is not an Excel workbook (.xlsx)."),
        (workbook()[:1500], "could not be read as an Excel workbook (.xlsx); it may be damaged or incomplete."),
        (b"PK\x03\x04" + b"garbage" * 100, "could not be read as an Excel workbook (.xlsx)"),
        (b"   \n", "The file is empty."),
    ],
)
def test_files_that_are_not_workbooks_are_refused(total, data, message):
    _expect_refusal(data, total, message)


def test_a_file_over_the_limit_is_refused(total, settings):
    settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES = 1000
    _expect_refusal(workbook(), total, "The file is larger than 0 MB")


def test_the_command_shows_a_dry_run_then_imports(kongsberg, total, tmp_path):
    path = tmp_path / "utslipp.xlsx"
    path.write_bytes(workbook())
    out = StringIO()
    call_command("import_emissions", str(path), "--dry-run", "--create-sector-indicators", stdout=out)
    report = out.getvalue()
    assert "utslipp.xlsx → klimagassutslipp: values would be created: 3, changed: 0, unchanged: 0." in report
    assert "The indicator klimagassutslipp-sjofart would be created for the sector “Sjøfart”." in report
    assert not IndicatorValue.objects.exists()
    assert not Indicator.objects.filter(code__startswith="klimagassutslipp-").exists()
    out = StringIO()
    call_command("import_emissions", str(path), stdout=out)
    assert "values were created: 3" in out.getvalue()
    assert IndicatorValue.objects.count() == 3
    out = StringIO()
    call_command("import_emissions", str(path), stdout=out)
    assert "values were created: 0, changed: 0, unchanged: 3." in out.getvalue()


def test_the_command_refuses_a_bad_file_and_writes_nothing(kongsberg, total, tmp_path):
    path = tmp_path / "utslipp.csv"
    path.write_text("Kommunenummer;År\n0301;2024\n")
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_emissions", str(path), stdout=StringIO(), stderr=err)
    assert "is not an Excel workbook" in err.getvalue()
    with pytest.raises(CommandError, match="No indicator has the code nope"):
        call_command("import_emissions", str(path), "--indicator", "nope", stdout=StringIO(), stderr=StringIO())
    assert not IndicatorValue.objects.exists()


def test_the_number_in_force_wins_when_a_year_comes_under_two_numbers(kongsberg, total):
    rows = [
        ["Viken", "0604", "Kongsberg", 2019, "Veitrafikk", "Personbiler", "CO2", 100],
        ["Buskerud", "3303", "Kongsberg", 2019, "Veitrafikk", "Personbiler", "CO2", 999],
    ]
    checked = read_emissions(workbook(rows), filename="u.xlsx", indicator=total)
    assert checked.skipped_regions() == [("3303 Kongsberg", "the number in force that year was used instead", 1)]
    apply_emissions(checked, user=None)
    assert figures(total) == {("Kongsberg", 2019): Decimal(100)}


def test_a_sector_indicator_in_another_unit_is_refused(kongsberg, total):
    emissions_indicator("klimagassutslipp-veitrafikk", unit="tonnes", amount_unit="tonnes")
    _expect_refusal(workbook(), total, "The indicator klimagassutslipp-veitrafikk does not hold tonnes CO₂-eq.")


# --- in the browser, for network coordinators -------------------------------------------------------------------


def upload(client, data, indicator):
    file = SimpleUploadedFile("klimagassutslipp.xlsx", data, content_type="application/vnd.ms-excel")
    return client.post(reverse("emissions_upload"), {"file": file, "indicator": indicator.pk})


@uses_worker
def test_a_coordinator_checks_then_imports_her_networks_emissions(client, coordinator, total):
    sea = emissions_indicator("klimagassutslipp-sjofart", name_nb="Sjøfart")
    client.force_login(coordinator)
    form = client.get(reverse("emissions_upload")).content.decode()
    assert f'<option value="{total.pk}" selected>' in form  # the usual total indicator is chosen already
    response = upload(client, workbook(), total)
    assert response.status_code == 302
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    # Kongsberg's totals for 2019 and 2024 and its sea transport in 2024, and Oslo's total: the source's figures for
    # every municipality in the file, in the coordinator's network or not.
    assert "New values: 4" in page
    assert "Veitrafikk: <code>klimagassutslipp-veitrafikk</code>" in page  # sectors without an indicator
    assert not IndicatorValue.objects.exists()  # nothing before the confirmation
    client.post(response["Location"])
    assert not IndicatorValue.objects.exists()  # the worker imports it
    run_worker()
    kongsberg_figures = {k: v for k, v in figures(total).items() if k[0] == "Kongsberg"}
    assert kongsberg_figures == {("Kongsberg", 2019): Decimal("74500"), ("Kongsberg", 2024): Decimal("36200.125")}
    assert figures(sea)[("Kongsberg", 2024)] == Decimal("1200.125")
    value = IndicatorValue.objects.get(indicator=sea, municipality__name="Kongsberg")
    assert (value.status, value.is_official, value.changed_by) == ("published", True, coordinator)
    assert "klimagassutslipp.xlsx" in value.source
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "4 new values, 0 changed, 0 unchanged" in page
    client.post(response["Location"])  # confirming again imports nothing more
    run_worker()
    assert ValueRevision.objects.count() == 4


@uses_worker
def test_a_workbook_with_problems_lists_them_and_imports_nothing(client, coordinator, total):
    client.force_login(coordinator)
    bad = [*ROWS, ["Viken", "0604", "Kongsberg", 2019, "Avfall", "Deponi", "CH4", "mye"]]
    location = upload(client, workbook(bad), total)["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert (
        "Nothing is imported from this file" in page
        and "line 11, column “Utslipp (tonn CO2-ekvivalenter)”: “mye” is not a number." in page
    )
    client.post(location)
    run_worker()
    assert not IndicatorValue.objects.exists()


def test_only_indicators_in_tonnes_can_take_emissions(client, coordinator, total, waste):
    client.force_login(coordinator)
    response = upload(client, workbook(), waste)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not IndicatorValue.objects.exists()


def test_planners_cannot_import_emissions(client, rana_planner, total):
    client.force_login(rana_planner)
    assert client.get(reverse("emissions_upload")).status_code == 404
    assert upload(client, workbook(), total).status_code == 404
