"""Downloads in JSON-stat 2.0, the format Statistics Norway publishes in, readable by the portal's own importer.

Dimensions as SSB names them: Region (today's municipality number), ContentsCode (the
indicator's code for the figure as stored, i.e. the total amount for a per-inhabitant
indicator, and `<code>.per_innbygger` for the per-inhabitant figure) and Tid (year).
Cells without a number carry SSB's symbols (indicators.importers.ssb_symbols): ".." missing, ":" confidential,
"." not applicable.
Only figures the visitor may see are written, each as stored: nothing computed from
other municipalities (such as Fjord before 2020) is included.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import jsonstat
from indicators.importers.spreadsheet import csv_number, neutralise
from indicators.importers.ssb_symbols import STATE_SYMBOLS
from indicators.models import Indicator, IndicatorValue, Municipality, ValueState
from indicators.numbers import DECIMALS_BY_UNIT, decimals_for, unit_label

PER_INHABITANT_SUFFIX = ".per_innbygger"
# A source that names Statistics Norway: its figures are CC BY 4.0 and must be credited.
NAMES_SSB = re.compile(r"\bSSB\b|statistisk sentralbyr|statistics norway", re.IGNORECASE)
SSB_CREDIT = "CC BY 4.0. Kilde: Statistisk sentralbyrå"
LICENCE = "CC BY 4.0"


def _contents(indicators: list[Indicator]) -> list[tuple[str, str, dict]]:
    """(code, label, unit) for each figure of each indicator."""
    contents = []
    for indicator in indicators:
        if indicator.is_per_inhabitant:
            amount_unit = str(indicator.get_amount_unit_display())
            contents.append(
                (
                    indicator.code,
                    f"{indicator.name} ({amount_unit})",
                    {"base": amount_unit, "decimals": DECIMALS_BY_UNIT.get(indicator.amount_unit, 1)},
                )
            )
            contents.append(
                (
                    indicator.code + PER_INHABITANT_SUFFIX,
                    indicator.name,
                    {"base": unit_label(indicator), "decimals": decimals_for(indicator)},
                )
            )
        else:
            contents.append(
                (indicator.code, indicator.name, {"base": unit_label(indicator), "decimals": decimals_for(indicator)})
            )
    return contents


def build(*, title: str, rows: list[tuple], indicators: list[Indicator], regions: list[tuple[str, str]]) -> dict:
    """Return a JSON-stat dataset of rows (region code, indicator, year, stored value, per-inhabitant figure, state)."""
    years = [str(year) for year in sorted({year for _r, _i, year, *_rest in rows})]
    contents = _contents(indicators)
    values, status = {}, {}
    for region, indicator, year, value, figure, state in rows:
        year = str(year)
        symbol = STATE_SYMBOLS.get(state)
        keys = [(region, indicator.code, year, value)]
        if indicator.is_per_inhabitant:
            keys.append((region, indicator.code + PER_INHABITANT_SUFFIX, year, figure))
        for region_code, code, period, number in keys:
            values[(region_code, code, period)] = None if number is None else Decimal(number)
            if symbol:
                status[(region_code, code, period)] = symbol
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("Region", _("region"), regions),
            jsonstat.Dimension(
                "ContentsCode",
                _("contents"),
                [(code, label) for code, label, _unit in contents],
                units={code: unit for code, _label, unit in contents},
            ),
            jsonstat.Dimension("Tid", _("year"), [(y, y) for y in years] or [("", "")]),
        ],
        values=values,
        status=status,
        label=title,
        source=_("Livskraft. Sources: %(sources)s") % {"sources": "; ".join(sources(indicators))},
        updated=timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        roles={"geo": ["Region"], "metric": ["ContentsCode"], "time": ["Tid"]},
        extension={"licence": LICENCE, "sources": sources(indicators)},
    )
    document["note"] = [
        _("Figures from Statistics Norway (SSB) are licensed CC BY 4.0. Kilde: Statistisk sentralbyrå."),
        _("Only published figures. A per-inhabitant figure is the total amount divided by the population."),
    ]
    return document


def licence(source: str, *, is_sample: bool = False) -> str:
    """The licence and credit a figure from this source carries: SSB's figures are CC BY 4.0; others none known."""
    return SSB_CREDIT if source and not is_sample and NAMES_SSB.search(source) else ""


def sources(indicators: list[Indicator]) -> list[str]:
    """The source of each indicator, once each, in order."""
    named = [indicator.source for indicator in indicators if indicator.source]
    return list(dict.fromkeys(named))


class _Echo:
    """A file-like object that hands back what is written to it, for streaming CSV."""

    def write(self, text: str) -> str:
        return text


@dataclass(frozen=True)
class Record:
    """One published figure, as last published, with what a download says about it."""

    municipality: Municipality
    indicator: Indicator
    year: int
    value: Decimal | None
    per_inhabitant: Decimal | None
    state: str
    is_sample: bool
    source: str


def published_records(values=None) -> Iterator[Record]:
    """Every published figure of the values (default: all), as last published, in a fixed order.

    Five queries (indicators, municipalities, their numbers, the population, the values),
    and the values are streamed, so memory stays flat however many there are.
    """
    values = IndicatorValue.objects.published() if values is None else values.published()
    indicators = {i.pk: i for i in Indicator.objects.all()}
    municipalities = {m.pk: m for m in Municipality.objects.prefetch_related("codes")}
    population = next((i for i in indicators.values() if i.is_population), None)
    people = {}
    if population is not None:
        people = {
            (m, y): v
            for m, y, v in IndicatorValue.objects.published()
            .filter(indicator=population, published_state=ValueState.REPORTED)
            .values_list("municipality_id", "year", "published_value")
        }
    rows = values.order_by("indicator__order", "indicator__code", "municipality_id", "year").values_list(
        "indicator_id", "municipality_id", "year", "published_value", "published_state", "published_is_sample",
        "published_source",
    )  # fmt: skip
    for indicator_id, municipality_id, year, value, state, is_sample, source in rows.iterator(chunk_size=2000):
        indicator = indicators[indicator_id]
        per_inhabitant = None
        if indicator.is_per_inhabitant:
            per_inhabitant = indicator.per_inhabitant(value, people.get((municipality_id, year)))
        yield Record(
            municipalities[municipality_id], indicator, year, value, per_inhabitant, state, is_sample,
            source or indicator.source,
        )  # fmt: skip


def table_rows(records) -> Iterator[list]:
    """The records as rows for CSV or XLSX, header first: units, per inhabitant, state, source and licence."""
    yield [
        _("Municipality number"), _("Municipality"), _("Indicator code"), _("Indicator"), _("Year"), _("Value"),
        _("Unit"), _("Per inhabitant"), _("Unit per inhabitant"), _("State"), _("Sample data"), _("Source"),
        _("Licence"),
    ]  # fmt: skip
    states = dict(ValueState.choices)
    for r in records:
        indicator = r.indicator
        yield [
            r.municipality.kommunenummer,
            r.municipality.name,
            indicator.code,
            indicator.name,
            r.year,
            r.value,
            str(indicator.get_amount_unit_display()) if indicator.is_per_inhabitant else unit_label(indicator),
            r.per_inhabitant.quantize(Decimal("0.001")) if r.per_inhabitant is not None else None,
            unit_label(indicator) if indicator.is_per_inhabitant else "",
            str(states.get(r.state, r.state)),
            _("yes") if r.is_sample else "",
            r.source,
            licence(r.source, is_sample=r.is_sample),
        ]


def records_jsonstat(records, *, title: str) -> dict:
    """The records as one JSON-stat dataset (municipality × contents × year)."""
    records = list(records)
    indicators = list({r.indicator.pk: r.indicator for r in records}.values())
    regions = {r.municipality.kommunenummer: r.municipality.name for r in records}
    rows = [(r.municipality.kommunenummer, r.indicator, r.year, r.value, r.per_inhabitant, r.state) for r in records]
    return build(title=title, rows=rows, indicators=indicators, regions=sorted(regions.items()) or [("", "")])


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    """Stream rows (header first) as semicolon-separated CSV that Excel in Norway opens as columns."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")

    def lines():
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([neutralise(c) if isinstance(c, str) else csv_number(c) for c in row])

    reply = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


def everything_published_csv() -> StreamingHttpResponse:
    """The bulk download: every published figure as CSV, streamed."""
    return csv_response(table_rows(published_records()), "livskraft-alle-publiserte-tall.csv")


def everything_published_jsonstat() -> HttpResponse:
    """The bulk download as one JSON-stat 2.0 dataset: every published figure, municipality × contents × year."""
    document = records_jsonstat(published_records(), title=_("Livskraft: every published figure"))
    return response(document, "livskraft-alle-publiserte-tall")


def response(document: dict, name: str) -> HttpResponse:
    """Send the dataset as a JSON-stat 2.0 attachment called name.json."""
    reply = HttpResponse(jsonstat.dumps(document), content_type="application/json; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return reply
