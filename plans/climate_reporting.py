"""The yearly reporting of a climate budget's measures, and the measures spreadsheet.

A planner of the municipality writes each measure's status for the year (with an explanation and the result
indicator's figure) as a draft and submits it; an approver approves it, returns it with a reason, or publishes it,
which copies it to what the public reads (plans.climate.move_reports). The published copy stays while a new draft
is written. Planners also download the measures spreadsheet and import it, checked in full before anything is
stored. Everyone else gets a 404, whatever the request.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from indicators.access import Access, municipality_for_user, object_for_user
from indicators.entry import ImportForm
from indicators.importers.base import MAX_PROBLEMS, ImportRejected
from indicators.importers.spreadsheet import XLSX_TYPE
from indicators.numbers import LIMIT, NumberError, field_text, read_field
from plans.climate import (
    EXPLAINED_STATUSES,
    BudgetView,
    ClimateBudgetError,
    MeasureRow,
    budget_for_year,
    compose,
    move_reports,
    moved_message,
    save_report,
)
from plans.climate_sheet import import_measures, plan_years, read_measures, template_xlsx
from plans.models import (
    ClimateBudget,
    ClimateImport,
    MeasureReport,
    MeasureReportRevision,
    MeasureStatus,
    ReportStatus,
)

# The longest reason an approver may give for returning a status (as for a returned figure).
REASON_LENGTH = 1000
EXPLANATION_LENGTH = 4000
PLANNER_ACTIONS = ("save", "submit", "submit_all")
APPROVER_ACTIONS = ("approve", "publish", "return")


def may_report(access: Access, municipality_id: int) -> bool:
    """Planners write the statuses, approvers approve and publish them; nobody else sees the page."""
    return access.can_enter(municipality_id) or access.can_approve(municipality_id)


# --- one measure's status ----------------------------------------------------------------------------------------


class MeasureStatusForm(forms.Form):
    """A measure's status for the year as the planner writes it: status, explanation and the result's figure."""

    status = forms.ChoiceField(required=False)
    explanation = forms.CharField(required=False, max_length=EXPLANATION_LENGTH, widget=forms.Textarea)
    result = forms.CharField(required=False, max_length=30)

    def __init__(self, *args, row: "StatusRow", **kwargs):
        report = row.report
        initial = {
            "status": report.status if report else "",
            "explanation": report.explanation if report else "",
            "result": field_text(report.result_value) if report else "",
        }
        super().__init__(*args, prefix=f"m{row.measure.pk}", initial=initial, **kwargs)
        measure = row.measure.number
        self.fields["status"].choices = [("", _("No status")), *MeasureStatus.choices]
        self.fields["status"].label = _("Status of %(measure)s") % {"measure": measure}
        self.fields["explanation"].label = _("Explanation for %(measure)s") % {"measure": measure}
        self.fields["result"].label = _("Result figure for %(measure)s") % {"measure": measure}
        self.fields["status"].widget.attrs.update({"class": "form-select form-select-sm"})
        self.fields["explanation"].widget.attrs.update({"class": "form-control form-control-sm", "rows": 2})
        self.fields["result"].widget.attrs.update(
            {"class": "form-control form-control-sm text-end number", "inputmode": "decimal", "autocomplete": "off",
             "size": 8}
        )  # fmt: skip

    def clean_result(self) -> Decimal | None:
        text = self.cleaned_data["result"].strip()
        if not text:
            return None
        try:
            number = read_field(text)
        except NumberError:
            raise forms.ValidationError(
                _("“%(text)s” is not a number. Write it like 1 234,5 or 1234.5.") % {"text": text}
            ) from None
        if abs(number) >= LIMIT:
            raise forms.ValidationError(_("The number is too large."))
        if number != number.quantize(Decimal("0.1")):
            raise forms.ValidationError(_("Write the number with at most one decimal."))
        return number

    def clean(self):
        data = super().clean()
        status, explanation = data.get("status", ""), data.get("explanation", "").strip()
        data["explanation"] = explanation
        if not status and (explanation or data.get("result") is not None):
            self.add_error("status", _("Choose a status: the measure has an explanation or a figure but no status."))
        if status in EXPLAINED_STATUSES and not explanation:
            self.add_error("explanation", _("Explain why the measure is delayed, changed or cancelled."))
        return data

    @property
    def values(self) -> tuple[str, str, Decimal | None]:
        return self.cleaned_data["status"], self.cleaned_data["explanation"], self.cleaned_data["result"]

    def mark_errors(self) -> None:
        """Tie each error to its field for screen readers."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
                attrs["class"] += " is-invalid"


@dataclass(eq=False)
class StatusRow:
    """A measure on the status page: its plan for the year, its report as it stands, and its history."""

    item: MeasureRow
    year: int
    revisions: list[MeasureReportRevision] = field(default_factory=list)
    form: MeasureStatusForm | None = None
    chosen: bool = False
    reason: str = ""
    error: str = ""

    @property
    def measure(self):
        return self.item.measure

    @property
    def report(self) -> MeasureReport | None:
        return self.item.report

    @property
    def target(self) -> Decimal | None:
        return self.item.target(self.year)

    @property
    def is_changed(self) -> bool:
        """The planner's form holds another status, explanation or figure than the report has."""
        status, explanation, result = self.form.values
        if self.report is None:
            return bool(status)
        return (status, explanation, result) != (self.report.status, self.report.explanation, self.report.result_value)

    @property
    def shows_published(self) -> bool:
        """A published copy the public reads, which is not what the working copy says now."""
        report = self.report
        return bool(report and report.published_at and report.workflow != ReportStatus.PUBLISHED)

    @property
    def published_label(self) -> str:
        return str(MeasureStatus(self.report.published_status).label) if self.shows_published else ""


def status_rows(view: BudgetView) -> list[StatusRow]:
    """The rows of the page, each with its report's history, oldest first. One query for the histories."""
    rows = [StatusRow(item, view.year) for item in view.measures]
    by_report = {row.report.pk: row for row in rows if row.report}
    if by_report:
        revisions = (
            MeasureReportRevision.objects.filter(report_id__in=by_report)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        )
        for revision in revisions:
            by_report[revision.report_id].revisions.append(revision)
    return rows


# --- the page -----------------------------------------------------------------------------------------------------


def start_links(municipalities, year: int, access) -> dict[int, list[tuple[str, str]]]:
    """ "Min rapportering"'s link to the year's climate measures, for the planners and approvers of each municipality
    whose økonomiplan adopted for the year has a climate budget (the version in force then, perhaps replaced since).
    One query, none when she enters or approves for no municipality."""
    ids = [m.pk for m in municipalities if access.can_enter(m.pk) or access.can_approve(m.pk)]
    if not ids:
        return {}
    with_budget = set(
        ClimateBudget.objects.filter(
            plan__municipality_id__in=ids,
            plan__adopted_on__isnull=False,
            plan__period_start__lte=year,
            plan__period_end__gte=year,
        ).values_list("plan__municipality_id", flat=True)
    )
    return {
        m.pk: [(_("Climate measures"), reverse("climate_status", args=[m.kommunenummer, year]))]
        for m in municipalities
        if m.pk in with_budget
    }


@login_required
def climate_status(request, code: str, year: int):
    """The year's statuses of the climate budget's measures, through the reporting round."""
    municipality, access = municipality_for_user(request, code, may=may_report, year=year)
    can_enter, can_approve = access.can_enter(municipality.pk), access.can_approve(municipality.pk)
    budget = budget_for_year(municipality, year, can_read_drafts=True)
    context = {"municipality": municipality, "year": year, "budget": budget, "can_enter": can_enter,
               "can_approve": can_approve}  # fmt: skip
    if budget is None:
        if request.method == "POST":
            raise Http404
        return render(request, "plans/climate/status.html", context)
    view = compose(budget, year, published_only=False)
    rows = status_rows(view)
    summary = None
    if request.method == "POST":
        action = request.POST.get("action")
        if not (action in PLANNER_ACTIONS and can_enter) and not (action in APPROVER_ACTIONS and can_approve):
            raise Http404
        chosen = set(request.POST.getlist("measure"))
        for row in rows:
            row.chosen = str(row.measure.pk) in chosen
            row.reason = request.POST.get(f"reason-{row.measure.pk}", "").strip()
        if action in PLANNER_ACTIONS:
            for row in rows:
                row.form = MeasureStatusForm(request.POST, row=row)
            summary = _planner_post(request, view, rows, action)
        else:
            summary = _approver_post(request, view, rows, action)
        if summary is None:
            return redirect("climate_status", municipality.kommunenummer, year)
    if can_enter:
        for row in rows:
            if row.form is None:
                row.form = MeasureStatusForm(row=row)
            elif row.form.errors:
                row.form.mark_errors()
    counts = dict.fromkeys(ReportStatus.values, 0)
    for row in rows:
        if row.report:
            counts[row.report.workflow] += 1
    first, last = budget.plan.period_start, budget.plan.period_end
    context.update(
        {
            "view": view,
            "rows": rows,
            "summary": summary,
            "counts": counts,
            "unreported": sum(1 for row in rows if row.report is None),
            "steps": ReportStatus.choices,
            "years": [y for y in range(first, last + 1) if y != year],
            "reason_length": REASON_LENGTH,
        }
    )
    return render(request, "plans/climate/status.html", context)


def _planner_post(request, view: BudgetView, rows: list[StatusRow], action: str) -> dict | None:
    """Save every changed status as a draft, then submit the chosen ones (or every draft); the error summary when a
    status cannot be saved, with nothing written."""
    results = [row.form.is_valid() for row in rows]  # every form, so that every error is shown at once
    if not all(results):
        problems = [
            {"target": row.form[name].auto_id, "text": f"{row.measure.number}: {error}"}
            for row in rows
            for name, errors in row.form.errors.items()
            if name in row.form.fields
            for error in errors
        ]
        return {"title": _("Nothing was saved"), "problems": problems}
    changed = [row for row in rows if row.is_changed]
    try:
        with transaction.atomic():
            for row in changed:
                status, explanation, result = row.form.values
                save_report(
                    measure=row.measure,
                    year=view.year,
                    status=status,
                    explanation=explanation,
                    result_value=result,
                    user=request.user,
                )
            if action in ("submit", "submit_all"):
                reports = MeasureReport.objects.filter(measure__budget=view.budget, year=view.year)
                if action == "submit":
                    reports = reports.filter(measure_id__in=[row.measure.pk for row in rows if row.chosen])
                else:
                    reports = reports.filter(workflow=ReportStatus.DRAFT)
                reports = list(reports)
                moved = move_reports(reports=reports, to=ReportStatus.SUBMITTED, user=request.user)
    except ClimateBudgetError as error:
        messages.error(request, " ".join([_("Nothing was saved."), *error.problems]))
        return None
    except IntegrityError:
        messages.error(request, _("Nothing was saved: someone else saved statuses at the same time. Try again."))
        return None
    if changed:
        messages.success(
            request,
            ngettext("%(count)s status was saved as a draft.", "%(count)s statuses were saved as drafts.", len(changed))
            % {"count": len(changed)},
        )
    if action == "save":
        if not changed:
            messages.info(request, _("Nothing was changed."))
        return None
    chosen = sum(1 for row in rows if row.chosen) if action == "submit" else len(reports)
    if action == "submit" and not chosen:
        messages.warning(request, _("Choose the measures whose statuses you submit, or submit every draft."))
    elif moved:
        messages.success(request, moved_message(moved, ReportStatus.SUBMITTED))
    elif action == "submit_all":
        messages.info(request, _("There were no drafts to submit."))
    _left(request, chosen - moved, ReportStatus.SUBMITTED)
    return None


def _approver_post(request, view: BudgetView, rows: list[StatusRow], action: str) -> dict | None:
    """Approve, publish or return the chosen statuses; the error summary when a returned one lacks its reason."""
    chosen = [row for row in rows if row.chosen]
    if not chosen:
        messages.warning(request, _("Choose one or more measures first."))
        return None
    to = {"approve": ReportStatus.APPROVED, "publish": ReportStatus.PUBLISHED, "return": ReportStatus.DRAFT}[action]
    if action == "return":
        problems = []
        for row in chosen:
            if row.report is None or row.report.workflow not in (ReportStatus.SUBMITTED, ReportStatus.APPROVED):
                continue  # it cannot be returned; said below
            if not row.reason:
                row.error = _("Write why you return this status, so the planner can correct it.")
            elif len(row.reason) > REASON_LENGTH:
                row.error = _("Write the reason in at most %(max)s characters (it has %(count)s).") % {
                    "max": REASON_LENGTH,
                    "count": len(row.reason),
                }
            if row.error:
                problems.append({"target": f"reason-{row.measure.pk}", "text": f"{row.measure.number}: {row.error}"})
        if problems:
            return {"title": _("Nothing was returned"), "problems": problems}
    moved = 0
    with transaction.atomic():
        if action == "return":
            # Each status goes back with its own reason, which the planner reads beside it.
            for row in chosen:
                if row.report is not None:
                    moved += move_reports(reports=[row.report], to=to, user=request.user, review_comment=row.reason)
        else:
            reports = [row.report for row in chosen if row.report is not None]
            moved = move_reports(reports=reports, to=to, user=request.user)
    if moved:
        messages.success(request, moved_message(moved, to))
    _left(request, len(chosen) - moved, to)
    return None


def _left(request, count: int, to: str) -> None:
    """Say plainly that chosen measures were left as they were, and why."""
    if count <= 0:
        return
    why = {
        ReportStatus.SUBMITTED: ngettext(
            "%(count)s chosen measure was left as it was: only drafts are submitted.",
            "%(count)s chosen measures were left as they were: only drafts are submitted.",
            count,
        ),
        ReportStatus.APPROVED: ngettext(
            "%(count)s chosen measure was left as it was: only submitted statuses are approved.",
            "%(count)s chosen measures were left as they were: only submitted statuses are approved.",
            count,
        ),
        ReportStatus.PUBLISHED: ngettext(
            "%(count)s chosen measure was left as it was: only approved statuses are published.",
            "%(count)s chosen measures were left as they were: only approved statuses are published.",
            count,
        ),
        ReportStatus.DRAFT: ngettext(
            "%(count)s chosen measure was left as it was: only submitted or approved statuses are returned.",
            "%(count)s chosen measures were left as they were: only submitted or approved statuses are returned.",
            count,
        ),
    }[ReportStatus(to)]
    messages.warning(request, why % {"count": count})


# --- the spreadsheet ----------------------------------------------------------------------------------------------


def _planner_budget(request, code: str, year: int):
    """The municipality (planners only) and its climate budget for the year; 404 without one."""
    municipality, _access = municipality_for_user(request, code, may=Access.can_enter, year=year)
    budget = budget_for_year(municipality, year, can_read_drafts=True)
    if budget is None:
        raise Http404
    return municipality, budget


@login_required
def climate_template(request, code: str, year: int):
    """The measures spreadsheet to fill in: every measure with its yearly cuts and targets, and the year's status."""
    municipality, budget = _planner_budget(request, code, year)
    view = compose(budget, year, published_only=False)
    response = HttpResponse(template_xlsx(view, year), content_type=XLSX_TYPE)
    name = f"livskraft-klimatiltak-{municipality.kommunenummer}-{year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class ClimateImportForm(ImportForm):
    """The measures spreadsheet upload, checked as every upload is: size and type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = gettext_lazy("Measures spreadsheet (XLSX or CSV)")
        self.fields["file"].help_text = gettext_lazy(
            "One row per measure, with the columns of the template; cuts in tonnes CO₂-eq."
        )


@login_required
def climate_import(request, code: str, year: int):
    """Upload the measures spreadsheet; it is checked in full on the next page before anything is stored."""
    municipality, budget = _planner_budget(request, code, year)
    form = ClimateImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = ClimateImport.objects.create(
            uploaded_by=request.user, budget=budget, year=year, filename=upload.name[-255:], content=upload.read()
        )
        return redirect("climate_import_preview", stored.pk)
    recent = ClimateImport.objects.filter(budget=budget, year=year).select_related("uploaded_by").defer("content")[:10]
    return render(
        request,
        "plans/climate/import.html",
        {
            "municipality": municipality,
            "code": municipality.kommunenummer,
            "year": year,
            "budget": budget,
            "form": form,
            "recent": recent,
            "years": plan_years(budget),
        },
    )


@login_required
def climate_import_preview(request, pk: int):
    """Show what the file would create and change, or every problem in it; store it all in one transaction on
    confirm."""
    stored, _access = object_for_user(
        request,
        ClimateImport.objects.select_related("budget__plan__municipality"),
        pk=pk,
        uploaded_by=request.user,
        may=Access.can_enter,
        municipality_of=lambda found: found.budget.plan.municipality_id,
    )
    budget, municipality = stored.budget, stored.budget.plan.municipality
    prefetch_related_objects([municipality], "codes")
    if request.method == "POST" and stored.confirmed_at is not None:
        messages.info(request, _("This file has already been imported; nothing was changed."))
        return redirect("climate_import_preview", stored.pk)
    view = compose(budget, stored.year, published_only=False)
    problems, rows = [], []
    try:
        rows = read_measures(bytes(stored.content), stored.filename, view, stored.year)
    except ImportRejected as rejected:
        problems = rejected.problems
    if request.method == "POST" and not problems:
        try:
            result = import_measures(stored=stored, rows=rows, user=request.user)
        except ClimateBudgetError as error:
            problems = error.problems
        except IntegrityError:
            messages.error(request, _("Nothing was saved: someone else saved measures at the same time. Try again."))
            return redirect("climate_import_preview", stored.pk)
        else:
            if result is None:
                messages.info(request, _("This file has already been imported; nothing was changed."))
                return redirect("climate_import_preview", stored.pk)
            messages.success(
                request,
                _(
                    "Imported %(file)s: %(created)s new measures, %(changed)s changed, %(statuses)s statuses saved as "
                    "drafts."
                )  # fmt: skip
                % {
                    "file": stored.filename,
                    "created": result.created,
                    "changed": result.changed,
                    "statuses": result.statuses,
                },
            )
            return redirect("climate_status", municipality.kommunenummer, stored.year)
    counts = dict.fromkeys(("new", "changed", "unchanged"), 0)
    statuses = dict.fromkeys(("new", "changed", "unchanged"), 0)
    for row in rows:
        counts[row.measure_change] += 1
        if row.report_change:
            statuses[row.report_change] += 1
    return render(
        request,
        "plans/climate/import_preview.html",
        {
            "stored": stored,
            "budget": budget,
            "municipality": municipality,
            "code": municipality.kommunenummer,
            "problems": problems,
            "max_problems": MAX_PROBLEMS,
            "preview": rows,
            "counts": counts,
            "statuses": statuses,
        },
    )
