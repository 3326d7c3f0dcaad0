"""Importing tables downloaded from SSB's Statistikkbanken (CSV and Excel, Norwegian and English), adding up
categories: land used for development is the sum of table 09594's built-up classes."""

import html
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from indicators import jsonstat
from indicators.importers.base import ImportRejected
from indicators.importers.ssb_jsonstat import apply_jsonstat
from indicators.importers.statbank import read_ssb_download, read_statbank
from indicators.models import DataImport, Indicator, IndicatorValue, ValueState
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

# Table 09594's land-use classes in SSB's order, in English and in Norwegian; the first eleven are built up.
CLASSES = [
    ("Residential areas", "Boligbebyggelse"),
    ("Recreational facilities", "Fritidsbebyggelse"),
    ("Built-up areas for agriculture and fishing", "Bebygd areal for landbruk og fiske"),
    ("Industrial, commercial and service areas", "Industri-, handels- og kontorområde"),
    ("Education and day care facilities", "Undervisning og barnehage"),
    ("Health and social welfare institutions", "Helse- og sosialinstitusjoner"),
    ("Cultural and religious activities", "Kultur og religiøse aktiviteter"),
    ("Transport, telecommunications and technical infrastructure", "Transport, telekommunikasjon og teknisk infrastruktur"),
    ("Emergency and defence services", "Beredskap og forsvar"),
    ("Green areas and sports facilities", "Grønne områder og idrettsområder"),
    ("Unclassified built-up areas and related land", "Uklassifisert bebygd areal og tilhørende grunn"),
    ("Agricultural land", "Jordbruksareal"),
    ("Forest", "Skog"),
    ("Open firm ground", "Åpen fastmark"),
    ("Wetland", "Våtmark"),
    ("Bare rock, gravel and blockfields", "Bart fjell, grus og blokkmark"),
    ("Permanent snow and glaciers", "Permanent snø og is"),
    ("Inland waters", "Ferskvann"),
    ("Unclassified undeveloped areas", "Uklassifisert ubebygd areal"),
]  # fmt: skip
BUILT_UP = [english for english, _norwegian in CLASSES[:11]]
BUILT_UP_NB = [norwegian for _english, norwegian in CLASSES[:11]]
# Real land use in 2021 (km², in the order of CLASSES) and the built-up area SSB published for the same year:
# SSB table 09594 (CC BY 4.0), from shared/data/real/network_municipalities.csv. Kongsberg had the number 3006.
LAND_USE_2021 = {
    "0301 Oslo municipality": "51.53 1.12 0.64 10.37 3.51 1.17 0.9 36.75 0.66 9.78 8.32 "
    "9.6 279.3 7.55 4.09 0.52 0.0 28.32 0.0",
    "1833 Rana": "7.11 1.6 1.53 9.87 0.24 0.14 0.14 14.53 0.02 1.75 0.91 32.93 1007.77 2239.28 100.35 553.53 226.52 "
    "261.82 0.03",
    "3006 Kongsberg": "7.68 2.23 2.38 2.23 0.36 0.11 0.15 11.76 0.35 1.86 1.4 40.17 616.43 15.4 32.09 18.85 0.0 "
    "39.65 0.0",
}
BUILT_UP_2021 = {"Oslo": Decimal("124.75"), "Rana": Decimal("37.84"), "Kongsberg": Decimal("30.51")}
TITLE_EN = "09594: Land use and land cover (km²), by region, contents, year and land use/cover class"
TITLE_NB = "09594: Arealbruk og arealressurser (km²), etter region, statistikkvariabel, år og arealklasse"


@pytest.fixture
def land(kongsberg, rana):
    """Built-up land per inhabitant: coordinators import the area in km², the portal divides by the population."""
    return Indicator.objects.create(
        code="arealbruk",
        name_nb="Bebygd areal per innbygger",
        name_en="Built-up land per inhabitant",
        unit="m2",
        computation="per_inhabitant",
        amount_unit="km2",
        per_inhabitant_factor=Decimal(1_000_000),
        direction="lower",
        bottom_line="ecological",
    )


def rows(extra=None):
    """Each region's label and its nineteen figures as text, with the real figures of 2021."""
    table = {region: figures.split() for region, figures in LAND_USE_2021.items()}
    return {**table, **(extra or {})}


def english_wide(extra=None, *, title=TITLE_EN) -> bytes:
    """A wide English download: title line, blank line, one column per class, ';', quoted, Latin-1, CRLF."""
    lines = [f'"{title}"', "", ";".join(['"region"', *(f'"Area 2021 {english}"' for english, _nb in CLASSES)])]
    for region, figures in rows(extra).items():
        lines.append(";".join(f'"{cell}"' for cell in [region, *figures]))
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


def norwegian_wide(extra=None) -> bytes:
    """A wide Norwegian download: decimal comma, `K-` before the numbers, UTF-8."""
    lines = [f'"{TITLE_NB}"', "", ";".join(['"region"', *(f'"Areal 2021 {nb}"' for _en, nb in CLASSES)])]
    for region, figures in rows(extra).items():
        code, name = region.split(" ", 1)
        name = name.replace(" municipality", "")
        lines.append(";".join(f'"{cell}"' for cell in [f"K-{code} {name}", *(f.replace(".", ",") for f in figures)]))
    return ("\n".join(lines) + "\n").encode()


def figures(indicator):
    return {
        v.municipality.name: (v.value, v.state)
        for v in IndicatorValue.objects.filter(indicator=indicator).select_related("municipality")
    }


def test_the_built_up_classes_add_up_to_ssbs_built_up_area(land):
    checked = read_statbank(english_wide(), filename="09594.csv", indicator=land, categories=BUILT_UP)
    assert checked.table == "09594" and checked.contents == "Area"
    assert checked.used_columns == ["region", *(f"Area 2021 {c}" for c in BUILT_UP)]
    assert (checked.counts.created, checked.counts.updated) == (3, 0)
    apply_jsonstat(checked, user=None)
    imported = figures(land)
    for name, built_up in BUILT_UP_2021.items():
        assert abs(imported[name][0] - built_up) <= Decimal("0.011"), name
    assert imported["Kongsberg"] == (Decimal("30.51"), "reported")
    value = IndicatorValue.objects.get(municipality__name="Oslo")
    assert (value.year, value.status, value.is_official) == (2021, "published", True)
    assert value.source == "SSB Statistikkbanken, table 09594 (Area, sum of 11 categories), file 09594.csv"


def test_a_norwegian_download_with_decimal_commas_gives_the_same_figures(land):
    checked = read_statbank(norwegian_wide(), filename="09594.csv", indicator=land, categories=BUILT_UP_NB)
    apply_jsonstat(checked, user=None)
    assert {name: value for name, (value, _state) in figures(land).items()} == {
        "Oslo": Decimal("124.75"),
        "Rana": Decimal("37.84"),
        "Kongsberg": Decimal("30.51"),
    }


def test_one_category_needs_no_sum_and_any_spelling_of_it_is_understood(land):
    checked = read_statbank(
        english_wide(), filename="09594.csv", indicator=land, contents="area", categories=["residential  AREAS"]
    )
    assert sorted(c.proposed.value for c in checked.changes) == [Decimal("7.11"), Decimal("7.68"), Decimal("51.53")]
    assert checked.categories == ["Residential areas"]


def test_a_sum_with_a_part_missing_has_no_figure_and_says_why(land):
    # Rana's health institutions confidential; Oslo's snow "-" (nil) is a figure, zero; Kongsberg's is not applicable.
    oslo, rana, kongsberg = (list(figures) for figures in rows().values())
    rana[5] = ":"
    oslo[0] = "-"
    kongsberg[10] = "."
    extra = {"0301 Oslo municipality": oslo, "1833 Rana": rana, "3006 Kongsberg": kongsberg}
    checked = read_statbank(english_wide(extra), filename="09594.csv", indicator=land, categories=BUILT_UP)
    apply_jsonstat(checked, user=None)
    assert figures(land) == {
        "Oslo": (Decimal("124.75") - Decimal("51.53"), ValueState.REPORTED),
        "Rana": (None, ValueState.CONFIDENTIAL),
        "Kongsberg": (None, ValueState.NOT_APPLICABLE),
    }
    assert checked.incomplete == [
        "3006 Kongsberg 2021: no sum, as “Unclassified built-up areas and related land” (., not applicable) has no "
        "figure",
        "1833 Rana 2021: no sum, as “Health and social welfare institutions” (:, confidential) has no figure",
    ]


def test_county_and_country_rows_are_left_out_with_the_reason(land):
    extra = {"03 Oslo": ["1"] * 19, "0 The whole country": ["2"] * 19, "18 Nordland": [".."] * 19}
    checked = read_statbank(english_wide(extra), filename="09594.csv", indicator=land, categories=BUILT_UP)
    assert {(region, reason) for region, reason, _n in checked.skipped_regions()} == {
        ("03 Oslo", "not a municipality"),
        ("0 The whole country", "not a municipality"),
        ("18 Nordland", "not a municipality"),
    }
    assert checked.counts.created == 3


def test_a_long_download_with_commas_is_read_row_by_row(land):
    title = "09594: Land use and land cover (km²), by region, land use/cover class, contents and year"
    lines = ['"region","land use/cover class","contents","year","' + title + '"']
    for region, values in rows().items():
        for (english, _nb), value in zip(CLASSES, values, strict=True):
            lines.append(f'"{region}","{english}","Area","2021","{value}"')
    data = "\n".join(lines).encode()
    checked = read_statbank(data, filename="long.csv", indicator=land, categories=BUILT_UP)
    assert checked.table == "09594"
    assert checked.used_columns == ["region", "land use/cover class", "contents", "year", title]
    apply_jsonstat(checked, user=None)
    assert figures(land)["Kongsberg"] == (Decimal("30.51"), "reported")


def test_an_excel_download_with_stacked_headings_is_read(land):
    book = Workbook()
    sheet = book.active
    sheet.title = "09594"
    sheet.append([TITLE_NB])
    sheet.append([])
    sheet.append([None, "Areal"])  # merged across every column below it, as Statistikkbanken writes it
    sheet.append([None, 2021, 2021])
    sheet.append(["region", *BUILT_UP_NB[:2]])
    sheet.merge_cells("B3:C3")
    sheet.merge_cells("B4:C4")
    sheet.append(["K-0301 Oslo", 51.53, 1.12])
    sheet.append(["K-1833 Rana", 7.11, ".."])
    sheet.append(["K-3006 Kongsberg", 7.68, 2.23])
    sheet.append(["Kilde: Statistisk sentralbyrå"])
    saved = io.BytesIO()
    book.save(saved)
    checked = read_ssb_download(saved.getvalue(), filename="09594.xlsx", indicator=land, categories=BUILT_UP_NB[:2])
    assert checked.used_columns == ["region", "Areal 2021 Boligbebyggelse", "Areal 2021 Fritidsbebyggelse"]
    apply_jsonstat(checked, user=None)
    assert figures(land) == {
        "Oslo": (Decimal("52.65"), "reported"),
        "Rana": (None, "missing"),
        "Kongsberg": (Decimal("9.91"), "reported"),
    }


def test_an_excel_download_with_the_region_heading_on_top_is_read(land):
    book = Workbook()
    sheet = book.active
    sheet.append(["region", "Area"])
    sheet.append([None, "2021"])
    sheet.append([None, "Residential areas", "Recreational facilities"])
    sheet.append(["0301 Oslo", 51.53, 1.12])
    saved = io.BytesIO()
    book.save(saved)
    checked = read_ssb_download(saved.getvalue(), filename="09594.xlsx", indicator=land, categories=BUILT_UP[:2])
    assert checked.used_columns == ["region", "Area 2021 Residential areas", "Area 2021 Recreational facilities"]
    assert [c.proposed.value for c in checked.changes] == [Decimal("52.65")]


def test_a_bad_cell_in_excel_is_named_by_sheet_and_cell(land):
    book = Workbook()
    book.active.title = "09594"
    book.active.append(["region", "Areal 2021 Skog"])
    book.active.append(["K-0301 Oslo", "mye"])
    saved = io.BytesIO()
    book.save(saved)
    with pytest.raises(ImportRejected) as rejected:
        read_ssb_download(saved.getvalue(), filename="09594.xlsx", indicator=land)
    assert str(rejected.value).startswith("sheet “09594”, cell B2: “mye” is neither a number nor one of SSB's symbols")


def test_several_categories_and_no_choice_is_refused_listing_them(land):
    with pytest.raises(ImportRejected) as rejected:
        read_statbank(english_wide(), filename="09594.csv", indicator=land)
    message = str(rejected.value)
    assert "write the ones whose sum is the figure" in message
    assert "“Residential areas”; “Recreational facilities”" in message and "“Inland waters”" in message


def test_the_year_beside_the_regions_and_the_contents_before_each_class(land):
    # Laid out with the year in the rows: the headings are the contents and the class.
    data = (
        '"region";"år";"Areal Boligbebyggelse";"Areal Fritidsbebyggelse";"Areal Skog"\r\n'
        '"K-3006 Kongsberg";"2021";"7,68";"2,23";"616,43"\r\n'
        '"K-3006 Kongsberg";"2022";"7,71";"..";"616,2"\r\n'
    ).encode("latin-1")
    checked = read_statbank(data, filename="x.csv", indicator=land, categories=BUILT_UP_NB[:2])
    assert checked.contents == "Areal"
    assert [(c.proposed.year, c.proposed.value, c.proposed.state) for c in checked.changes] == [
        (2021, Decimal("9.91"), "reported"),
        (2022, None, "missing"),
    ]


def test_several_contents_and_no_choice_is_refused_listing_them(land):
    data = '"region";"Area 2021 Forest";"Share 2021 Forest"\r\n"0301 Oslo";"279.3";"61.4"\r\n'.encode("latin-1")
    with pytest.raises(ImportRejected) as rejected:
        read_statbank(data, filename="x.csv", indicator=land)
    assert "choose the one to import: “Area”; “Share”" in str(rejected.value)
    both = (
        '"region";"Area 2021 Forest";"Area 2021 Wetland";"Share 2021 Forest"\r\n"0301 Oslo";"279.3";"4.09";"61.4"\r\n'
    )
    with pytest.raises(ImportRejected) as rejected:
        read_statbank(both.encode(), filename="x.csv", indicator=land)
    assert [str(p) for p in rejected.value.problems] == [
        "The table has several contents; choose the one to import: “Area”; “Share”.",
        "The table has several categories; write the ones whose sum is the figure, one per line: “Forest”; “Wetland”.",
    ]
    checked = read_statbank(data, filename="x.csv", indicator=land, contents="Area")
    assert [c.proposed.value for c in checked.changes] == [Decimal("279.3")]


def test_unknown_categories_are_named(land):
    with pytest.raises(ImportRejected) as rejected:
        read_statbank(
            english_wide(), filename="x.csv", indicator=land, categories=["Residential areas", "Parking", "Roads"]
        )
    message = str(rejected.value)
    assert "no category “Parking”; “Roads”" in message and "“Residential areas”" in message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Dear coordinator,\nhere are the figures you asked for.\n", "not a table from Statistikkbanken"),
        (b'"kommunenavn";"Areal"\n"Oslo";"124,75"\n"Rana";"37,84"\n', "Found no region column"),
        (b'"region";"Area 2021 Forest"\n"0301 Oslo";"lots"\n', "line 2, column “Area 2021 Forest”: “lots”"),
        (b'"region";"Area Forest"\n"0301 Oslo";"279.3"\n', "Found no year"),
        (b"PK\x03\x04not really a workbook", "could not be read as an Excel workbook (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "This is an old Excel file (.xls)."),
        (b"", "empty"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_written(land, data, message):
    with pytest.raises(ImportRejected) as rejected:
        read_ssb_download(data, filename="bad.csv", indicator=land)
    assert message in " ".join(str(p) for p in rejected.value.problems)
    assert not IndicatorValue.objects.exists()


def test_json_stat_goes_to_its_own_reader(kongsberg):
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("Region", "region", [("3303", "Kongsberg")]),
            jsonstat.Dimension("ContentsCode", "statistikkvariabel", [("Personer1", "Personer")]),
            jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
        ],
        values={("3303", "Personer1", "2024"): 28180},
    )
    data = b"\xef\xbb\xbf" + jsonstat.dumps(document)
    checked = read_ssb_download(data, filename="07459.json", indicator=Indicator.objects.population())
    assert [c.proposed.value for c in checked.changes] == [Decimal(28180)]
    with pytest.raises(ImportRejected) as rejected:
        read_ssb_download(data, filename="07459.json", indicator=Indicator.objects.population(), categories=["x"])
    assert "CSV and Excel" in str(rejected.value)


def test_the_command_shows_a_dry_run_with_the_columns_then_imports(land, tmp_path):
    path = tmp_path / "09594.csv"
    path.write_bytes(english_wide())
    out = StringIO()
    call_command(
        "import_ssb", str(path), "--indicator", "arealbruk", "--category", *BUILT_UP[:2], "--dry-run", stdout=out
    )
    printed = out.getvalue()
    assert "would be created: 3" in printed
    assert "Area 2021 Residential areas; Area 2021 Recreational facilities" in printed
    assert not IndicatorValue.objects.exists()
    call_command("import_ssb", str(path), "--indicator", "arealbruk", "--category", *BUILT_UP, stdout=StringIO())
    assert figures(land)["Oslo"] == (Decimal("124.75"), "reported")
    with pytest.raises(CommandError):
        call_command("import_ssb", str(path), "--indicator", "arealbruk", stdout=StringIO(), stderr=StringIO())


# --- in the browser, for network coordinators -------------------------------------------------------------------


@uses_worker
def test_a_coordinator_uploads_a_csv_download_checks_the_columns_and_imports(client, coordinator, land, kongsberg):
    client.force_login(coordinator)
    file = SimpleUploadedFile("09594.csv", english_wide(), content_type="text/csv")
    response = client.post(
        reverse("opendata_upload"), {"file": file, "indicator": land.pk, "categories": "\r\n".join(BUILT_UP)}
    )
    assert response.status_code == 302
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "New values: 3" in page  # SSB's figures for every municipality in the file, in the network or not
    assert "Area 2021 Residential areas; Area 2021 Recreational facilities" in page
    assert "Unclassified built-up areas and related land" in page
    assert not IndicatorValue.objects.exists()  # nothing before the confirmation
    client.post(response["Location"])
    run_worker()
    value = IndicatorValue.objects.get(municipality=kongsberg)
    assert (value.value, value.status, value.is_official) == (Decimal("30.51"), "published", True)
    assert IndicatorValue.objects.get(municipality__name="Oslo").published_value == Decimal("124.75")
    assert DataImport.objects.get().categories.splitlines()[0] == "Residential areas"


def test_the_upload_form_refuses_other_kinds_of_file(client, coordinator, land):
    client.force_login(coordinator)
    file = SimpleUploadedFile("09594.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(reverse("opendata_upload"), {"file": file, "indicator": land.pk})
    assert response.status_code == 200
    assert "json, csv, xlsx" in html.unescape(response.content.decode())
    assert not DataImport.objects.exists()
