"""The plan chain in the browser: the chain and each plan as pages, and editing them.

Everyone reads adopted plans (and the versions they replaced); readers with a role in the municipality also
see drafts and the plans' logs. Planners of the municipality create and edit plans, focus areas, goals and
strategic projects, and roll the økonomiplan; approvers adopt a version. A change to an adopted plan needs a
one-line explanation. Every change goes to the plan's log (PlanChange).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Prefetch, ProtectedError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.access import Access, access_for, municipality_for_user, object_for_user
from indicators.models import Municipality
from plans import chain as plan_chain
from plans.forms import AdoptForm, FocusAreaForm, GoalForm, PlanForm, ProjectForm
from plans.models import (
    ClimateBudget,
    FocusArea,
    Goal,
    GoalIndicator,
    Plan,
    PlanChange,
    PlanStatus,
    PlanType,
    StrategicProject,
)

LOG_ENTRIES = 50
# What the plan's log calls each kind of item (by its address segment), and its model.
SUBJECTS = {
    "innsatsomrade": (FocusArea, gettext_lazy("Focus area “%(name)s”")),
    "mal": (Goal, gettext_lazy("Goal “%(name)s”")),
    "prosjekt": (StrategicProject, gettext_lazy("Strategic project “%(name)s”")),
}


def _year(request) -> int:
    try:
        year = int(request.GET.get("ar", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 1900 <= year <= 2200 else timezone.localdate().year


def chain_page(request, code: str):
    """The municipality's plans as a chain, the ones in force for the year first, with uncarried focus areas."""
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    year = _year(request)
    result = plan_chain.chain(municipality, year, can_read_drafts=access.can_read(municipality.pk))
    return render(
        request,
        "plans/chain.html",
        {
            "municipality": municipality,
            "chain": result,
            "year": year,
            "can_edit": access.can_enter(municipality.pk),
        },
    )


def _visible_plan(request, pk: int, *, code: str | None = None) -> tuple[Plan, object]:
    plan = get_object_or_404(Plan.objects.select_related("municipality", "parent", "previous_version"), pk=pk)
    access = access_for(request.user)
    if plan.status not in plan_chain.PUBLIC_STATUSES and not access.can_read(plan.municipality_id):
        raise Http404
    if code is not None and code != plan.municipality.kommunenummer:
        raise Http404
    return plan, access


def plan_page(request, code: str, pk: int):
    """One plan: its focus areas and goals, what it carries forward from above, its projects, money and log."""
    municipality, _access = municipality_for_user(request, code, may=Access.anyone)
    plan, access = _visible_plan(request, pk, code=municipality.kommunenummer)
    areas = list(
        plan.focus_areas.select_related("carries__plan").prefetch_related(
            Prefetch(
                "goals",
                queryset=Goal.objects.select_related("carries").prefetch_related(
                    Prefetch("measures", queryset=GoalIndicator.objects.select_related("indicator"))
                ),
            ),
        )
    )
    projects = list(plan.strategic_projects.prefetch_related("focus_areas"))
    can_read = access.can_read(plan.municipality_id)
    year = min(max(timezone.localdate().year, plan.period_start), plan.period_end)
    chain = plan_chain.chain(plan.municipality, year, can_read_drafts=can_read)
    uncarried = {a.pk for a in chain.uncarried} if chain.kommuneplan == plan else set()
    for area in areas:
        area.carried_in = chain.carried_in.get(area.pk, []) if chain.kommuneplan == plan else []
        area.uncarried = area.pk in uncarried
    years = [y for y in range(plan.period_start, plan.period_end + 1) if y <= timezone.localdate().year]
    money = plan_chain.budget_by_focus_area(plan, years)
    for area in areas:
        area.money = money.get(area.pk)
    log = []
    if can_read:
        log = list(plan.changes.select_related("changed_by")[:LOG_ENTRIES])
    versions = list(
        Plan.objects.filter(municipality=plan.municipality, plan_type=plan.plan_type)
        .filter(pk__in=_version_ids(plan))
        .order_by("-period_start")
    )
    if not can_read:
        versions = [v for v in versions if v.status in plan_chain.PUBLIC_STATUSES]
    can_edit = access.can_enter(plan.municipality_id) and plan_chain.is_open(plan)
    return render(
        request,
        "plans/plan.html",
        {
            "municipality": plan.municipality,
            "plan": plan,
            "areas": areas,
            "projects": projects,
            "log": log,
            "versions": versions,
            "can_edit": can_edit,
            "climate": _climate_section(plan, can_edit=can_edit),
            "can_adopt": access.can_approve(plan.municipality_id)
            and plan.status != PlanStatus.ADOPTED
            and plan_chain.is_open(plan),
            "can_roll": access.can_enter(plan.municipality_id)
            and plan.plan_type == PlanType.OKONOMIPLAN
            and plan.status == PlanStatus.ADOPTED
            and not plan.later_versions.exists(),
            "money_years": years,
        },
    )


def _climate_section(plan: Plan, *, can_edit: bool) -> dict | None:
    """The økonomiplan's climate budget in short, and for its planners its sectors and measures to edit; None where
    there is nothing to show. One query for readers, three for planners."""
    if plan.plan_type != PlanType.OKONOMIPLAN:
        return None
    budget = (
        ClimateBudget.objects.filter(plan=plan)
        .annotate(sector_count=Count("sectors", distinct=True), measure_count=Count("measures", distinct=True))
        .first()
    )
    if budget is None and not can_edit:
        return None
    section = {"budget": budget, "can_edit": can_edit}
    if budget is not None and can_edit:
        section["sectors"] = list(budget.sectors.all())
        section["measures"] = list(budget.measures.all())
    return section


def _version_ids(plan: Plan) -> set[int]:
    """The plan's versions: the ones it was rolled from and the ones rolled from it."""
    ids, earlier = {plan.pk}, plan.previous_version
    while earlier is not None:
        ids.add(earlier.pk)
        earlier = earlier.previous_version
    later = set(Plan.objects.filter(previous_version_id__in=ids).values_list("pk", flat=True)) - ids
    while later:
        ids |= later
        later = set(Plan.objects.filter(previous_version_id__in=later).values_list("pk", flat=True)) - ids
    return ids


# --- Editing ---------------------------------------------------------------------------------------------------


def _editable(request, plan: Plan) -> None:
    """Planners of the plan's municipality edit plans that are not replaced or repealed."""
    if not access_for(request.user).can_enter(plan.municipality_id) or not plan_chain.is_open(plan):
        raise Http404


def _form_page(
    request, form, *, title: str, plan: Plan | None, municipality: Municipality, back: str, delete_url: str = ""
):
    return render(
        request,
        "plans/plan_form.html",
        {
            "form": form,
            "title": title,
            "plan": plan,
            "municipality": municipality,
            "back": back,
            "delete_url": delete_url,
            "needs_reason": plan is not None and plan_chain.needs_explanation(plan),
        },
    )


def _save_logged(request, form, plan: Plan, subject: str, *, created: bool):
    """Save the form and log the change on the plan; return the saved object."""
    details = [] if created else plan_chain.form_details(form)
    with transaction.atomic():
        saved = form.save()
        if created or details:
            action = PlanChange.Action.CREATED if created else PlanChange.Action.CHANGED
            plan_chain.record(
                plan, action, subject % {"name": saved}, user=request.user, details=details,
                reason=form.cleaned_data.get("reason", ""),
            )  # fmt: skip
    return saved


@login_required
def plan_create(request, code: str):
    municipality, _access = municipality_for_user(request, code, may=Access.can_enter)
    form = PlanForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        plan = _save_logged(request, form, form.instance, _("Plan “%(name)s”"), created=True)
        messages.success(request, _("The plan was created as a draft."))
        return redirect("plan", municipality.kommunenummer, plan.pk)
    back = reverse("plan_chain", args=[municipality.kommunenummer])
    return _form_page(request, form, title=_("New plan"), plan=None, municipality=municipality, back=back)


@login_required
def plan_edit(request, pk: int):
    plan = get_object_or_404(Plan.objects.select_related("municipality"), pk=pk)
    _editable(request, plan)
    form = PlanForm(
        request.POST or None,
        instance=plan,
        municipality=plan.municipality,
        needs_reason=plan_chain.needs_explanation(plan),
    )
    if request.method == "POST" and form.is_valid():
        _save_logged(request, form, plan, _("Plan “%(name)s”"), created=False)
        messages.success(request, _("The plan was saved."))
        return redirect("plan", plan.municipality.kommunenummer, plan.pk)
    return _form_page(
        request, form, title=_("Edit the plan"), plan=plan, municipality=plan.municipality, back=_plan_url(plan)
    )


@login_required
def plan_roll(request, pk: int):
    """Copy an adopted økonomiplan one year on as a new draft version (POST)."""
    plan = get_object_or_404(Plan.objects.select_related("municipality"), pk=pk)
    _editable(request, plan)
    if request.method != "POST" or plan.plan_type != PlanType.OKONOMIPLAN or plan.status != PlanStatus.ADOPTED:
        raise Http404
    if plan.later_versions.exists():
        messages.error(request, _("This version has been rolled already."))
        return redirect(_plan_url(plan))
    new = plan_chain.roll(plan, user=request.user)
    messages.success(
        request,
        _("%(plan)s is a new draft. The adopted version stays in force until the new one is adopted.") % {"plan": new},
    )
    return redirect(_plan_url(new))


@login_required
def plan_adopt(request, pk: int):
    """Approvers record the council's adoption of a version."""
    plan, _access = object_for_user(request, Plan.objects.select_related("municipality"), pk=pk, may=Access.can_approve)
    if not plan_chain.is_open(plan):
        raise Http404
    if plan.status == PlanStatus.ADOPTED:
        messages.info(request, _("This version is adopted already."))
        return redirect(_plan_url(plan))
    form = AdoptForm(request.POST or None, initial={"adopted_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        plan_chain.adopt(plan, user=request.user, **form.cleaned_data)
        messages.success(request, _("The plan is adopted."))
        return redirect(_plan_url(plan))
    return _form_page(
        request,
        form,
        title=_("Adopt %(plan)s") % {"plan": plan},
        plan=plan,
        municipality=plan.municipality,
        back=_plan_url(plan),
    )


def _item_form(request, plan: Plan, form, *, save, done: str, title: str, delete_url: str = "", warn=None):
    """A focus area's, goal's or project's form page: on a valid POST, save(form), say done (and warn(form), if it
    has something to say) and go to the plan."""
    if request.method == "POST" and form.is_valid():
        save(form)
        messages.success(request, done)
        warning = warn(form) if warn else ""
        if warning:
            messages.warning(request, warning)
        return redirect(_plan_url(plan))
    return _form_page(
        request,
        form,
        title=title,
        plan=plan,
        municipality=plan.municipality,
        back=_plan_url(plan),
        delete_url=delete_url,
    )


def _logged(request, plan: Plan, kind: str, *, created: bool):
    """save() for _item_form: save the form and log it on the plan under the kind's subject."""
    return lambda form: _save_logged(request, form, plan, SUBJECTS[kind][1], created=created)


@login_required
def focus_area_create(request, pk: int):
    plan = get_object_or_404(Plan.objects.select_related("municipality"), pk=pk)
    _editable(request, plan)
    form = FocusAreaForm(request.POST or None, plan=plan, needs_reason=plan_chain.needs_explanation(plan))
    save = _logged(request, plan, "innsatsomrade", created=True)
    return _item_form(request, plan, form, save=save, done=_("The focus area was added."), title=_("New focus area"))


@login_required
def focus_area_edit(request, pk: int):
    area = get_object_or_404(FocusArea.objects.select_related("plan__municipality"), pk=pk)
    plan = area.plan
    _editable(request, plan)
    form = FocusAreaForm(
        request.POST or None, instance=area, plan=plan, needs_reason=plan_chain.needs_explanation(plan)
    )
    return _item_form(
        request,
        plan,
        form,
        save=_logged(request, plan, "innsatsomrade", created=False),
        done=_("The focus area was saved."),
        title=_("Edit the focus area"),
        delete_url=reverse("plan_delete", args=["innsatsomrade", area.pk]),
    )


def _baseline_warning(form: GoalForm) -> str:
    """A goal was saved with a baseline that differs from the figure recorded for its year: say so (not refused)."""
    check = form.baseline_check()
    return check.message if check is not None and check.differs else ""


def _save_goal(request, form: GoalForm, plan: Plan, *, created: bool) -> Goal:
    details = [] if created else plan_chain.form_details(form)
    with transaction.atomic():
        goal = form.save()
        data = form.cleaned_data
        measure = form.measure
        if data.get("indicator") is None:
            if measure is not None:
                measure.delete()
        else:
            values = {n: data.get(n) for n in GoalForm.MEASURE_FIELDS[1:]}
            if measure is None:
                GoalIndicator.objects.create(goal=goal, indicator=data["indicator"], **values)
            else:
                measure.indicator = data["indicator"]
                for name, value in values.items():
                    setattr(measure, name, value)
                measure.full_clean(exclude=["goal"])
                measure.save()
        if created or details:
            plan_chain.record(
                plan,
                PlanChange.Action.CREATED if created else PlanChange.Action.CHANGED,
                _("Goal “%(name)s” under “%(area)s”") % {"name": goal, "area": goal.focus_area},
                user=request.user,
                details=details,
                reason=data.get("reason", ""),
            )
    return goal


@login_required
def goal_create(request, pk: int):
    area = get_object_or_404(FocusArea.objects.select_related("plan__municipality"), pk=pk)
    plan = area.plan
    _editable(request, plan)
    form = GoalForm(request.POST or None, focus_area=area, needs_reason=plan_chain.needs_explanation(plan))
    return _item_form(
        request,
        plan,
        form,
        save=lambda form: _save_goal(request, form, plan, created=True),
        done=_("The goal was added."),
        warn=_baseline_warning,
        title=_("New goal under “%(area)s”") % {"area": area},
    )


@login_required
def goal_edit(request, pk: int):
    goal = get_object_or_404(Goal.objects.select_related("focus_area__plan__municipality"), pk=pk)
    plan = goal.focus_area.plan
    _editable(request, plan)
    form = GoalForm(
        request.POST or None,
        instance=goal,
        focus_area=goal.focus_area,
        needs_reason=plan_chain.needs_explanation(plan),
    )
    return _item_form(
        request,
        plan,
        form,
        save=lambda form: _save_goal(request, form, plan, created=False),
        done=_("The goal was saved."),
        warn=_baseline_warning,
        title=_("Edit the goal"),
        delete_url=reverse("plan_delete", args=["mal", goal.pk]),
    )


@login_required
def project_create(request, pk: int):
    plan = get_object_or_404(Plan.objects.select_related("municipality"), pk=pk)
    _editable(request, plan)
    form = ProjectForm(request.POST or None, plan=plan, needs_reason=plan_chain.needs_explanation(plan))
    return _item_form(
        request,
        plan,
        form,
        save=_logged(request, plan, "prosjekt", created=True),
        done=_("The strategic project was added."),
        title=_("New strategic project"),
    )


@login_required
def project_edit(request, pk: int):
    project = get_object_or_404(StrategicProject.objects.select_related("plan__municipality"), pk=pk)
    plan = project.plan
    _editable(request, plan)
    form = ProjectForm(
        request.POST or None, instance=project, plan=plan, needs_reason=plan_chain.needs_explanation(plan)
    )
    return _item_form(
        request,
        plan,
        form,
        save=_logged(request, plan, "prosjekt", created=False),
        done=_("The strategic project was saved."),
        title=_("Edit the strategic project"),
        delete_url=reverse("plan_delete", args=["prosjekt", project.pk]),
    )


@login_required
def delete(request, kind: str, pk: int):
    """Delete a focus area, goal or strategic project (POST), with an explanation where the plan is adopted.

    Refused while budget lines or annual-report texts refer to it: money and published texts stay traceable.
    """
    model, subject = SUBJECTS.get(kind, (None, None))
    if model is None or request.method != "POST":
        raise Http404
    obj = get_object_or_404(model, pk=pk)
    plan = obj.focus_area.plan if model is Goal else obj.plan
    _editable(request, plan)
    reason = request.POST.get("reason", "").strip()[:300]
    if plan_chain.needs_explanation(plan) and not reason:
        messages.error(request, _("The plan is adopted: explain the change in one line."))
        return redirect(_local_address(request, request.POST.get("back"), fallback=_plan_url(plan)))
    if model is not Goal and obj.budget_lines.exists():
        messages.error(request, _("It has budget lines: delete or move them on the budget page first."))
        return redirect(_plan_url(plan))
    name = str(obj)
    try:
        with transaction.atomic():
            obj.delete()
            plan_chain.record(
                plan, PlanChange.Action.DELETED, subject % {"name": name}, user=request.user, reason=reason
            )
    except ProtectedError:
        messages.error(request, _("An annual report refers to it, so it cannot be deleted."))
        return redirect(_plan_url(plan))
    messages.success(request, _("%(what)s was deleted.") % {"what": subject % {"name": name}})
    return redirect(_plan_url(plan))


def _plan_url(plan: Plan) -> str:
    return reverse("plan", args=[plan.municipality.kommunenummer, plan.pk])


def _local_address(request, address: str | None, *, fallback: str) -> str:
    """Return the address a request asked for if it stays on this site (by https if the request did), else fallback."""
    # An address taken from a request is anyone's choice: never send a planner off the portal with it.
    if url_has_allowed_host_and_scheme(address, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return address
    return fallback
