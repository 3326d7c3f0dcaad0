"""The annual report (årsrapport) of a municipality, composed from live data.

For the report's year: the kommuneplan in force, each of its focus areas with its
goals and their progress, a chart, table and sentence per indicator, the texts the
municipality wrote, the strategic projects, the good examples, and the climate budget
chapter when an adopted økonomiplan version has a climate budget for the year. Only published
figures appear, and only those up to the report's year. A fixed number of queries,
however many indicators, years, goals and texts there are.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators import series as figures_of
from indicators.models import Indicator, IndicatorValue, Municipality, ValueState
from indicators.series import Series
from plans import climate_report, dashboard
from plans.chain import budget_by_focus_area
from plans.dashboard import GoalProgress
from plans.models import (
    AnnualReport,
    ExampleStatus,
    FocusArea,
    GoodExample,
    Plan,
    PlanStatus,
    ReportText,
    ReportTextKind,
    StrategicProject,
)

# Years in the table under each chart; the chart shows them all.
RECENT_YEARS = 6


@dataclass
class IndicatorBlock:
    """One indicator in the report: its figures up to the year, chart, sentence, commentary and sources.

    The chart and the sentence are in words of the language active when they are read, so one composed report
    renders in every language (plans/read_model.py renders it in two).
    """

    series: Series
    progress: GoalProgress | None
    commentary: str
    _words: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def indicator(self) -> Indicator:
        return self.series.indicator

    @property
    def chart(self) -> dict | None:
        return self._in_language("chart", lambda: dashboard.chart(self.series, self.progress))

    @property
    def sentence(self) -> str:
        measure = self.progress.measure if self.progress else None
        return self._in_language("sentence", lambda: dashboard.sentence(self.series, measure))

    def _in_language(self, name: str, make):
        key = (name, get_language())
        if key not in self._words:
            self._words[key] = make() if name != "chart" or self.series.reported else None
        return self._words[key]

    @property
    def recent(self) -> list:
        """The figures of the table under the chart: the last RECENT_YEARS years, newest first."""
        return self.series.points[: -RECENT_YEARS - 1 : -1]


@dataclass
class Section:
    """A focus area of the plan, or the indicators and examples no focus area claims (focus_area None)."""

    focus_area: FocusArea | None
    commentary: str = ""
    goals: list[tuple] = field(default_factory=list)  # (goal, [GoalProgress])
    blocks: list[IndicatorBlock] = field(default_factory=list)
    projects: list[tuple[StrategicProject, str]] = field(default_factory=list)
    examples: list[GoodExample] = field(default_factory=list)
    money: dict | None = None  # the year's budget and accounts for the focus area (plans.chain.budget_by_focus_area)

    @property
    def anchor(self) -> str:
        return f"innsats-{self.focus_area.pk}" if self.focus_area else "andre-indikatorer"

    @property
    def is_empty(self) -> bool:
        return not (self.commentary or self.goals or self.blocks or self.projects or self.examples)


@dataclass
class Report:
    municipality: Municipality
    year: int
    report: AnnualReport | None
    plan: Plan | None
    plan_in_force: bool
    introduction: str
    population: IndicatorValue | None
    sections: list[Section]
    draft: bool
    climate: climate_report.Chapter | None = None


def texts_of(report: AnnualReport | None, *, draft: bool) -> dict[str, str]:
    """Return the report's texts by key: the working copies for a draft preview, else what was published."""
    if report is None or report.pk is None:
        return {}
    return {
        text.key: (text.body if draft else text.published_body) for text in ReportText.objects.filter(report=report)
    }


def projects_in(municipality: Municipality, year: int):
    """The strategic projects of the municipality's adopted plans that ran in the year, with their focus areas."""
    return (
        StrategicProject.objects.filter(plan__municipality=municipality, plan__status=PlanStatus.ADOPTED)
        .filter(Q(first_budget_year__isnull=True) | Q(first_budget_year__lte=year))
        .filter(Q(last_budget_year__isnull=True) | Q(last_budget_year__gte=year))
        .prefetch_related("focus_areas")
        .order_by("title")
    )


def compose(municipality: Municipality, year: int, report: AnnualReport | None, *, draft: bool = False) -> Report:
    """Gather everything the report for the year shows; draft=True reads the texts' working copies."""
    texts = texts_of(report, draft=draft)
    series = [
        s for s in figures_of.municipality_series(municipality, can_read_unpublished=False, until=year) if s.points
    ]
    figures_of.mark_revisions(series)
    plan, plan_in_force = dashboard.current_plan(municipality, year)
    progress = dashboard.goal_progress(plan, series)
    by_indicator = {s.indicator.pk: s for s in series}

    def block(indicator: Indicator, measure_progress: GoalProgress | None) -> IndicatorBlock:
        own = by_indicator.get(indicator.pk) or Series(indicator)
        return IndicatorBlock(
            series=own,
            progress=measure_progress,
            commentary=texts.get(f"{ReportTextKind.INDICATOR}-{indicator.pk}", ""),
        )

    sections, placed = [], set()
    goals = dashboard.goals_by_focus_area(plan, progress)
    money = budget_by_focus_area(plan, [year])
    for focus_area in plan.focus_areas.all() if plan else []:
        section = Section(focus_area, commentary=texts.get(f"{ReportTextKind.FOCUS_AREA}-{focus_area.pk}", ""))
        section.money = money.get(focus_area.pk)
        section.goals = goals[focus_area.pk]
        for _goal, measured in section.goals:
            for item in measured:
                if item.indicator.pk not in placed:
                    placed.add(item.indicator.pk)
                    section.blocks.append(block(item.indicator, item))
        sections.append(section)
    others = Section(None)
    others.blocks = [block(s.indicator, None) for s in series if s.indicator.pk not in placed]

    by_focus_area = {s.focus_area.pk: s for s in sections}
    for project in projects_in(municipality, year):
        text = texts.get(f"{ReportTextKind.PROJECT}-{project.pk}", "")
        homes = [by_focus_area[f.pk] for f in project.focus_areas.all() if f.pk in by_focus_area] or [others]
        homes[0].projects.append((project, text))
    examples = (
        GoodExample.objects.filter(municipality=municipality, year=year, status=ExampleStatus.PUBLISHED)
        .prefetch_related("indicators")
        .order_by("title")
    )
    for example in examples:
        example.municipality = municipality  # the template reads its language form; no query per example
        by_focus_area.get(example.focus_area_id, others).examples.append(example)
    if not others.is_empty:
        sections.append(others)

    population = (
        IndicatorValue.objects.filter(
            municipality=municipality, indicator__is_population=True, year=year, published_state=ValueState.REPORTED
        )
        .select_related("indicator")
        .first()
    )
    if population is not None:
        population = population.as_published()
    return Report(
        municipality=municipality,
        year=year,
        report=report,
        plan=plan,
        plan_in_force=plan_in_force,
        introduction=texts.get(ReportTextKind.INTRODUCTION, ""),
        population=population,
        sections=sections,
        draft=draft,
        # The measures' statuses as published; a preview of the texts shows the statuses being reported too.
        climate=climate_report.chapter(municipality, year, published_only=not draft),
    )


def section_title(section: Section) -> str:
    return section.focus_area.title if section.focus_area else _("Other indicators")


@dataclass
class Place:
    """Room for one text in the report editor."""

    key: str
    label: str
    body: str = ""
    published_body: str = ""
    conflict: ReportText | None = None  # saved by someone else while this writer was writing


@dataclass
class PlaceGroup:
    title: str
    places: list[Place]


def report_places(municipality: Municipality, year: int, report: AnnualReport | None) -> list[PlaceGroup]:
    """Every text the report for the year has room for, grouped as the report shows them, with what is written.

    The introduction; per focus area of the plan in force its commentary and one per
    indicator measuring its goals; the other indicators; the strategic projects of the year.
    """
    stored = {t.key: t for t in ReportText.objects.filter(report=report)} if report and report.pk else {}

    def place(key: str, label: str) -> Place:
        text = stored.get(key)
        return Place(key, label, text.body if text else "", text.published_body if text else "")

    groups = [PlaceGroup(_("Introduction"), [place(ReportTextKind.INTRODUCTION, _("Introduction"))])]
    indicators = {i.pk: i for i in Indicator.objects.filter(is_population=False)}
    plan, _in_force = dashboard.current_plan(municipality, year)
    placed = set()
    for focus_area in plan.focus_areas.all() if plan else []:
        places = [place(f"{ReportTextKind.FOCUS_AREA}-{focus_area.pk}", _("Commentary on the focus area"))]
        for goal in focus_area.goals.all():
            for measure in goal.measures.all():
                if measure.indicator_id in placed or measure.indicator_id not in indicators:
                    continue
                placed.add(measure.indicator_id)
                places.append(place(f"{ReportTextKind.INDICATOR}-{measure.indicator_id}", measure.indicator.name))
        groups.append(PlaceGroup(focus_area.title, places))
    others = [place(f"{ReportTextKind.INDICATOR}-{pk}", i.name) for pk, i in indicators.items() if pk not in placed]
    if others:
        groups.append(PlaceGroup(_("Other indicators"), others))
    projects = [place(f"{ReportTextKind.PROJECT}-{p.pk}", p.title) for p in projects_in(municipality, year)]
    if projects:
        groups.append(PlaceGroup(_("Strategic projects: what they did this year"), projects))
    return groups
