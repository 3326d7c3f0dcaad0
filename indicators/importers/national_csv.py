"""A national CSV of indicator values: every municipality, indicator and year of the country in one file.

The columns are those of the planners' import template (spreadsheet.py), separated by semicolons:
kommunenummer;indikator;år;verdi;tilstand. The municipality number is the one in force on 1 January of
the year, so a figure under an old number lands on the municipality that had it then; verdi is the figure
as stored (the total amount for a per-inhabitant indicator), either decimal convention; tilstand is empty
for a figure, else mangler, ikke relevant or skjermet. With tilstand empty, verdi may hold one of SSB's symbols
instead of a figure, read as indicators.importers.ssb_symbols says (.. mangler, . ikke relevant, : skjermet, - zero).

read_national_csv() checks every row and returns every problem at once, or the values to store;
apply_national() stores them, indicator by indicator through services.apply_values(), in one transaction.
Nothing is written unless the whole file is valid, and then all of it is; on PostgreSQL apply_values() writes
the new values of a large file with COPY (see the README's "Benchmark at national scale").
write_published_csv() writes every published figure in this format, so a copy of the portal's published data
can be imported again.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.importers.base import MAX_PROBLEMS, CodeTable, ImportRejected, Problem, read_csv
from indicators.importers.spreadsheet import COLUMNS, STATE_NAMES, STATES, csv_number
from indicators.importers.ssb_symbols import read_symbol
from indicators.models import (
    FIRST_YEAR,
    SOURCE_LENGTH,
    Indicator,
    IndicatorValue,
    MunicipalityCode,
    ValueState,
)
from indicators.numbers import NumberError, amount_problem, parse_number, precision_problem
from indicators.services import ApplyResult, ProposedValue, apply_values

HEADER = ["kommunenummer", "indikator", "år", "verdi", "tilstand"]
REQUIRED = ["kommunenummer", "indikator", "år", "verdi"]
SIX_PLACES = Decimal("0.000001")


@dataclass
class NationalImport:
    """A checked national file: the values to store, grouped by indicator."""

    filename: str
    rows: int = 0
    indicators: dict[int, Indicator] = field(default_factory=dict)
    by_indicator: dict[int, list[ProposedValue]] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return (_("National CSV %(file)s") % {"file": self.filename})[:SOURCE_LENGTH]


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    limit = settings.LIVSKRAFT_MAX_NATIONAL_CSV_BYTES
    if len(data) > limit:
        raise ImportRejected([Problem(_("The file is larger than %(mb)s MB.") % {"mb": limit // 2**20})])
    if data.startswith(b"PK\x03\x04"):
        raise ImportRejected([Problem(_("This is a spreadsheet or zip file, not a CSV file."))])
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _columns(header: list[str]) -> dict[str, int]:
    names = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for index, cell in enumerate(header):
        column = names.get(cell.strip().lower().lstrip("\ufeff"))
        if column and column not in found:
            found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ImportRejected(
            [Problem(_("The header lacks the column(s) %(names)s.") % {"names": ", ".join(missing)}, 1)]
        )
    return found


def read_national_csv(data: bytes, filename: str, *, last_year: int | None = None) -> NationalImport:
    """Check every row of the file; return the values to store, or raise ImportRejected listing the problems.

    Each row must name a municipality number in force on 1 January of its year, a known indicator, a year from
    FIRST_YEAR to last_year (default this year) and a figure, or a state without one; no municipality,
    indicator and year may appear twice. Three queries, however long the file.
    """
    last_year = timezone.localdate().year if last_year is None else last_year
    text = _decode(data)
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = max((";", "\t", ","), key=first_line.count)
    reader = read_csv(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = next(reader, (1, []))[1]
    columns = _columns(header)
    c_code, c_indicator, c_year, c_value = (columns[c] for c in REQUIRED)
    c_state = columns.get("tilstand")
    width = max(columns.values()) + 1

    indicators = {i.code: i for i in Indicator.objects.all()}
    codes = CodeTable()
    municipality_of: dict[tuple[str, int], int | None] = {}
    checked = NationalImport(filename=filename)
    problems: list[Problem] = []
    problem_count = 0
    seen: dict[tuple[int, int, int], int] = {}

    def problem(message: str, line: int, column: str = "") -> None:
        nonlocal problem_count
        problem_count += 1
        if len(problems) < MAX_PROBLEMS:
            problems.append(Problem(message, line, column))

    for line, cells in reader:
        if len(cells) < width:
            if not any(c.strip() for c in cells):
                continue
            cells = cells + [""] * (width - len(cells))
        before = problem_count
        code = cells[c_code].strip()
        if len(code) == 3 and code.isdigit():
            code = f"0{code}"  # a spreadsheet drops the leading zero of 0301
        year_text = cells[c_year].strip()
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not FIRST_YEAR <= year <= last_year:
            problem(
                _("“%(year)s” is not a year between %(first)s and %(last)s.")
                % {"year": year_text, "first": FIRST_YEAR, "last": last_year},
                line,
                "år",
            )
        municipality_id = None
        if not (len(code) == 4 and code.isdigit()):
            problem(_("“%(code)s” is not a municipality number.") % {"code": code}, line, "kommunenummer")
        elif year is not None:
            key = (code, year)
            if key not in municipality_of:
                municipality_of[key] = codes.municipality_id(code, year)
            municipality_id = municipality_of[key]
            if municipality_id is None:
                problem(
                    _("No municipality had the number %(code)s in %(year)s.") % {"code": code, "year": year},
                    line,
                    "kommunenummer",
                )
        indicator = indicators.get(cells[c_indicator].strip().lower())
        if indicator is None:
            problem(_("“%(code)s” is not an indicator code.") % {"code": cells[c_indicator].strip()}, line, "indikator")
        value_text = cells[c_value].strip()
        state_text = cells[c_state].strip().lower() if c_state is not None else ""
        state = STATES.get(state_text)
        symbol = None if state_text else read_symbol(value_text)
        if symbol is not None:
            figure, state = symbol
            value_text = "" if figure is None else str(figure)
        value = None
        if state is None:
            problem(
                _("“%(state)s” is not a state; leave it empty or write mangler, ikke relevant or skjermet.")
                % {"state": state_text},
                line,
                "tilstand",
            )
        elif state == ValueState.REPORTED:
            if not value_text:
                problem(_("The value is empty; write the figure, or a state without one."), line, "verdi")
            else:
                try:
                    value = parse_number(value_text)
                except NumberError:
                    problem(_("“%(text)s” is not a number.") % {"text": value_text}, line, "verdi")
                else:
                    reason = amount_problem(value, indicator.entry_unit if indicator else "") or precision_problem(
                        value
                    )
                    if reason:
                        problem(reason, line, "verdi")
        elif value_text:
            problem(_("Leave the value empty when the state says there is no figure."), line, "verdi")
        if municipality_id and indicator and year:
            key = (municipality_id, indicator.pk, year)
            first = seen.setdefault(key, line)
            if first != line:
                problem(
                    _("The same municipality, indicator and year appear twice (first on line %(first)s).")
                    % {"first": first},
                    line,
                )
        if problem_count == before:
            checked.indicators[indicator.pk] = indicator
            checked.by_indicator.setdefault(indicator.pk, []).append(
                ProposedValue(
                    municipality_id=municipality_id,
                    year=year,
                    value=value.quantize(SIX_PLACES) if value is not None else None,
                    state=state,
                    indicator_id=indicator.pk,
                )
            )
            checked.rows += 1
    if problem_count:
        if problem_count > len(problems):
            problems.append(Problem(_("… and %(more)s more problems.") % {"more": problem_count - len(problems)}))
        raise ImportRejected(problems)
    if not checked.rows:
        raise ImportRejected([Problem(_("The file has a header but no rows."))])
    return checked


def apply_national(checked: NationalImport, *, user, reason: str | None = None) -> ApplyResult:
    """Store the checked file's values as drafts, indicator by indicator, all in one transaction."""
    reason = reason or _("Imported from the national file %(file)s") % {"file": checked.filename}
    with transaction.atomic():
        return ApplyResult.total(
            apply_values(
                indicator=checked.indicators[indicator_id],
                proposed=proposed,
                user=user,
                source=checked.source,
                reason=reason,
            )
            for indicator_id, proposed in checked.by_indicator.items()
        )


def _code_finder():
    """Return code(municipality_id, year): the number in force on 1 January, else the municipality's last."""
    periods: dict[int, list[tuple[datetime.date, datetime.date | None, str]]] = {}
    for municipality_id, code, valid_from, valid_to in MunicipalityCode.objects.order_by("valid_from").values_list(
        "municipality_id", "code", "valid_from", "valid_to"
    ):
        periods.setdefault(municipality_id, []).append((valid_from, valid_to, code))
    found: dict[tuple[int, int], str] = {}

    def code(municipality_id: int, year: int) -> str:
        key = (municipality_id, year)
        if key not in found:
            day = datetime.date(year, 1, 1)
            own = periods.get(municipality_id, [])
            match = [c for start, end, c in own if start <= day and (end is None or day <= end)]
            found[key] = match[0] if match else (own[-1][2] if own else "")
        return found[key]

    return code


def published_rows(values=None) -> Iterable[list[str]]:
    """Every published figure (of the values, default all) as last published, as rows of the national file."""
    values = IndicatorValue.objects.published() if values is None else values.published()
    code = _code_finder()
    rows = values.order_by("indicator__order", "indicator__code", "municipality_id", "year").values_list(
        "indicator__code", "municipality_id", "year", "published_value", "published_state"
    )
    for indicator_code, municipality_id, year, value, state in rows.iterator(chunk_size=5000):
        yield [code(municipality_id, year), indicator_code, str(year), csv_number(value), STATE_NAMES.get(state, "")]


def write_published_csv(target, values=None) -> int:
    """Write the header and every published figure to the text file target; return how many rows."""
    writer = csv.writer(target, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for row in published_rows(values):
        writer.writerow(row)
        count += 1
    return count
