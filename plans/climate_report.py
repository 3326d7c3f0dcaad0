"""The climate budget where other pages read it: the annual report's chapter, the network's comparison of its
members, the digest's changed statuses and the dashboard's link.

Every figure comes from plans/climate.py's sums; this module only gathers them for many municipalities or years at
once, in a fixed number of queries.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.db.models.query import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import comparison
from indicators.models import IndicatorValue, Municipality, ValueState
from indicators.people import Names, organisation
from plans import chain as plan_chain
from plans import climate
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    GoodExample,
    MeasureReportRevision,
    MeasureStatus,
    Plan,
    ReportStatus,
)

HUNDRED = Decimal(100)


def status_counts(rows: list[climate.MeasureRow]) -> list[tuple[str, str, int]]:
    """How many measures have each status, in the statuses' order, then those without one: (status, label, count)."""
    counts = Counter(row.status for row in rows)
    found = [(s.value, str(s.label), counts[s.value]) for s in MeasureStatus if counts[s.value]]
    if counts[""]:
        found.append(("", _("Not reported"), counts[""]))
    return found


# --- the dashboard ------------------------------------------------------------------------------------------------


def link_year(municipality: Municipality, *, can_read_drafts: bool) -> int | None:
    """This year, when the municipality has a climate budget for it that the reader may see; else None. One query."""
    year = timezone.localdate().year
    found = climate.budget_for_year(municipality, year, can_read_drafts=can_read_drafts)
    return year if found is not None else None


# --- the annual report's chapter ----------------------------------------------------------------------------------


@dataclass
class SectorAgainstFrame:
    label: str
    emissions: Decimal | None
    frame: Decimal | None

    @property
    def difference(self) -> Decimal | None:
        return None if self.emissions is None or self.frame is None else self.emissions - self.frame


@dataclass
class Chapter:
    """The climate budget in the annual report: the year's measures and their statuses, and the emissions of the
    latest year the inventory covers against that year's frame.

    Its sentences are made when read, in the language the report is rendered in.
    """

    view: climate.BudgetView
    latest_year: int | None  # the latest year up to the report's the inventory covers
    latest: Decimal | None  # the emissions then, over the budget's sectors
    latest_frame: Decimal | None  # the frame then
    frame_plan: Plan | None  # the version that set that frame (this one, or the one in force that year)
    sectors: list[SectorAgainstFrame] = field(default_factory=list)
    working_copies: bool = False  # the statuses as being reported (a preview), not as published

    @property
    def year(self) -> int:
        return self.view.year

    @property
    def budget(self) -> ClimateBudget:
        return self.view.budget

    @property
    def statuses(self) -> list[tuple[str, str, int]]:
        return status_counts(self.view.measures)

    @property
    def headline(self) -> str:
        return climate.headline_sentence(self.view)

    @property
    def lag(self) -> str:
        return climate.lag_sentence(self.year, self.latest_year)

    @property
    def against_frame(self) -> str:
        """The latest known emissions against the frame of their year, in a sentence."""
        if self.latest_year is None:
            return _("No emissions are known yet for the sectors the budget covers.")
        words = {"year": self.latest_year, "tonnes": climate.tonnes(self.latest)}
        if self.latest_frame is None:
            return (
                _(
                    "In %(year)s, the latest year Miljødirektoratet's figures cover, the sectors emitted %(tonnes)s "
                    "tonnes CO₂-eq. No frame was set for that year."
                )  # fmt: skip
                % words
            )
        difference = self.latest - self.latest_frame
        words.update(frame=climate.tonnes(self.latest_frame), difference=climate.tonnes(abs(difference)))
        if difference > 0:
            text = _(
                "In %(year)s, the latest year Miljødirektoratet's figures cover, the sectors emitted %(tonnes)s tonnes "
                "CO₂-eq., %(difference)s tonnes above the frame of %(frame)s tonnes."
            )
        else:
            text = _(
                "In %(year)s, the latest year Miljødirektoratet's figures cover, the sectors emitted %(tonnes)s tonnes "
                "CO₂-eq., %(difference)s tonnes below the frame of %(frame)s tonnes."
            )
        return text % words


def chapter(municipality: Municipality, year: int, *, published_only: bool = True) -> Chapter | None:
    """The climate budget chapter of the municipality's annual report for the year, or None without a budget.

    Only adopted versions count: the report is public. Queries: the budget (1); without one, nothing more. With
    one, compose()'s 9; and when the version sets no frame for the latest year the inventory covers, the version in
    force that year and its 9.
    """
    budget = climate.budget_for_year(municipality, year)
    if budget is None:
        return None
    view = climate.compose(budget, year, published_only=published_only)
    latest_year = view.headline.latest_year
    framed = view
    if latest_year is not None and view.total("frame", latest_year) is None:
        earlier = climate.budget_for_year(municipality, latest_year)
        if earlier is not None and earlier.pk != budget.pk:
            framed = climate.compose(earlier, latest_year)
    found = Chapter(
        view=view,
        latest_year=latest_year,
        latest=view.headline.latest,
        latest_frame=framed.total("frame", latest_year) if latest_year is not None else None,
        frame_plan=framed.plan,
        working_copies=not published_only,
    )
    if latest_year is not None:
        found.sectors = [
            SectorAgainstFrame(s.label, s.history.get(latest_year), s.frame.get(latest_year)) for s in framed.sectors
        ]
    return found


# --- the network's comparison -------------------------------------------------------------------------------------


@dataclass
class MemberBudget:
    """One member's climate budget for the year, as the network's report compares them."""

    municipality: Municipality
    code: str  # its number in force today, for the link to its page
    budget: ClimateBudget
    frame: Decimal | None  # tonnes CO₂-eq. in the year, over the budget's sectors
    needed: Decimal | None  # the reference path − the frame
    covered: Decimal  # Σ the central cuts in the year of the measures the inventory captures
    population: Decimal | None
    population_year: int | None
    measures_per_sector: list[tuple[str, int]]
    examples: list[tuple[GoodExample, ClimateMeasure]]

    @property
    def covered_share(self) -> Decimal | None:
        """The share of the needed cut the quantified measures cover, in per cent (as climate.headline_sentence)."""
        return self.covered / self.needed * HUNDRED if self.needed and self.needed > 0 else None

    @property
    def frame_per_inhabitant(self) -> Decimal | None:
        if self.frame is None or not self.population:
            return None
        return self.frame / self.population

    @property
    def measure_count(self) -> int:
        return sum(count for _label, count in self.measures_per_sector)


def _populations(municipality_ids, year: int) -> dict[int, tuple[int, Decimal]]:
    """Per municipality, its latest published population up to the year: (year, inhabitants). One query."""
    values = (
        IndicatorValue.objects.filter(
            municipality_id__in=municipality_ids,
            indicator__is_population=True,
            year__lte=year,
            published_at__isnull=False,
            published_state=ValueState.REPORTED,
        )
        .order_by("year")
        .values_list("municipality_id", "year", "published_value")
    )
    return {municipality_id: (y, value) for municipality_id, y, value in values}


def network_comparison(members: list[comparison.Member], year: int) -> list[MemberBudget]:
    """The members' climate budgets for the year (public versions only), in the members' order.

    Queries, however many members, sectors and measures: the budgets (1); with any, their sectors, the sectors'
    years, the measures, their years, their published good examples, the members' inventories and populations (7).
    """
    by_id = {m.municipality.pk: m for m in members}
    candidates = list(
        ClimateBudget.objects.filter(
            plan__municipality_id__in=by_id,
            plan__status__in=plan_chain.PUBLIC_STATUSES,
            plan__period_start__lte=year,
            plan__period_end__gte=year,
        )
        .select_related("plan")
        .order_by("-plan__period_start", "-plan__pk")
    )
    by_municipality: dict[int, list[ClimateBudget]] = defaultdict(list)
    for budget in candidates:
        by_municipality[budget.plan.municipality_id].append(budget)
    chosen = {pk: climate.choose_budget(found) for pk, found in by_municipality.items()}
    if not chosen:
        return []
    budgets = list(chosen.values())
    prefetch_related_objects(
        budgets,
        Prefetch("sectors", queryset=ClimateSector.objects.prefetch_related("years")),
        Prefetch(
            "measures",
            queryset=ClimateMeasure.objects.order_by("number").prefetch_related(
                "years", Prefetch("good_examples", queryset=GoodExample.objects.published().order_by("title"))
            ),
        ),
    )
    figures_of = climate.figures_of(budgets)
    populations = _populations(list(chosen), year)
    found = []
    for member in members:
        municipality = member.municipality
        budget = chosen.get(municipality.pk)
        if budget is None:
            continue
        measures = list(budget.measures.all())
        figures = figures_of[budget.pk]
        frame, reference = climate.sum_over(figures, "frame", year), climate.sum_over(figures, "reference", year)
        per_sector = Counter(m.sector for m in measures)
        population_year, population = populations.get(municipality.pk, (None, None))
        found.append(
            MemberBudget(
                municipality=municipality,
                code=member.code,
                budget=budget,
                frame=frame,
                needed=reference - frame if reference is not None and frame is not None else None,
                covered=climate.cuts_over(figures, year),
                population=population,
                population_year=population_year,
                measures_per_sector=sorted(
                    ((climate.sector_label(s), n) for s, n in per_sector.items()), key=lambda item: (-item[1], item[0])
                ),
                examples=[(example, m) for m in measures for example in m.good_examples.all()],
            )
        )
    return found


# --- the digest ---------------------------------------------------------------------------------------------------


@dataclass
class StatusChange:
    """A measure whose status for a year changed since the digest's date: from what (None: first reported), to what."""

    measure: ClimateMeasure
    year: int
    before: str | None
    after: str
    explanation: str
    changed_at: datetime.datetime
    who: str
    is_published: bool

    @property
    def plan(self) -> Plan:
        return self.measure.budget.plan

    @property
    def before_label(self) -> str:
        return str(MeasureStatus(self.before).label) if self.before else ""

    @property
    def after_label(self) -> str:
        return str(MeasureStatus(self.after).label)


def status_changes(municipality: Municipality, since, *, can_read: bool, names: Names | None = None):
    """The measures whose status changed since the moment, newest first, as climate.status_changes() lets the reader
    see them (published changes for the public), each from the status it had at the moment.

    names: name who changed it (for readers with a role), rather than the municipality. Queries: the changes (1),
    and with any, the status each report had at the moment (1).
    """
    revisions = climate.status_changes(municipality, since, can_read=can_read)
    latest: dict[int, MeasureReportRevision] = {}
    for revision in revisions:  # newest first
        latest.setdefault(revision.report_id, revision)
    if not latest:
        return []
    earlier = MeasureReportRevision.objects.filter(report_id__in=latest, changed_at__lt=since)
    if not can_read:
        earlier = earlier.filter(workflow=ReportStatus.PUBLISHED)
    before = dict(earlier.order_by("changed_at", "pk").values_list("report_id", "status"))  # the last one wins
    changes = []
    for report_id, revision in latest.items():
        if before.get(report_id) == revision.status:
            continue
        changes.append(
            StatusChange(
                measure=revision.report.measure,
                year=revision.report.year,
                before=before.get(report_id),
                after=revision.status,
                explanation=revision.explanation,
                changed_at=revision.changed_at,
                who=names(revision.changed_by, municipality) if names else organisation(municipality),
                is_published=revision.workflow == ReportStatus.PUBLISHED,
            )
        )
    return changes
