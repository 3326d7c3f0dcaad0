"""The figures behind the municipality dashboard: yearly series, goal progress, charts and plain sentences.

Everything is computed from two queries (indicators, values) plus the plan's goals,
however many years and indicators there are.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import figure, trace
from indicators.exports import licence
from indicators.models import (
    Direction,
    Indicator,
    IndicatorValue,
    Municipality,
    ValueRevision,
    ValueState,
    ValueStatus,
)
from indicators.numbers import format_number, quantity, unit_label
from indicators.progress import Assessment, Progress, assess
from plans.models import FocusArea, Goal, GoalIndicator, Plan, PlanType

# Colours on white that pass WCAG's 3:1 for graphics; each series also has its own marker and dash.
VALUE_COLOUR = "#1b4d36"
SAMPLE_COLOUR = "#8a4b00"
TARGET_COLOUR = "#a4262c"
TREND_COLOUR = "#4a4a8a"


@dataclass
class Point:
    year: int
    figure: Decimal | None
    value: IndicatorValue

    @property
    def is_sample(self) -> bool:
        return self.value.is_sample

    @property
    def is_unpublished(self) -> bool:
        return self.value.status != ValueStatus.PUBLISHED

    @property
    def state_label(self) -> str:
        return "" if self.value.state == ValueState.REPORTED else self.value.get_state_display()


@dataclass
class Series:
    indicator: Indicator
    points: list[Point] = field(default_factory=list)

    @property
    def figures(self) -> dict[int, Decimal]:
        return {p.year: p.figure for p in self.points if p.figure is not None}

    @property
    def reported(self) -> list[Point]:
        return [p for p in self.points if p.figure is not None]

    @property
    def points_newest_first(self) -> list[Point]:
        return self.points[::-1]

    @property
    def has_sample(self) -> bool:
        return any(p.is_sample for p in self.points)

    @property
    def has_unpublished(self) -> bool:
        return any(p.is_unpublished for p in self.points)


@dataclass
class GoalProgress:
    measure: GoalIndicator
    series: Series
    assessment: Assessment

    @property
    def indicator(self) -> Indicator:
        return self.measure.indicator


def visible_values(values, *, can_read_unpublished: bool) -> list[IndicatorValue]:
    """Return the version of each value the reader may see, leaving out those she may not.

    The public sees the last published version; the municipality's own readers also see
    approved figures (IndicatorValue.visible_to).
    """
    shown = Q(published_at__isnull=False)
    if can_read_unpublished:
        shown |= Q(status__in=[ValueStatus.APPROVED, ValueStatus.PUBLISHED])
    # The values were read here and nobody else holds them: each becomes the version shown, without a copy.
    versions = (
        value.visible_to(can_read_unpublished=can_read_unpublished, in_place=True) for value in values.filter(shown)
    )
    return [version for version in versions if version is not None]


def municipality_series(
    municipality: Municipality, *, can_read_unpublished: bool, until: int | None = None
) -> list[Series]:
    """Return every indicator but the population with its yearly figures (per inhabitant where it is).

    With until, only the figures up to and including that year: what was known in an annual report's year.
    """
    indicators = list(Indicator.objects.all())
    values = IndicatorValue.objects.filter(municipality=municipality).order_by("year")
    if until is not None:
        values = values.filter(year__lte=until)
    values = visible_values(values, can_read_unpublished=can_read_unpublished)
    population_ids = {i.pk for i in indicators if i.is_population}
    population = {v.year: v.value for v in values if v.indicator_id in population_ids}
    by_indicator: dict[int, Series] = {i.pk: Series(i) for i in indicators if not i.is_population}
    for value in values:
        series = by_indicator.get(value.indicator_id)
        if series is None:
            continue
        value.indicator = series.indicator
        value.population = population.get(value.year)  # what IndicatorValue.per_inhabitant reads
        figure = None
        if value.state == ValueState.REPORTED:
            figure = (
                series.indicator.per_inhabitant(value.value, population.get(value.year))
                if series.indicator.is_per_inhabitant
                else value.value
            )
        series.points.append(Point(value.year, figure, value))
    return list(by_indicator.values())


def mark_revisions(series: list[Series]) -> None:
    """Give every published value revised after publication the reason for its last change (one query)."""
    revised = {p.value.pk: p.value for s in series for p in s.points if p.value.revised_at}
    if not revised:
        return
    revisions = ValueRevision.objects.filter(indicator_value_id__in=revised).order_by("changed_at", "pk")
    for revision in revisions:
        value = revised[revision.indicator_value_id]
        changed = revision.old_value != revision.new_value or revision.old_state != revision.new_state
        # The last change to the figure between its first publication and the version the reader sees.
        if (
            revision.old_state
            and changed
            and value.first_published_at
            and value.first_published_at < revision.changed_at <= (value.published_at or revision.changed_at)
        ):
            value.revision_reason = revision.reason


def current_plan(municipality: Municipality, year: int | None = None) -> tuple[Plan | None, bool]:
    """Return the kommuneplan in force in the year (this year by default), or the latest adopted one before it.

    The second item says whether the plan is in force in the year. Focus areas,
    goals and measures come prefetched: four queries.
    """
    plans = (
        Plan.objects.adopted()
        .filter(municipality=municipality, plan_type=PlanType.KOMMUNEPLAN_SAMFUNN)
        .order_by("-period_end", "-period_start")
        .prefetch_related(
            Prefetch(
                "focus_areas",
                queryset=FocusArea.objects.prefetch_related(
                    Prefetch(
                        "goals",
                        queryset=Goal.objects.prefetch_related(
                            Prefetch("measures", queryset=GoalIndicator.objects.select_related("indicator"))
                        ),
                    )
                ),
            )
        )
    )
    plans = list(plans)
    when = timezone.localdate().year if year is None else year
    for plan in plans:
        if plan.period_start <= when <= plan.period_end:
            return plan, True
    # The dashboard falls back on the latest plan; a report for a past year on the latest plan before it.
    fallback = plans if year is None else [plan for plan in plans if plan.period_start <= year]
    return (fallback[0], False) if fallback else (None, False)


def goal_progress(plan: Plan | None, series: list[Series]) -> dict[int, GoalProgress]:
    """Assess every goal indicator of the plan; keyed by GoalIndicator id."""
    by_indicator = {s.indicator.pk: s for s in series}
    result = {}
    if plan is None:
        return result
    for focus_area in plan.focus_areas.all():
        for goal in focus_area.goals.all():
            for measure in goal.measures.all():
                own = by_indicator.get(measure.indicator_id) or Series(measure.indicator)
                result[measure.pk] = GoalProgress(
                    measure=measure,
                    series=own,
                    assessment=assess(
                        series=own.figures,
                        baseline_year=measure.baseline_year,
                        baseline_value=measure.baseline_value,
                        target_year=measure.target_year,
                        target_value=measure.target_value,
                        lower_is_better=measure.effective_direction == Direction.LOWER,
                    ),
                )
    return result


def goals_by_focus_area(plan: Plan | None, progress: dict[int, GoalProgress]) -> dict[int, list[tuple]]:
    """Return, for each focus area of the plan, its goals with the assessment of each indicator measuring them."""
    if plan is None:
        return {}
    return {
        focus_area.pk: [
            (goal, [progress[m.pk] for m in goal.measures.all() if m.pk in progress]) for goal in focus_area.goals.all()
        ]
        for focus_area in plan.focus_areas.all()
    }


def sentence(series: Series, measure: GoalIndicator | None = None) -> str:
    """Say in one sentence how the indicator has moved, and what the target is."""
    indicator, reported = series.indicator, series.reported
    if not reported:
        text = _("%(indicator)s has no figures yet.") % {"indicator": indicator.name}
    elif len(reported) == 1:
        only = reported[0]
        text = _("%(indicator)s was %(figure)s in %(year)s.") % {
            "indicator": indicator.name,
            "figure": quantity(only.figure, indicator),
            "year": only.year,
        }
    else:
        first, last = reported[0], reported[-1]
        shown_first, shown_last = quantity(first.figure, indicator), quantity(last.figure, indicator)
        if shown_first == shown_last:
            template = _("%(indicator)s was %(last)s in %(last_year)s, as in %(first_year)s.")
        elif last.figure > first.figure:
            template = _("%(indicator)s rose from %(first)s in %(first_year)s to %(last)s in %(last_year)s.")
        else:
            template = _("%(indicator)s fell from %(first)s in %(first_year)s to %(last)s in %(last_year)s.")
        text = template % {
            "indicator": indicator.name,
            "first": shown_first,
            "first_year": first.year,
            "last": shown_last,
            "last_year": last.year,
        }
    if measure is not None and measure.target_value is not None and measure.target_year is not None:
        target = _("The target is %(target)s in %(year)s.") % {
            "target": quantity(measure.target_value, indicator),
            "year": measure.target_year,
        }
        text = f"{text} {target}"
    return text


def chart(series: Series, progress: GoalProgress | None = None) -> dict:
    """Return a plotly figure (data and layout, ready for json_script): figures, target and projected trend."""
    indicator = series.indicator
    decimals = {"kg": 0, "count": 0, "persons": 0, "m2": 0}.get(indicator.unit, 1)
    data = []
    groups = [
        (_("Figures"), [p for p in series.reported if not p.is_sample], VALUE_COLOUR, "circle"),
        (_("Sample data"), [p for p in series.reported if p.is_sample], SAMPLE_COLOUR, "diamond"),
    ]
    for name, points, colour, symbol in groups:
        if not points:
            continue
        data.append(
            trace(
                "scatter",
                x=[p.year for p in points],
                y=[float(p.figure) for p in points],
                name=name,
                mode="lines+markers",
                line={"color": colour, "width": 2},
                marker={
                    "color": colour,
                    "size": 9,
                    "symbol": [f"{symbol}-open" if p.is_unpublished else symbol for p in points],
                },
                text=[format_number(p.figure, decimals) for p in points],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
    measure = progress.measure if progress else None
    if measure and measure.target_year and measure.target_value is not None:
        start = [(measure.baseline_year, float(measure.baseline_value))] if measure.baseline_value is not None else []
        target = [(measure.target_year, float(measure.target_value))]
        data.append(
            trace(
                "scatter",
                x=[x for x, _ in start + target],
                y=[y for _, y in start + target],
                name=_("Path to the target"),
                mode="lines+markers",
                line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
                marker={"color": TARGET_COLOUR, "symbol": "star", "size": 13},
                text=[format_number(y, decimals) for _, y in start + target],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
        assessment = progress.assessment
        if assessment.slope is not None and assessment.status != Progress.REACHED:
            years = [assessment.latest_year, measure.target_year]
            trend = [assessment.trend_at(y) for y in years]
            data.append(
                trace(
                    "scatter",
                    x=years,
                    y=trend,
                    name=_("Trend"),
                    mode="lines",
                    line={"color": TREND_COLOUR, "dash": "dot", "width": 2},
                    text=[format_number(y, decimals) for y in trend],
                    hovertemplate="%{x}: %{text}<extra></extra>",
                )
            )
    return figure(
        data,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        height=300,
        separators=", ",
        font={"family": "system-ui, sans-serif", "size": 13, "color": "#212529"},
        showlegend=True,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": {"text": unit_label(indicator)}, "rangemode": "tozero", "separatethousands": True},
        xaxis={"tickformat": "d", "dtick": 1 if _span(series, measure) <= 12 else 2},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )


def _span(series: Series, measure: GoalIndicator | None) -> int:
    years = [p.year for p in series.points]
    if measure and measure.target_year:
        years.append(measure.target_year)
    return (max(years) - min(years)) if years else 0


def rows_for_download(municipality: Municipality, series: list[Series]) -> list[list]:
    """Every figure on the dashboard, one row per indicator and year, with units and sources."""
    rows = [
        [
            _("Municipality number"),
            _("Municipality"),
            _("Indicator"),
            _("Year"),
            _("Value"),
            _("Unit"),
            _("Total amount"),
            _("Unit of the amount"),
            _("Population"),
            _("State"),
            _("Status"),
            _("Sample data"),
            _("Source"),
            _("Licence"),
        ]
    ]
    for s in series:
        indicator = s.indicator
        for point in s.points:
            value = point.value
            rows.append(
                [
                    municipality.kommunenummer,
                    municipality.name,
                    indicator.name,
                    point.year,
                    point.figure.quantize(Decimal("0.001")) if point.figure is not None else None,
                    unit_label(indicator),
                    value.value if indicator.is_per_inhabitant else None,
                    str(indicator.get_amount_unit_display()) if indicator.is_per_inhabitant else "",
                    value.population if indicator.is_per_inhabitant else None,
                    value.get_state_display(),
                    value.get_status_display(),
                    _("yes") if value.is_sample else "",
                    value.source or indicator.source,
                    licence(value.source or indicator.source, is_sample=value.is_sample),
                ]
            )
    return rows
