"""What changed since the last report: a digest of one municipality for its politicians.

The reader picks a date (?siden=YYYY-MM-DD or dd.mm.yyyy); by default it is the day the
municipality's last annual report was published, or a year ago when none has been. The page
then lists, each with a count:

0. a summary of everything below, in a few lines;
1. goals of the current kommuneplan whose progress changed: assessed on the figures that were
   published at the date (rebuilt from the values' revisions) and on the figures the reader
   sees now, as the dashboard assesses them;
2. figures published since the date, grouped per indicator: how many new ones and for which years,
   and every revised figure old → new with when and why; readers with a role also see figures
   submitted or approved since, marked as not yet published. Routine series (the population) fold
   away under their own heading;
3. strategic projects whose first or last budget year moved later;
4. plans adopted since the date;
5. every other entry in the plans' log;
6. climate measures whose status changed (plans/climate_report.py): published changes for the public, every
   change for readers with a role, marked when not yet published.

The public sees published figures and the log of adopted plans only, and never the names of the
people who changed them: it reads the municipality's name instead. Only readers with a role in the
municipality see who did what. The page needs the same queries however many values, revisions and
log entries there are.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from indicators.access import Access, municipality_for_user
from indicators.models import FIRST_YEAR, Indicator, IndicatorValue, Role, ValueRevision, ValueState, ValueStatus
from indicators.numbers import DECIMALS_BY_UNIT, format_number, quantity
from indicators.people import Names, organisation
from indicators.series import Point, Series
from plans import climate_report, dashboard
from plans.chain import PUBLIC_STATUSES
from plans.models import AnnualReport, Goal, GoalIndicator, Plan, PlanChange, StrategicProject
from plans.progress import Assessment

# Figures on their way to publication that readers with a role see; drafts are never listed.
PENDING = (ValueStatus.SUBMITTED, ValueStatus.APPROVED)
# The project fields whose move to a later year means the project slipped.
BUDGET_YEAR_FIELDS = ("first_budget_year", "last_budget_year")


class SinceForm(forms.Form):
    siden = forms.DateField(
        label=gettext_lazy("Show changes since"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": gettext_lazy("Enter the date as dd.mm.yyyy or yyyy-mm-dd, for example 01.03.2025.")},
    )

    def clean_siden(self):
        day = self.cleaned_data["siden"]
        if not datetime.date(FIRST_YEAR, 1, 1) <= day <= timezone.localdate():
            raise forms.ValidationError(
                _("Choose a date between 1.1.%(first)s and today.") % {"first": FIRST_YEAR}, code="out_of_range"
            )
        return day


# --- figures ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One version of a figure: the number (for a reported value) and its state."""

    value: Decimal | None
    state: str


# Published before the date, but the history does not say with which figure.
NOT_RECORDED = Version(None, "")


@dataclass
class ValueChange:
    indicator: Indicator
    year: int
    before: str  # empty for a new figure
    after: str
    status: str  # empty when the figure is published; else its status ("Approved")
    changed_by: str  # a person's name for readers with a role; the municipality for everyone else
    changed_at: datetime.datetime | None
    published_at: datetime.datetime | None
    reason: str

    @property
    def is_new(self) -> bool:
        return not self.before

    @property
    def is_unpublished(self) -> bool:
        return bool(self.status)


def _figure(indicator: Indicator, version: Version, population) -> Decimal | None:
    """The figure in the indicator's unit (per inhabitant where it is), or None."""
    if version.state != ValueState.REPORTED or version.value is None:
        return None
    if indicator.is_per_inhabitant:
        return indicator.per_inhabitant(version.value, population)
    return version.value


def _shown(indicator: Indicator, version: Version, population) -> str:
    """A version as the digest shows it: 380 kg per inhabitant (total 9 880,0 tonnes), or its state."""
    if version == NOT_RECORDED:
        return _("not recorded")
    if version.state != ValueState.REPORTED:
        return str(ValueState(version.state).label)
    if not indicator.is_per_inhabitant:
        return quantity(version.value, indicator)
    decimals = DECIMALS_BY_UNIT.get(indicator.amount_unit, 1)
    amount = f"{format_number(version.value, decimals)}\xa0{indicator.get_amount_unit_display()}"
    figure = indicator.per_inhabitant(version.value, population)
    if figure is None:
        return _("total %(amount)s (no published population for the year)") % {"amount": amount}
    return _("%(figure)s (total %(amount)s)") % {"figure": quantity(figure, indicator), "amount": amount}


def _version_then(value: IndicatorValue, history: list[ValueRevision], since) -> Version | None:
    """The version of the value the public read at `since`, or None when it was not published yet."""
    if value.published_at is None:
        return None
    if value.published_at < since:  # not published again since
        return Version(value.published_value, value.published_state)
    published = [r for r in history if r.new_status == ValueStatus.PUBLISHED and r.changed_at < since]
    if published:
        return Version(published[-1].new_value, published[-1].new_state)
    if value.first_published_at is not None and value.first_published_at < since:
        if value.revised_at is None or value.revised_at < since:
            return Version(value.published_value, value.published_state)  # published again unchanged
        return NOT_RECORDED
    return None


def _last_change(history: list[ValueRevision], until) -> ValueRevision | None:
    """The last revision that changed the figure (or created it), up to `until` (None: up to now)."""
    found = None
    for revision in history:
        if until is not None and revision.changed_at > until:
            break
        if not revision.old_state or (revision.old_value, revision.old_state) != (
            revision.new_value,
            revision.new_state,
        ):
            found = revision
    return found


def year_spans(years) -> str:
    """Years as runs: 2005–2014, 2020–2021, 2023."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)


def _series(entries, population: dict[int, Decimal]) -> list[Series]:
    """Series per indicator (the population aside) from (value, version, point value) in year order."""
    by_indicator: dict[int, Series] = {}
    for value, version, point_value in entries:
        indicator = value.indicator
        if indicator.is_population:
            continue
        series = by_indicator.setdefault(indicator.pk, Series(indicator))
        figure = _figure(indicator, version, population.get(value.year))
        series.points.append(Point(value.year, figure, point_value))
    return list(by_indicator.values())


@dataclass
class Figures:
    changes: list[ValueChange]
    series_then: list[Series]
    series_now: list[Series]


def figures(municipality, since, *, can_read: bool, names: Names | None = None) -> Figures:
    """The figures changed since `since`, and the series as published then and as the reader sees them now.

    names: name who changed each figure (for readers with a role), rather than the municipality.

    Two queries: every value of the municipality with its indicator, and the revisions of those touched since.
    """
    touched = Q(published_at__gte=since)
    if can_read:
        touched |= Q(status__in=PENDING, changed_at__gte=since)
    values = list(
        IndicatorValue.objects.filter(municipality=municipality)
        .select_related("indicator")
        .order_by("indicator__order", "indicator__code", "year")
    )
    revisions = (
        ValueRevision.objects.filter(
            indicator_value__in=IndicatorValue.objects.filter(touched, municipality=municipality).values("pk")
        )
        .select_related("changed_by")
        .order_by("changed_at", "pk")
    )
    history: dict[int, list[ValueRevision]] = defaultdict(list)
    for revision in revisions:
        history[revision.indicator_value_id].append(revision)

    then: dict[int, Version | None] = {v.pk: _version_then(v, history[v.pk], since) for v in values}
    # What the reader sees now, as on the dashboard: published versions, and approved figures for readers with a role.
    shown = {v.pk: v.visible_to(can_read_unpublished=can_read) for v in values}
    population_then, population_now = {}, {}
    for value in values:
        if not value.indicator.is_population:
            continue
        earlier, current = then[value.pk], shown[value.pk]
        if earlier is not None and earlier.state == ValueState.REPORTED:
            population_then[value.year] = earlier.value
        if current is not None and current.state == ValueState.REPORTED:
            population_now[value.year] = current.value

    changes = []
    for value in values:
        pending = can_read and value.status in PENDING
        if pending:
            now, is_touched = Version(value.value, value.state), value.changed_at >= since
        elif value.published_at is not None:
            now, is_touched = Version(value.published_value, value.published_state), value.published_at >= since
        else:
            continue
        before = then[value.pk]
        if not is_touched or before == now:
            continue
        indicator = value.indicator
        # The public reads the explanation of the published figure, never that of a later draft.
        change = _last_change(history[value.pk], None if pending else value.published_at)
        changes.append(
            ValueChange(
                indicator=indicator,
                year=value.year,
                before="" if before is None else _shown(indicator, before, population_then.get(value.year)),
                after=_shown(indicator, now, population_now.get(value.year)),
                status=value.get_status_display() if pending else "",
                changed_by=(names(change.changed_by, municipality) if names else organisation(municipality))
                if change
                else "",
                changed_at=change.changed_at if change else None,
                published_at=None if pending else value.published_at,
                reason=change.reason if change else "",
            )
        )
    series_then = _series(
        ((v, then[v.pk], v) for v in values if then[v.pk] not in (None, NOT_RECORDED)), population_then
    )
    series_now = _series(
        ((v, Version(shown[v.pk].value, shown[v.pk].state), shown[v.pk]) for v in values if shown[v.pk] is not None),
        population_now,
    )
    return Figures(changes, series_then, series_now)


@dataclass
class FigureGroup:
    """One indicator's changed figures: the new ones counted with their years, the revised ones each."""

    indicator: Indicator
    new: list[ValueChange] = field(default_factory=list)
    revised: list[ValueChange] = field(default_factory=list)

    @property
    def years(self) -> str:
        return year_spans(change.year for change in self.new)

    @property
    def pending(self) -> int:
        return sum(1 for change in self.new + self.revised if change.is_unpublished)

    @property
    def latest(self) -> ValueChange:
        return max(self.new + self.revised, key=lambda change: change.year)

    @property
    def new_text(self) -> str:
        """The group in a line: 8 new figures for Household waste per inhabitant, 2010–2023."""
        return ngettext(
            "%(count)s new figure for %(indicator)s, %(years)s",
            "%(count)s new figures for %(indicator)s, %(years)s",
            len(self.new),
        ) % {"count": len(self.new), "indicator": self.indicator.name, "years": self.years}

    @property
    def revised_text(self) -> str:
        """The revisions in a line: 2 revised figures for Population 1 January."""
        return ngettext(
            "%(count)s revised figure for %(indicator)s",
            "%(count)s revised figures for %(indicator)s",
            len(self.revised),
        ) % {"count": len(self.revised), "indicator": self.indicator.name}


@dataclass
class FigureGroups:
    groups: list[FigureGroup]  # the indicators a reader follows, in the indicators' order
    routine: list[FigureGroup]  # routine series (the population), folded away on the page

    @property
    def count(self) -> int:
        return sum(len(g.new) + len(g.revised) for g in self.groups)

    @property
    def routine_count(self) -> int:
        return sum(len(g.new) + len(g.revised) for g in self.routine)

    @property
    def revised(self) -> list[ValueChange]:
        return [change for group in self.groups for change in group.revised]

    @property
    def new(self) -> list[ValueChange]:
        return [change for group in self.groups for change in group.new]


def group_figures(changes: list[ValueChange]) -> FigureGroups:
    """Group the changed figures per indicator, routine series (the population) apart."""
    by_indicator: dict[int, FigureGroup] = {}
    for change in changes:
        group = by_indicator.setdefault(change.indicator.pk, FigureGroup(change.indicator))
        (group.new if change.is_new else group.revised).append(change)
    groups = list(by_indicator.values())
    return FigureGroups(
        groups=[g for g in groups if not g.indicator.is_population],
        routine=[g for g in groups if g.indicator.is_population],
    )


# --- goals --------------------------------------------------------------------------------------------------------


@dataclass
class GoalChange:
    goal: Goal
    measure: GoalIndicator
    then: Assessment
    now: Assessment
    rests_on_unpublished: bool  # the assessment now uses figures that are not yet published

    @property
    def indicator(self) -> Indicator:
        return self.measure.indicator

    @property
    def pace_sentence(self) -> str:
        """When the target is reached at the pace of the figures now, in the dashboard's words."""
        return dashboard.pace_sentence(dashboard.pace_of(self.measure, self.now), self.indicator)


def goal_changes(plan: Plan | None, series_then, series_now) -> list[GoalChange]:
    """The plan's goal measures whose progress differs between the two series, in the plan's order."""
    if plan is None:
        return []
    then, now = dashboard.goal_progress(plan, series_then), dashboard.goal_progress(plan, series_now)
    changed = []
    for focus_area in plan.focus_areas.all():
        for goal in focus_area.goals.all():
            for measure in goal.measures.all():
                before, after = then[measure.pk], now[measure.pk]
                if before.assessment.verdict != after.assessment.verdict:
                    changed.append(
                        GoalChange(goal, measure, before.assessment, after.assessment, after.series.has_unpublished)
                    )
    return changed


# --- the plans' log -----------------------------------------------------------------------------------------------


@dataclass
class LogEntry:
    change: PlanChange
    details: list[tuple[str, str, str]]
    moved: list[tuple[str, str, str]]  # budget years that moved later
    who: str = ""  # a person's name for readers with a role; the municipality for everyone else

    @property
    def plan(self) -> Plan:
        return self.change.plan


@dataclass
class AdoptedPlan:
    plan: Plan
    entry: LogEntry | None = None


def _details(raw) -> list[tuple[str, str, str]]:
    """The log entry's [label, before, after] rows, leaving out anything malformed."""
    if not isinstance(raw, list):
        return []
    return [tuple(str(part) for part in row) for row in raw if isinstance(row, list | tuple) and len(row) == 3]


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,4}", text) else None


def _budget_year_labels() -> set[str]:
    """The labels the log gives the budget years, in every language: the log stores the writer's language."""
    labels = set()
    for name in BUDGET_YEAR_FIELDS:
        verbose_name = StrategicProject._meta.get_field(name).verbose_name
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                labels.add(str(verbose_name).casefold())
    return labels


def _moved_later(details, labels: set[str]) -> list[tuple[str, str, str]]:
    moved = []
    for label, before, after in details:
        first, last = _year(before), _year(after)
        if label.strip().casefold() in labels and first is not None and last is not None and last > first:
            moved.append((label, before, after))
    return moved


@dataclass
class Log:
    slipped: list[LogEntry] = field(default_factory=list)
    adopted: list[AdoptedPlan] = field(default_factory=list)
    other: list[LogEntry] = field(default_factory=list)


def plan_log(municipality, day: datetime.date, since, *, can_read: bool, names: Names | None = None) -> Log:
    """The plans' log since `since`, sorted into slipped projects, adopted plans and the rest (two queries).

    names: name who made each change (for readers with a role), rather than the municipality.
    """
    changes = (
        PlanChange.objects.filter(plan__municipality=municipality, changed_at__gte=since)
        .select_related("plan", "changed_by")
        .order_by("-changed_at", "-pk")
    )
    if not can_read:
        changes = changes.filter(plan__status__in=PUBLIC_STATUSES)
    labels = _budget_year_labels()
    log = Log()
    adopted: dict[int, AdoptedPlan] = {}
    for change in changes:
        details = _details(change.details)
        who = names(change.changed_by, municipality) if names else organisation(municipality)
        entry = LogEntry(change, details, _moved_later(details, labels), who)
        if change.action == PlanChange.Action.ADOPTED:
            found = adopted.setdefault(change.plan_id, AdoptedPlan(change.plan))
            found.entry = found.entry or entry  # the newest adoption's explanation
        elif entry.moved:
            log.slipped.append(entry)
        else:
            log.other.append(entry)
    # Plans adopted since the day whose adoption is not in the log, e.g. registered as adopted from the start.
    for plan in Plan.objects.filter(municipality=municipality, adopted_on__gte=day, status__in=PUBLIC_STATUSES):
        adopted.setdefault(plan.pk, AdoptedPlan(plan))
    log.adopted = sorted(
        adopted.values(), key=lambda a: (a.plan.adopted_on or datetime.date.min, a.plan.pk), reverse=True
    )
    return log


# --- the page -----------------------------------------------------------------------------------------------------


def digest(request, code):
    """What changed in the municipality since a date: figures, goals, projects, adopted plans and other changes."""
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    can_read = access.can_read(municipality.pk)
    # Who changed what is for the municipality's own people; the network's coordinators read as the public does.
    names = Names() if access.has_role(municipality.pk, *Role.values) else None
    report = (
        AnnualReport.objects.filter(municipality=municipality, published_at__isnull=False)
        .order_by("-published_at")
        .first()
    )
    asked = request.GET.get("siden", "").strip()
    form = SinceForm({"siden": asked}) if asked else SinceForm()
    context = {
        "municipality": municipality,
        "code": municipality.kommunenummer,
        "form": form,
        "report": report,
        "can_read": can_read,
    }
    if asked and not form.is_valid():
        context["asked"] = asked
        return render(request, "plans/digest.html", context, status=400)
    # By default, as the dashboard's summary counts: since the day the last report was published, or a year ago.
    day = form.cleaned_data["siden"] if asked else dashboard.news_since(report.published_at if report else None)
    since = dashboard.start_of(day)

    found = figures(municipality, since, can_read=can_read, names=names)
    plan, _in_force = dashboard.current_plan(municipality)
    log = plan_log(municipality, day, since, can_read=can_read, names=names)
    climate_changes = climate_report.status_changes(municipality, since, can_read=can_read, names=names)
    context.update(
        {
            "day": day,
            "asked": day.isoformat(),
            "is_default": not asked,
            "values": found.changes,
            "figures": group_figures(found.changes),
            "plan": plan,
            "goals": goal_changes(plan, found.series_then, found.series_now),
            "slipped": log.slipped,
            "adopted": log.adopted,
            "other": log.other,
            "climate_changes": climate_changes,
            "public_statuses": list(PUBLIC_STATUSES),
        }
    )
    return render(request, "plans/digest.html", context)
