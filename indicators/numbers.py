"""Reading numbers the way people type them: `1 234,5` the Norwegian way and `1,234.5` the English way."""

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# Spaces of every kind people and spreadsheets put between thousands, and the apostrophe some use.
GROUPING = re.compile(r"[\s\u00a0\u202f\u2009']")
MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})
# The largest magnitude a value can hold: 14 digits before the decimal point (DecimalField(20, 6)).
LIMIT = Decimal("1e14")
# Units that count or weigh something: a negative figure is a typing error.
NON_NEGATIVE_UNITS = {"persons", "count", "kg", "tonnes", "m2", "km2"}


class NumberError(ValueError):
    pass


def parse_number(text: str) -> Decimal:
    """Return the number in the text, reading either decimal convention.

    With both separators, the last one is the decimal separator (`1.234,5`, `1,234.5`).
    With one kind only: a comma is decimal (`12,5`), as is a single point (`12.5`);
    a separator that occurs more than once groups thousands (`1.234.567`, `1,234,567`).
    """
    cleaned = GROUPING.sub("", text.strip().translate(MINUS_SIGNS))
    if not cleaned:
        raise NumberError("empty")
    commas, points = cleaned.count(","), cleaned.count(".")
    if commas and points:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        if cleaned.count(decimal_mark) > 1:
            raise NumberError(text)
        cleaned = cleaned.replace(grouping, "").replace(decimal_mark, ".")
    elif commas > 1 or points > 1:
        cleaned = cleaned.replace(",", "").replace(".", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise NumberError(text)
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only valid decimals
        raise NumberError(text) from error


def amount_problem(number: Decimal, unit: str) -> str | None:
    """Return why the number cannot be a figure in the unit, or None when it can."""
    if abs(number) >= LIMIT:
        return _("The number is too large.")
    if number < 0 and unit in NON_NEGATIVE_UNITS:
        return _("The number cannot be negative.")
    return None
