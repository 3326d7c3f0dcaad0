"""The municipality dashboard's goals: the plan in force, each goal's progress, charts and plain sentences.

The figures come from indicators.series (two queries) plus the plan's goals, however many years and indicators
there are.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.charts import axis_unit, every_year, figure, gaps_before, marked_lines, trace
from indicators.models import (
    Direction,
    Indicator,
    IndicatorValue,
    Municipality,
    ValueStatus,
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
