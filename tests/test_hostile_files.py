"""Hostile and broken files are refused before they are parsed in full: with a message naming the limit, never a 500.

Every file here is real and built in the test: a zip bomb workbook, a zip whose directory lies about its sizes, a
sheet naming a cell a billion cells from A1, a JSON-stat table declaring ten million cells, JSON nested a hundred
thousand levels deep, a CSV cell of 131 073 characters. A stored bad upload shows its problems on every visit.
"""

import html
import io
import json
import re
import struct
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from indicators import jsonstat
from indicators.importers.base import ImportRejected
from indicators.importers.klass_json import read_changes
from indicators.importers.miljodir import read_emissions
from indicators.importers.national_csv import read_national_csv
from indicators.importers.spreadsheet import read_values
from indicators.importers.ssb_jsonstat import read_jsonstat
from indicators.importers.ssb_population import parse_population
from indicators.importers.workbook import read_workbook
from indicators.models import DataImport, Indicator, IndicatorValue
from indicators.tasks import check_import
from plans.budget import budget_year, read_budget
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

SHEET = "xl/worksheets/sheet1.xml"


def xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, *, replace=None, add=()) -> bytes:
    """Return the workbook with some parts replaced (name → bytes, or a function of the old bytes) or added."""
    replace = replace or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            new = replace.get(item.filename, content)
            target.writestr(item.filename, new(content) if callable(new) else new)
        for name, content in add:
            target.writestr(name, content)
    return out.getvalue()


def padded_sheet(megabytes: int) -> bytes:
    """A workbook whose sheet is valid XML padded with `megabytes` MB of spaces: packed, it is a few hundred kB."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["Kommunenummer", "År"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item.filename, source.read(item.filename))
                continue
            head, tail = source.read(SHEET).split(b"<sheetData>")
            with target.open(SHEET, "w", force_zip64=True) as stream:
                stream.write(head + b"<sheetData>")
                for _n in range(megabytes):
                    stream.write(b" " * 2**20)
                stream.write(tail)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """About 1 MB that unpacks to 256 MB: more than the 200 MB LIVSKRAFT_MAX_WORKBOOK_BYTES allows."""
    return padded_sheet(256)


def lying_directory() -> bytes:
    """A workbook whose directory says its sheet unpacks to 1 000 bytes, when it unpacks to 3 MB."""
    data = bytearray(
        rezip(
            xlsx([["a"]]), replace={SHEET: lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + b" " * 3_000_000)}
        )
    )
    entry = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(SHEET)
    struct.pack_into("<I", data, entry.header_offset + 22, 1000)  # the local header's uncompressed size
    central = next(
        m.start() for m in re.finditer(rb"PK\x01\x02", data) if data[m.start() + 46 :].startswith(SHEET.encode())
    )
    struct.pack_into("<I", data, central + 24, 1000)  # the central directory's
    return bytes(data)


def problems(read, data: bytes) -> str:
    with pytest.raises(ImportRejected) as caught:
        read(data)
    return "\n".join(str(p) for p in caught.value.problems)


def emissions(data: bytes):
    total = Indicator.objects.create(
        code="klimagassutslipp", unit="tonnes_co2e", computation="per_inhabitant", amount_unit="tonnes_co2e"
    )
    return read_emissions(data, filename="utslipp.xlsx", indicator=total)


def values(data: bytes):
    return read_values(data, "verdier.xlsx", may_enter=lambda _m: True, last_year=2024)


def budget(data: bytes):
    return read_budget(data, "budsjett.xlsx", budget_year(None, 2025))


def workbook(data: bytes):
    return read_workbook(data, "utslipp.xlsx")


# Every importer that takes a workbook reads it through read_workbook(); the checks hold for each.
READERS = [workbook, emissions, values, budget]


@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking_it(zip_bomb, read):
    assert len(zip_bomb) < 2 * 2**20
    tracemalloc.start()
    try:
        message = problems(read, zip_bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "unpacks to more than 256 MB; the portal reads workbooks of at most 200 MB unpacked" in message
    assert "(LIVSKRAFT_MAX_WORKBOOK_BYTES)" in message
    assert peak < 20 * 2**20  # Python allocated less than 20 MB for the file that unpacks to 256 MB


def test_a_directory_that_understates_the_sizes_is_caught_while_unpacking():
    message = problems(workbook, lying_directory())
    assert "utslipp.xlsx could not be read as an Excel workbook (.xlsx); it may be damaged or incomplete." in message


def test_a_part_packed_far_tighter_than_any_spreadsheet_program_packs_is_refused():
    message = problems(workbook, padded_sheet(3))
    assert "is packed" in message and "times smaller than it unpacks (xl/worksheets/sheet1.xml)" in message
    assert "at most 100 times (LIVSKRAFT_MAX_WORKBOOK_RATIO)" in message


def test_a_workbook_of_thousands_of_parts_is_refused():
    data = rezip(xlsx([["a"]]), add=[(f"xl/media/image{n}.png", b"") for n in range(1001)])
    message = problems(workbook, data)
    assert "holds 1,010 files inside; a workbook may hold at most 1,000 (LIVSKRAFT_MAX_WORKBOOK_ENTRIES)" in message


def test_two_cells_far_apart_are_refused_before_the_grid_between_them_is_built():
    # Read as a grid, A1 and XFD1048576 would need 550 GB: calamine would abort the whole process.
    book = Workbook()
    book.active["A1"] = 1
    book.active["XFD1048576"] = 2
    out = io.BytesIO()
    book.save(out)
    assert len(out.getvalue()) < 10_000
    message = problems(workbook, out.getvalue())
    assert "span more than 3,000,000 cells (LIVSKRAFT_MAX_WORKBOOK_CELLS)" in message
    # The same with the references in single quotes and after a line break, as XML allows.
    unusual = rezip(out.getvalue(), replace={SHEET: lambda xml: xml.replace(b' r="XFD1048576"', b"\nr='XFD1048576'")})
    assert "(LIVSKRAFT_MAX_WORKBOOK_CELLS)" in problems(workbook, unusual)


def test_cells_without_references_are_counted_as_calamine_places_them():
    # No r="…" on the cells: they follow one another, so a row far down with many cells spans a huge grid.
    cells = b"".join(b"<c><v>1</v></c>" for _n in range(20))
    far = rezip(
        xlsx([["a"]]),
        replace={SHEET: lambda xml: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData><row r=\"1048576\">" + cells + b"</row></sheetData>", xml)},
    )  # fmt: skip
    assert "(LIVSKRAFT_MAX_WORKBOOK_CELLS)" in problems(workbook, far)
    near = rezip(
        xlsx([["a"]]),
        replace={SHEET: lambda xml: re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData><row>" + cells + b"</row></sheetData>", xml)},
    )  # fmt: skip
    assert workbook(near)[0].rows == [[1] * 20]


def test_lower_workbook_limits_in_settings_refuse_a_workbook_the_defaults_take(settings):
    data = xlsx([["Kommunenummer", "År", "Verdi"]] + [["0301", 2024, n] for n in range(1000)])
    assert workbook(data)[0].rows[1] == ["0301", 2024, 0]
    settings.LIVSKRAFT_MAX_WORKBOOK_CELLS = 2000
    assert "span more than 2,000 cells (LIVSKRAFT_MAX_WORKBOOK_CELLS)" in problems(workbook, data)
    settings.LIVSKRAFT_MAX_WORKBOOK_CELLS = 3_000_000
    settings.LIVSKRAFT_MAX_WORKBOOK_BYTES = 2**20
    assert workbook(data)
    settings.LIVSKRAFT_MAX_WORKBOOK_BYTES = 2**16
    assert "unpacks to more than 0.1 MB; the portal reads workbooks of at most 0.1 MB unpacked" in problems(
        workbook, data
    )
    settings.LIVSKRAFT_MAX_WORKBOOK_ENTRIES = 5
    assert "may hold at most 5 (LIVSKRAFT_MAX_WORKBOOK_ENTRIES)" in problems(workbook, data)


@pytest.mark.parametrize(
    "data",
    [
        rezip(xlsx([["a", 1]]), replace={SHEET: lambda xml: xml.replace(b"</sheetData>", b"<row><c r=")}),
        rezip(xlsx([["a", 1]]), replace={SHEET: lambda xml: xml.replace(b"<v>1</v>", b"<v>1</x>")}),
        rezip(xlsx([["a", 1]]), replace={"xl/workbook.xml": b"<workbook"}),
        xlsx([["a", 1]])[:-100],
        b"PK\x03\x04" + b"\x00" * 500,
    ],
    ids=["sheet XML cut off", "tags do not match", "workbook XML broken", "zip cut off", "zip header only"],
)
@pytest.mark.parametrize("read", READERS, ids=lambda read: read.__name__)
def test_a_damaged_workbook_is_refused_with_a_message(read, data):
    message = problems(read, data)
    assert "could not be read as an Excel workbook (.xlsx); it may be damaged or incomplete" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hei")
    assert "is a zip file but not an Excel workbook (.xlsx)" in problems(workbook, out.getvalue())


def test_the_reader_gives_numbers_text_dates_and_empty_cells_as_documented():
    import datetime

    data = xlsx([["Oslo", 2024, 0.1, 1234567.891, -500.75, datetime.date(2024, 3, 1), None, "", " t "], [], [None, 7]])
    sheet = workbook(data)[0]
    assert sheet.rows == [
        ["Oslo", 2024, 0.1, 1234567.891, -500.75, datetime.date(2024, 3, 1), None, None, " t "],
        [],
        [None, 7],
    ]
    assert type(sheet.rows[0][1]) is int
    assert list(sheet.non_empty_rows()) == [(1, sheet.rows[0]), (3, [None, 7])]


# --- JSON-stat and JSON -------------------------------------------------------------------------------------------


def huge_cube() -> bytes:
    """A JSON-stat table of about 30 kB declaring 10 × 1000 × 1000 = ten million cells, one of them filled."""

    def dimension(name, count):
        return {"label": name, "category": {"index": [f"{name}{n}" for n in range(count)]}}

    document = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "ContentsCode", "Tid"],
        "size": [1000, 10, 1000],
        "dimension": {"Region": dimension("K", 1000), "ContentsCode": dimension("C", 10), "Tid": dimension("T", 1000)},
        "value": {"0": 1},
    }
    return json.dumps(document).encode()


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
LONG_NUMBER = b'{"version": "2.0", "class": "dataset", "value": [' + b"1" * 5000 + b"]}"


def jsonstat_problems(data: bytes) -> str:
    population = Indicator.objects.population()
    return problems(lambda d: read_jsonstat(d, filename="07459.json", indicator=population), data)


def test_a_jsonstat_table_declaring_ten_million_cells_is_refused_before_it_is_built():
    data = huge_cube()
    assert len(data) < 100_000
    assert (
        "The table has 10000000 cells; at most 1000000 can be read at once (LIVSKRAFT_MAX_JSONSTAT_CELLS)."
        in jsonstat_problems(data)
    )


def test_a_lower_cell_limit_in_settings_refuses_a_table_the_default_takes(settings):
    small = jsonstat.dumps(
        jsonstat.write(
            dimensions=[
                jsonstat.Dimension("Region", "region", [("3303", "Kongsberg")]),
                jsonstat.Dimension("Tid", "år", [("2023", "2023"), ("2024", "2024")]),
            ],
            values={},
        )
    )
    jsonstat.parse(small)
    settings.LIVSKRAFT_MAX_JSONSTAT_CELLS = 1
    with pytest.raises(jsonstat.JsonStatError, match="at most 1 can be read at once"):
        jsonstat.parse(small)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DEEP, "The file nests lists and objects deeper than Python can read"),
        (DEEP_OBJECT, "The file nests lists and objects deeper than Python can read"),
        (LONG_NUMBER, "The file could not be read as JSON: Exceeds the limit (4300 digits)"),
    ],
    ids=["deep lists", "deep objects", "a number of 5000 digits"],
)
def test_json_that_python_cannot_read_is_refused_with_a_message(data, message):
    assert message in jsonstat_problems(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DEEP, "The JSON nests lists and objects about a thousand levels deep"),
        (b'{"codeChanges": [' + b"9" * 5000 + b"]}", "The file could not be read as JSON: Exceeds the limit"),
    ],
)
def test_a_klass_answer_python_cannot_read_is_refused_with_a_message(data, message):
    assert message in problems(read_changes, data)


# --- CSV ---------------------------------------------------------------------------------------------------------

LONG_CELL = "x" * 131_073


@pytest.mark.parametrize(
    ("read", "data", "message"),
    [
        (
            lambda d: read_values(d, "verdier.csv", may_enter=lambda _m: True, last_year=2024),
            f"kommunenummer;indikator;år;verdi\n0301;{LONG_CELL};2024;1\n",
            "Line 2 has a cell longer than 131,072 characters",
        ),
        (
            parse_population,
            f'"07459: Befolkning"\n\nregion;Persons 2024\n"K-0301 {LONG_CELL};709037\n',
            "Line 4 has a cell longer than 131,072 characters",
        ),
        (
            lambda d: read_national_csv(d, "nasjonal.csv", last_year=2024),
            f"kommunenummer;indikator;år;verdi\n0301;x;2024;{LONG_CELL}\n",
            "Line 2 has a cell longer than 131,072 characters",
        ),
    ],
    ids=["planner's values", "SSB population", "national file"],
)
def test_a_csv_cell_longer_than_csv_reads_is_refused_with_its_line(read, data, message):
    assert message in problems(read, data.encode())


# --- a stored bad upload, on every visit ------------------------------------------------------------------------


@uses_worker
def test_a_stored_bad_upload_shows_its_problems_on_every_visit(client, administrator, zip_bomb):
    emissions_total = Indicator.objects.create(
        code="klimagassutslipp", unit="tonnes_co2e", computation="per_inhabitant", amount_unit="tonnes_co2e"
    )
    population = Indicator.objects.population()
    stored = [
        (DataImport.Kind.EMISSIONS, "bomb.xlsx", zip_bomb, emissions_total, "(LIVSKRAFT_MAX_WORKBOOK_BYTES)"),
        (DataImport.Kind.EMISSIONS, "cut.xlsx", xlsx([["a"]])[:-100], emissions_total, "may be damaged"),
        (DataImport.Kind.SSB, "huge.json", huge_cube(), population, "(LIVSKRAFT_MAX_JSONSTAT_CELLS)"),
        (DataImport.Kind.SSB, "deep.json", DEEP_OBJECT, population, "deeper than Python can read"),
        (DataImport.Kind.SSB, "long.csv", f'"region";"{LONG_CELL}"\n'.encode(), population, "longer than 131,072"),
        (DataImport.Kind.SSB, "bomb.xlsx", zip_bomb, population, "(LIVSKRAFT_MAX_WORKBOOK_BYTES)"),
        (DataImport.Kind.REFORM, "deep.json", DEEP, None, "about a thousand levels deep"),
    ]
    client.force_login(administrator)
    for kind, filename, content, indicator, message in stored:
        upload = DataImport.objects.create(
            kind=kind, uploaded_by=administrator, filename=filename, content=content, indicator=indicator
        )
        check_import.enqueue(upload.pk, language="en")
        run_worker()
        for _visit in range(2):
            response = client.get(reverse("opendata_preview", args=[upload.pk]))
            page = html.unescape(response.content.decode())
            assert response.status_code == 200, filename
            assert message in page and "Nothing is imported from this file" in page, filename
        client.post(reverse("opendata_preview", args=[upload.pk]))
    assert not IndicatorValue.objects.exists()


@uses_worker
def test_a_zip_bomb_uploaded_in_the_browser_is_refused_on_the_check_page(client, coordinator, zip_bomb):
    total = Indicator.objects.create(
        code="klimagassutslipp", unit="tonnes_co2e", computation="per_inhabitant", amount_unit="tonnes_co2e"
    )
    client.force_login(coordinator)
    file = SimpleUploadedFile("utslipp.xlsx", zip_bomb)
    location = client.post(reverse("emissions_upload"), {"file": file, "indicator": total.pk})["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "utslipp.xlsx unpacks to more than 256 MB" in page


def test_the_reader_gives_the_values_openpyxl_gave_before_it():
    import datetime

    from openpyxl import load_workbook

    row = [0.1, 0.1 + 0.2, 1 / 3, 123456.78901234567, 40000.5, -500.75, 1e-7, 2**53, 2024, "0301", "Sjøfart", True,
           datetime.datetime(2024, 3, 1, 12, 30), None, "=1+2", " t "]  # fmt: skip
    data = xlsx([row])
    before = next(
        load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0].iter_rows(values_only=True)
    )
    after = workbook(data)[0].rows[0]
    # The same numbers to the last digit, 2024 an int, the datetime, None for the empty cell and for the formula
    # that was never calculated.
    assert [repr(v) for v in after] == [repr(v) for v in before]
