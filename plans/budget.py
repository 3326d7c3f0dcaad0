"""Money beside progress: budget lines per focus area and strategic project and year, entered or imported.

Money is entered on the focus areas and strategic projects of the financial plans (økonomiplan and årsbudsjett)
in force in the year, plus the drafts of those plans that cover it, since planners fill in a budget before it is
adopted. The kommuneplan's focus areas get their money through the financial plans' areas that carry them.

Every amount is a whole number of NOK 1 000, never negative. Every line created or changed is logged in its
plan's log (plans.chain.record). Only planners of the municipality see these pages; anyone else gets a 404.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from indicators.access import Access, municipality_for_user, object_for_user
from indicators.entry import ImportForm
from indicators.importers.base import MAX_PROBLEMS, ImportRejected, Problem
from indicators.importers.spreadsheet import (  # the value import's reader
    FORMULA_PREFIXES,
    download_response,
    read_cells,
)
from indicators.models import FIRST_YEAR, SOURCE_LENGTH, reporting_year
from indicators.numbers import LIMIT, NumberError, field_text, read_field
from plans.chain import FINANCIAL, logged_value, record
from plans.models import BudgetImport, BudgetLine, FocusArea, Plan, PlanChange, PlanStatus, StrategicProject

# How far ahead budgets are entered: the økonomiplan runs four years from next year.
YEARS_AHEAD = 4
# The versions of a financial plan whose rows are listed: the adopted one in force, and drafts being worked on.
LISTED_STATUSES = (PlanStatus.ADOPTED, PlanStatus.DRAFT, PlanStatus.CONSULTATION)
FOCUS_AREA, PROJECT = "I", "P"
# The amounts, as BudgetLine names them, in the order of the page and the file.
AMOUNTS = ("adopted", "revised", "accounts")
# The file's columns: the name the template writes, and the names a planner's file may use instead (any case).
COLUMNS = {
    "type": ("Type", {"type", "kind", "rad"}),
    "plan": ("Plan", {"plan"}),
    "name": ("Navn", {"navn", "namn", "name", "tittel", "title"}),
    "adopted": ("Vedtatt budsjett", {"vedtatt budsjett", "vedteke budsjett", "vedtatt", "adopted budget", "adopted"}),
    "revised": ("Revidert budsjett", {"revidert budsjett", "revidert", "revised budget", "revised"}),
    "accounts": ("Regnskap", {"regnskap", "rekneskap", "accounts"}),
    "id": ("ID", {"id"}),
}
REQUIRED = ["type", "name", *AMOUNTS]
# The type column: what the template writes for each kind of row, and the other words taken for it.
TYPE_NAMES = {FOCUS_AREA: "Innsatsområde", PROJECT: "Prosjekt"}
TYPES = {
    "innsatsområde": FOCUS_AREA,
    "innsatsomrade": FOCUS_AREA,
    "focus area": FOCUS_AREA,
    "prosjekt": PROJECT,
    "strategisk prosjekt": PROJECT,
    "project": PROJECT,
    "strategic project": PROJECT,
}
KEY = re.compile(r"([IP])-(\d+)")
MAX_ROWS = 5_000

Amounts = tuple[Decimal | None, Decimal | None, Decimal | None]
EMPTY: Amounts = (None, None, None)


# --- the rows of a year ------------------------------------------------------------------------------------------


@dataclass(eq=False)
class BudgetRow:
    """One focus area or strategic project of a financial plan, with its budget line for the year if it has one."""

    kind: str  # FOCUS_AREA or PROJECT
    target: FocusArea | StrategicProject
    plan: Plan
    line: BudgetLine | None = None
    # A project's focus areas other than the one it is listed under.
    also: list[FocusArea] = field(default_factory=list)
    form: "BudgetLineForm | None" = None
    conflict: bool = False

    @property
    def key(self) -> str:
        """The row's ID in the template: I-12 for focus area 12, P-7 for project 7."""
        return f"{self.kind}-{self.target.pk}"

    @property
    def title(self) -> str:
        return self.target.title

    @property
    def is_project(self) -> bool:
        return self.kind == PROJECT

    @property
    def kind_label(self) -> str:
        return _("Strategic project") if self.is_project else _("Focus area")

    @property
    def stored(self) -> Amounts:
        return amounts_of(self.line)


@dataclass
class AreaGroup:
    """A focus area and the projects listed under it; without a row, the plan's projects that have no focus area."""

    row: BudgetRow | None
    projects: list[BudgetRow] = field(default_factory=list)

    @property
    def rows(self) -> list[BudgetRow]:
        return ([self.row] if self.row else []) + self.projects


@dataclass
class PlanGroup:
    plan: Plan
    areas: list[AreaGroup]

    @property
    def is_draft(self) -> bool:
        return self.plan.status != PlanStatus.ADOPTED

    @property
    def rows(self) -> list[BudgetRow]:
        return [row for area in self.areas for row in area.rows]


@dataclass
class BudgetYear:
    year: int
    groups: list[PlanGroup]

    @property
    def rows(self) -> list[BudgetRow]:
        return [row for group in self.groups for row in group.rows]


def amounts_of(line: BudgetLine | None) -> Amounts:
    return EMPTY if line is None else tuple(getattr(line, name) for name in AMOUNTS)


def amount_label(name: str) -> str:
    """The amount's name as a heading: "Adopted budget"."""
    return capfirst(str(BudgetLine._meta.get_field(name).verbose_name))


def budget_year(municipality, year: int) -> BudgetYear:
    """The rows the year has, grouped by plan and focus area, each with its budget line.

    At most five queries, however many plans, focus areas and projects there are; one without a financial plan.
    """
    plans = list(
        Plan.objects.filter(
            municipality=municipality,
            plan_type__in=FINANCIAL,
            status__in=LISTED_STATUSES,
            period_start__lte=year,
            period_end__gte=year,
        )
    )
    if not plans:
        return BudgetYear(year, [])
    plans.sort(key=lambda p: (p.status != PlanStatus.ADOPTED, FINANCIAL.index(p.plan_type), -p.period_start, p.pk))
    areas = list(FocusArea.objects.filter(plan__in=plans).select_related("carries").order_by("order", "pk"))
    projects = list(
        StrategicProject.objects.filter(plan__in=plans)
        .filter(Q(first_budget_year__isnull=True) | Q(first_budget_year__lte=year))
        .filter(Q(last_budget_year__isnull=True) | Q(last_budget_year__gte=year))
        .prefetch_related("focus_areas")
        .order_by("title", "pk")
    )
    # As in chain.budget_by_focus_area(): the municipality's lines only, and no ordering (they go into a dict).
    lines = (
        BudgetLine.objects.filter(municipality=municipality, year=year)
        .filter(Q(focus_area__in=[a.pk for a in areas]) | Q(project__in=[p.pk for p in projects]))
        .order_by()
    )
    line_of = {
        (FOCUS_AREA, line.focus_area_id) if line.focus_area_id else (PROJECT, line.project_id): line
        for line in lines.select_related("changed_by")
    }
    by_plan = {p.pk: PlanGroup(p, []) for p in plans}
    area_groups = {}
    for area in areas:
        group = AreaGroup(BudgetRow(FOCUS_AREA, area, by_plan[area.plan_id].plan, line_of.get((FOCUS_AREA, area.pk))))
        area_groups[area.pk] = group
        by_plan[area.plan_id].areas.append(group)
    loose = {p.pk: AreaGroup(None) for p in plans}
    for project in projects:
        own = [a for a in project.focus_areas.all() if a.plan_id == project.plan_id and a.pk in area_groups]
        row = BudgetRow(
            PROJECT,
            project,
            by_plan[project.plan_id].plan,
            line_of.get((PROJECT, project.pk)),
            also=[a for a in project.focus_areas.all() if not own or a.pk != own[0].pk],
        )
        (area_groups[own[0].pk] if own else loose[project.plan_id]).projects.append(row)
    for pk, group in by_plan.items():
        if loose[pk].projects:
            group.areas.append(loose[pk])
    return BudgetYear(year, list(by_plan.values()))


# --- amounts as people type them ---------------------------------------------------------------------------------


class AmountError(ValueError):
    pass


def read_amount(text: str) -> Decimal | None:
    """Read an amount in NOK 1 000 as typed ("1 234", "1234"); empty is None. Raises AmountError saying why not."""
    text = text.strip()
    if not text:
        return None
    try:
        number = read_field(text)
    except NumberError:
        raise AmountError(
            _("“%(text)s” is not a number. Write whole thousands of kroner, like 1 234.") % {"text": text}
        ) from None
    if number != number.to_integral_value():
        raise AmountError(
            _("“%(text)s” is not a whole number. Write whole thousands of kroner, like 1 234.") % {"text": text}
        )
    if number < 0:
        raise AmountError(_("The number cannot be negative."))
    if abs(number) >= LIMIT:
        raise AmountError(_("The number is too large."))
    return number.quantize(Decimal(1))


def _plain(amounts: Amounts) -> str:
    """The amounts as the hidden field of the form keeps them: "1234;;500"."""
    return ";".join("" if a is None else str(a) for a in amounts)


def _from_plain(text: str) -> Amounts | None:
    parts = text.split(";")
    if len(parts) != len(AMOUNTS) or not all(p == "" or p.isdigit() for p in parts):
        return None
    return tuple(Decimal(p) if p else None for p in parts)


class AmountField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=30, **kwargs)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "numeric",
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "form-control text-end number",
            "size": "10",
        }

    def clean(self, value):
        text = super().clean(value)
        try:
            return read_amount(text)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="amount") from None


class BudgetLineForm(forms.Form):
    """The three amounts of one row, and the amounts the page showed (to notice someone else's change)."""

    adopted = AmountField()
    revised = AmountField()
    accounts = AmountField()
    shown = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, row: BudgetRow, **kwargs):
        stored = row.stored
        initial = {name: field_text(a, 0) for name, a in zip(AMOUNTS, stored, strict=True)}
        initial["shown"] = _plain(stored)
        super().__init__(*args, prefix=row.key, initial=initial, **kwargs)
        for name in AMOUNTS:
            self.fields[name].label = amount_label(name)

    @property
    def amount_fields(self):
        return [self[name] for name in AMOUNTS]

    @property
    def amounts(self) -> Amounts:
        return tuple(self.cleaned_data[name] for name in AMOUNTS)

    @property
    def expected(self) -> Amounts | None:
        """The amounts the page showed, or None when the form did not send them."""
        return _from_plain(self.cleaned_data.get("shown") or "")

    def mark_errors(self) -> None:
        """Tie each error to its input for screen readers."""
        for name in self.errors:
            if name in AMOUNTS:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
                attrs["class"] += " is-invalid"


# --- writing -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """New amounts for a row; expected: the amounts the planner saw, None to overwrite whatever is stored."""

    row: BudgetRow
    amounts: Amounts
    expected: Amounts | None = None


@dataclass
class Applied:
    created: int = 0
    changed: int = 0
    unchanged: int = 0


class BudgetConflict(Exception):
    """Someone else changed rows while the planner was editing them; nothing was written."""

    def __init__(self, rows: list[BudgetRow]):
        self.rows = rows
        super().__init__(", ".join(row.key for row in rows))


def apply_amounts(municipality, year: int, changes: list[Change], *, user, source: str, reason: str) -> Applied:
    """Store the amounts in one transaction: create or update the lines that change, log each, skip the rest.

    Raises BudgetConflict, writing nothing, when a stored line is no longer what a change expected.
    """
    result = Applied()
    with transaction.atomic():
        areas = [c.row.target.pk for c in changes if c.row.kind == FOCUS_AREA]
        projects = [c.row.target.pk for c in changes if c.row.kind == PROJECT]
        locked = BudgetLine.objects.select_for_update().filter(year=year).order_by()
        locked = locked.filter(Q(focus_area__in=areas) | Q(project__in=projects))
        lines = {
            f"{FOCUS_AREA}-{line.focus_area_id}" if line.focus_area_id else f"{PROJECT}-{line.project_id}": line
            for line in locked
        }
        conflicts = [
            c.row
            for c in changes
            if c.expected is not None
            and amounts_of(lines.get(c.row.key)) not in (c.expected, c.amounts)
            and c.amounts != c.expected
        ]
        if conflicts:
            raise BudgetConflict(conflicts)
        now = timezone.now()
        for change in changes:
            row, line = change.row, lines.get(change.row.key)
            before = amounts_of(line)
            if change.amounts == before:
                result.unchanged += 1
                continue
            details = [
                [amount_label(name), logged_value(old), logged_value(new)]
                for name, old, new in zip(AMOUNTS, before, change.amounts, strict=True)
                if old != new
            ]
            if line is None:
                line = BudgetLine(
                    municipality=municipality,
                    year=year,
                    focus_area=row.target if row.kind == FOCUS_AREA else None,
                    project=row.target if row.kind == PROJECT else None,
                )
                action = PlanChange.Action.CREATED
                result.created += 1
            else:
                action = PlanChange.Action.CHANGED
                result.changed += 1
            for name, amount in zip(AMOUNTS, change.amounts, strict=True):
                setattr(line, name, amount)
            line.source, line.changed_by, line.changed_at = source[:SOURCE_LENGTH], user, now
            line.save()
            row.line = line
            subject = _("Budget %(year)s: %(name)s") % {"year": year, "name": row.title}
            record(row.plan, action, subject, user=user, details=details, reason=reason)
    return result


# --- the entry page ----------------------------------------------------------------------------------------------


def last_budget_year() -> int:
    return reporting_year() + 1 + YEARS_AHEAD


def planner_municipality(request, code: str, year: int):
    """The municipality whose budget the user may enter (planners only), with its codes; else Http404."""
    if not FIRST_YEAR <= year <= last_budget_year():
        raise Http404
    municipality, _access = municipality_for_user(request, code, may=Access.can_enter)
    return municipality


@login_required
def budget_entry(request, code: str, year: int):
    """The year's budget lines: adopted, revised and accounts for every focus area and project of the money plans."""
    municipality = planner_municipality(request, code, year)
    number = municipality.kommunenummer
    if code != number:
        return redirect("budget_entry", number, year)
    budget = budget_year(municipality, year)
    rows = budget.rows
    if request.method == "POST":
        for row in rows:
            row.form = BudgetLineForm(request.POST, row=row)
        # Check every form, not just up to the first invalid one, so every error is shown at once.
        results = [row.form.is_valid() for row in rows]
        if not all(results):
            messages.error(request, _("Nothing was saved. Correct the fields marked below."))
        elif _save(request, municipality, year, rows):
            return redirect("budget_entry", number, year)
        for row in rows:
            row.form.mark_errors()
    else:
        for row in rows:
            row.form = BudgetLineForm(row=row)
    return render(
        request,
        "plans/budget_entry.html",
        {
            "municipality": municipality,
            "code": number,
            "year": year,
            "budget": budget,
            "headings": [amount_label(name) for name in AMOUNTS],
            "previous_year": year - 1 if year > FIRST_YEAR else None,
            "next_year": year + 1 if year < last_budget_year() else None,
        },
    )


def _save(request, municipality, year: int, rows: list[BudgetRow]) -> bool:
    """Store the rows whose amounts changed; False, with a message, when someone else changed them meanwhile."""
    changes = [
        Change(row, row.form.amounts, row.form.expected) for row in rows if row.form.amounts != row.form.expected
    ]
    try:
        result = apply_amounts(
            municipality, year, changes, user=request.user, source=_("Entered in the portal"), reason=""
        )
    except BudgetConflict as conflict:
        current = {r.key: r.line for r in budget_year(municipality, year).rows}
        for row in conflict.rows:
            row.conflict = True
            row.line = current.get(row.key)
            # Keep what the planner typed; saving again deliberately replaces the other amounts.
            data = row.form.data.copy()
            data[row.form.add_prefix("shown")] = _plain(row.stored)
            row.form.data = data
        messages.error(
            request,
            _(
                "Nothing was saved: someone else changed budget lines while you were editing. Compare the lines "
                "marked below and save again to keep yours."
            ),
        )
        return False
    except IntegrityError:
        messages.error(request, _("Nothing was saved: someone else saved budget lines at the same time. Try again."))
        return False
    written = result.created + result.changed
    if written:
        messages.success(
            request,
            ngettext("Saved %(count)s changed budget line.", "Saved %(count)s changed budget lines.", written)
            % {"count": written},
        )
    else:
        messages.info(request, _("Nothing was changed."))
    return True


# --- the template and the import ---------------------------------------------------------------------------------


def template_rows(budget: BudgetYear) -> list[list]:
    """The file to fill in: a row per focus area and project of the year, with the amounts already stored."""
    rows = [[COLUMNS[c][0] for c in ("type", "plan", "name", *AMOUNTS, "id")]]
    for row in budget.rows:
        rows.append([TYPE_NAMES[row.kind], str(row.plan), row.title, *row.stored, row.key])
    return rows


@login_required
def budget_template(request, code: str, year: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    municipality = planner_municipality(request, code, year)
    rows = template_rows(budget_year(municipality, year))
    return download_response(rows, f"livskraft-budsjett-{municipality.kommunenummer}-{year}", fmt)


@dataclass(frozen=True)
class ImportedRow:
    """One valid row of the file: the row of the year it is for, and its amounts."""

    line: int
    row: BudgetRow
    amounts: Amounts

    @property
    def status(self) -> str:
        stored = self.row.stored
        if self.amounts == stored:
            return "unchanged"
        return "new" if self.row.line is None else "changed"

    @property
    def cells(self) -> list[dict]:
        """Per amount: what is stored, what the file says, and whether it changes."""
        return [
            {"label": amount_label(name), "now": now, "new": new, "changes": now != new}
            for name, now, new in zip(AMOUNTS, self.row.stored, self.amounts, strict=True)
        ]


def _normalised(text: str) -> str:
    """A name as compared: without the apostrophe the template puts before a formula sign, spaces and case."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        text = text[1:]
    return " ".join(text.split()).casefold()


def _columns(header: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """The index of each known column, and the name the file gives it; raises ImportRejected for missing ones."""
    found, names = {}, {}
    for index, text in enumerate(header):
        normalised = " ".join(text.split()).casefold()
        for column, (_name, aliases) in COLUMNS.items():
            if normalised in aliases and column not in found:
                found[column], names[column] = index, text.strip()
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        listed = ", ".join(COLUMNS[c][0] for c in REQUIRED)
        raise ImportRejected(
            [
                Problem(
                    _("The file has no column “%(column)s”. The first row must name the columns: %(columns)s.")
                    % {"column": COLUMNS[c][0], "columns": listed}
                )
                for c in missing
            ]
        )
    return found, {c: names.get(c, COLUMNS[c][0]) for c in COLUMNS}


def read_budget(data: bytes, filename: str, budget: BudgetYear) -> list[ImportedRow]:
    """Check the whole file against the year's rows; return its rows, or raise ImportRejected listing every problem."""
    cells_by_line = read_cells(data, filename)
    if not cells_by_line:  # only empty cells
        raise ImportRejected([Problem(_("The file is empty."))])
    columns, names = _columns(cells_by_line[0][1])  # a file without its header is refused as such
    if len(cells_by_line) < 2:
        raise ImportRejected([Problem(_("The file has a header but no rows."))])
    if len(cells_by_line) > MAX_ROWS + 1:
        raise ImportRejected([Problem(_("The file has more than %(max)s rows.") % {"max": MAX_ROWS})])
    by_key = {row.key: row for row in budget.rows}
    by_name: dict[tuple[str, str], list[BudgetRow]] = {}
    for row in budget.rows:
        by_name.setdefault((row.kind, _normalised(row.title)), []).append(row)
    problems: list[Problem] = []
    found: list[ImportedRow] = []
    first_line_of: dict[str, int] = {}

    for line, cells in cells_by_line[1:]:

        def cell(column: str, cells=cells) -> str:
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        before = len(problems)
        row = None
        key = cell("id").upper()
        if key:
            row = by_key.get(key)
            if row is None:
                problems.append(
                    Problem(
                        _("“%(id)s” is not the ID of a row of the budget for %(year)s; download the template again.")
                        % {"id": cell("id"), "year": budget.year},
                        line,
                        names["id"],
                    )
                )
        else:
            kind = TYPES.get(_normalised(cell("type")))
            name = cell("name")
            if kind is None:
                problems.append(
                    Problem(
                        _("“%(type)s” is not a type of row; write Innsatsområde or Prosjekt.") % {"type": cell("type")},
                        line,
                        names["type"],
                    )
                )
            elif not name:
                problems.append(
                    Problem(_("The name is empty; write the focus area's or project's name."), line, names["name"])
                )
            else:
                candidates = by_name.get((kind, _normalised(name)), [])
                plan = _normalised(cell("plan"))
                if plan and len(candidates) > 1:
                    candidates = [
                        r for r in candidates if plan in (_normalised(str(r.plan)), _normalised(r.plan.title))
                    ]
                if not candidates:
                    problems.append(
                        Problem(
                            _(
                                "“%(name)s” is not a focus area or project of the financial plans for %(year)s; "
                                "the template lists them."
                            )
                            % {"name": name, "year": budget.year},
                            line,
                            names["name"],
                        )
                    )
                elif len(candidates) > 1:
                    problems.append(
                        Problem(
                            _(
                                "“%(name)s” is the name of more than one row; keep the ID column of the template, "
                                "or write the plan in the column Plan."
                            )
                            % {"name": name},
                            line,
                            names["name"],
                        )
                    )
                else:
                    row = candidates[0]
        amounts = []
        for column in AMOUNTS:
            try:
                amounts.append(read_amount(cell(column)))
            except AmountError as error:
                problems.append(Problem(str(error), line, names[column]))
        if row is not None:
            if row.key in first_line_of:
                problems.append(
                    Problem(
                        _("The same focus area or project appears twice (first on line %(first)s).")
                        % {"first": first_line_of[row.key]},
                        line,
                    )
                )
            first_line_of.setdefault(row.key, line)
        if len(problems) == before:
            found.append(ImportedRow(line, row, tuple(amounts)))
    if problems:
        raise ImportRejected(problems)
    return found


class BudgetImportForm(ImportForm):
    """The spreadsheet upload, checked as the value import checks it: size and type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = gettext_lazy("Budget spreadsheet (CSV or XLSX)")
        self.fields["file"].help_text = gettext_lazy(
            "One row per focus area or project, with the columns of the template; amounts in NOK 1 000."
        )


@login_required
def budget_import(request, code: str, year: int):
    """Upload a budget spreadsheet; it is checked in full on the next page before anything is stored."""
    municipality = planner_municipality(request, code, year)
    form = BudgetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = BudgetImport.objects.create(
            uploaded_by=request.user,
            municipality=municipality,
            year=year,
            filename=upload.name[-255:],
            content=upload.read(),
        )
        return redirect("budget_import_preview", stored.pk)
    recent = (
        BudgetImport.objects.filter(municipality=municipality, year=year)
        .select_related("uploaded_by")
        .defer("content")[:10]
    )
    return render(
        request,
        "plans/budget_import.html",
        {
            "municipality": municipality,
            "code": municipality.kommunenummer,
            "year": year,
            "form": form,
            "recent": recent,
        },
    )


@login_required
def budget_import_preview(request, pk: int):
    """Show what the file would change, or every problem in it; store it all in one transaction on confirm."""
    stored, _access = object_for_user(
        request,
        BudgetImport.objects.select_related("municipality").prefetch_related("municipality__codes"),
        pk=pk,
        uploaded_by=request.user,
        may=Access.can_enter,
    )
    municipality = stored.municipality
    if request.method == "POST" and stored.confirmed_at is not None:
        messages.info(request, _("This file has already been imported; nothing was changed."))
        return redirect("budget_import_preview", stored.pk)
    budget = budget_year(municipality, stored.year)
    problems, imported = [], []
    try:
        imported = read_budget(bytes(stored.content), stored.filename, budget)
    except ImportRejected as rejected:
        problems = rejected.problems
    if request.method == "POST" and not problems:
        source = _("file %(name)s") % {"name": stored.filename}
        try:
            with transaction.atomic():
                locked = BudgetImport.objects.select_for_update().get(pk=stored.pk)
                if locked.confirmed_at is not None:  # confirmed by another request meanwhile
                    messages.info(request, _("This file has already been imported; nothing was changed."))
                    return redirect("budget_import_preview", stored.pk)
                result = apply_amounts(
                    municipality,
                    stored.year,
                    [Change(item.row, item.amounts) for item in imported],
                    user=request.user,
                    source=source,
                    reason=_("Imported from the file %(name)s") % {"name": stored.filename},
                )
                locked.confirmed_at, locked.rows = timezone.now(), len(imported)
                locked.save(update_fields=["confirmed_at", "rows"])
        except IntegrityError:
            messages.error(
                request, _("Nothing was saved: someone else saved budget lines at the same time. Try again.")
            )
            return redirect("budget_import_preview", stored.pk)
        messages.success(
            request,
            _("Imported %(file)s: %(created)s new budget lines, %(updated)s changed, %(unchanged)s unchanged.")
            % {
                "file": stored.filename,
                "created": result.created,
                "updated": result.changed,
                "unchanged": result.unchanged,
            },
        )
        return redirect("budget_entry", municipality.kommunenummer, stored.year)
    counts = dict.fromkeys(("new", "changed", "unchanged"), 0)
    for item in imported:
        counts[item.status] += 1
    return render(
        request,
        "plans/budget_import_preview.html",
        {
            "stored": stored,
            "municipality": municipality,
            "code": municipality.kommunenummer,
            "problems": problems,
            "max_problems": MAX_PROBLEMS,
            "preview": imported,
            "counts": counts,
            "headings": [amount_label(name) for name in AMOUNTS],
        },
    )
