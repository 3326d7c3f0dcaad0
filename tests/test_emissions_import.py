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
from indicators.models import Indicator, IndicatorValue, Municipality, ValueRevision
from tests import factories as make
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
    # Named, not shown: a cut workbook's bytes hold the time it was written, and pytest-xdist's workers must
    # collect the same test ids.
    ids=["csv-named-xlsx", "old-xls", "png", "cut-workbook", "zip-garbage", "blank"],
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
    assert checked.filed_elsewhere() == []


def test_a_figure_under_a_later_number_is_filed_and_said_so(kongsberg, total):
    rows = [
        ["Buskerud", "3303", "Kongsberg", 2018, "Veitrafikk", "Personbiler", "CO2", 98],
        ["Buskerud", "3303", "Kongsberg", 2019, "Veitrafikk", "Personbiler", "CO2", 99],
        ["Buskerud", "3303", "Kongsberg", 2021, "Veitrafikk", "Personbiler", "CO2", 101],
    ]
    checked = read_emissions(workbook(rows), filename="u.xlsx", indicator=total)
    assert checked.filed_elsewhere() == [
        "3303 in 2018–2019 filed under Kongsberg (0604)",
        "3303 in 2021 filed under Kongsberg (3006)",
    ]
    apply_emissions(checked, user=None)
    assert figures(total) == {("Kongsberg", y): Decimal(f) for y, f in [(2018, 98), (2019, 99), (2021, 101)]}


def test_a_number_whose_municipality_did_not_exist_that_year_is_refused(kongsberg, total):
    make.municipality("Fjord", codes=[("1578", 2020, None)])
    rows = [["Møre og Romsdal", "1578", "Fjord", 2019, "Veitrafikk", "Personbiler", "CO2", 10]]
    with pytest.raises(ImportRejected) as rejected:
        read_emissions(workbook(rows), filename="u.xlsx", indicator=total)
    assert [str(p) for p in rejected.value.problems] == [
        "line 4, column “Kommunenummer”: No municipality had the number 1578 in 2019; Fjord, which had it, "
        "did not exist then."
    ]


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


# --- the download for one municipality ---------------------------------------------------------------------------

# Oslo's emissions by sector as Miljødirektoratet's download for Oslo gives them (sheet Oversikt, tonnes CO₂-eq.),
# copied from /work/shared/data/real/network_municipalities.csv (Utslippsregnskap_Oslo.xlsx, "Datasett: Oslo").
OSLO_YEARS = [2009, 2011, 2013, 2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024]
OSLO_SECTORS = {
    "Annen mobil forbrenning": [132997, 156234.2, 162189.6, 152540.2, 153705.5, 152907.3, 164436.7, 142541, 150414.2,
                                137431.8, 132636.5, 121413.8, 131427.5],
    "Avfall og avløp": [73708.5, 73373.6, 62239, 66168.6, 63686.3, 65306.3, 64608.3, 60494.5, 59273.3, 51237.7,
                        49254.1, 50293.3, 46167.1],
    "Energiforsyning": [208154, 259467.3, 266081.9, 260056.4, 279693.1, 289502.1, 301772.5, 306135, 292198.1,
                        278594.8, 265142.3, 269407.5, 267343],
    "Industri, olje og gass": [9981.7, 11001.8, 8459.4, 4179.5, 6306.4, 4916.8, 5305.3, 3040.4, 5047.4, 4907.4,
                               5864.8, 3607.9, 3576.6],
    "Jordbruk": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "Luftfart": [0.2, 0.9, 0.8, 0.7, 0.5, 0.4, 0.1, 0.2, 0, 0, 0.1, 0, 0],
    "Oppvarming": [277564.1, 152762.2, 117398.5, 73488.1, 76684.5, 71856.3, 56265, 35301.6, 24580.1, 27978.6,
                   30120.8, 37976.1, 26839],
    "Sjøfart": [35963.8, 35963.8, 35963.8, 35963.8, 39644.3, 39460.8, 42336.3, 40865, 39601.3, 31560.1, 31411.1,
                30623.1, 28734.5],
    "Veitrafikk": [582293.3, 574658.7, 569517.4, 564711.5, 532710, 490076.9, 496181.9, 466131.3, 439792.8,
                   425229.9, 425430.2, 385709.3, 361224.8],
    "produkter med fluorgasser": [67583, 81056.2, 91916.6, 89867.7, 89398.6, 91519.5, 89598.1, 89305.4, 89007,
                                  84663.9, 82588.9, 83397.1, 79540.7],
}  # fmt: skip
# Oslo's published total per year (the sum of the sectors), from the same file.
OSLO_TOTALS = {
    2009: "1388245.6", 2011: "1344518.7", 2013: "1313767.0", 2015: "1246976.5", 2016: "1241829.2",
    2017: "1205546.4", 2018: "1220504.2", 2019: "1143814.4", 2020: "1099914.2", 2021: "1041604.2",
    2022: "1022448.8", 2023: "982428.1", 2024: "944853.2",
}  # fmt: skip
LOCAL_EMISSION = "Utslipp (tonn CO₂-ekvivalenter)"


def _split(figure) -> list[tuple[str, str, float]]:
    """Two sources and gases whose emissions add up to the sector's figure exactly, as the detailed sheet lists."""
    if isinstance(figure, str):
        return [("Kilde A", "CO2", figure)]
    total = Decimal(str(figure))
    first = (total * Decimal("0.7")).quantize(Decimal("0.1"))
    return [("Kilde A", "CO2", float(first)), ("Kilde B", "CH4", float(total - first))]


def municipality_workbook(name="Oslo", sectors=None, *, detailed=True, overview=True, info=None) -> bytes:
    """A workbook shaped like Miljødirektoratet's download for one municipality (miljodirektoratet.no)."""
    sectors = OSLO_SECTORS if sectors is None else sectors
    book = Workbook()
    sheet = book.active
    sheet.title = "Info"
    lines = info if info is not None else [
        "Klimagassutslipp i kommuner",
        f"Datasett: {name}",
        "Utgiver: Miljødirektoratet",
        "Nedlastet fra https://www.miljodirektoratet.no/tjenester/klimagassutslipp-kommuner/",
        "Utslippene er beregnet for kommunens grenser i dag, i tonn CO₂-ekvivalenter.",
    ]  # fmt: skip
    for line in lines:
        sheet.append([line])
    if overview:
        sheet = book.create_sheet("Oversikt")
        sheet.append(["År", "Sektor", LOCAL_EMISSION])
        for sector, figures in sectors.items():
            for year, figure in zip(OSLO_YEARS, figures, strict=True):
                sheet.append([year, sector, figure])
    if detailed:
        sheet = book.create_sheet("Oversikt - detaljert")
        sheet.append(["År", "Sektor", "Utslippskilde", "Klimagass", LOCAL_EMISSION])
        for sector, figures in sectors.items():
            for year, figure in zip(OSLO_YEARS, figures, strict=True):
                for source, gas, part in _split(figure):
                    sheet.append([year, sector, source, gas, part])
    for sector, figures in sectors.items():
        sheet = book.create_sheet(sector[:31])
        sheet.append(["År", "Utslippskilde", "Klimagass", LOCAL_EMISSION])
        for year, figure in zip(OSLO_YEARS, figures, strict=True):
            for source, gas, part in _split(figure):
                sheet.append([year, source, gas, part])
    book.create_sheet("Tilleggsinfo")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def oslo_totals() -> dict:
    return {("Oslo", year): Decimal(total) for year, total in OSLO_TOTALS.items()}


@pytest.mark.parametrize("sheets", [{"detailed": True}, {"detailed": False}], ids=["detailed", "overview only"])
def test_the_download_for_one_municipality_gives_its_published_totals(oslo, total, sheets):
    checked = read_emissions(
        municipality_workbook(**sheets), filename="Utslippsregnskap_Oslo.xlsx", indicator=total,
        create_sector_indicators=True,
    )  # fmt: skip
    apply_emissions(checked, user=None)
    assert figures(total) == oslo_totals()
    road = Indicator.objects.get(code="klimagassutslipp-veitrafikk")
    assert figures(road)[("Oslo", 2009)] == Decimal("582293.3")
    assert figures(road)[("Oslo", 2024)] == Decimal("361224.8")
    fluorinated = Indicator.objects.get(code="klimagassutslipp-produkter-med-fluorgasser")
    assert figures(fluorinated)[("Oslo", 2024)] == Decimal("79540.7")
    assert figures(Indicator.objects.get(code="klimagassutslipp-jordbruk"))[("Oslo", 2024)] == 0


def test_both_shapes_are_recognised_from_the_file_and_give_the_same_figures(oslo, total):
    national_rows = [
        ["Oslo", "0301", "Oslo", year, sector, source, gas, part]
        for sector, values in OSLO_SECTORS.items()
        for year, figure in zip(OSLO_YEARS, values, strict=True)
        for source, gas, part in _split(figure)
    ]
    national = read_emissions(workbook(national_rows), filename="nasjonal.xlsx", indicator=total)
    local = read_emissions(municipality_workbook(), filename="oslo.xlsx", indicator=total)

    def proposed(checked):
        return {(c.proposed.municipality_id, c.proposed.year): c.proposed.value for c in checked.parts[0].changes}

    assert proposed(local) == proposed(national)
    assert proposed(local)[(oslo.pk, 2009)] == Decimal("1388245.6")
    assert local.skipped_sectors == national.skipped_sectors  # the same sector indicators


@pytest.fixture
def heroy_twice(db):
    """Herøy in Møre og Romsdal and Herøy in Nordland: one name, two municipalities."""
    return make.municipality("Herøy", "1515"), make.municipality("Herøy", "1818")


def test_an_ambiguous_name_is_refused_until_the_municipality_is_chosen(total, heroy_twice):
    data = municipality_workbook("Herøy")
    message = rejected(data, total)
    assert (
        "Several municipalities were called “Herøy” in 2024, the last year of the file: 1515 Herøy, 1818 Herøy."
        in message
    )
    assert "Choose the municipality the file is for under “Municipality”" in message
    assert "--municipality" in message
    nordland = heroy_twice[1]
    checked = read_emissions(data, filename="heroy.xlsx", indicator=total, municipality=nordland)
    apply_emissions(checked, user=None)
    assert set(IndicatorValue.objects.values_list("municipality", flat=True)) == {nordland.pk}


def test_an_unknown_name_or_a_name_not_in_force_is_refused_with_what_to_do(total, kongsberg):
    assert "No municipality was called “Atlantis” in 2024, the last year of the file." in rejected(
        municipality_workbook("Atlantis"), total
    )
    # Nedre Eiker became part of Drammen in 2020: a file up to 2024 cannot be for it.
    make.municipality("Nedre Eiker", codes=[("0625", 1964, 2019)])
    assert "No municipality was called “Nedre Eiker” in 2024" in rejected(municipality_workbook("Nedre Eiker"), total)
    assert not IndicatorValue.objects.exists()


def test_a_name_that_changed_is_read_for_the_municipality_that_had_it_in_the_files_last_year(total):
    # "Hamarøy" was one municipality until 2019 and another, merged with part of Tysfjord, from 2020.
    old = make.municipality("Hamarøy", codes=[("1849", 1964, 2019)], dissolved=datetime.date(2020, 1, 1))
    new = make.municipality("Hamarøy", codes=[("1875", 2020, None)])
    checked = read_emissions(municipality_workbook("Hamarøy"), filename="hamaroy.xlsx", indicator=total)
    assert {c.proposed.municipality_id for c in checked.parts[0].changes} == {new.pk}
    assert old.pk != new.pk
    # Miljødirektoratet computes the new Hamarøy's earlier years too; they are left out, saying why.
    assert [c.proposed.year for c in checked.parts[0].changes] == [2020, 2021, 2022, 2023, 2024]
    assert ("Hamarøy", "Hamarøy did not exist in 2019", 20) in checked.skipped_regions()


def test_a_chosen_municipality_must_be_the_one_the_file_names(oslo, kongsberg, total):
    message = rejected(municipality_workbook("Oslo"), total, municipality=kongsberg)
    assert "The file is for “Oslo” (its Info sheet says so), but Kongsberg was chosen." in message


def test_an_info_sheet_without_a_name_asks_for_the_municipality(oslo, total):
    data = municipality_workbook(info=["Klimagassutslipp i kommuner", "Utgiver: Miljødirektoratet"])
    assert "The sheet Info does not say which municipality the file is for" in rejected(data, total)
    checked = read_emissions(data, filename="u.xlsx", indicator=total, municipality=oslo)
    assert len(checked.parts[0].changes) == len(OSLO_YEARS)


def test_a_bad_figure_in_the_download_for_one_municipality_names_its_sheet_and_line(oslo, total):
    sectors = {**OSLO_SECTORS, "Luftfart": ["mye", *OSLO_SECTORS["Luftfart"][1:]]}
    message = rejected(municipality_workbook(sectors=sectors, detailed=False), total)
    assert "sheet “Oversikt”, line 67, column “Utslipp (tonn CO2-ekvivalenter)”: “mye” is not a number." in message


def test_the_command_takes_the_municipality_a_name_leaves_open(total, heroy_twice, tmp_path):
    path = tmp_path / "heroy.xlsx"
    path.write_bytes(municipality_workbook("Herøy"))
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_emissions", str(path), stdout=StringIO(), stderr=err)
    assert "Several municipalities were called “Herøy”" in err.getvalue()
    out = StringIO()
    call_command("import_emissions", str(path), "--municipality", "1818", stdout=out)
    assert "values were created: 13" in out.getvalue()
    assert set(IndicatorValue.objects.values_list("municipality", flat=True)) == {heroy_twice[1].pk}
    with pytest.raises(CommandError, match="No municipality has had the number 9999"):
        call_command("import_emissions", str(path), "--municipality", "9999", stdout=StringIO())


@uses_worker
def test_an_administrator_settles_an_ambiguous_name_in_the_form(client, administrator, total, heroy_twice):
    client.force_login(administrator)
    file = SimpleUploadedFile("heroy.xlsx", municipality_workbook("Herøy"))
    location = client.post(reverse("emissions_upload"), {"file": file, "indicator": total.pk})["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "Several municipalities were called “Herøy”" in page and "Nothing is imported from this file" in page
    form = html.unescape(client.get(reverse("emissions_upload")).content.decode())
    assert "Herøy (1515)" in form and "Herøy (1818)" in form
    file = SimpleUploadedFile("heroy.xlsx", municipality_workbook("Herøy"))
    response = client.post(
        reverse("emissions_upload"), {"file": file, "indicator": total.pk, "municipality": heroy_twice[0].pk}
    )
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "New values: 13" in page
    client.post(response["Location"])
    run_worker()
    assert set(IndicatorValue.objects.values_list("municipality", flat=True)) == {heroy_twice[0].pk}


@uses_worker
def test_a_coordinator_imports_the_download_for_her_member(client, coordinator, total):
    client.force_login(coordinator)
    file = SimpleUploadedFile("Utslippsregnskap_Kongsberg.xlsx", municipality_workbook("Kongsberg"))
    location = client.post(reverse("emissions_upload"), {"file": file, "indicator": total.pk})["Location"]
    run_worker()
    client.post(location)
    run_worker()
    assert figures(total) == {("Kongsberg", year): Decimal(value) for year, value in OSLO_TOTALS.items()}


def test_checking_the_download_for_one_municipality_takes_few_queries(oslo, total, django_assert_max_num_queries):
    data = municipality_workbook()
    # The indicator's sector codes, the code history (twice: the name and the numbers), Oslo's number per year
    # (13), the values already stored: the count does not grow with the rows.
    with django_assert_max_num_queries(25):
        read_emissions(data, filename="oslo.xlsx", indicator=total)


def test_oslo_is_found_under_the_name_klass_gives_it(total):
    """KLASS calls Oslo "Oslo-Oslove"; Miljødirektoratet's download says "Datasett: Oslo"."""
    oslo = Municipality.objects.by_code("0301")
    oslo.codes.update(name="Oslo-Oslove")
    aurskog = make.municipality("Aurskog-Høland", "3226")
    checked = read_emissions(municipality_workbook("Oslo"), filename="oslo.xlsx", indicator=total)
    apply_emissions(checked, user=None)
    assert set(IndicatorValue.objects.values_list("municipality", flat=True)) == {oslo.pk}
    # A name written whole is matched whole.
    checked = read_emissions(municipality_workbook("Aurskog-Høland"), filename="a.xlsx", indicator=total)
    assert {c.proposed.municipality_id for part in checked.parts for c in part.changes} == {aurskog.pk}
