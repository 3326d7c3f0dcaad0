"""The planner's climate budget (klimabudsjett) inside an økonomiplan version: its terms and interim targets, its
sectors with frames and reference paths per year, its measures with effects per year, and deleting a sector or a
measure.

Only planners of the plan's municipality edit it, only in an økonomiplan, and only while the version is open (not
replaced or repealed); everyone else gets 404 (or, logged out, the login page). Approvers adopt the budget by
adopting the plan. Every write goes through plans.climate (save_budget, save_sector, save_measure, delete_part),
which checks the budget whole: when it refuses, its problems are shown on the form with what the planner typed, and
nothing is saved. A change to an adopted version needs a one-line explanation; every change goes to the plan's log.
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from indicators.access import access_for
from indicators.numbers import NO_VALUE, exact
from plans import chain as plan_chain
from plans import climate
from plans.climate import ClimateBudgetError
from plans.climate_forms import (
    ClimateBudgetForm,
    ClimateMeasureForm,
    ClimateSectorForm,
    DeleteForm,
    InterimTargetFormSet,
    MeasureYearForm,
    SectorYearForm,
)
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    Plan,
    PlanType,
    Sector,
    SectorYear,
)

HUNDRED = Decimal(100)
# What the address calls each part that can be deleted, and its model.
PARTS = {"sektor": ClimateSector, "tiltak": ClimateMeasure}
# The plan page's section on the climate budget, where the pages return to.
SECTION = "klimabudsjett"


# --- Who may edit -------------------------------------------------------------------------------------------------


def _editable(request, plan: Plan) -> None:
    """Planners of the plan's municipality edit the climate budget of an økonomiplan that is not replaced or
    repealed; anyone else is told there is no such page."""
    if (
        plan.plan_type != PlanType.OKONOMIPLAN
        or not plan_chain.is_open(plan)
        or not access_for(request.user).can_enter(plan.municipality_id)
    ):
        raise Http404


def _plan(request, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("municipality").prefetch_related("municipality__codes"), pk=pk)
    _editable(request, plan)
    return plan


def _budget(request, pk: int) -> ClimateBudget:
    budget = get_object_or_404(
        ClimateBudget.objects.select_related("plan__municipality").prefetch_related("plan__municipality__codes"),
        pk=pk,
    )
    _editable(request, budget.plan)
    return budget


def _part(request, model, pk: int):
    """A sector or measure with its budget, plan and municipality, for a planner who may edit it."""
    part = get_object_or_404(
        model.objects.select_related("budget__plan__municipality").prefetch_related(
            "budget__plan__municipality__codes"
        ),
        pk=pk,
    )
    _editable(request, part.budget.plan)
    return part


def _section_url(plan: Plan) -> str:
    return reverse("plan", args=[plan.municipality.kommunenummer, plan.pk]) + f"#{SECTION}"


# --- What the pages share -----------------------------------------------------------------------------------------


def _summary(*forms_shown, problems: list[str] = (), target: str = "") -> dict | None:
    """The problems at the top of the page, each a link to its field; the budget's problems (the service's) link to
    the target. None when there are none."""
    items = [{"target": target, "text": problem} for problem in problems]
    for form in forms_shown:
        if not form.is_bound or not form.errors:
            continue
        first = next(iter(form.fields))
        for name, errors in form.errors.items():
            field = form[first if name == NON_FIELD_ERRORS else name]
            items.extend({"target": field.auto_id, "text": error} for error in errors)
    if not items:
        return None
    return {"title": _("Nothing was saved"), "problems": items}


def _page(request, template: str, plan: Plan, title: str, **context):
    return render(
        request,
        template,
        {
            "plan": plan,
            "municipality": plan.municipality,
            "title": title,
            "back": _section_url(plan),
            "needs_reason": plan_chain.needs_explanation(plan),
            **context,
        },
    )


def _shown(value) -> str:
    return NO_VALUE if value is None else exact(value)


def _year_details(labels: dict[str, str], before: dict[int, dict], after: dict[int, dict]) -> list[list[str]]:
    """The figures per year that change, as [label year, before, after] for the plan's log."""
    details = []
    for year in sorted(set(before) | set(after)):
        for name, label in labels.items():
            old, new = before.get(year, {}).get(name), after.get(year, {}).get(name)
            if old != new:
                details.append([f"{label} {year}", _shown(old), _shown(new)])
    return details


def _form_and_year_details(form, labels: dict[str, str], stored: dict, years: list) -> list[list[str]]:
    """The log's details of a sector's or measure's form and of its grid of years: the fields and years changed."""
    return plan_chain.form_details(form) + _year_details(
        labels,
        {y: {n: getattr(r, n) for n in labels} for y, r in stored.items()},
        {r.year: {n: getattr(r, n) for n in labels} for r in years},
    )


def _typed(form, name: str, initial):
    """The figure in a grid row as typed (when it can be read) or as stored."""
    if form.is_bound:
        return form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    return initial


# --- The terms ----------------------------------------------------------------------------------------------------


def _targets_text(targets: list[tuple[int, Decimal]]) -> str:
    return "; ".join(f"{year}: {exact(percent)} %" for year, percent in targets) or NO_VALUE


@login_required
def budget_edit(request, pk: int):
    """Set up the climate budget of an økonomiplan version, or change its terms and interim targets."""
    plan = _plan(request, pk)
    budget = ClimateBudget.objects.filter(plan=plan).first()
    created = budget is None
    if created:
        budget = ClimateBudget(plan=plan)
    before = [] if created else [(t.year, t.percent) for t in budget.interim_targets.all()]
    data = request.POST if request.method == "POST" else None
    form = ClimateBudgetForm(data, instance=budget, needs_reason=plan_chain.needs_explanation(plan))
    interim = InterimTargetFormSet(
        data, prefix="interim", initial=[{"year": year, "percent": percent} for year, percent in before]
    )
    problems = []
    if data is not None:
        checked = interim.is_valid()
        if form.is_valid() and checked:
            after = sorted(f.target for f in interim.forms if f.target is not None)
            changed = [] if created else plan_chain.form_details(form)
            if after != before:
                changed.append([_("Interim targets"), _targets_text(before), _targets_text(after)])
            if not created and not changed:
                messages.info(request, _("Nothing was changed."))
                return redirect(_section_url(plan))
            try:
                climate.save_budget(
                    budget=form.instance,
                    interim=after,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    details=changed,
                )
            except ClimateBudgetError as error:
                problems = error.problems
            else:
                messages.success(
                    request, _("The climate budget was set up.") if created else _("The climate budget was saved.")
                )
                return redirect(_section_url(plan))
    interim_errors = [e for f in interim.forms for e in f.non_field_errors()] + list(interim.non_form_errors())
    return _page(
        request,
        "plans/climate/edit_budget.html",
        plan,
        _("Set up a climate budget") if created else _("Edit the climate budget's terms"),
        form=form,
        interim=interim,
        summary=_summary(form, *interim.forms, problems=[*problems, *interim_errors], target="id_scope"),
    )


# --- A sector -----------------------------------------------------------------------------------------------------


def sector_years(budget: ClimateBudget, stored) -> list[int]:
    """The years a sector's grid shows: the reference year, the plan period, the interim targets' and target year,
    and any year already stored."""
    plan = budget.plan
    years = {budget.reference_year, budget.target_year, *range(plan.period_start, plan.period_end + 1)}
    years |= {t.year for t in budget.interim_targets.all()}
    return sorted(years | set(stored))


def _tonnes(base: Decimal | None, percent: Decimal | None) -> Decimal | None:
    if base is None or percent is None:
        return None
    return base * percent / HUNDRED


@login_required
def sector_create(request, pk: int):
    budget = _budget(request, pk)
    return _sector_page(request, budget, ClimateSector(budget=budget))


@login_required
def sector_edit(request, pk: int):
    sector = _part(request, ClimateSector, pk)
    return _sector_page(request, sector.budget, sector)


def _sector_page(request, budget: ClimateBudget, sector: ClimateSector):
    """The sector's reference-path source and its frame and reference path per year, in per cent of its
    reference-year emissions, each with the tonnes it means today."""
    plan = budget.plan
    created = sector.pk is None
    stored = {} if created else {row.year: row for row in sector.years.all()}
    found = climate.inventory(plan.municipality_id, list(Sector.values))
    base = {code: figures.get(budget.reference_year) for code, figures in found.items()}
    taken = set(budget.sectors.values_list("sector", flat=True)) if created else set()
    data = request.POST if request.method == "POST" else None
    form = ClimateSectorForm(
        data, instance=sector, budget=budget, base=base, taken=taken, needs_reason=plan_chain.needs_explanation(plan)
    )
    rows = [SectorYearForm(data, year=year, stored=stored.get(year)) for year in sector_years(budget, stored)]
    problems = []
    if data is not None:
        checked = [row.is_valid() for row in rows]  # every row, so that each shows its problems
        if form.is_valid() and all(checked):
            years = [r for r in (row.row() for row in rows) if r is not None]
            labels = {"frame_percent": _("Frame (%)"), "reference_percent": _("Reference path (%)")}
            details = [] if created else _form_and_year_details(form, labels, stored, years)
            if not created and not details:
                messages.info(request, _("Nothing was changed."))
                return redirect(_section_url(plan))
            try:
                climate.save_sector(
                    sector=form.instance,
                    years=years,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    details=details,
                )
            except ClimateBudgetError as error:
                problems = error.problems
            else:
                done = _("The sector was added.") if created else _("The sector was saved.")
                messages.success(request, done)
                return redirect(_section_url(plan))
    code = sector.sector if not created else (form.cleaned_data.get("sector") if form.is_bound else None)
    base_tonnes = base.get(code) if code else None
    grid = []
    for row in rows:
        year_stored = stored.get(row.year)
        frame = _typed(row, "frame", year_stored.frame_percent if year_stored else None)
        reference = _typed(row, "reference", year_stored.reference_percent if year_stored else None)
        grid.append(
            {
                "form": row,
                "year": row.year,
                "frame_tonnes": _tonnes(base_tonnes, frame),
                "reference_tonnes": _tonnes(base_tonnes, reference),
                "marks": _year_marks(budget, row.year),
            }
        )
    return _page(
        request,
        "plans/climate/edit_sector.html",
        plan,
        _("Add a sector to the climate budget")
        if created
        else _("Edit the sector %(sector)s") % {"sector": sector.get_sector_display().lower()},
        budget=budget,
        sector=sector,
        form=form,
        grid=grid,
        base_tonnes=base_tonnes,
        base={code: str(tonnes) if tonnes is not None else None for code, tonnes in base.items()},
        summary=_summary(form, *rows, problems=problems, target="frames"),
        delete_url="" if created else reverse("climate_delete", args=["sektor", sector.pk]),
    )


def _year_marks(budget: ClimateBudget, year: int) -> list[str]:
    """What is special about the year in the grid: the reference year, the target year, outside the plan period."""
    marks = []
    if year == budget.reference_year:
        marks.append(_("reference year"))
    if year == budget.target_year:
        marks.append(_("target year"))
    if not budget.plan.period_start <= year <= budget.plan.period_end and year not in (
        budget.reference_year,
        budget.target_year,
    ):
        marks.append(_("outside the plan period"))
    return marks


# --- A measure ----------------------------------------------------------------------------------------------------


@login_required
def measure_create(request, pk: int):
    budget = _budget(request, pk)
    return _measure_page(request, budget, ClimateMeasure(budget=budget))


@login_required
def measure_edit(request, pk: int):
    measure = _part(request, ClimateMeasure, pk)
    return _measure_page(request, measure.budget, measure)


YEAR_FIELDS = ("cut", "cut_low", "cut_high", "result_target")


def _sector_room(budget: ClimateBudget, measure: ClimateMeasure, code: str) -> tuple[dict, dict]:
    """For the measure's sector, per year: the reference path in tonnes, and what the other measures cut (the high
    estimate where one is given, as the budget's check counts). Three queries."""
    base = climate.reference_tonnes(budget, code)
    path = {}
    rows = SectorYear.objects.filter(sector__budget=budget, sector__sector=code, reference_percent__isnull=False)
    for year, percent in rows.values_list("year", "reference_percent"):
        path[year] = _tonnes(base, percent)
    return path, climate.planned_cuts(budget, code, leaving_out=measure.pk)


def _measure_page(request, budget: ClimateBudget, measure: ClimateMeasure):
    """A measure and its expected cut per year of the plan period through the target year, beside the sector's
    reference path and what its other measures cut."""
    plan = budget.plan
    created = measure.pk is None
    stored = {} if created else {row.year: row for row in measure.years.all()}
    first, last = climate.effect_years(budget)
    data = request.POST if request.method == "POST" else None
    form = ClimateMeasureForm(data, instance=measure, budget=budget, needs_reason=plan_chain.needs_explanation(plan))
    rows = [
        MeasureYearForm(data, year=y, stored=stored.get(y)) for y in sorted(set(range(first, last + 1)) | set(stored))
    ]
    problems = []
    if data is not None:
        checked = [row.is_valid() for row in rows]  # every row, so that each shows its problems
        if form.is_valid() and all(checked):
            years = [r for r in (row.row() for row in rows) if r is not None]
            labels = {
                "cut": _("Expected cut (tonnes)"),
                "cut_low": _("Low estimate (tonnes)"),
                "cut_high": _("High estimate (tonnes)"),
                "result_target": _("Result target"),
            }
            details = [] if created else _form_and_year_details(form, labels, stored, years)
            if not created and not details:
                messages.info(request, _("Nothing was changed."))
                return redirect(_section_url(plan))
            try:
                climate.save_measure(
                    measure=form.instance,
                    years=years,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                    details=details,
                    good_examples=list(form.cleaned_data["good_examples"]),
                )
            except ClimateBudgetError as error:
                problems = error.problems
            else:
                done = _("The measure was added.") if created else _("The measure was saved.")
                messages.success(request, done)
                return redirect(_section_url(plan))
    code = form.data.get("sector") if form.is_bound else measure.sector
    path, others = _sector_room(budget, measure, code) if code in Sector.values else ({}, {})
    grid = [
        {
            "form": row,
            "year": row.year,
            "path": path.get(row.year),
            "others": others.get(row.year),
            "outside": not first <= row.year <= last,
        }
        for row in rows
    ]
    return _page(
        request,
        "plans/climate/edit_measure.html",
        plan,
        _("Add a climate measure") if created else _("Edit the measure %(measure)s") % {"measure": measure},
        budget=budget,
        measure=measure,
        form=form,
        grid=grid,
        first=first,
        last=last,
        sector_label=climate.sector_label(code) if code in Sector.values else "",
        summary=_summary(form, *rows, problems=problems, target="effects"),
        delete_url="" if created else reverse("climate_delete", args=["tiltak", measure.pk]),
    )


# --- Deleting -----------------------------------------------------------------------------------------------------


@login_required
def delete(request, kind: str, pk: int):
    """Delete a sector or a measure after the planner confirms it (POST), with an explanation where the plan is
    adopted; logged on the plan. A sector with measures, and a measure with reported statuses, stay."""
    model = PARTS.get(kind)
    if model is None:
        raise Http404
    part = _part(request, model, pk)
    plan = part.budget.plan
    form = DeleteForm(
        request.POST if request.method == "POST" else None, needs_reason=plan_chain.needs_explanation(plan)
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        name = str(part)
        try:
            climate.delete_part(part=part, user=request.user, reason=form.cleaned_data["reason"])
        except ClimateBudgetError as error:
            problems = error.problems
        else:
            messages.success(request, _("“%(name)s” was deleted.") % {"name": name})
            return redirect(_section_url(plan))
    is_sector = model is ClimateSector
    edit_url = reverse("climate_sector_edit" if is_sector else "climate_measure_edit", args=[part.pk])
    return _page(
        request,
        "plans/climate/edit_delete.html",
        plan,
        _("Delete the sector %(sector)s") % {"sector": part.get_sector_display().lower()}
        if is_sector
        else _("Delete the measure %(measure)s") % {"measure": part},
        part=part,
        is_sector=is_sector,
        form=form,
        edit_url=edit_url,
        summary=_summary(form, problems=problems, target="id_confirm"),
    )
