"""The municipality dashboard's goals: the plan in force, each goal's progress, charts and plain sentences.

The figures come from indicators.series (two queries) plus the plan's goals, however many years and indicators
there are.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import figure, trace
from indicators.models import (
    Direction,
    Indicator,
    Municipality,
)
from indicators.numbers import chart_separators, format_number, quantity, unit_label
from indicators.series import Series
from plans.models import FocusArea, Goal, GoalIndicator, Plan, PlanType
from plans.progress import Assessment, Progress, assess

# Colours on white that pass WCAG's 3:1 for graphics; each series also has its own marker and dash.
VALUE_COLOUR = "#1b4d36"
SAMPLE_COLOUR = "#8a4b00"
TARGET_COLOUR = "#a4262c"
TREND_COLOUR = "#4a4a8a"


@dataclass
class GoalProgress:
    measure: GoalIndicator
    series: Series
    assessment: Assessment

    @property
    def indicator(self) -> Indicator:
        return self.measure.indicator


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
        separators=chart_separators(),
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
