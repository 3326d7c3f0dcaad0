"""Planners' spreadsheets: one row per municipality, indicator and year, as CSV or XLSX.

read_values() checks the whole file and returns every problem at once, or the
values to store; nothing is written here. export_csv() and export_xlsx() write the same layout,
with text that a spreadsheet would run as a formula neutralised; template_xlsx() writes the
planner's template: the figures sheet first (the sheet read_values() reads), its
instructions on a second sheet, and a list to choose the state from.
"""

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.importers.base import CodeTable, ImportRejected, Problem, decode_text, read_csv
from indicators.importers.workbook import is_workbook, read_workbook
from indicators.models import FIRST_YEAR, Indicator, ValueState
from indicators.numbers import NumberError, amount_problem, parse_number, precision_problem

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
# The name the template writes for each state without a figure, in the planner's language; STATES reads them all.
STATE_NAMES_BY_LANGUAGE = {
    "nb": {
        ValueState.MISSING: "mangler",
        ValueState.NOT_APPLICABLE: "ikke relevant",
        ValueState.CONFIDENTIAL: "skjermet",
    },
    "nn": {
        ValueState.MISSING: "manglar",
        ValueState.NOT_APPLICABLE: "ikkje relevant",
        ValueState.CONFIDENTIAL: "skjerma",
    },
    "en": {
        ValueState.MISSING: "missing",
        ValueState.NOT_APPLICABLE: "not applicable",
        ValueState.CONFIDENTIAL: "confidential",
    },
}
STATE_NAMES = STATE_NAMES_BY_LANGUAGE["nb"]
# The template's columns: those read_values() reads, and two (indikatornavn, enhet) that only tell the planner what
# each row is; the reader passes over columns it does not know, so templates with or without them are read alike.
TEMPLATE_COLUMNS = ["kommunenummer", "indikator", "indikatornavn", "enhet", "år", "verdi", "tilstand", "kommentar"]
INFORMATIVE_COLUMNS = {"indikatornavn", "enhet"}
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
        # Excel stores 12.5 as a float; repr keeps the digits the planner typed, and "f" writes 1e-07 as 0.0000001,
        # so that a figure too small to store is refused as such rather than as no number at all.
        text = format(Decimal(repr(cell)), "f")
        return text[:-2] if text.endswith(".0") else text
    return str(cell).strip()


def read_cells(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """Return the file's non-empty rows as (line, cells), header first."""
    if not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    if len(data) > settings.LIVSKRAFT_MAX_UPLOAD_BYTES:
        raise ImportRejected([Problem(_("The file is larger than %(mb)s MB.") % {"mb": _mb()})])
    if is_workbook(data):
        sheets = read_workbook(data, filename, first_only=True)
        if not sheets:
            return []
        return [(line, [_cell_text(c) for c in cells]) for line, cells in sheets[0].non_empty_rows()]
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportRejected(
            [Problem(_("The file is called .xlsx but is not a spreadsheet. Save it as XLSX or CSV and try again."))]
        )
    text = decode_text(data, max_bytes=settings.LIVSKRAFT_MAX_UPLOAD_BYTES)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(("\t", ";", ","), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [(line, [c.strip() for c in cells]) for line, cells in read_csv(reader) if any(cells)]


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
            municipality_id = codes.municipality_id(code, year)
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
                problem = amount_problem(value, indicator.entry_unit if indicator else "") or precision_problem(value)
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


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(rows: list[list], name: str, fmt: str) -> HttpResponse:
    """Send rows (header first) as a CSV or XLSX attachment called name.fmt."""
    if fmt == "xlsx":
        response = HttpResponse(export_xlsx(rows), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(export_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@dataclass
class Template:
    """A planner's template, in her language: the figures (TEMPLATE_COLUMNS, header first) and how to fill them in."""

    title: str  # the figures sheet's name, e.g. "Tall 2025"
    rows: list[list]
    instructions_title: str  # the instructions sheet's name, e.g. "Veiledning"
    instructions: list[str] = field(default_factory=list)  # one paragraph a row, the first a heading
    states: list[str] = field(default_factory=list)  # what the tilstand column's list offers
    state_prompt: str = ""  # shown when the tilstand cell is chosen
    state_error: str = ""  # shown when something else is typed there


GREY = PatternFill("solid", fgColor="EEEEEE")  # the columns that only inform: black text on it is 18:1
WIDTHS = {"kommunenummer": 15, "indikator": 24, "indikatornavn": 40, "enhet": 40, "år": 7, "verdi": 14}


def template_xlsx(template: Template) -> bytes:
    """Write the template as a workbook: the figures sheet first, the instructions second."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(template.title)
    header = template.rows[0]
    for row in template.rows:
        sheet.append(
            [neutralise(c) if isinstance(c, str) else (float(c) if isinstance(c, Decimal) else c) for c in row]
        )
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(name, 28)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        if name in INFORMATIVE_COLUMNS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.fill = GREY
    if "tilstand" in header and template.states and len(template.rows) > 1:
        letter = get_column_letter(header.index("tilstand") + 1)
        # A list to choose from; a blank cell means the figure is reported.
        choices = DataValidation(
            type="list",
            formula1='"' + ",".join(template.states) + '"',
            allow_blank=True,
            showErrorMessage=True,
            showInputMessage=bool(template.state_prompt),
            errorTitle=template.title[:32],
            error=template.state_error[:255],
            promptTitle="tilstand",
            prompt=template.state_prompt[:255],
        )
        choices.add(f"{letter}2:{letter}{len(template.rows)}")
        sheet.add_data_validation(choices)
    guide = workbook.create_sheet(sheet_name(template.instructions_title))
    guide.column_dimensions["A"].width = 100
    for number, paragraph in enumerate(template.instructions, start=1):
        cell = guide.cell(row=number, column=1, value=neutralise(paragraph))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def sheet_name(title: str) -> str:
    """Return the title as a worksheet may be named: at most 31 characters, none of []:*?/\\."""
    return "".join(" " if c in "[]:*?/\\" else c for c in title)[:31].strip() or "Sheet"


def template_response(template: Template, name: str, fmt: str) -> HttpResponse:
    """Send the template as name.xlsx (with its instructions and list), or as name.csv (the figures only)."""
    if fmt == "xlsx":
        response = HttpResponse(template_xlsx(template), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(export_csv(template.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
