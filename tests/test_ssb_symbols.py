"""SSB's table symbols mean the same in every importer that reads SSB's data, and in the downloads that write them."""

from decimal import Decimal

import pytest

from indicators import jsonstat
from indicators.importers.national_csv import read_national_csv
from indicators.importers.ssb_jsonstat import read_jsonstat
from indicators.importers.ssb_population import parse_population
from indicators.importers.ssb_symbols import STATE_SYMBOLS, SYMBOL_STATES, read_symbol
from indicators.models import Indicator, ValueState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kongsberg", "english")]


def from_population_csv(symbol: str) -> tuple:
    """Oslo's one cell in a 07459 export as Statistikkbanken writes it: semicolons, quotes, Latin-1, CRLF."""
    data = f'"region";"age";"Persons 2024"\r\n"K-0301 Oslo";"0 years";{symbol}\r\n'.encode("latin-1")
    [(value, state)] = parse_population(data).totals.values()
    return value, state


def from_jsonstat(symbol: str) -> tuple:
    """Oslo's one cell in a 07459 answer from PxWebApi v2: a null value with the symbol as its status."""
    cell = ("0301", "Personer1", "2024")
    data = jsonstat.dumps(
        jsonstat.write(
            dimensions=[
                jsonstat.Dimension("Region", "region", [("0301", "Oslo")]),
                jsonstat.Dimension("ContentsCode", "statistikkvariabel", [("Personer1", "Personer")]),
                jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
            ],
            values={cell: None},
            status={cell: symbol},
            label="07459: Befolkning, etter region, statistikkvariabel og år",
            source="Statistisk sentralbyrå",
            updated="2024-02-21T07:00:00Z",
            roles={"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
            extension={"px": {"tableid": "07459"}},
        )
    )
    [change] = read_jsonstat(data, filename="07459.json", indicator=Indicator.objects.population()).changes
    return change.proposed.value, change.proposed.state


def from_national_csv(symbol: str) -> tuple:
    """Oslo's one row in the national CSV, with the symbol in verdi and tilstand left empty."""
    code = Indicator.objects.population().code
    data = f"kommunenummer;indikator;år;verdi;tilstand\r\n0301;{code};2024;{symbol};\r\n".encode()
    [[proposed]] = read_national_csv(data, "nasjonal.csv", last_year=2024).by_indicator.values()
    return proposed.value, proposed.state


READERS = {"population CSV": from_population_csv, "JSON-stat": from_jsonstat, "national CSV": from_national_csv}
# Each symbol of SSB's "Standardtegn i tabeller" that stands for a cell without a figure, and what it becomes.
EXPECTED = {
    ".": (None, ValueState.NOT_APPLICABLE),
    "..": (None, ValueState.MISSING),
    "...": (None, ValueState.MISSING),
    ":": (None, ValueState.CONFIDENTIAL),
    "-": (Decimal(0), ValueState.REPORTED),
}


@pytest.mark.parametrize("symbol", EXPECTED)
@pytest.mark.parametrize("reader", READERS.values(), ids=READERS)
def test_every_importer_reads_each_ssb_symbol_the_same_way(reader, symbol):
    assert reader(symbol) == EXPECTED[symbol]


def test_the_table_holds_exactly_the_symbols_the_importers_are_tested_with():
    assert {symbol: read_symbol(symbol) for symbol in SYMBOL_STATES} == EXPECTED


@pytest.mark.parametrize("text", [None, "", "0", "-0", "*", "x", "5"])
def test_figures_and_other_marks_are_no_symbol(text):
    assert read_symbol(text) is None


@pytest.mark.parametrize("state", [ValueState.MISSING, ValueState.NOT_APPLICABLE, ValueState.CONFIDENTIAL])
def test_downloads_write_each_state_as_a_symbol_read_back_as_that_state(state):
    assert from_jsonstat(STATE_SYMBOLS[state]) == (None, state)
