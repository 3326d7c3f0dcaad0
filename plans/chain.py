"""The plan chain: which plans are in force, what each carries forward, rolling and adopting versions, and the log.

planstrategi → kommuneplan (samfunnsdel/arealdel) → økonomiplan/handlingsprogram → årsbudsjett →
årsplaner/fagplaner/temaplaner. A focus area or goal of a plan below the kommuneplan may carry one of the
kommuneplan's forward (`carries`); a focus area of the kommuneplan that no økonomiplan or budget in force
carries gets a warning, since the kommuneplan then does not steer the money.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from indicators.numbers import format_number
from plans import climate
from plans.models import (
    BudgetLine,
    FocusArea,
    Goal,
    GoalIndicator,
    Plan,
    PlanChange,
    PlanStatus,
    PlanType,
    StrategicProject,
)

# The chain from the top; the plan types of one level are shown together.
LEVELS = [
    (_("Planning strategy"), [PlanType.PLANSTRATEGI]),
    (_("Municipal master plan"), [PlanType.KOMMUNEPLAN_SAMFUNN, PlanType.KOMMUNEPLAN_AREAL]),
    (_("Financial and action plan"), [PlanType.OKONOMIPLAN]),
    (_("Annual budget"), [PlanType.ARSBUDSJETT]),
    (_("Service, sector and thematic plans"), [PlanType.ARSPLAN, PlanType.FAGPLAN, PlanType.TEMAPLAN]),
    (_("Zoning plans"), [PlanType.OMRADEPLAN, PlanType.DETALJPLAN]),
    (_("Annual report"), [PlanType.ARSRAPPORT]),
]
KOMMUNEPLAN = PlanType.KOMMUNEPLAN_SAMFUNN
# The plans that carry the kommuneplan's focus areas into money.
FINANCIAL = (PlanType.OKONOMIPLAN, PlanType.ARSBUDSJETT)
# Versions the public may read: adopted ones, and the ones adopted once.
PUBLIC_STATUSES = (PlanStatus.ADOPTED, PlanStatus.REPLACED, PlanStatus.REPEALED)
# An adopted plan is changed only with an explanation; these are closed for changes.
CLOSED_STATUSES = (PlanStatus.REPLACED, PlanStatus.REPEALED)


def needs_explanation(plan: Plan) -> bool:
    return plan.status == PlanStatus.ADOPTED


def is_open(plan: Plan) -> bool:
    return plan.status not in CLOSED_STATUSES


def logged_value(value) -> str:
    """A field's value as the log shows it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    if hasattr(value, "quantize"):
        return format_number(value)
    return str(value)


def form_details(form) -> list[list[str]]:
    """The fields a bound, valid ModelForm changes, as [label, before, after] for the log."""
    details = []
    for name in form.changed_data:
        if name == "reason":  # the explanation is the log entry's own
            continue
        field = form.fields[name]
        before = form.initial.get(name)
        after = form.cleaned_data.get(name)
        if isinstance(before, list | tuple) or hasattr(after, "all"):  # several objects
            before = ", ".join(str(o) for o in before or []) or None
            after = ", ".join(str(o) for o in after) or None
        elif hasattr(field, "queryset"):  # a choice of objects: show them, not their keys
            if before not in (None, "") and not hasattr(before, "pk"):
                before = field.queryset.filter(pk=before).first()
        elif hasattr(field, "choices"):
            labels = dict(field.choices)
            before, after = labels.get(before, before), labels.get(after, after)
        details.append([str(field.label), logged_value(before), logged_value(after)])
    return details


def record(plan: Plan, action: str, subject: str, *, user, details=None, reason: str = "") -> PlanChange:
    """Write one entry of the plan's log."""
    return PlanChange.objects.create(
        plan=plan, action=action, subject=subject[:400], details=details or [], reason=reason[:300], changed_by=user
    )


@transaction.atomic
def roll(plan: Plan, *, user) -> Plan:
    """Copy the plan as a new draft version one year on, with its focus areas, goals, measures, projects and climate
    budget.

    The old version stays as it is (and readable) until the new one is adopted.
    """
    new = Plan.objects.create(
        municipality=plan.municipality,
        plan_type=plan.plan_type,
        title=plan.title.replace(
            f"{plan.period_start}–{plan.period_end}", f"{plan.period_start + 1}–{plan.period_end + 1}"
        ),
        period_start=plan.period_start + 1,
        period_end=plan.period_end + 1,
        status=PlanStatus.DRAFT,
        parent=plan.parent,
        previous_version=plan,
    )
    areas = {}
    for area in plan.focus_areas.prefetch_related("goals__measures"):
        copy = FocusArea.objects.create(
            plan=new, title=area.title, description=area.description, order=area.order, carries=area.carries
        )
        areas[area.pk] = copy
        for goal in area.goals.all():
            goal_copy = Goal.objects.create(focus_area=copy, title=goal.title, order=goal.order, carries=goal.carries)
            GoalIndicator.objects.bulk_create(
                GoalIndicator(
                    goal=goal_copy,
                    indicator_id=m.indicator_id,
                    baseline_year=m.baseline_year,
                    baseline_value=m.baseline_value,
                    target_year=m.target_year,
                    target_value=m.target_value,
                    direction=m.direction,
                )
                for m in goal.measures.all()
            )
    projects = {}
    for project in plan.strategic_projects.prefetch_related("focus_areas"):
        copy = StrategicProject.objects.create(
            plan=new,
            title=project.title,
            description=project.description,
            responsible_unit=project.responsible_unit,
            service_areas=project.service_areas,
            first_budget_year=project.first_budget_year,
            last_budget_year=project.last_budget_year,
        )
        copy.focus_areas.set([areas[a.pk] for a in project.focus_areas.all() if a.pk in areas])
        projects[project.pk] = copy.pk
    climate.copy_budget(plan, new, projects)
    subject = _("%(old)s rolled to %(new)s") % {"old": plan, "new": new}
    record(plan, PlanChange.Action.ROLLED, subject, user=user)
    record(new, PlanChange.Action.ROLLED, subject, user=user)
    return new


@transaction.atomic
def adopt(plan: Plan, *, adopted_on: datetime.date, decision_reference: str, user, reason: str = "") -> None:
    """Adopt the version; the earlier versions it was rolled from are then replaced."""
    before = [[str(Plan._meta.get_field("status").verbose_name), plan.get_status_display(), ""]]
    plan.status = PlanStatus.ADOPTED
    plan.adopted_on = adopted_on
    plan.decision_reference = decision_reference
    plan.full_clean()
    plan.save()
    before[0][2] = plan.get_status_display()
    record(plan, PlanChange.Action.ADOPTED, str(plan), user=user, details=before, reason=reason)
    earlier = plan.previous_version
    while earlier is not None:
        if earlier.status == PlanStatus.ADOPTED:
            earlier.status = PlanStatus.REPLACED
            earlier.save(update_fields=["status"])
            record(earlier, PlanChange.Action.CHANGED, _("Replaced by %(plan)s") % {"plan": plan}, user=user)
        earlier = earlier.previous_version


@dataclass
class Level:
    label: str
    in_force: list[Plan] = field(default_factory=list)
    other: list[Plan] = field(default_factory=list)  # drafts (for readers with a role) and past versions


@dataclass
class Chain:
    year: int
    levels: list[Level]
    kommuneplan: Plan | None
    # The kommuneplan's focus areas that no økonomiplan or budget in force carries forward.
    uncarried: list[FocusArea]
    # Focus area id → the plans in force below the kommuneplan that carry it.
    carried_in: dict[int, list[Plan]]


def plans_for(municipality, *, can_read_drafts: bool):
    plans = Plan.objects.filter(municipality=municipality)
    if not can_read_drafts:
        plans = plans.filter(status__in=PUBLIC_STATUSES)
    return plans


def chain(municipality, year: int, *, can_read_drafts: bool) -> Chain:
    """The municipality's plans for the year as levels of the chain, and what the kommuneplan's areas are carried by.

    Three queries: the plans, the focus areas of the plans in force, and nothing more.
    """
    plans = list(plans_for(municipality, can_read_drafts=can_read_drafts).order_by("-period_start", "-pk"))
    in_force = [p for p in plans if p.status == PlanStatus.ADOPTED and p.period_start <= year <= p.period_end]
    levels = []
    for label, types in LEVELS:
        level = Level(str(label))
        for p in plans:
            if p.plan_type in types:
                (level.in_force if p in in_force else level.other).append(p)
        if level.in_force or level.other:
            levels.append(level)
    kommuneplan = next((p for p in in_force if p.plan_type == KOMMUNEPLAN), None)
    uncarried, carried_in = [], {}
    if kommuneplan is not None:
        ids = {p.pk: p for p in in_force}
        areas = list(FocusArea.objects.filter(plan__in=ids.keys()).order_by("plan", "order", "pk"))
        for area in areas:
            if area.carries_id is not None and area.plan_id != kommuneplan.pk:
                carried_in.setdefault(area.carries_id, []).append(ids[area.plan_id])
        financial = {p.pk for p in in_force if p.plan_type in FINANCIAL}
        for area in areas:
            if area.plan_id == kommuneplan.pk:
                area.carried_in = carried_in.get(area.pk, [])
                if not any(p.pk in financial for p in area.carried_in):
                    uncarried.append(area)
    return Chain(year, levels, kommuneplan, uncarried, carried_in)


def budget_by_focus_area(plan: Plan | None, years: list[int]) -> dict[int, dict]:
    """Per focus area of the plan: the budget and accounts of the years, summed over the areas that carry it.

    The focus area's own lines, the lines of focus areas carrying it, and the lines of projects tied to either
    count. Two queries.
    """
    if plan is None or not years:
        return {}
    areas = {a.pk: a for a in plan.focus_areas.all()}
    carriers = dict(FocusArea.objects.filter(carries__in=areas.keys()).values_list("pk", "carries_id"))
    owner = {pk: pk for pk in areas} | carriers
    # Lines belong to the plan's municipality: filtering on it first reads a few rows instead of the country's, and
    # without the model's ordering the database joins nothing to sort.
    lines = (
        BudgetLine.objects.filter(municipality_id=plan.municipality_id, year__in=years)
        .filter(Q(focus_area__in=owner.keys()) | Q(project__focus_areas__in=owner.keys()))
        .order_by()
        .distinct()
        .prefetch_related("project__focus_areas")
    )
    totals = {pk: {"budget": None, "accounts": None, "years": set()} for pk in areas}
    for line in lines:
        targets = set()
        if line.focus_area_id is not None:
            targets.add(owner.get(line.focus_area_id))
        else:
            targets |= {owner.get(a.pk) for a in line.project.focus_areas.all()}
        for pk in targets - {None}:
            total = totals[pk]
            total["years"].add(line.year)
            for key, amount in (("budget", line.budget), ("accounts", line.accounts)):
                if amount is not None:
                    total[key] = (total[key] or 0) + amount
    for total in totals.values():
        total["years"] = sorted(total["years"])
        budget, spent = total["budget"], total["accounts"]
        total["share"] = (spent / budget * 100) if budget and spent is not None else None
    return totals
