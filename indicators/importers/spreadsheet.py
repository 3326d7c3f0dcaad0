"""Planners' spreadsheets: one row per municipality, indicator and year, as CSV or XLSX.

read_values() checks the whole file and returns every problem at once, or the
values to store; nothing is written here. export_rows() writes the same layout,
with text that a spreadsheet would run as a formula neutralised.
"""

import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from indicators.importers.base import CodeTable, ImportRejected, Problem, decode_text
from indicators.models import FIRST_YEAR, Indicator, ValueState
from indicators.numbers import NumberError, amount_problem, parse_number

# The columns, as the template names them, and the other names a planner's file may use.
COLUMNS = {
    "kommunenummer": {"kommunenummer", "kommunenr", "municipality number", "municipality", "kommune"},
    "indikator": {"indikator", "indicator"},
    "år": {"år", "aar", "ar", "year"},
    "verdi": {"verdi", "value", "figure", "tal", "tall"},
    "tilstand": {"tilstand", "state"},
    "kommentar": {"kommentar", "comment"},
}
REQUIRED = ["kommunenummer", "indikator", "år", "verdi"]
STATES = {
    "": ValueState.REPORTED,
    "rapportert": ValueState.REPORTED,
    "reported": ValueState.REPORTED,
    "mangler": ValueState.MISSING,
    "manglar": ValueState.MISSING,
    "missing": ValueState.MISSING,
    "ikke relevant": ValueState.NOT_APPLICABLE,
    "ikkje relevant": ValueState.NOT_APPLICABLE,
    "not applicable": ValueState.NOT_APPLICABLE,
    "skjermet": ValueState.CONFIDENTIAL,
    "skjerma": ValueState.CONFIDENTIAL,
    "konfidensiell": ValueState.CONFIDENTIAL,
    "confidential": ValueState.CONFIDENTIAL,
}
# The name the template writes for each state without a figure.
STATE_NAMES = {
    ValueState.MISSING: "mangler",
    ValueState.NOT_APPLICABLE: "ikke relevant",
    ValueState.CONFIDENTIAL: "skjermet",
}
MAX_ROWS = 50_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Row:
    """One valid row of the file, ready to store."""

    line: int
    municipality_id: int
    municipality_code: str
    indicator: Indicator
    year: int
    value: Decimal | None
    state: str
    comment: str

    @property
    def state_label(self) -> str:
        return ValueState(self.state).label


def _cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        # Excel stores 12.5 as a float; repr keeps the digits the planner typed.
        text = repr(cell)
        return text[:-2] if text.endswith(".0") else text
    return str(cell).strip()


def read_cells(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """Return the file's non-empty rows as (line, cells), header first."""
    if not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    if len(data) > settings.LIVSKRAFT_MAX_UPLOAD_BYTES:
        raise ImportRejected([Problem(_("The file is larger than %(mb)s MB.") % {"mb": _mb()})])
    if data.startswith(b"PK\x03\x04"):
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError):
            raise ImportRejected(
                [Problem(_("The file could not be read as an XLSX spreadsheet. Save it as XLSX or CSV and try again."))]
            ) from None
        sheet = workbook.worksheets[0]
        rows = [
            (line, [_cell_text(c) for c in cells])
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(c not in (None, "") for c in cells)
        ]
        workbook.close()
        return rows
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRejected(
            [Problem(_("The file is called .xlsx but is not a spreadsheet. Save it as XLSX or CSV and try again."))]
        )
    text = decode_text(data, max_bytes=settings.LIVSKRAFT_MAX_UPLOAD_BYTES)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(("\t", ";", ","), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(line, [c.strip() for c in cells]) for line, cells in enumerate(reader, start=1) if any(cells)]


def _mb() -> int:
    return settings.LIVSKRAFT_MAX_UPLOAD_BYTES // 2**20


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        normalised = name.strip().lower()
        for column, aliases in COLUMNS.items():
            if normalised in aliases and column not in found:
                found[column] = index
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ImportRejected(
            [
                Problem(
                    _("The file has no column “%(column)s”. The first row must name the columns: %(columns)s.")
                    % {"column": column, "columns": ", ".join(COLUMNS)}
                )
                for column in missing
            ]
        )
    return found


def read_values(data: bytes, filename: str, *, may_enter, last_year: int) -> list[Row]:
    """Check the whole file; return its rows, or raise ImportRejected listing every problem found.

    may_enter(municipality_id) says whether the user may enter values for the municipality.
    """
    rows = read_cells(data, filename)
    if len(rows) < 2:
        raise ImportRejected([Problem(_("The file has a header but no rows."))])
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected([Problem(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})])
    header_line, header = rows[0]
    columns = _columns(header)
    indicators = {i.code: i for i in Indicator.objects.all()}
    codes = CodeTable()
    problems: list[Problem] = []
    found: list[Row] = []
    first_line_of: dict[tuple, int] = {}

    for line, cells in rows[1:]:

        def cell(column: str, cells=cells) -> str:
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        before = len(problems)
        code = cell("kommunenummer").upper().removeprefix("K-").split(" ")[0]
        if code.isdigit() and len(code) == 3:
            code = f"0{code}"  # a spreadsheet drops the leading zero of 0301
        year_text = cell("år")
        year = int(year_text) if year_text.isdigit() else None
        if year is None or not FIRST_YEAR <= year <= last_year:
            problems.append(
                Problem(
                    _("“%(year)s” is not a year between %(first)s and %(last)s.")
                    % {"year": year_text, "first": FIRST_YEAR, "last": last_year},
                    line,
                    "år",
                )
            )
        municipality_id = None
        if not (code.isdigit() and len(code) == 4):
            problems.append(
                Problem(_("“%(code)s” is not a municipality number.") % {"code": code}, line, "kommunenummer")
            )
        elif year is not None:
            municipality_id = codes.municipality_id(code, year, strict=True)
            if municipality_id is None:
                problems.append(
                    Problem(
                        _("No municipality had the number %(code)s in %(year)s.") % {"code": code, "year": year},
                        line,
                        "kommunenummer",
                    )
                )
            elif not may_enter(municipality_id):
                problems.append(
                    Problem(
                        _("You may not enter values for municipality %(code)s.") % {"code": code},
                        line,
                        "kommunenummer",
                    )
                )
        indicator = indicators.get(cell("indikator").lower())
        if indicator is None:
            problems.append(
                Problem(
                    _("“%(code)s” is not an indicator code; the template lists the codes.")
                    % {"code": cell("indikator")},
                    line,
                    "indikator",
                )
            )
        state = STATES.get(cell("tilstand").lower())
        if state is None:
            problems.append(
                Problem(
                    _("“%(state)s” is not a state; leave it empty or write mangler, ikke relevant or skjermet.")
                    % {"state": cell("tilstand")},
                    line,
                    "tilstand",
                )
            )
        value = None
        value_text = cell("verdi")
        if value_text:
            try:
                value = parse_number(value_text)
            except NumberError:
                problems.append(Problem(_("“%(text)s” is not a number.") % {"text": value_text}, line, "verdi"))
            else:
                problem = amount_problem(value, indicator.entry_unit if indicator else "")
                if problem:
                    problems.append(Problem(problem, line, "verdi"))
        if state == ValueState.REPORTED and value is None and not value_text:
            problems.append(
                Problem(
                    _("The value is empty; write the figure, or mangler, ikke relevant or skjermet under tilstand."),
                    line,
                    "verdi",
                )
            )
        if state not in (None, ValueState.REPORTED) and value_text:
            problems.append(Problem(_("Leave the value empty when the state says there is no figure."), line, "verdi"))
        if municipality_id and indicator and year:
            key = (municipality_id, indicator.pk, year)
            if key in first_line_of:
                problems.append(
                    Problem(
                        _("The same municipality, indicator and year appear twice (first on line %(first)s).")
                        % {"first": first_line_of[key]},
                        line,
                    )
                )
            first_line_of.setdefault(key, line)
        if len(problems) == before:
            found.append(
                Row(
                    line=line,
                    municipality_id=municipality_id,
                    municipality_code=code,
                    indicator=indicator,
                    year=year,
                    value=value.quantize(Decimal("0.000001")) if value is not None else None,
                    state=state,
                    comment=cell("kommentar")[:2000],
                )
            )
    if problems:
        raise ImportRejected(problems)
    return found


def neutralise(text: str) -> str:
    """Keep a spreadsheet from running text as a formula: prefix it with an apostrophe."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def export_csv(rows: list[list]) -> str:
    """Write rows (header first) as semicolon-separated CSV that Excel in Norway opens as columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(c) if isinstance(c, str) else csv_number(c) for c in row])
    return "\ufeff" + out.getvalue()


def csv_number(value) -> str:
    if value is None:
        return ""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def export_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(
            [neutralise(c) if isinstance(c, str) else (float(c) if isinstance(c, Decimal) else c) for c in row]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def download_response(rows: list[list], name: str, fmt: str) -> HttpResponse:
    """Send rows (header first) as a CSV or XLSX attachment called name.fmt."""
    if fmt == "xlsx":
        response = HttpResponse(
            export_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
