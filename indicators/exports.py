"""Downloads in JSON-stat 2.0, the format Statistics Norway publishes in, readable by the portal's own importer.

Dimensions as SSB names them: Region (today's municipality number), ContentsCode (the
indicator's code for the figure as stored, i.e. the total amount for a per-inhabitant
indicator, and `<code>.per_innbygger` for the per-inhabitant figure) and Tid (year).
Cells without a number carry SSB's symbols: ".." missing, ":" confidential, "." not applicable.
Only figures the visitor may see are written, each as stored: nothing computed from
other municipalities (such as Fjord before 2020) is included.
"""

from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import jsonstat
from indicators.models import Indicator, ValueState
from livskraft.templatetags.livskraft import DECIMALS_BY_UNIT, decimals_for, unit_label

PER_INHABITANT_SUFFIX = ".per_innbygger"
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


def sources(indicators: list[Indicator]) -> list[str]:
    """The source of each indicator, once each, in order."""
    named = [indicator.source for indicator in indicators if indicator.source]
    return list(dict.fromkeys(named))


def response(document: dict, name: str) -> HttpResponse:
    """Send the dataset as a JSON-stat 2.0 attachment called name.json."""
    reply = HttpResponse(jsonstat.dumps(document), content_type="application/json; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return reply
