"""Numbers read and written: reading what people type (`1 234,5` or `1,234.5`) and writing figures the way the
page's language writes them (`1 234,5` in bokmål and nynorsk, `1,234.5` in English), with each indicator's decimals
and unit labels. The `figures` template-tag library sits on top of this module."""

import functools
import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from indicators.models import Unit

# Spaces of every kind people and spreadsheets put between thousands, and the apostrophe some use.
GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})
# The largest magnitude a value can hold: 14 digits before the decimal point (DecimalField(20, 6)).
LIMIT = Decimal("1e14")
# Units that count or weigh something: a negative figure is a typing error.
NON_NEGATIVE_UNITS = {"persons", "count", "kg", "tonnes", "m2", "km2"}
# A share in per cent is at most the whole. It may be negative: a net operating result in per cent of income can be.
PERCENT_MAX = Decimal(100)


class NumberError(ValueError):
    pass


# A lone comma that groups thousands the English way: 1,234 or -12,345 (not 12,5, 1,2345 or 0,125).
ENGLISH_THOUSANDS = re.compile(r"[-+]?[1-9][0-9]{0,2},[0-9]{3}")
# Digits are 0-9 only: Python's \d and Decimal() would also read Arabic-Indic (١٢٣), full-width and other digits,
# which nobody types into a Norwegian form on purpose and which a spreadsheet never writes.
DIGITS = re.compile(r"[0-9]+")
# How a whole part with thousands grouped is written: one to three digits, then groups of exactly three.
GROUPED = re.compile(r"[0-9]{1,3}(?:[\s\u00a0\u202f\u2009',.][0-9]{3})*")
# The decimals a figure is stored with (DecimalField(20, 6)).
STORED_DECIMALS = 6
_STORED_QUANTUM = Decimal(1).scaleb(-STORED_DECIMALS)


def parse_number(text: str, *, english: bool = False) -> Decimal:
    """Return the number in the text, reading either decimal convention.

    With both separators, the last one is the decimal separator (`1.234,5`, `1,234.5`).
    With one kind only: a comma is decimal (`12,5`), as is a single point (`12.5`);
    a separator that occurs more than once groups thousands (`1.234.567`, `1,234,567`).
    On an English page (english=True) a lone comma before exactly three digits groups thousands, as English
    writes them (`26,100` is 26100); elsewhere it is decimal (`12,5`), whatever the page.
    Thousands are grouped by three, whatever separates them: `12,5.3` and `1 23` are typing errors, not 125.3
    and 123. Only the digits 0-9 are read.
    """
    stripped = text.strip().translate(MINUS_SIGNS)
    sign, body = (stripped[0], stripped[1:].lstrip()) if stripped[:1] in ("-", "+") else ("", stripped)
    cleaned = GROUPING.sub("", body)
    if not cleaned:
        raise NumberError("empty")
    commas, points = cleaned.count(","), cleaned.count(".")
    if commas and points:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        if cleaned.count(decimal_mark) > 1:
            raise NumberError(text)
    elif commas > 1 or points > 1 or (english and ENGLISH_THOUSANDS.fullmatch(cleaned)):
        decimal_mark = None
    else:
        decimal_mark = "," if commas else "."
    whole, _mark, fraction = body.rpartition(decimal_mark) if decimal_mark and decimal_mark in body else (body, "", "")
    whole = whole.strip()
    if whole and not (DIGITS.fullmatch(whole) or GROUPED.fullmatch(whole)):
        raise NumberError(text)
    if (fraction and not DIGITS.fullmatch(fraction)) or not (whole or fraction):
        raise NumberError(text)
    digits = GROUPING.sub("", whole).replace(",", "").replace(".", "") or "0"
    return Decimal(f"{sign}{digits}.{fraction}" if fraction else f"{sign}{digits}")


def precision_problem(number: Decimal) -> str | None:
    """Return why a typed figure cannot be stored as it is: it has more decimals than the portal keeps.

    What people type or write in their spreadsheets is refused rather than rounded, so that 0,0000001 never
    silently becomes 0; official statistics read from the sources' files are rounded to the stored decimals.
    """
    if number != number.quantize(_STORED_QUANTUM):
        return _("Write the figure with at most %(decimals)s decimals; the portal stores no more.") % {
            "decimals": STORED_DECIMALS
        }
    return None


def amount_problem(number: Decimal, unit: str) -> str | None:
    """Return why the number cannot be a figure in the unit, or None when it can."""
    if abs(number) >= LIMIT:
        return _("The number is too large.")
    if number < 0 and unit in NON_NEGATIVE_UNITS:
        return _("The number cannot be negative.")
    if unit == Unit.PERCENT and number > PERCENT_MAX:
        return _("A share cannot be above 100 %. Write it in per cent, e.g. 95,5.")
    return None


# Writing numbers: the Norwegian way (1 234,5) on Norwegian pages, the English way (1,234.5) on English ones.

NO_VALUE = "–"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
# The languages that write 1,234.5; every other (bokmål, nynorsk, none active) writes 1 234,5.
ENGLISH_NUMBERS = frozenset({"en"})

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


def english_numbers(language: str | None = None) -> bool:
    """Whether figures are written 1,234.5 in the language (the active one unless given), not 1 234,5."""
    return (language or get_language()) in ENGLISH_NUMBERS


def format_number(value, decimals: int = 0, language: str | None = None) -> str:
    """Return the number as the language writes it (the active one unless given): 1 234,5 (non-breaking space,
    decimal comma) in Norwegian, 1,234.5 in English; None as a dash."""
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
    # Python's own grouping is the English one; the Norwegian separators replace it. A tenth of numberformat's cost.
    text = f"{number:,.{decimals}f}"
    return text if english_numbers(language) else text.translate(NORWEGIAN_SEPARATORS)


def field_text(value, decimals: int | None = None) -> str:
    """Write a stored figure into a form field as the page writes figures (1 234,5, or 1,234.5 in English), so that
    read_field() reads the same number back. With decimals None, the figure keeps the decimals it has (exact())."""
    if value is None:
        return ""
    return exact(value) if decimals is None else format_number(value, decimals)


def read_field(text: str) -> Decimal:
    """Read what someone typed into a form: parse_number() the way the page's language writes figures."""
    return parse_number(text, english=english_numbers())


def chart_separators(language: str | None = None) -> str:
    """plotly's `separators` layout property for the language: the decimal mark, then the thousands separator."""
    return ".," if english_numbers(language) else ", "


def decimals_for(indicator) -> int:
    """Return how many decimals the indicator's figures are shown with."""
    return DECIMALS_BY_UNIT.get(indicator.unit, 1)


@functools.lru_cache(maxsize=1024)
def choice_label(choices, value: str, language: str | None) -> str:
    """A choice's label in the language, looked up once: get_FOO_display() costs 0.1 ms, a dashboard asks 5 000 times."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def unit_name(unit: str) -> str:
    return choice_label(Unit, unit, get_language())


def unit_label(indicator) -> str:
    """Return the unit shown beside the indicator's figures, e.g. "kg per inhabitant"."""
    return _unit_label(indicator.unit, indicator.is_per_inhabitant, get_language())


@functools.lru_cache(maxsize=256)
def _unit_label(unit: str, per_inhabitant: bool, language: str | None) -> str:
    """unit_label() in the active language (the key), translated once per unit and language."""
    name = unit_name(unit)
    return gettext("%(unit)s per inhabitant") % {"unit": name} if per_inhabitant else name


MINUS = "\u2212"


def signed(value, decimals=0) -> str:
    """Format a change with its sign: +12,5 or −3,0 (a true minus sign); no sign on a change that rounds to zero."""
    if value is None:
        return NO_VALUE
    text = format_number(abs(value), int(decimals))
    if text.strip("0,.\xa0") == "":
        return text
    return ("+" if value > 0 else MINUS) + text


def percent_sign() -> str:
    """What follows a percentage: " %" with a non-breaking space the Norwegian way, "%" in English."""
    return "%" if english_numbers() else "\xa0%"


def percent(share, decimals=0) -> str:
    """Format a share as a signed percentage: 0.125 gives +13 % (+13% in English)."""
    if share is None:
        return NO_VALUE
    return f"{signed(share * 100, decimals)}{percent_sign()}"


def exact(value) -> str:
    """Format a stored figure with the decimals it has, up to six: 12,5 and 1 234, not 12,500000."""
    if value is None:
        return NO_VALUE
    exponent = Decimal(value).normalize().as_tuple().exponent
    return format_number(value, min(max(-exponent, 0), 6) if isinstance(exponent, int) else 0)


def quantity(value, indicator) -> str:
    """Format a figure in the indicator's unit: 375 kg per inhabitant; a plain count has no unit after it."""
    if value is None:
        return NO_VALUE
    suffix = unit_suffix(indicator.unit, indicator.is_per_inhabitant, get_language())
    return f"{format_number(value, decimals_for(indicator))}{suffix}"


@functools.lru_cache(maxsize=256)
def unit_suffix(unit: str, per_inhabitant: bool, language: str | None) -> str:
    """What follows a figure: a non-breaking space and the unit, or nothing for a plain count ("12", not "12 count")."""
    return "" if unit == Unit.COUNT and not per_inhabitant else f"\xa0{_unit_label(unit, per_inhabitant, language)}"


def year_spans(years) -> str:
    """Years as spans: [2009, 2011, 2012, 2013] gives "2009, 2011–2013"."""
    spans: list[list[int]] = []
    for year in sorted(set(years)):
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)
