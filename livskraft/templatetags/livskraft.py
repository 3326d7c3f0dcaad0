"""Template filters and tags that show numbers and indicator values the Norwegian way."""

import functools
import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html import escape

from django import template
from django.conf import settings
from django.utils import dateformat
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from indicators.models import Unit, ValueState
from livskraft.markup import render_markdown

register = template.Library()

NO_VALUE = "–"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3

# How many decimals a figure in each unit is shown with.
DECIMALS_BY_UNIT = {
    Unit.PERSONS: 0,
    Unit.COUNT: 0,
    Unit.PERCENT: 1,
    Unit.KG: 0,
    Unit.TONNES: 1,
    Unit.TONNES_CO2E: 1,
    Unit.SQUARE_METRES: 0,
    Unit.SQUARE_KILOMETRES: 2,
    Unit.NOK_1000: 0,
}


NORWEGIAN_SEPARATORS = str.maketrans({",": THOUSAND_SEPARATOR, ".": DECIMAL_SEPARATOR})


_QUANTUM = [Decimal(1).scaleb(-decimals) for decimals in range(10)]  # 1, 0.1, 0.01…: what quantize() rounds to


def format_number(value, decimals: int = 0) -> str:
    """Return the number as 1 234,5 (non-breaking space, decimal comma) in every language; None as a dash."""
    if value is None or value == "":
        return NO_VALUE
    if isinstance(value, float):
        if not math.isfinite(value):
            return NO_VALUE
        value = Decimal(repr(value))
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    if not number.is_finite():
        return NO_VALUE
    decimals = max(int(decimals), 0)
    # numberformat cuts off extra decimals; round half up first, as people expect.
    number = number.quantize(_QUANTUM[decimals] if decimals < 10 else Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if number.is_zero():
        number = abs(number)  # never show "-0,0"
    # Python's own grouping, then the Norwegian separators: a tenth of numberformat's cost, the same text.
    return f"{number:,.{decimals}f}".translate(NORWEGIAN_SEPARATORS)


def decimals_for(indicator) -> int:
    """Return how many decimals the indicator's figures are shown with."""
    return DECIMALS_BY_UNIT.get(indicator.unit, 1)


@functools.lru_cache(maxsize=1024)
def _choice_label(choices, value: str, language: str | None) -> str:
    """A choice's label in the language, looked up once: get_FOO_display() costs 0.1 ms, a dashboard asks 5 000 times."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def unit_name(unit: str) -> str:
    return _choice_label(Unit, unit, get_language())


def unit_label(indicator) -> str:
    """Return the unit shown beside the indicator's figures, e.g. "kg per inhabitant"."""
    return _unit_label(indicator.unit, indicator.is_per_inhabitant, get_language())


@functools.lru_cache(maxsize=256)
def _unit_label(unit: str, per_inhabitant: bool, language: str | None) -> str:
    """unit_label() in the active language (the key), translated once per unit and language."""
    name = unit_name(unit)
    return gettext("%(unit)s per inhabitant") % {"unit": name} if per_inhabitant else name


@functools.lru_cache(maxsize=16)
def _cell_words(language: str | None) -> dict[str, str]:
    """value_cell()'s words in the active language (the key), HTML-escaped, translated once per language."""
    return {
        "no_population": escape(gettext("(no published population for the year)")),
        "total": escape(gettext("(total %(amount)s)")),
        "revised": escape(gettext("Revised %(date)s")),
        "sample": escape(gettext("Sample data")),
        "not_published": escape(gettext("not published")),
    }


@register.filter
def number(value, decimals=0):
    """Format a number the Norwegian way: {{ v|number:1 }} gives 1 234,5."""
    try:
        decimals = int(decimals)
    except (TypeError, ValueError):
        decimals = 0
    return format_number(value, decimals)


MINUS = "\u2212"


@register.filter
def signed(value, decimals=0):
    """Format a change with its sign: {{ change|signed:1 }} gives +12,5 or −3,0 (a true minus sign)."""
    if value is None:
        return NO_VALUE
    text = format_number(abs(value), int(decimals))
    if text.strip("0,\xa0") == "":
        return text  # no sign on a change that rounds to zero
    return ("+" if value > 0 else MINUS) + text


@register.filter
def percent(share, decimals=0):
    """Format a share as a signed percentage: {{ 0.125|percent }} gives +13 %."""
    if share is None:
        return NO_VALUE
    return f"{signed(share * 100, decimals)}\xa0%"


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }}: look a key up in a dict, None when it is missing."""
    return mapping.get(key) if mapping else None


@register.filter
def figure(value, indicator):
    """Format a figure with the indicator's decimals, without the unit: {{ v|figure:indicator }} gives 1 234,5."""
    return format_number(value, decimals_for(indicator))


@register.filter
def exact(value):
    """Format a stored figure with the decimals it has, up to six: 12,5 and 1 234, not 12,500000."""
    if value is None:
        return NO_VALUE
    exponent = Decimal(value).normalize().as_tuple().exponent
    return format_number(value, min(max(-exponent, 0), 6) if isinstance(exponent, int) else 0)


@register.filter
def unit(indicator):
    """Return the unit of the indicator's figures, per inhabitant where it is."""
    return unit_label(indicator)


@register.filter
def quantity(value, indicator):
    """Format a figure in the indicator's unit: {{ goal.target_value|quantity:goal.indicator }} gives 375 kg."""
    if value is None:
        return NO_VALUE
    suffix = _unit_suffix(indicator.unit, indicator.is_per_inhabitant, get_language())
    return f"{format_number(value, decimals_for(indicator))}{suffix}"


@functools.lru_cache(maxsize=256)
def _unit_suffix(unit: str, per_inhabitant: bool, language: str | None) -> str:
    """What follows a figure: a non-breaking space and the unit, or nothing for a plain count ("12", not "12 count")."""
    return "" if unit == Unit.COUNT and not per_inhabitant else f"\xa0{_unit_label(unit, per_inhabitant, language)}"


@register.simple_tag
def value_cell(value):
    """Render an IndicatorValue: the figure with its unit, or its state, and a "Sample data" badge.

    Built from strings escaped here rather than an inclusion template or format_html(): a national dashboard has
    a thousand of them, and each of those cost a third of the page's time.
    """
    language = get_language()
    return mark_safe(_cell(value, language, _cell_words(language)))  # noqa: S308 - _cell() escapes every part


@register.simple_tag
def value_rows(points):
    """The rows of a figures table, one per dashboard Point in the order given: the year, and the value's cell
    with a "not published" badge where it is not.

    One call for the whole table: a national dashboard has a thousand rows, and a template loop over them cost
    as much again as the cells themselves.
    """
    language = get_language()
    words = _cell_words(language)
    rows = []
    for point in points:
        badge = (
            f' <span class="badge text-bg-secondary">{words["not_published"]}</span>' if point.is_unpublished else ""
        )
        rows.append(
            f'<tr>\n<th scope="row">{int(point.year)}</th>\n'
            f'<td class="text-end number">{_cell(point.value, language, words)}{badge}</td>\n</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - the year is a number, _cell() escapes every part


@functools.lru_cache(maxsize=256)
def _figure_style(unit: str, per_inhabitant: bool, amount_unit: str, language: str | None) -> tuple:
    """How value cells show an indicator's figures in the language: the decimals and the escaped unit after the
    figure ("" for plain counts), and for figures per inhabitant the decimals and unit of the total beside it."""
    label = escape(_unit_suffix(unit, per_inhabitant, language))
    amount_label = f"\xa0{escape(_choice_label(Unit, amount_unit, language))}"
    return DECIMALS_BY_UNIT.get(unit, 1), label, DECIMALS_BY_UNIT.get(amount_unit, 1), amount_label


def _cell(value, language: str | None, words: dict[str, str]) -> str:
    """value_cell()'s HTML, with every part that is not a constant escaped (a formatted number needs none)."""
    if value is None:
        return "<span>–</span>"
    indicator = value.indicator
    if value.state == ValueState.REPORTED:
        per_inhabitant = indicator.is_per_inhabitant
        decimals, label, amount_decimals, amount_label = _figure_style(
            indicator.unit, per_inhabitant, indicator.amount_unit, language
        )
        shown = value.display_value
        if shown is not None:
            html = f'<span class="figure">{format_number(shown, decimals)}{label}</span>'
        else:
            html = f'<span>–</span> <span class="value-note">{words["no_population"]}</span>'
        if per_inhabitant:
            amount = f"{format_number(value.value, amount_decimals)}{amount_label}"
            html += f' <span class="value-note">{words["total"] % {"amount": amount}}</span>'
    else:
        html = f'<span class="value-state">{escape(_choice_label(ValueState, value.state, language))}</span>'
    revised_at = getattr(value, "revised_at", None)
    if revised_at:
        revised = words["revised"] % {"date": dateformat.format(template_localtime(revised_at), "j.n.Y")}
        reason = getattr(value, "revision_reason", "")
        html += f' <span class="badge text-bg-light revised-badge">{revised}{escape(f": {reason}") if reason else ""}</span>'
    if value.is_sample:
        html += f' <span class="badge text-bg-warning sample-badge">{words["sample"]}</span>'
    return html


@register.filter
def markdown(text):
    """Render a planner's Markdown as sanitised HTML: {{ text|markdown }}; raw HTML in it shows as text."""
    return render_markdown(text)


@register.simple_tag
def languages_in_own_names():
    """Return settings.LANGUAGES as written there: each language in its own name."""
    return settings.LANGUAGES
