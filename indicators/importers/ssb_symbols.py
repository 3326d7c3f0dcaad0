"""SSB's standard table symbols, and the one value state each stands for in the portal.

Statistics Norway marks a table cell without a figure with one of its standard symbols (SSB's
"Standardtegn i tabeller", in English "Symbols in tables"). Every reader of SSB's data takes their meaning
from SYMBOL_STATES below: the 07459 population CSV (ssb_population), JSON-stat tables (ssb_jsonstat, whose
cells carry the symbol as their status) and the national CSV (national_csv, a symbol in place of the figure);
the JSON-stat downloads (indicators.exports) write them from it. So a symbol means the same however it comes in:

=======  ========================================================  ===========================
symbol   SSB's meaning                                             state in the portal
=======  ========================================================  ===========================
``.``    Lar seg ikke føre opp: the category cannot occur          not applicable
``..``   Oppgave mangler: the figure is not available              missing
``...``  Oppgave mangler foreløpig: the figure is not out yet      missing
``:``    Vises ikke av konfidensialitetshensyn: confidential       confidential
``-``    Null: nothing, exactly zero                               reported, with the figure 0
=======  ========================================================  ===========================

``...`` is missing because the portal has no "not yet" state and the figure is indeed not there; the import
after SSB publishes it fills it in. ``-`` is a figure, zero, not an absence. SSB's other marks are not in the
table: ``0`` and ``0,0`` (less than half the unit shown) are figures and are read as numbers; ``*``
(provisional), ``r`` (revised) and the marks for a break in a series qualify a figure rather than replace it.
A cell left empty without a symbol is missing, never zero.
"""

from decimal import Decimal

from indicators.models import ValueState

# SSB's standard symbols for a cell without a figure ("Standardtegn i tabeller"), and the state each becomes.
SYMBOL_STATES = {
    ".": ValueState.NOT_APPLICABLE,  # Lar seg ikke føre opp
    "..": ValueState.MISSING,  # Oppgave mangler
    "...": ValueState.MISSING,  # Oppgave mangler foreløpig
    ":": ValueState.CONFIDENTIAL,  # Vises ikke av konfidensialitetshensyn
    "-": ValueState.REPORTED,  # Null: the figure is zero
}
NIL = Decimal(0)
# The symbol written for each state without a figure: the first one above that reads as it (".." for missing).
STATE_SYMBOLS = {state: symbol for symbol, state in reversed(SYMBOL_STATES.items()) if state != ValueState.REPORTED}


def read_symbol(text: str | None) -> tuple[Decimal | None, str] | None:
    """Return (figure, state) for a cell holding one of SSB's symbols, or None when it holds none.

    The figure is None for every symbol but nil (``-``), which is the figure 0.
    """
    state = SYMBOL_STATES.get((text or "").strip())
    if state is None:
        return None
    return (NIL if state == ValueState.REPORTED else None), state
