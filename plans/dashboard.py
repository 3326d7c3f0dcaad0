"""The municipality dashboard's goals: the plan in force, each goal's progress, charts and plain sentences.

The figures come from indicators.series (two queries) plus the plan's goals, however many years and indicators
there are.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from core.charts import axis_unit, every_year, figure, gaps_before, marked_lines, trace
from indicators.exports import licence
from indicators.models import (
    Direction,
    Indicator,
    IndicatorValue,
    Municipality,
    Unit,
    ValueStatus,
)
from indicators.numbers import (
    chart_separators,
    decimals_for,
    format_number,
    percent,
    quantity,
    signed,
    unit_label,
    unit_suffix,
)
from indicators.series import Series, municipality_series
from plans.models import FocusArea, Goal, GoalIndicator, Plan, PlanType
from plans.progress import REACH_HORIZON, Assessment, Pace, Progress, Reach, assess, pace

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

    @cached_property
    def pace(self) -> Pace | None:
        return pace_of(self.measure, self.assessment)

    @property
    def pace_sentence(self) -> str:
        """When the target is reached at the current pace, and what reaching it in time takes, in words."""
        return pace_sentence(self.pace, self.indicator)

    @property
    def latest_is_unpublished(self) -> bool:
        """The latest figure the assessment rests on is approved, not yet published (readers with a role only)."""
        year = self.assessment.latest_year
        return any(p.year == year and p.is_unpublished for p in self.series.points)


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


# --- the summary at the top of the dashboard ---------------------------------------------------------------------


def news_since(report_published_at: datetime.datetime | None) -> datetime.date:
    """The day from which figures are news: the day the last annual report was published, or a year ago."""
    if report_published_at is not None:
        return timezone.localdate(report_published_at)
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of the day, in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


@dataclass
class StatusCount:
    status: str
    count: int

    @property
    def text(self) -> str:
        """The count in words, as the summary shows it: "2 on track"."""
        words = {
            Progress.REACHED: _("%(count)s reached"),
            Progress.ON_TRACK: _("%(count)s on track"),
            Progress.OFF_TRACK: _("%(count)s off track"),
            Progress.WRONG_WAY: _("%(count)s moving the wrong way"),
            Progress.NOT_ENOUGH_DATA: _("%(count)s without enough data"),
        }
        return words[self.status] % {"count": self.count}


@dataclass
class Summary:
    """What a politician reads first: how the goals stand, what is new, and what waits for publication."""

    since: datetime.date
    report_year: int | None  # the annual report whose publication `since` is; None: `since` is a year ago
    new: int = 0  # figures published for the first time since then
    revised: int = 0  # published figures changed since then
    awaiting: int | None = None  # approved, not yet published; None when the reader may not know
    statuses: list[StatusCount] = field(default_factory=list)

    @property
    def measured(self) -> int:
        return sum(s.count for s in self.statuses)

    @property
    def goals_text(self) -> str:
        return ngettext(
            "Progress on %(count)s measured target:", "Progress on %(count)s measured targets:", self.measured
        ) % {"count": self.measured}

    @property
    def news_text(self) -> str:
        count = self.new + self.revised
        values = {"count": count, "year": str(self.report_year), "date": _day(self.since)}
        if self.report_year is None:
            text = ngettext(
                "%(count)s figure published in the last year", "%(count)s figures published in the last year", count
            )
        else:
            text = ngettext(
                "%(count)s figure published since the annual report for %(year)s came out on %(date)s",
                "%(count)s figures published since the annual report for %(year)s came out on %(date)s",
                count,
            )
        text = text % values
        if self.revised:
            text += " " + _("(%(new)s new, %(revised)s revised)") % {"new": self.new, "revised": self.revised}
        return text + "."

    @property
    def awaiting_text(self) -> str:
        return ngettext(
            "%(count)s figure is approved and waits to be published.",
            "%(count)s figures are approved and wait to be published.",
            self.awaiting or 0,
        ) % {"count": self.awaiting or 0}


def _day(day: datetime.date) -> str:
    """A date the way the pages write it: 6.12.2026."""
    return f"{day.day}.{day.month}.{day.year}"


def summary(
    progress: dict[int, GoalProgress],
    series: list[Series],
    population: list[IndicatorValue],
    *,
    reports: list[tuple[int, datetime.datetime]],
    can_read_unpublished: bool,
) -> Summary:
    """Sum up the dashboard from what it has already read: no query of its own.

    progress: goal_progress(); series and population: the figures the reader sees; reports: (year, published
    at) of the municipality's published annual reports.
    """
    last = max(reports, key=lambda r: r[1], default=None)
    since = news_since(last[1] if last else None)
    result = Summary(since=since, report_year=last[0] if last else None)
    counts = dict.fromkeys(Progress.values, 0)
    for item in progress.values():
        counts[item.assessment.status] += 1
    result.statuses = [StatusCount(status, count) for status, count in counts.items() if count]
    moment = start_of(since)
    values = [p.value for s in series for p in s.points]
    for value in values:
        if value.published_at is None or value.published_at < moment:
            continue
        if value.first_published_at is not None and value.first_published_at >= moment:
            result.new += 1
        elif value.revised_at is not None and value.revised_at >= moment:
            result.revised += 1
    if can_read_unpublished:
        result.awaiting = sum(1 for v in [*values, *population] if v.status == ValueStatus.APPROVED)
    return result


def sentence(series: Series, measure: GoalIndicator | None = None) -> str:
    """Say in one sentence how the indicator has moved, and what the target is.

    After a series break (the source changed its method) the movement is told from the first figure of the new
    series, and the sentence says why: a change across the break would compare two methods.
    """
    indicator, reported = series.indicator, series.reported
    starts = series.series_starts
    broke = max(starts) if starts else None
    if broke is not None:
        reported = [point for point in reported if point.year >= broke]
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
    if broke is not None:
        text = "{} {}".format(
            text,
            _("The source changed its method in %(year)s; earlier figures are not comparable with these.")
            % {"year": broke},
        )
    if measure is not None and measure.target_value is not None and measure.target_year is not None:
        target = _("The target is %(target)s in %(year)s.") % {
            "target": quantity(measure.target_value, indicator),
            "year": measure.target_year,
        }
        text = f"{text} {target}"
    return text


def pace_of(measure: GoalIndicator, assessment: Assessment) -> Pace | None:
    """Where the goal's trend leads (plans.progress.pace()), or None when the goal has no target."""
    if measure.target_year is None or measure.target_value is None:
        return None
    return pace(
        assessment,
        target_year=measure.target_year,
        target_value=measure.target_value,
        lower_is_better=measure.effective_direction == Direction.LOWER,
    )


def needed_text(found: Pace, indicator: Indicator) -> str:
    """The change a year that reaches the target in time: "−2,1 %", or "−12 kg per inhabitant" when a per cent
    means nothing (the latest figure or the target is zero or negative), or "+3,5 percentage points" for a share
    in per cent, where a per cent of a per cent would be misread."""
    if indicator.unit == Unit.PERCENT and not indicator.is_per_inhabitant:
        return _("%(change)s percentage points") % {"change": signed(found.needed_per_year, 1)}
    if found.needed_rate is not None:
        return percent(found.needed_rate, 1)
    suffix = unit_suffix(indicator.unit, indicator.is_per_inhabitant, get_language())
    return f"{signed(found.needed_per_year, decimals_for(indicator))}{suffix}"


def pace_sentence(found: Pace | None, indicator: Indicator) -> str:
    """Say when the target is reached at the current pace and what reaching it in time takes (empty: no target).

    "At the current pace the target is reached in 2031, 6 years after the deadline; reaching it by 2025 takes
    −2.1% a year." The method is in plans/progress.py.
    """
    if found is None:
        return ""
    if found.reach == Reach.ALREADY:
        return _("The target is reached.")
    if found.reach == Reach.PASSED:
        return _("The target year %(year)s has passed without the target being reached; nothing is projected.") % {
            "year": found.target_year
        }
    if found.reach == Reach.UNKNOWN:
        return _("There are too few figures since the baseline year to tell when the target will be reached.")
    if found.reach == Reach.NEVER:
        where = _("At the current pace the target is not reached")
    elif found.reach == Reach.BEYOND:
        where = _("At the current pace the target is not reached before %(year)s") % {"year": REACH_HORIZON}
    else:
        after = found.years_after_deadline
        values = {"year": found.reach_year, "count": abs(after)}
        if after > 0:
            where = ngettext(
                "At the current pace the target is reached in %(year)s, %(count)s year after the deadline",
                "At the current pace the target is reached in %(year)s, %(count)s years after the deadline",
                after,
            )
        elif after < 0:
            where = ngettext(
                "At the current pace the target is reached in %(year)s, %(count)s year before the deadline",
                "At the current pace the target is reached in %(year)s, %(count)s years before the deadline",
                -after,
            )
        else:
            where = _("At the current pace the target is reached in %(year)s, the target year")
        where %= values
    return _("%(pace)s; reaching it by %(year)s takes %(change)s a year.") % {
        "pace": where,
        "year": found.target_year,
        "change": needed_text(found, indicator),
    }


def one_goal(
    municipality: Municipality, measure_pk: int, *, can_read_unpublished: bool, year: int | None = None
) -> GoalProgress | None:
    """One goal indicator of the plan the dashboard shows (year None) or the annual report for the year shows,
    assessed on the figures the reader sees there; None when that plan has no such goal indicator.

    The dashboard's rules: the plan is an adopted one; readers of the municipality also see approved figures. The
    report's: published figures only, up to its year (the caller checks that the reader may see the report).
    """
    plan, _in_force = current_plan(municipality, year)
    measures = [m for f in plan.focus_areas.all() for g in f.goals.all() for m in g.measures.all()] if plan else []
    if not any(m.pk == measure_pk for m in measures):
        return None
    readable = can_read_unpublished and year is None
    figures = municipality_series(municipality, can_read_unpublished=readable, until=year)
    return goal_progress(plan, figures)[measure_pk]


def _number(value: float | None, decimals: int = 4) -> Decimal | None:
    """A computed number for a download: rounded, never 2.0999999999999996."""
    return None if value is None else Decimal(f"{value:.{decimals}f}")


def calculation_rows(municipality: Municipality, found: GoalProgress) -> list[list]:
    """One goal's calculation, for a CSV download: the inputs and results, then the figures it rests on.

    The figures are those of found.series from the baseline year on (all of them without a baseline), each with
    its state, whether it is published, whether the trend is fitted to it, its source and licence.
    """
    measure, assessment, indicator = found.measure, found.assessment, found.indicator
    found_pace = found.pace
    absolute, rate, year = (
        (found_pace.needed_per_year, found_pace.needed_rate, found_pace.reach_year) if found_pace else (None,) * 3
    )
    trend = dict(assessment.points)
    unit = unit_label(indicator)
    rows = [
        [_("Municipality number"), municipality.kommunenummer],
        [_("Municipality"), municipality.name],
        [_("Goal"), measure.goal.title],
        [_("Indicator"), indicator.name],
        [_("Unit"), unit],
        [_("Direction"), str(Direction(measure.effective_direction).label)],
        [_("Baseline year"), measure.baseline_year],
        [_("Baseline value"), measure.baseline_value],
        [_("Target year"), measure.target_year],
        [_("Target value"), measure.target_value],
        [_("Latest year"), assessment.latest_year],
        [_("Latest figure"), _number(assessment.latest)],
        [_("Progress"), assessment.label],
        [_("Trend years"), f"{min(trend)}–{max(trend)}" if trend else ""],
        [_("Slope (change per year)"), _number(assessment.slope)],
        [_("Trend in the target year"), _number(assessment.projected)],
        [_("Needed change per year"), _number(absolute)],
        [_("Needed change per year (per cent)"), None if rate is None else _number(rate * 100, 2)],
        [_("Year the target is reached at the current pace"), year],
        [_("When we get there"), found.pace_sentence],
        [],
        [_("Year"), _("Value"), _("Unit"), _("State"), _("Status"), _("In the trend"), _("Sample data"), _("Source"), _("Licence")],
    ]  # fmt: skip
    baseline_year = measure.baseline_year
    points = [p for p in found.series.points if baseline_year is None or p.year >= baseline_year]
    if (
        baseline_year is not None
        and measure.baseline_value is not None
        and baseline_year not in {p.year for p in points}
    ):
        rows.append(
            [baseline_year, measure.baseline_value, unit, "", "", _("yes") if baseline_year in trend else "", "",
             _("The plan's baseline"), ""]
        )  # fmt: skip
    for point in points:
        value = point.value
        source = value.source or indicator.source
        rows.append(
            [
                point.year,
                point.figure.quantize(Decimal("0.001")) if point.figure is not None else None,
                unit,
                value.get_state_display(),
                value.get_status_display(),
                _("yes") if point.year in trend and point.figure is not None else "",
                _("yes") if value.is_sample else "",
                source,
                licence(source, is_sample=value.is_sample),
            ]
        )
    return rows


def chart(series: Series, progress: GoalProgress | None = None) -> dict:
    """Return a plotly figure (data and layout, ready for json_script): figures, target and projected trend.

    A line breaks at a year without a figure, and before a figure that starts a new series. Every pattern has a legend
    entry that says what it means: sample data (diamonds), figures not yet published (open markers), the path to the
    target (dashed), the trend (dotted), a series break (a dotted vertical line).
    """
    indicator = series.indicator
    decimals = {"kg": 0, "count": 0, "persons": 0, "m2": 0}.get(indicator.unit, 1)
    data = []
    groups = [
        (_("Figures"), [p for p in series.reported if not p.is_sample], VALUE_COLOUR, "circle"),
        (_("Sample data, not real figures"), [p for p in series.reported if p.is_sample], SAMPLE_COLOUR, "diamond"),
    ]
    for name, points, colour, symbol in groups:
        if not points:
            continue
        by_year = {p.year: p for p in points}
        years, shown = every_year(by_year)
        years, shown = gaps_before(series.series_starts, years, shown)
        data.append(
            trace(
                "scatter",
                x=years,
                y=[float(p.figure) if p else None for p in shown],
                name=name,
                mode="lines+markers",
                connectgaps=False,
                line={"color": colour, "width": 2},
                marker={
                    "color": colour,
                    "size": 9,
                    "symbol": [f"{symbol}-open" if p and p.is_unpublished else symbol for p in shown],
                },
                text=[format_number(p.figure, decimals) if p else "" for p in shown],
                hovertemplate="%{x}: %{text}<extra></extra>",
            )
        )
    if any(p.is_unpublished for p in series.reported):
        # What an open marker means, as a legend entry of its own (a point outside the plot draws nothing).
        data.append(
            trace(
                "scatter",
                x=[None],
                y=[None],
                name=_("Open marker: approved, not yet published"),
                mode="markers",
                marker={"color": VALUE_COLOUR, "size": 9, "symbol": "circle-open"},
                hoverinfo="skip",
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
                name=_("Target: straight path from the baseline") if start else _("Target"),
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
                    name=_("Trend projected to the target year"),
                    mode="lines",
                    line={"color": TREND_COLOUR, "dash": "dot", "width": 2},
                    text=[format_number(y, decimals) for y in trend],
                    hovertemplate="%{x}: %{text}<extra></extra>",
                )
            )
    shapes, legend = marked_lines(
        [year - 0.5 for year in sorted(series.series_starts)],
        line={"color": "#212529", "dash": "dot", "width": 1},
        name=_("Dotted vertical line: a series break"),
    )
    return figure(
        data + legend,
        shapes=shapes,
        # The unit stands above the axis, where it reads across and never runs out of room however short a
        # printed chart is (a title along the axis was cut off on paper); automargin makes room for the ticks.
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=320,
        separators=chart_separators(),
        font={"family": "system-ui, sans-serif", "size": 13, "color": "#212529"},
        showlegend=True,
        # The legend at the foot of the figure, below the years: plotly makes room for it however short the chart.
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "font": {"size": 12}},
        annotations=[axis_unit(unit_label(indicator))],
        yaxis={
            "rangemode": "tozero",
            "separatethousands": True,
            "automargin": True,
        },
        xaxis={"tickformat": "d", "dtick": 1 if _span(series, measure) <= 12 else 2, "automargin": True},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )


def _span(series: Series, measure: GoalIndicator | None) -> int:
    years = [p.year for p in series.points]
    if measure and measure.target_year:
        years.append(measure.target_year)
    return (max(years) - min(years)) if years else 0
