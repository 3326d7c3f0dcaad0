"""The SSB 07459 population importer, on the real exports and on files it must refuse."""

import codecs
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from indicators.importers.base import ImportRejected
from indicators.importers.klass import load_code_history
from indicators.importers.ssb_population import import_population, parse_population
from indicators.models import (
    SOURCE_LENGTH,
    Indicator,
    IndicatorValue,
    Municipality,
    ValueRevision,
    ValueState,
    ValueStatus,
)


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages in English, the source language; other tests cover the translations."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

SSB = Path(__file__).resolve().parent.parent / "indicators" / "data" / "ssb"
HEADER = '"region";"age";"Persons 2023"\r\n'


@pytest.fixture(autouse=True)
def municipalities():
    load_code_history()


def population(code, year, *, code_year="same"):
    """Return the stored population for the municipality that had the code (in code_year; default: year)."""
    municipality = Municipality.objects.by_code(code, year if code_year == "same" else code_year)
    value = IndicatorValue.objects.get(indicator=Indicator.objects.population(), municipality=municipality, year=year)
    return value


def run(data: bytes, **kwargs):
    return import_population(data=data, filename="test.csv", user=None, **kwargs)


def table(body: str, header: str = HEADER, encoding="latin-1") -> bytes:
    return (header + body).encode(encoding)


@pytest.mark.parametrize(
    ("filename", "code", "year", "persons"),
    [
        ("Personer2023.csv", "0301", 2023, 709_037),  # semicolon, title line, CRLF, K- codes
        ("Personer2005-2009.csv", "1833", 2005, 25_320),  # tab, five year columns, old codes
        ("Personer2005-2009.csv", "1524", 2005, 1_817),  # Norddal before the merger
        ("Personer2010-2014.csv", "0604", 2010, 24_714),
        ("Personer2010-2014.csv", "0604", 2014, 26_406),
        ("Personer2020.csv", "4634", 2020, 1_691),  # tab, no title line, the 2020 numbers
        ("Personer2021.csv", "1578", 2021, 2_502),  # semicolon with a title line
    ],
)
def test_real_ssb_exports_give_each_municipality_its_total(filename, code, year, persons):
    report = run((SSB / filename).read_bytes())
    assert not report.dry_run
    value = population(code, year)
    assert value.value == Decimal(persons)
    assert value.state == ValueState.REPORTED
    # SSB's figure, published as SSB published it: no municipality has to approve it.
    assert (value.status, value.is_official, value.published_value) == (ValueStatus.PUBLISHED, True, persons)
    assert value.source == "SSB table 07459, file test.csv"


def test_every_real_file_imports_and_skips_the_regions_that_are_not_municipalities():
    seen_years = set()
    for path in sorted(SSB.glob("Personer*.csv")):
        report = run(path.read_bytes())
        seen_years.update(report.file.years)
        skipped = {region for region, _reason, _n in report.file.skipped_regions()}
        assert report.result.created > 350, path.name
        if path.stem[-4:] >= "2020":
            assert "K-21-22 Svalbard and Jan Mayen" in skipped
            assert "K-Rest Divided municalities and unknown" in skipped
    assert seen_years == {*range(2005, 2015), 2020, 2021, 2023}
    # Kongsberg 2010 lies under 0604; the same municipality under its later numbers gets 2020 on.
    kongsberg = Municipality.objects.by_code("3303")
    years = set(kongsberg.values.values_list("year", flat=True))
    assert years == {*range(2005, 2015), 2020, 2021, 2023}


def test_a_number_listed_before_it_existed_is_skipped_not_doubled():
    # The 2010–2014 export lists 5012 Snillfjord (from 2018) with zeros beside 1613 Snillfjord.
    report = run((SSB / "Personer2010-2014.csv").read_bytes())
    reasons = {region: reason for region, reason, _n in report.file.skipped_regions()}
    assert "5012 Snillfjord" in reasons
    assert population("1613", 2010).value > 900


def test_importing_the_same_file_again_changes_nothing():
    data = (SSB / "Personer2023.csv").read_bytes()
    first = run(data)
    revisions = ValueRevision.objects.count()
    second = run(data)
    assert first.result.created == 356
    assert (second.result.created, second.result.updated, second.result.unchanged) == (0, 0, 356)
    assert ValueRevision.objects.count() == revisions


def test_a_figure_ssb_revises_is_published_again_as_revised_by_the_source():
    run(table('"K-0301 Oslo";"0 years";100\n"K-0301 Oslo";"1 year";200\n'))
    value = population("0301", 2023)
    assert (value.status, value.revised_at) == (ValueStatus.PUBLISHED, None)
    report = run(table('"K-0301 Oslo";"0 years";100\n"K-0301 Oslo";"1 year";201\n'))
    assert (report.result.created, report.result.updated) == (0, 1)
    value.refresh_from_db()
    assert (value.value, value.published_value) == (301, 301)
    assert value.status == ValueStatus.PUBLISHED
    assert value.revised_at is not None
    assert value.version == 2  # imported, revised by the source
    last = value.revisions.last()
    assert (last.old_value, last.new_value, last.old_status, last.new_status) == (300, 301, "published", "published")


def test_dry_run_counts_but_writes_nothing():
    report = run((SSB / "Personer2023.csv").read_bytes(), dry_run=True)
    assert report.result.created == 356
    assert IndicatorValue.objects.count() == 0


def test_ssb_symbols_become_explicit_states():
    report = run(
        table(
            '"K-0301 Oslo";"0 years";..\n"K-0301 Oslo";"1 year";5\n'
            '"K-1833 Rana";"0 years";:\n'
            '"K-4634 Masfjorden";"0 years";-\n'
        )
    )
    assert report.result.created == 3
    oslo, rana, masfjorden = population("0301", 2023), population("1833", 2023), population("4634", 2023)
    assert (oslo.value, oslo.state) == (None, ValueState.MISSING)
    assert (rana.value, rana.state) == (None, ValueState.CONFIDENTIAL)
    assert (masfjorden.value, masfjorden.state) == (0, ValueState.REPORTED)


def test_a_cell_that_cannot_occur_adds_nothing_and_only_such_cells_are_not_applicable():
    run(table('"K-0301 Oslo";"0 years";.\n"K-0301 Oslo";"1 year";5\n"K-1833 Rana";"0 years";.\n'))
    oslo, rana = population("0301", 2023), population("1833", 2023)
    assert (oslo.value, oslo.state) == (5, ValueState.REPORTED)
    assert (rana.value, rana.state) == (None, ValueState.NOT_APPLICABLE)


def test_a_long_file_name_is_cut_to_the_length_a_source_may_have():
    import_population(data=table('"K-0301 Oslo";"0 years";5\n'), filename="befolkning-" * 40 + ".csv", user=None)
    source = population("0301", 2023).source
    assert len(source) == SOURCE_LENGTH
    assert source.startswith("SSB table 07459, file befolkning-befolkning-")


def test_utf8_comma_separated_with_norwegian_headers_is_read():
    data = "region,alder,Personer 2022\n3303 Kongsberg,0 år,300\n3303 Kongsberg,1 år,310\n".encode()
    data = codecs.BOM_UTF8 + data
    run(data)
    assert population("3303", 2022, code_year=None).value == 610  # the 2024 number, read for 2022: the one holder


# Files the importer must refuse, with the message the planner reads, and nothing written.
BAD_FILES = [
    ("empty", b"", "The file is empty."),
    ("only blank lines", b"\n\n  \n", "The file is empty."),
    ("no header", b"a;b;c\n1;2;3\n", "Found no header row"),
    ("wrong columns", table('"K-0301 Oslo";"x";1\n', header='"region";"colour";"Persons 2023"\n'), "Unexpected column"),
    ("no year columns", table('"K-0301 Oslo";"0 years"\n', header='"region";"age"\n'), "no year columns"),
    ("text in a number", table('"K-0301 Oslo";"0 years";mange\n'), "“mange” is not a whole number"),
    ("negative count", table('"K-0301 Oslo";"0 years";-5\n'), "cannot be negative"),
    ("huge number", table('"K-0301 Oslo";"0 years";99999999999\n'), "more than live in Norway"),
    ("decimal persons", table('"K-0301 Oslo";"0 years";12,5\n'), "“12,5” is not a whole number"),
    ("empty cell", table('"K-0301 Oslo";"0 years";\n'), "The cell is empty"),
    ("duplicate row", table('"K-0301 Oslo";"0 years";1\n"K-0301 Oslo";"0 years";2\n'), "appear twice"),
    ("only unknown municipalities", table('"K-9999 Atlantis";"0 years";5\n'), "no rows for any municipality"),
    ("binary renamed .csv", bytes(range(256)) * 40, "not a text file"),
    ("spreadsheet renamed .csv", b"PK\x03\x04" + b"\x14\x00" * 100, "spreadsheet or zip"),
    ("UTF-16 text", ("\ufeff" + HEADER + '"K-0301 Oslo";"0 years";5\n').encode("utf-16"), "UTF-16"),
    ("too large", HEADER.encode() + b"x" * (26 * 1024 * 1024), "larger than 25 MB"),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD_FILES, ids=[case for case, *_ in BAD_FILES])
def test_bad_files_are_refused_with_a_message_and_nothing_written(case, data, message):
    with pytest.raises(ImportRejected) as rejected:
        run(data)
    assert message in " ".join(str(p) for p in rejected.value.problems)
    assert IndicatorValue.objects.count() == 0
    assert ValueRevision.objects.count() == 0


def test_one_bad_cell_among_thousands_of_good_rows_writes_nothing():
    good = (SSB / "Personer2023.csv").read_bytes()
    bad = good.replace(b'"K-1833 Rana";"40 years";', b'"K-1833 Rana";"40 years";x', 1)
    with pytest.raises(ImportRejected) as rejected:
        run(bad)
    problem = rejected.value.problems[0]
    assert problem.column == "Persons 2023"
    assert problem.line > 3
    assert IndicatorValue.objects.count() == 0


def test_every_problem_is_listed_with_its_line_and_column():
    with pytest.raises(ImportRejected) as rejected:
        run(table('"K-0301 Oslo";"0 years";x\n"K-0301 Oslo";"1 year";-1\n"K-1833 Rana";"0 years";y\n'))
    located = [(p.line, p.column) for p in rejected.value.problems]
    assert located == [(2, "Persons 2023"), (3, "Persons 2023"), (4, "Persons 2023")]


def test_problems_are_told_in_the_users_language():
    with translation.override("nb"), pytest.raises(ImportRejected) as rejected:
        run(b"")
    assert str(rejected.value.problems[0]) == "Filen er tom."


def test_parse_reads_the_title_line():
    parsed = parse_population((SSB / "Personer2021.csv").read_bytes())
    assert parsed.title == "07459: Population, by region, age, contents and year"
    assert parsed.years == [2021]


def test_command_reports_counts_and_skipped_regions(capsys):
    call_command("import_population", str(SSB / "Personer2023.csv"), verbosity=0)
    out = capsys.readouterr().out
    assert "38054" in out and "356" in out
    assert "K-21-22 Svalbard and Jan Mayen" in out


def test_command_refuses_a_bad_file_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "tom.csv"
    bad.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_population", str(bad), verbosity=0)
    assert "tom.csv" in capsys.readouterr().err
    assert IndicatorValue.objects.count() == 0


def test_an_export_by_later_numbers_is_filed_and_said_so_and_a_number_from_before_is_refused(tmp_path, capsys):
    header = '"region";"age";"Persons 2019"\r\n'
    path = tmp_path / "07459.csv"
    path.write_bytes(
        table(
            '"K-3303 Kongsberg";"0 years";27416\n"K-1580 Haram";"0 years";9300\n"K-1524 Norddal";"0 years";1600\n',
            header,
        )
    )
    report = parse_population(path.read_bytes())
    assert report.filed_elsewhere() == ["3303 in 2019 filed under Kongsberg (0604)"]
    reasons = {region: reason for region, reason, _n in report.skipped_regions()}
    # Haram 1580 is the part of Ålesund that became a municipality again in 2024; in 2019 it was Haram 1534.
    assert reasons == {
        "K-1580 Haram": "no municipality had the number 1580 in 2019; Haram, which had it, did not exist then"
    }
    call_command("import_population", str(path), verbosity=0)
    assert "3303 in 2019 filed under Kongsberg (0604)" in capsys.readouterr().out
    assert population("0604", 2019).value == 27416
