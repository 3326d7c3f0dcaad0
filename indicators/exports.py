"""Downloads in JSON-stat 2.0, the format Statistics Norway publishes in, readable by the portal's own importer.

Dimensions as SSB names them: Region (today's municipality number), ContentsCode (the
indicator's code for the figure as stored, i.e. the total amount for a per-inhabitant
indicator, and `<code>.per_innbygger` for the per-inhabitant figure) and Tid (year).
Cells without a number carry SSB's symbols: ".." missing, ":" confidential, "." not applicable.
Only figures the visitor may see are written, each as stored: nothing computed from
other municipalities (such as Fjord before 2020) is included.
"""

import csv
import re
from collections.abc import Iterator
from decimal import Decimal

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import jsonstat
from indicators.importers.spreadsheet import csv_number, neutralise
from indicators.models import Indicator, IndicatorValue, Municipality, ValueState
from livskraft.templatetags.livskraft import DECIMALS_BY_UNIT, decimals_for, unit_label

PER_INHABITANT_SUFFIX = ".per_innbygger"
# A source that names Statistics Norway: its figures are CC BY 4.0 and must be credited.
NAMES_SSB = re.compile(r"\bSSB\b|statistisk sentralbyr|statistics norway", re.IGNORECASE)
SSB_CREDIT = "CC BY 4.0. Kilde: Statistisk sentralbyrå"
SYMBOLS = {ValueState.MISSING: "..", ValueState.CONFIDENTIAL: ":", ValueState.NOT_APPLICABLE: "."}
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
        symbol = SYMBOLS.get(state)
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


def everything_published() -> Iterator[list]:
    """Every published figure in the portal, one row each, as last published: for the bulk download.

    Five queries (indicators, municipalities, their numbers, the population, the values), and the
    values are streamed, so memory stays flat however many there are.
    """
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
    yield [
        _("Municipality number"), _("Municipality"), _("Indicator code"), _("Indicator"), _("Year"), _("Value"),
        _("Unit"), _("Per inhabitant"), _("Unit per inhabitant"), _("State"), _("Sample data"), _("Source"),
        _("Licence"),
    ]  # fmt: skip
    values = (
        IndicatorValue.objects.published()
        .order_by("indicator__order", "indicator__code", "municipality_id", "year")
        .values_list(
            "indicator_id",
            "municipality_id",
            "year",
            "published_value",
            "published_state",
            "published_is_sample",
            "published_source",
        )  # fmt: skip
    )
    states = dict(ValueState.choices)
    for indicator_id, municipality_id, year, value, state, is_sample, source in values.iterator(chunk_size=2000):
        indicator, municipality = indicators[indicator_id], municipalities[municipality_id]
        per_inhabitant = (
            indicator.per_inhabitant(value, people.get((municipality_id, year)))
            if indicator.is_per_inhabitant
            else None
        )
        source = source or indicator.source
        yield [
            municipality.kommunenummer,
            municipality.name,
            indicator.code,
            indicator.name,
            year,
            value,
            str(indicator.get_amount_unit_display()) if indicator.is_per_inhabitant else unit_label(indicator),
            per_inhabitant.quantize(Decimal("0.001")) if per_inhabitant is not None else None,
            unit_label(indicator) if indicator.is_per_inhabitant else "",
            str(states.get(state, state)),
            _("yes") if is_sample else "",
            source,
            licence(source, is_sample=is_sample),
        ]


def everything_published_csv() -> StreamingHttpResponse:
    """The bulk download: every published figure as semicolon-separated CSV, streamed."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")

    def lines():
        yield "\ufeff"
        for row in everything_published():
            yield writer.writerow([neutralise(c) if isinstance(c, str) else csv_number(c) for c in row])

    reply = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = 'attachment; filename="livskraft-alle-publiserte-tall.csv"'
    return reply


def response(document: dict, name: str) -> HttpResponse:
    """Send the dataset as a JSON-stat 2.0 attachment called name.json."""
    reply = HttpResponse(jsonstat.dumps(document), content_type="application/json; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return reply
