"""Template filters and tags that show figures and indicator values as the page's language writes them (1 234,5
in Norwegian, 1,234.5 in English): {% load figures %}.

The formatting itself lives in indicators/numbers.py; this module registers it for templates and renders a
value's cell (figure, unit, state and badges) as HTML.
"""

import datetime
import functools
from html import escape

from django import template
from django.utils import dateformat
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext

from indicators import numbers
from indicators.models import Unit, ValueState
from indicators.numbers import DECIMALS_BY_UNIT, choice_label, decimals_for, format_number, unit_label, unit_suffix

register = template.Library()


@register.filter
def number(value, decimals=0):
    """Format a number as the page's language writes it: {{ v|number:1 }} gives 1 234,5 (1,234.5 in English)."""
    try:
        decimals = int(decimals)
    except (TypeError, ValueError):
        decimals = 0
    return format_number(value, decimals)


@register.filter
def signed(value, decimals=0):
    """Format a change with its sign: {{ change|signed:1 }} gives +12,5 or −3,0 (a true minus sign)."""
    return numbers.signed(value, decimals)


@register.filter
def percent(share, decimals=0):
    """Format a share as a signed percentage: {{ 0.125|percent }} gives +13 %."""
    return numbers.percent(share, decimals)


@register.filter
def figure(value, indicator):
    """Format a figure with the indicator's decimals, without the unit: {{ v|figure:indicator }} gives 1 234,5."""
    return format_number(value, decimals_for(indicator))


@register.filter
def exact(value):
    """Format a stored figure with the decimals it has, up to six: 12,5 and 1 234, not 12,500000."""
    return numbers.exact(value)


@register.filter
def unit(indicator):
    """Return the unit of the indicator's figures, per inhabitant where it is."""
    return unit_label(indicator)


@register.filter
def quantity(value, indicator):
    """Format a figure in the indicator's unit: {{ goal.target_value|quantity:goal.indicator }} gives 375 kg."""
    return numbers.quantity(value, indicator)


@functools.lru_cache(maxsize=16)
def _cell_words(language: str | None) -> dict[str, str]:
    """value_cell()'s words in the active language (the key), HTML-escaped, translated once per language."""
    return {
        "no_population": escape(gettext("(no published population for the year)")),
        "total": escape(gettext("(total %(amount)s)")),
        "revised": escape(gettext("Revised %(date)s")),
        "revised_by_source": escape(gettext("Revised by the source %(date)s")),
        "series_break": escape(gettext("Series break: not comparable with earlier years")),
        "sample": escape(gettext("Sample data")),
        "not_published": escape(gettext("not published")),
        # The marker of a sample figure in a table whose caption explains it once; words for a screen reader.
        "sample_mark": (
            '<span class="sample-mark" aria-hidden="true">*</span>'
            f'<span class="visually-hidden"> ({escape(gettext("sample data"))})</span>'
        ),
    }


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
    """The rows of a figures table, one per dashboard Point in the order given: the year, the figure, and for
    figures per inhabitant the total in a column of its own. The units are in the column headers
    (includes/_value_table.html), not after each figure; sample data has a marker (*) in its cell, which the
    table's caption explains once; a figure not yet published has a "not published" badge.

    One call for the whole table: a national dashboard has a thousand rows, and a template loop over them cost
    as much again as the cells themselves.
    """
    language = get_language()
    words = _cell_words(language)
    rows = []
    for point in points:
        value = point.value
        badge = (
            f' <span class="badge text-bg-secondary">{words["not_published"]}</span>' if point.is_unpublished else ""
        )
        figure, total = _row_cells(value, language, words)
        rows.append(
            f'<tr>\n<th scope="row">{int(point.year)}</th>\n'
            f'<td class="text-end number">{figure}{badge}</td>\n{total}</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - the year is a number, _row_cells() escapes every part


@register.filter
def has_sample(points) -> bool:
    """Whether any of the Points is sample data: the table then explains its marker once, in its caption."""
    return any(point.value.is_sample for point in points)


@register.filter
def amount_unit(indicator) -> str:
    """The unit of a per-inhabitant indicator's total, e.g. "tonnes"."""
    return choice_label(Unit, indicator.amount_unit, get_language())


def _row_cells(value, language: str | None, words: dict[str, str]) -> tuple[str, str]:
    """value_rows()'s figure cell contents and, for figures per inhabitant, the whole total cell; no units."""
    indicator = value.indicator
    per_inhabitant = indicator.is_per_inhabitant
    decimals, _label, amount_decimals, _amount_label = _figure_style(
        indicator.unit, per_inhabitant, indicator.amount_unit, language
    )
    total = ""
    if value.state == ValueState.REPORTED:
        shown = value.display_value
        if shown is not None:
            html = f'<span class="figure">{format_number(shown, decimals)}</span>'
        else:
            html = f'<span>–</span> <span class="value-note">{words["no_population"]}</span>'
        if per_inhabitant:
            total = f'<td class="text-end number">{format_number(value.value, amount_decimals)}</td>\n'
    else:
        html = f'<span class="value-state">{escape(choice_label(ValueState, value.state, language))}</span>'
        if per_inhabitant:
            total = '<td class="text-end number">–</td>\n'
    if value.is_sample:
        html += words["sample_mark"]
    html += _revised_badge(value, words)
    return html, total


def _revised_badge(value, words: dict[str, str]) -> str:
    """The badge of a figure that starts a new series, and the badge "Revised <date>: <reason>" of a published figure
    revised after publication ("Revised by the source <date>" for official statistics); or nothing."""
    html = ""
    if getattr(value, "series_break", False):
        html = f' <span class="badge text-bg-light series-break-badge">{words["series_break"]}</span>'
    revised_at = getattr(value, "revised_at", None)
    if revised_at:
        date = {"date": dateformat.format(template_localtime(revised_at), "j.n.Y")}
        if getattr(value, "is_official", False):
            text = words["revised_by_source"] % date
        else:
            reason = getattr(value, "revision_reason", "")
            text = words["revised"] % date + (escape(f": {reason}") if reason else "")
        html += f' <span class="badge text-bg-light revised-badge">{text}</span>'
    return html


@functools.lru_cache(maxsize=256)
def _figure_style(unit: str, per_inhabitant: bool, amount_unit: str, language: str | None) -> tuple:
    """How value cells show an indicator's figures in the language: the decimals and the escaped unit after the
    figure ("" for plain counts), and for figures per inhabitant the decimals and unit of the total beside it."""
    label = escape(unit_suffix(unit, per_inhabitant, language))
    amount_label = f"\xa0{escape(choice_label(Unit, amount_unit, language))}"
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
            html = f'<span class="figure">{format_number(shown, decimals, language)}{label}</span>'
        else:
            html = f'<span>–</span> <span class="value-note">{words["no_population"]}</span>'
        if per_inhabitant:
            amount = f"{format_number(value.value, amount_decimals, language)}{amount_label}"
            html += f' <span class="value-note">{words["total"] % {"amount": amount}}</span>'
    else:
        html = f'<span class="value-state">{escape(choice_label(ValueState, value.state, language))}</span>'
    html += _revised_badge(value, words)
    if value.is_sample:
        html += f' <span class="badge text-bg-warning sample-badge">{words["sample"]}</span>'
    return html


@register.filter
def iso_date(text):
    """Write a source's ISO 8601 time stamp ("2024-02-21T07:00:00Z") as a date in the page's format (21.2.2024);
    anything else is returned as it is."""
    try:
        when = datetime.datetime.fromisoformat(str(text))
    except ValueError:
        return text
    return dateformat.format(when.date(), "j.n.Y")
