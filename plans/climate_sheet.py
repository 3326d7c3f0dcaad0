"""The measures spreadsheet of a climate budget: one row per measure, written as an XLSX template and read back.

template_xlsx() writes the budget's measures with their yearly cuts and result targets and the year's status, in
the planner's language, with a note on every heading, lists to choose sector, level, effect class and status from,
and empty rows for new measures. read_measures() checks a whole file (the template, or a CSV with its headings)
against the budget and returns what it would create and change, or raises ImportRejected listing every problem with
its line; nothing is written there. import_measures() writes it all in one transaction through the budget's own
services (plans.climate.save_measure and save_report).

Names in the file (headings, sectors, levels, effect classes, statuses, yes and no) are read in bokmål, nynorsk or
English, or as the portal's codes, whatever language the planner uses; the template writes them in hers. Numbers
are read the Norwegian way (1 234,5) or the English way (1234.5). A measure whose number the budget has is updated;
a new number adds a measure; measures the file leaves out stay as they are.
"""

import functools
import io
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from indicators.importers.base import ImportRejected, Problem
from indicators.importers.spreadsheet import FORMULA_PREFIXES, neutralise, read_cells, sheet_name
from indicators.models import Indicator
from indicators.numbers import LIMIT, NumberError, parse_number
from plans import chain as plan_chain
from plans.climate import (
    EXPLAINED_STATUSES,
    BudgetView,
    ClimateBudgetError,
    effect_years,
    measure_problems,
    save_measure,
    save_report,
)
from plans.models import (
    ClimateBudget,
    ClimateImport,
    ClimateMeasure,
    EffectClass,
    MeasureLevel,
    MeasureReport,
    MeasureStatus,
    MeasureYear,
    Sector,
)

LANGUAGES = ("nb", "nn", "en")
MAX_ROWS = 2_000
# Rows left empty under the measures, with the lists to choose from, for new measures.
EMPTY_ROWS = 20
# The decimals tonnes and the result indicator's figures are stored with (plans.models.TONNES).
DECIMALS = 1

# The file's headings in each language. The measure's columns first, then per year of the budget's reach four
# columns named "<heading> <year>", then the year's report, also named with its year.
HEADINGS = {
    "number": {"nb": "Nummer", "nn": "Nummer", "en": "Number"},
    "title": {"nb": "Tiltak", "nn": "Tiltak", "en": "Measure"},
    "sector": {"nb": "Sektor", "nn": "Sektor", "en": "Sector"},
    "emission_source": {"nb": "Utslippskilde", "nn": "Utsleppskjelde", "en": "Emission source"},
    "level": {"nb": "Hvem sitt tiltak", "nn": "Kven sitt tiltak", "en": "Whose measure"},
    "responsible_unit": {"nb": "Ansvarlig enhet", "nn": "Ansvarleg eining", "en": "Responsible unit"},
    "effect_class": {"nb": "Effektklasse", "nn": "Effektklasse", "en": "Effect class"},
    "captured_by_inventory": {
        "nb": "Med i utslippsregnskapet",
        "nn": "Med i utsleppsrekneskapen",
        "en": "Captured by the inventory",
    },
    "result_indicator": {
        "nb": "Resultatindikator (kode)",
        "nn": "Resultatindikator (kode)",
        "en": "Result indicator (code)",
    },
}
MEASURE_COLUMNS = list(HEADINGS)
YEAR_HEADINGS = {
    "cut": {"nb": "Kutt", "nn": "Kutt", "en": "Cut"},
    "cut_low": {"nb": "Lavt anslag", "nn": "Lågt anslag", "en": "Low estimate"},
    "cut_high": {"nb": "Høyt anslag", "nn": "Høgt anslag", "en": "High estimate"},
    "result_target": {"nb": "Resultatmål", "nn": "Resultatmål", "en": "Result target"},
}
YEAR_COLUMNS = list(YEAR_HEADINGS)
REPORT_HEADINGS = {
    "status": {"nb": "Status", "nn": "Status", "en": "Status"},
    "explanation": {"nb": "Forklaring", "nn": "Forklaring", "en": "Explanation"},
    "result": {"nb": "Resultat", "nn": "Resultat", "en": "Result figure"},
}
REQUIRED = ["number", "title", "sector"]
# "Kutt 2027": a heading for a year.
WITH_YEAR = re.compile(r"^(.*\S)\s+(\d{4})$")


class ChoiceNames(Mapping):
    """Each choice's label in bokmål, nynorsk and English, as the portal's catalogs translate it: the names the
    template writes. Read when first used, once the catalogs are loaded."""

    def __init__(self, choices):
        self.choices = choices

    @functools.cached_property
    def names(self) -> dict[str, dict[str, str]]:
        found = {}
        for value, label in self.choices.choices:
            found[value] = {}
            for code in LANGUAGES:
                with override(code):
                    found[value][code] = str(label)
        return found

    def __getitem__(self, key):
        return self.names[key]

    def __iter__(self):
        return iter(self.names)

    def __len__(self):
        return len(self.names)


# The names the template writes for each choice, in each language; the reader takes these, the portal's own labels in
# each language, and the codes.
SECTOR_NAMES = ChoiceNames(Sector)
LEVEL_NAMES = ChoiceNames(MeasureLevel)
EFFECT_NAMES = ChoiceNames(EffectClass)
STATUS_NAMES = ChoiceNames(MeasureStatus)
YES_NO = {True: {"nb": "Ja", "nn": "Ja", "en": "Yes"}, False: {"nb": "Nei", "nn": "Nei", "en": "No"}}
# Other words planners write for the same choices.
MORE_NAMES = {
    "level": {"kommunalt": MeasureLevel.OWN, "eget": MeasureLevel.OWN, "eige": MeasureLevel.OWN,
              "municipal": MeasureLevel.OWN, "statlig": MeasureLevel.NATIONAL, "statleg": MeasureLevel.NATIONAL},
    "captured_by_inventory": {"true": True, "false": False, "1": True, "0": False, "x": True, "y": True, "n": False},
}  # fmt: skip


def language() -> str:
    """The language the file is written in: the planner's, or bokmål."""
    active = (get_language() or "nb")[:2]
    return active if active in LANGUAGES else "nb"


def _normalised(text) -> str:
    """A name as compared: without the apostrophe put before a formula sign, extra spaces and case."""
    text = str(text).strip()
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return " ".join(text.split()).casefold()


def _names(table: dict, choices=None, more: dict | None = None) -> dict:
    """Every name a choice may be written with → the choice: the table's, the portal's labels, the codes."""
    found = {}
    for value, names in table.items():
        for name in names.values():
            found[_normalised(name)] = value
        if choices is not None:
            found[_normalised(value)] = value
            for code in LANGUAGES:
                with override(code):
                    found.setdefault(_normalised(choices(value).label), value)
    found.update(more or {})
    return found


def _plain(text: str) -> str:
    """A text cell as the planner meant it: without the apostrophe the template puts before a formula sign."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


# --- writing ------------------------------------------------------------------------------------------------------


def plan_years(budget: ClimateBudget) -> list[int]:
    """The years the file has columns for: the plan period, or up to the target year."""
    first, last = effect_years(budget)
    return list(range(first, last + 1))


def headings(budget: ClimateBudget, year: int, lang: str) -> list[str]:
    row = [HEADINGS[key][lang] for key in MEASURE_COLUMNS]
    for each in plan_years(budget):
        row += [f"{YEAR_HEADINGS[key][lang]} {each}" for key in YEAR_COLUMNS]
    row += [f"{REPORT_HEADINGS[key][lang]} {year}" for key in REPORT_HEADINGS]
    return row


def _notes(budget: ClimateBudget, year: int) -> dict[str, str]:
    """What each heading's note says, in the planner's language."""
    first, last = effect_years(budget)
    return {
        "number": _("The measure's number in the budget, e.g. T3. A number the budget has updates that measure; a "
                    "new number adds one. Measures left out of the file stay as they are."),
        "title": _("What the measure does, in a few words."),
        "sector": _("The inventory's sector the measure cuts in: choose from the list."),
        "emission_source": _("The inventory's source, e.g. Personbiler. May be empty."),
        "level": _("Whose measure it is: the municipality's own, regional or national. Choose from the list."),
        "responsible_unit": _("The unit that carries the measure out. May be empty."),
        "effect_class": _("When the cut cannot be put in tonnes: low, medium or high. Empty for a measure with "
                          "cuts in tonnes."),
        "captured_by_inventory": _("Yes when Miljødirektoratet's inventory will show the cut; otherwise no."),
        "result_indicator": _("The code of the indicator that shows the measure is carried out. A measure with "
                              "cuts in tonnes needs one."),
        "cut": _("Expected cut that year, in tonnes CO₂-eq. against the reference path (%(first)s–%(last)s). "
                 "Empty when none.") % {"first": first, "last": last},
        "cut_low": _("The low estimate of the cut, in tonnes; not above the expected cut. May be empty."),
        "cut_high": _("The high estimate of the cut, in tonnes; not below the expected cut. May be empty."),
        "result_target": _("The result indicator's target that year, in its unit. May be empty."),
        "status": _("How the measure went in %(year)s: choose from the list. Delayed, changed and cancelled need "
                    "an explanation. Empty: no status.") % {"year": year},
        "explanation": _("Why the measure is delayed, changed or cancelled, or what was done in %(year)s.")
        % {"year": year},
        "result": _("The result indicator's figure for %(year)s, in its unit. May be empty.") % {"year": year},
    }  # fmt: skip


def _cell(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def template_rows(view: BudgetView, year: int, lang: str) -> list[list]:
    """The file's rows: headings, then one row per measure with the year's working report."""
    budget = view.budget
    rows = [headings(budget, year, lang)]
    years = plan_years(budget)
    for row in view.measures:
        measure = row.measure
        cells = [
            measure.number,
            measure.title,
            SECTOR_NAMES[measure.sector][lang] if measure.sector in SECTOR_NAMES else measure.sector,
            measure.emission_source,
            LEVEL_NAMES[measure.level][lang],
            measure.responsible_unit,
            EFFECT_NAMES[measure.effect_class][lang] if measure.effect_class else "",
            YES_NO[measure.captured_by_inventory][lang],
            measure.result_indicator.code if measure.result_indicator_id else "",
        ]
        for each in years:
            saved = row.years.get(each)
            cells += [getattr(saved, key) if saved else None for key in YEAR_COLUMNS]
        cells += [STATUS_NAMES[row.status][lang] if row.status else "", row.explanation, row.result]
        rows.append(cells)
    return rows


def template_xlsx(view: BudgetView, year: int) -> bytes:
    """Write the measures as a workbook: the measures sheet first (the sheet the import reads), with a note on each
    heading and lists to choose from; then the instructions, and the lists themselves."""
    budget, lang = view.budget, language()
    rows = template_rows(view, year, lang)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name(_("Measures %(year)s") % {"year": year})
    for row in rows:
        sheet.append([_cell(c) for c in row])
    keys = [*MEASURE_COLUMNS, *(key for _y in plan_years(budget) for key in YEAR_COLUMNS), *REPORT_HEADINGS]
    notes = _notes(budget, year)
    for index, key in enumerate(keys, start=1):
        heading = sheet.cell(row=1, column=index)
        heading.font = Font(bold=True)
        heading.alignment = Alignment(wrap_text=True, vertical="top")
        heading.comment = Comment(notes[key], "Livskraft", width=300, height=120)
        width = {"title": 40, "explanation": 40, "result_indicator": 24, "sector": 24, "level": 20}.get(key, 14)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C2"

    lists = workbook.create_sheet(sheet_name(_("Lists")))
    choices = {
        "sector": [names[lang] for names in SECTOR_NAMES.values()],
        "level": [names[lang] for names in LEVEL_NAMES.values()],
        "effect_class": [names[lang] for names in EFFECT_NAMES.values()],
        "captured_by_inventory": [names[lang] for names in YES_NO.values()],
        "status": [names[lang] for names in STATUS_NAMES.values()],
    }
    last_row = len(rows) + EMPTY_ROWS
    quoted = lists.title.replace("'", "''")
    for number, (key, names) in enumerate(choices.items(), start=1):
        letter = get_column_letter(number)
        lists.cell(row=1, column=number, value=HEADINGS.get(key, REPORT_HEADINGS.get(key, {})).get(lang, key))
        for index, name in enumerate(names, start=2):
            lists.cell(row=index, column=number, value=name)
        column = get_column_letter(keys.index(key) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"'{quoted}'!${letter}$2:${letter}${len(names) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error=_("Choose from the list, or leave the cell empty.")[:255],
        )
        validation.add(f"{column}2:{column}{last_row}")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    guide = workbook.create_sheet(sheet_name(_("Instructions")), 1)
    guide.column_dimensions["A"].width = 100
    for number, paragraph in enumerate(_instructions(budget, year), start=1):
        cell = guide.cell(row=number, column=1, value=neutralise(paragraph))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number == 1:
            cell.font = Font(bold=True, size=14)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _instructions(budget: ClimateBudget, year: int) -> list[str]:
    first, last = effect_years(budget)
    return [
        _("The measures of %(plan)s, and their status for %(year)s") % {"plan": budget.plan, "year": year},
        _("One row per measure. Each heading has a note that says what to write; the empty rows at the bottom are "
          "for new measures."),
        _("A number the budget already has updates that measure. A new number adds a measure. Measures you delete "
          "from the file stay in the budget."),
        _("Cuts are in tonnes CO₂-eq. per year against the reference path, for %(first)s–%(last)s: the expected cut, "
          "and the low and high estimates if you have them.") % {"first": first, "last": last},
        _("Numbers may be written 1 234,5 or 1234.5, with at most one decimal."),
        _("Choose the status for %(year)s from the list. Delayed, changed and cancelled need an explanation. A "
          "status from the file becomes a draft, which you submit for approval on the status page.") % {"year": year},
        _("Upload the file on the import page. The portal checks the whole file and shows every change, or every "
          "problem with its line, before anything is stored."),
    ]  # fmt: skip


# --- reading ------------------------------------------------------------------------------------------------------


@dataclass
class SheetRow:
    """One measure as the file gives it: the measure with the file's fields, its years, and the year's report."""

    line: int
    measure: ClimateMeasure  # the saved measure with the file's fields set on it, or a new one
    years: list[MeasureYear]
    is_new: bool
    changed: list[str] = field(default_factory=list)  # the fields the file changes, as headings
    saved: MeasureReport | None = None  # the year's report as it is
    status: str = ""
    explanation: str = ""
    result: Decimal | None = None
    reports: bool = False  # the file has the year's report columns
    readable: bool = True  # every cell of the row could be read (its rules are checked only then)

    @property
    def measure_change(self) -> str:
        return "new" if self.is_new else ("changed" if self.changed else "unchanged")

    @property
    def report_change(self) -> str:
        """The change to the year's status: new, changed or unchanged; "" when the file gives none."""
        if not self.reports or not self.status:
            return ""
        if self.saved is None:
            return "new"
        same = (self.saved.status, self.saved.explanation, self.saved.result_value) == (
            self.status,
            self.explanation,
            self.result,
        )
        return "unchanged" if same else "changed"

    @property
    def status_label(self) -> str:
        return str(MeasureStatus(self.status).label) if self.status else ""

    def cut_change(self) -> Decimal:
        """How much the measure's cuts grow (negative: shrink), summed over the years: smaller cuts are saved
        first, so that no sector is over its reference path on the way."""
        new = sum((_counted(y) for y in self.years), Decimal(0))
        if self.is_new:
            return new
        old = sum((_counted(y) for y in self.measure.years.all()), Decimal(0))
        return new - old


def _counted(row: MeasureYear) -> Decimal:
    """The cut that counts against the reference path (MeasureYear.counted_cut), zero for none."""
    return row.counted_cut or Decimal(0)


@dataclass
class Columns:
    """Where each column is: measure columns by key, year columns by (key, year), the year's report by key."""

    measure: dict[str, int] = field(default_factory=dict)
    years: dict[tuple[str, int], int] = field(default_factory=dict)
    report: dict[str, int] = field(default_factory=dict)
    names: dict = field(default_factory=dict)  # the same keys → the heading as the file writes it


def _aliases(table: dict) -> dict[str, str]:
    return {_normalised(name): key for key, names in table.items() for name in [key, *names.values()]}


def _columns(header: list[str], year: int, line: int) -> Columns:
    """Find the columns in the heading row; raise ImportRejected for missing ones or a report for another year."""
    plain, per_year, report = _aliases(HEADINGS), _aliases(YEAR_HEADINGS), _aliases(REPORT_HEADINGS)
    found = Columns()
    problems = []
    for index, text in enumerate(header):
        name = _normalised(text)
        if not name:
            continue
        if name in plain and plain[name] not in found.measure:
            found.measure[plain[name]] = index
            found.names[plain[name]] = text.strip()
            continue
        if name in report and report[name] not in found.report:  # "Status" without a year: the import's year
            found.report[report[name]] = index
            found.names[report[name]] = text.strip()
            continue
        match = WITH_YEAR.match(name)
        if not match:
            continue
        base, each = match.group(1), int(match.group(2))
        if base in per_year:
            found.years.setdefault((per_year[base], each), index)
            found.names[(per_year[base], each)] = text.strip()
        elif base in report:
            if each != year:
                problems.append(
                    Problem(
                        _(
                            "The column is for %(column_year)s; this import is for %(year)s. Download the template for "
                            "%(year)s, or upload the file on the page for %(column_year)s."
                        )  # fmt: skip
                        % {"column_year": each, "year": year},
                        line,
                        text.strip(),
                    )
                )
            elif report[base] not in found.report:
                found.report[report[base]] = index
                found.names[report[base]] = text.strip()
    lang = language()
    for key in REQUIRED:
        if key not in found.measure:
            problems.append(
                Problem(
                    _("The file has no column “%(column)s”. The first row must name the columns, as the template does.")
                    % {"column": HEADINGS[key][lang]}  # fmt: skip
                )
            )
    if problems:
        raise ImportRejected(problems)
    return found


def _tonnes(text: str) -> Decimal | None:
    """Read a figure as typed (1 234,5 or 1234.5); empty is None. Raises ValueError saying why not."""
    if not text:
        return None
    try:
        number = parse_number(text)
    except NumberError:
        raise ValueError(_("“%(text)s” is not a number. Write it like 1 234,5 or 1234.5.") % {"text": text}) from None
    if abs(number) >= LIMIT:
        raise ValueError(_("The number is too large."))
    if number != number.quantize(Decimal(1).scaleb(-DECIMALS)):
        raise ValueError(_("Write the number with at most one decimal."))
    return number


class _Reader:
    """Reads one file against one budget; every problem is collected, located by line and column."""

    def __init__(self, budget: ClimateBudget, year: int, view: BudgetView):
        self.budget, self.year, self.view = budget, year, view
        self.lang = language()
        self.problems: list[Problem] = []
        self.sectors = _names(SECTOR_NAMES, Sector)
        self.levels = _names(LEVEL_NAMES, MeasureLevel, MORE_NAMES["level"])
        self.effects = _names(EFFECT_NAMES, EffectClass)
        self.statuses = _names(STATUS_NAMES, MeasureStatus)
        self.yes_no = _names(YES_NO, None, MORE_NAMES["captured_by_inventory"])
        self.saved = {_normalised(row.measure.number): row for row in view.measures}

    def problem(self, message: str, line: int, column: str = "") -> None:
        self.problems.append(Problem(message, line, column))

    def choice(self, names: dict, text: str, line: int, column: str, listed: dict):
        value = names.get(_normalised(text))
        if value is None:
            self.problem(
                _("“%(text)s” is not one of: %(names)s.")
                % {"text": text, "names": ", ".join(f"“{n[self.lang]}”" for n in listed.values())},
                line,
                column,
            )
        return value

    def read(self, cells_by_line: list[tuple[int, list[str]]]) -> list[SheetRow]:
        header_line, header = cells_by_line[0]
        columns = _columns(header, self.year, header_line)
        self.columns = columns
        codes = set()
        if "result_indicator" in columns.measure:
            index = columns.measure["result_indicator"]
            codes = {_plain(c[index]).strip() for _l, c in cells_by_line[1:] if index < len(c) and c[index].strip()}
        indicators = {}
        if codes:
            for indicator in Indicator.objects.filter(code__in=codes | {c.lower() for c in codes}):
                indicators[indicator.code] = indicator
        self.indicators = indicators
        rows, first_line = [], {}
        for line, cells in cells_by_line[1:]:
            row = self.row(line, cells)
            if row is None:
                continue
            number = _normalised(row.measure.number)
            if number in first_line:
                self.problem(
                    _("The number %(number)s is used twice (first on line %(first)s); each measure needs its own.")
                    % {"number": row.measure.number, "first": first_line[number]},
                    line,
                    columns.names["number"],
                )
                continue
            first_line[number] = line
            rows.append(row)
        self.check(rows)
        if self.problems:
            self.problems.sort(key=lambda problem: problem.line or 0)  # the rules' problems among the cells' ones
            raise ImportRejected(self.problems)
        return rows

    def row(self, line: int, cells: list[str]) -> SheetRow | None:
        columns, names = self.columns, self.columns.names

        def cell(index: int | None) -> str:
            return _plain(cells[index].strip()) if index is not None and index < len(cells) else ""

        measure_cell = {key: cell(index) for key, index in columns.measure.items()}
        year_cell = {key: cell(index) for key, index in columns.years.items()}
        report_cell = {key: cell(index) for key, index in columns.report.items()}
        number = measure_cell.get("number", "")
        if not number:
            self.problem(_("The number is empty; every measure needs one, e.g. T3."), line, names["number"])
            return None
        before = len(self.problems)
        saved = self.saved.get(_normalised(number))
        if saved is not None:
            measure = saved.measure
            original = {name: getattr(measure, name) for name in self._fields()}
        else:
            measure = ClimateMeasure(budget=self.budget, number=number[:20])
            original = None
            if len(number) > 20:
                self.problem(_("The number is longer than 20 characters."), line, names["number"])
        for key, text in measure_cell.items():
            self.measure_field(measure, key, text, line, names[key])
        # Years: the file's figure where it has the column, the saved one where it has not.
        stored = {y.year: y for y in measure.years.all()} if saved is not None else {}
        years = []
        for each in sorted({y for _k, y in columns.years} | set(stored)):
            old = stored.get(each)
            values = {}
            for key in YEAR_COLUMNS:
                if (key, each) in year_cell:
                    try:
                        values[key] = _tonnes(year_cell[(key, each)])
                    except ValueError as error:
                        self.problem(str(error), line, names[(key, each)])
                        values[key] = None
                else:
                    values[key] = getattr(old, key) if old else None
            if any(v is not None for v in values.values()):
                years.append(MeasureYear(year=each, **values))
        row = SheetRow(line, measure, years, saved is None, saved=saved.report if saved else None)
        if original is not None:
            row.changed = [
                capfirst(str(ClimateMeasure._meta.get_field(name).verbose_name))
                for name, old in original.items()
                if getattr(measure, name) != old
            ]
            old_years = {(y.year, y.cut, y.cut_low, y.cut_high, y.result_target) for y in stored.values()}
            new_years = {(y.year, y.cut, y.cut_low, y.cut_high, y.result_target) for y in years}
            if old_years != new_years:
                row.changed.append(_("Cuts and result targets"))
        self.report(row, report_cell, line)
        row.readable = len(self.problems) == before
        return row

    @staticmethod
    def _fields() -> list[str]:
        return [
            "title",
            "sector",
            "emission_source",
            "level",
            "responsible_unit",
            "effect_class",
            "captured_by_inventory",
            "result_indicator_id",
        ]

    def measure_field(self, measure: ClimateMeasure, key: str, text: str, line: int, column: str) -> None:
        if key == "number":
            return
        if key == "title":
            if not text:
                self.problem(_("The measure has no title."), line, column)
            elif len(text) > 300:
                self.problem(_("The title is longer than 300 characters."), line, column)
            measure.title = text[:300]
        elif key == "sector":
            if not text:
                self.problem(_("Choose the sector the measure cuts in."), line, column)
            else:
                measure.sector = self.choice(self.sectors, text, line, column, SECTOR_NAMES) or measure.sector
        elif key in ("emission_source", "responsible_unit"):
            if len(text) > 200:
                self.problem(_("The text is longer than 200 characters."), line, column)
            setattr(measure, key, text[:200])
        elif key == "level":
            if not text:
                measure.level = MeasureLevel.OWN
            else:
                measure.level = self.choice(self.levels, text, line, column, LEVEL_NAMES) or measure.level
        elif key == "effect_class":
            measure.effect_class = (self.choice(self.effects, text, line, column, EFFECT_NAMES) or "") if text else ""
        elif key == "captured_by_inventory":
            if not text:
                measure.captured_by_inventory = True
            else:
                value = self.choice(self.yes_no, text, line, column, YES_NO)
                measure.captured_by_inventory = True if value is None else value
        elif key == "result_indicator":
            if not text:
                measure.result_indicator = None
            else:
                indicator = self.indicators.get(text) or self.indicators.get(text.lower())
                if indicator is None:
                    self.problem(
                        _("No indicator has the code “%(code)s”; write the code as the indicator's page shows it.")
                        % {"code": text},
                        line,
                        column,
                    )
                else:
                    measure.result_indicator = indicator

    def report(self, row: SheetRow, cells: dict[str, str], line: int) -> None:
        if not cells:
            return
        row.reports = True
        names = self.columns.names
        text = cells.get("status", "")
        row.explanation = cells.get("explanation", "")
        if "result" in cells:
            try:
                row.result = _tonnes(cells["result"])
            except ValueError as error:
                self.problem(str(error), line, names["result"])
        elif row.saved is not None:
            row.result = row.saved.result_value
        if "explanation" not in cells and row.saved is not None:
            row.explanation = row.saved.explanation
        if text:
            row.status = self.choice(self.statuses, text, line, names["status"], STATUS_NAMES) or ""
        elif cells.get("explanation") or cells.get("result"):
            self.problem(
                _("Choose the status for %(year)s; the row has an explanation or a result but no status.")
                % {"year": self.year},
                line,
                names.get("status", ""),
            )
        if row.status in EXPLAINED_STATUSES and not row.explanation.strip():
            self.problem(
                _(
                    "Explain why the measure is %(status)s: a delayed, changed or cancelled measure needs an "
                    "explanation."
                )
                % {"status": STATUS_NAMES[row.status][self.lang].lower()},  # fmt: skip
                line,
                names.get("explanation", names.get("status", "")),
            )

    def check(self, rows: list[SheetRow]) -> None:
        """Check each measure the file adds or changes as the budget's rules check it, with the sectors' cuts as the
        file leaves them. A replaced version's measures stay as they are; its statuses are still reported."""
        is_open = plan_chain.is_open(self.budget.plan)
        in_file = {row.measure.pk for row in rows if row.measure.pk}
        totals: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for saved in self.view.measures:
            if saved.measure.pk not in in_file:
                for each in saved.measure.years.all():
                    totals[saved.measure.sector][each.year] += _counted(each)
        for row in rows:
            for each in row.years:
                totals[row.measure.sector][each.year] += _counted(each)
        references = {s.code: s.reference for s in self.view.sectors if s.reference_tonnes is not None}
        for row in rows:
            if not row.readable or row.measure_change == "unchanged":
                continue
            if not is_open:
                self.problem(
                    _(
                        "This version is replaced: its measures can no longer be changed, only their statuses "
                        "reported. Change the measure in the version in force."
                    ),  # fmt: skip
                    row.line,
                )
                continue
            own = defaultdict(Decimal)
            for each in row.years:
                own[each.year] += _counted(each)
            others = {y: total - own[y] for y, total in totals[row.measure.sector].items()}
            sector = row.measure.sector
            problems = measure_problems(
                self.budget,
                row.measure,
                row.years,
                reference=references.get(sector),
                others=others if sector in references else None,
            )
            self.problems.extend(Problem(message, row.line) for message in problems)


def read_measures(data: bytes, filename: str, view: BudgetView, year: int) -> list[SheetRow]:
    """Check the whole file against the budget (as compose() gives it, working copies of the year's reports); return
    its rows, or raise ImportRejected listing every problem."""
    cells_by_line = read_cells(data, filename)
    if not cells_by_line:
        raise ImportRejected([Problem(_("The file is empty."))])
    if len(cells_by_line) > MAX_ROWS + 1:
        raise ImportRejected([Problem(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})])
    prefetch_related_objects([view.budget], "sectors")  # measure_problems() asks for them once per row
    return _Reader(view.budget, year, view).read(cells_by_line)


# --- writing the import -------------------------------------------------------------------------------------------


@dataclass
class Imported:
    created: int = 0
    changed: int = 0
    statuses: int = 0


@transaction.atomic
def import_measures(*, stored: ClimateImport, rows: list[SheetRow], user) -> Imported | None:
    """Write the file's measures and statuses in one transaction, through save_measure and save_report, and mark
    the upload imported; None, writing nothing, when it was imported already. Raises ClimateBudgetError, writing
    nothing, when a rule refuses a measure."""
    locked = ClimateImport.objects.select_for_update().get(pk=stored.pk)
    if locked.confirmed_at is not None:  # confirmed by another request meanwhile
        return None
    reason = _("Imported from the file %(name)s") % {"name": stored.filename}
    result = Imported()
    for row in sorted(rows, key=SheetRow.cut_change):
        if row.measure_change == "unchanged":
            continue
        try:
            save_measure(measure=row.measure, years=row.years, user=user, reason=reason)
        except ClimateBudgetError as error:
            raise ClimateBudgetError([str(Problem(message, row.line)) for message in error.problems]) from error
        if row.is_new:
            result.created += 1
        else:
            result.changed += 1
    for row in rows:
        if row.report_change in ("new", "changed"):
            save_report(
                measure=row.measure,
                year=stored.year,
                status=row.status,
                explanation=row.explanation,
                result_value=row.result,
                user=user,
                reason=reason,
            )
            result.statuses += 1
    locked.confirmed_at, locked.rows = timezone.now(), len(rows)
    locked.save(update_fields=["confirmed_at", "rows"])
    return result
