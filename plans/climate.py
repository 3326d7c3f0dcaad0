"""The klimabudsjett: a climate budget per økonomiplan version, its sums, its checks, and the one path that writes it.

Frames, reference paths, targets and interim targets are stored in per cent of the reference year's emissions. The
tonnes are read from the inventory as it stands today (Miljødirektoratet's figures per sector,
`klimagassutslipp-<sector>`), so when Miljødirektoratet revises the reference year the per cent keep their meaning
and the tonnes change: compose() says which sectors' reference year was revised since the plan was adopted, when,
and from what to what. Measures' cuts are in tonnes CO₂-eq. per year, against the reference path.

Sums (all in tonnes CO₂-eq., over the budget's sectors):
- frame(year) = Σ frame_percent × reference-year emissions / 100,
- reference path(year) likewise, path with measures(year) = reference path − Σ central cuts of the sector's measures,
- needed cut(year) = reference path − frame, covered share = Σ central cuts ÷ needed cut,
- measures the inventory does not capture are listed, and their cuts said beside the sums, never counted in them,
- gap to the target (percentage points) = target % − the cut from the reference year the path with measures reaches
  in the target year.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.importers.miljodir import SECTOR_PREFIX, sector_code
from indicators.models import IndicatorValue, Municipality, ValueRevision, ValueState
from indicators.numbers import format_number
from plans import chain as plan_chain
from plans.models import (
    BudgetLine,
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    ExampleStatus,
    InterimTarget,
    MeasureReport,
    MeasureReportRevision,
    MeasureStatus,
    MeasureYear,
    Plan,
    PlanChange,
    PlanStatus,
    PlanType,
    ReportStatus,
    Sector,
    SectorYear,
)

HUNDRED = Decimal(100)
# Miljødirektoratet publishes a year's municipal figures in the spring two years later: 2025's come in 2027.
INVENTORY_LAG = 2
# Statuses a report explains: the public reads why a measure is delayed, changed or cancelled.
EXPLAINED_STATUSES = (MeasureStatus.DELAYED, MeasureStatus.CHANGED, MeasureStatus.CANCELLED)
# Reporting steps a user may move a report to, from the steps it may be in.
MOVES = {
    ReportStatus.SUBMITTED: (ReportStatus.DRAFT,),
    ReportStatus.APPROVED: (ReportStatus.SUBMITTED,),
    ReportStatus.PUBLISHED: (ReportStatus.APPROVED,),
    # Returning to the planner, with the approver's reason.
    ReportStatus.DRAFT: (ReportStatus.SUBMITTED, ReportStatus.APPROVED),
}


def inventory_code(sector: str) -> str:
    """Return the code of the indicator holding the sector's emissions (Miljødirektoratet's import writes it)."""
    return SECTOR_PREFIX + sector


def sector_for(name: str) -> str:
    """Return the sector (Sector's value) of a sector as Miljødirektoratet names it: "Sjøfart" → "sjofart"."""
    return sector_code(name).removeprefix(SECTOR_PREFIX)


def sector_label(sector: str) -> str:
    return str(Sector(sector).label) if sector in Sector.values else sector


def published_year(year: int) -> int:
    """Return the year Miljødirektoratet publishes the inventory of the year."""
    return year + INVENTORY_LAG


# --- Which budget -------------------------------------------------------------------------------------------------


def budgets_of(municipality: Municipality, *, can_read_drafts: bool):
    """The municipality's climate budgets, newest plan first: adopted versions for the public, drafts for readers
    with a role."""
    budgets = ClimateBudget.objects.filter(plan__municipality=municipality).select_related("plan__municipality")
    if not can_read_drafts:
        budgets = budgets.filter(plan__status__in=plan_chain.PUBLIC_STATUSES)
    return budgets.order_by("-plan__period_start", "-plan__pk")


def budget_for_year(municipality: Municipality, year: int, *, can_read_drafts: bool = False) -> ClimateBudget | None:
    """Return the climate budget for the year: the adopted økonomiplan version in force that year, else the newest
    version (adopted, or a draft for readers with a role) whose period covers it. One query."""
    candidates = list(
        budgets_of(municipality, can_read_drafts=can_read_drafts).filter(
            plan__period_start__lte=year, plan__period_end__gte=year
        )
    )
    return choose_budget(candidates)


def choose_budget(candidates: list[ClimateBudget]) -> ClimateBudget | None:
    """Of the budgets whose period covers a year, newest plan first: the adopted version, else the newest."""
    adopted = [b for b in candidates if b.plan.status == PlanStatus.ADOPTED]
    return (adopted or candidates or [None])[0]


# --- The sums -----------------------------------------------------------------------------------------------------


@dataclass
class Revision:
    """Miljødirektoratet changed a sector's reference-year emissions after the plan was adopted."""

    sector: str
    before: Decimal | None
    after: Decimal | None
    when: datetime.datetime

    @property
    def label(self) -> str:
        return sector_label(self.sector)


@dataclass
class SectorFigures:
    sector: ClimateSector
    reference_tonnes: Decimal | None  # the inventory's figure for the reference year, today
    history: dict[int, Decimal] = field(default_factory=dict)
    frame: dict[int, Decimal] = field(default_factory=dict)
    reference: dict[int, Decimal] = field(default_factory=dict)
    frame_percent: dict[int, Decimal] = field(default_factory=dict)
    reference_percent: dict[int, Decimal] = field(default_factory=dict)
    cuts: dict[int, Decimal] = field(default_factory=dict)
    cuts_low: dict[int, Decimal] = field(default_factory=dict)
    cuts_high: dict[int, Decimal] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.sector.sector

    @property
    def label(self) -> str:
        return self.sector.get_sector_display()

    def with_measures(self, year: int) -> Decimal | None:
        reference = self.reference.get(year)
        return None if reference is None else max(reference - self.cuts.get(year, Decimal(0)), Decimal(0))


@dataclass
class MeasureRow:
    measure: ClimateMeasure
    years: dict[int, MeasureYear]
    cost: dict[int, dict]  # year → {"budget": NOK 1 000, "accounts": NOK 1 000}
    report: MeasureReport | None  # the year's report, as the reader may see it
    status: str  # the status shown ("" when none is reported)
    explanation: str
    result: Decimal | None

    @property
    def is_quantified(self) -> bool:
        return any(y.cut is not None for y in self.years.values())

    def cut(self, year: int) -> Decimal | None:
        row = self.years.get(year)
        return row.cut if row else None

    def target(self, year: int) -> Decimal | None:
        row = self.years.get(year)
        return row.result_target if row else None

    @property
    def status_label(self) -> str:
        return str(MeasureStatus(self.status).label) if self.status else ""


@dataclass
class Headline:
    year: int
    frame: Decimal | None
    latest_year: int | None
    latest: Decimal | None
    needed: Decimal | None  # reference path − frame in the year
    covered: Decimal | None  # Σ central cuts in the year
    covered_share: Decimal | None  # per cent of the needed cut
    reached_percent: Decimal | None  # the cut from the reference year the path with measures reaches by the target year
    gap_points: Decimal | None  # target % − reached %


@dataclass
class BudgetView:
    budget: ClimateBudget
    year: int
    sectors: list[SectorFigures]
    measures: list[MeasureRow]
    interim: list[InterimTarget]
    revisions: list[Revision]
    reference_total: Decimal | None
    years: list[int]  # every year the chart and table cover
    headline: Headline
    missing_inventory: list[str]  # sectors without the reference year's emissions
    # Per year, the central cuts of measures the inventory does not capture: not in the path with measures.
    uncaptured: dict[int, Decimal] = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        return self.budget.plan

    def total(self, key: str, year: int) -> Decimal | None:
        """The sum over the sectors of history, frame or reference in the year; None when a sector lacks it."""
        return sum_over(self.sectors, key, year)

    def total_with_measures(self, year: int) -> Decimal | None:
        values = [s.with_measures(year) for s in self.sectors]
        if not values or any(v is None for v in values):
            return None
        return sum(values, Decimal(0))

    def total_cuts(self, year: int) -> Decimal:
        return cuts_over(self.sectors, year)

    def target_tonnes(self) -> Decimal | None:
        if self.reference_total is None:
            return None
        return self.reference_total * (HUNDRED - self.budget.target_percent) / HUNDRED

    def rows(self) -> list[dict]:
        """The table beside the chart: per year, the emissions known, the frame, the reference path, the path with
        measures and the cuts, summed over the sectors."""
        return [
            {
                "year": year,
                "history": self.total("history", year),
                "frame": self.total("frame", year),
                "reference": self.total("reference", year),
                "with_measures": self.total_with_measures(year),
                "cuts": self.total_cuts(year) if any(s.cuts.get(year) for s in self.sectors) else None,
            }
            for year in self.years
        ]

    @property
    def measures_per_sector(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for row in self.measures:
            counts[row.measure.sector] += 1
        return dict(counts)


def sum_over(figures: list[SectorFigures], key: str, year: int) -> Decimal | None:
    """The sum over the sectors of history, frame or reference in the year; None when a sector lacks it."""
    values = [getattr(f, key).get(year) for f in figures]
    if not values or any(v is None for v in values):
        return None
    return sum(values, Decimal(0))


def cuts_over(figures: list[SectorFigures], year: int) -> Decimal:
    """The central cuts in the year of the measures the inventory captures, summed over the sectors."""
    return sum((f.cuts.get(year, Decimal(0)) for f in figures), Decimal(0))


def covered_years(budget: ClimateBudget, figures: list[SectorFigures]) -> list[int]:
    """The years the chart and table cover: the inventory's from the reference year, and every framed year."""
    return sorted(
        {y for f in figures for y in f.history if y >= budget.reference_year}
        | {y for f in figures for y in f.frame_percent}
        | {y for f in figures for y in f.reference_percent}
    )


def inventory(municipality_id: int, sectors: list[str]) -> dict[str, dict[int, Decimal]]:
    """Return the published inventory per sector and year for the municipality, in tonnes CO₂-eq. One query.

    The inventory is official statistics: every reader sees the published figure.
    """
    return inventories([municipality_id], sectors).get(municipality_id, {s: {} for s in sectors})


def inventories(municipality_ids: list[int], sectors: list[str]) -> dict[int, dict[str, dict[int, Decimal]]]:
    """Return inventory() for several municipalities at once, by municipality id. One query."""
    codes = {inventory_code(s): s for s in sectors}
    values = IndicatorValue.objects.filter(
        municipality_id__in=municipality_ids,
        indicator__code__in=codes,
        published_at__isnull=False,
        published_state=ValueState.REPORTED,
    ).values_list("municipality_id", "indicator__code", "year", "published_value")
    found: dict[int, dict[str, dict[int, Decimal]]] = {m: {s: {} for s in sectors} for m in municipality_ids}
    for municipality_id, code, year, value in values:
        found[municipality_id][codes[code]][year] = value
    return found


def revisions_since(budget: ClimateBudget, sectors: list[str] | None = None) -> list[Revision]:
    """The changes Miljødirektoratet published to the budget's sectors' reference-year emissions after the plan was
    adopted (or set up, for a draft): the frames' tonnes moved with them. One query."""
    since = budget.plan.adopted_on
    if since is None:
        return []
    if sectors is None:
        sectors = [s.sector for s in budget.sectors.all()]
    codes = {inventory_code(s): s for s in sectors}
    changes = (
        ValueRevision.objects.filter(
            indicator_value__municipality_id=budget.plan.municipality_id,
            indicator_value__indicator__code__in=codes,
            indicator_value__year=budget.reference_year,
            changed_at__date__gt=since,
            old_state=ValueState.REPORTED,
        )
        .exclude(old_value=None)
        .order_by("changed_at", "pk")
        .values_list("indicator_value__indicator__code", "old_value", "new_value", "changed_at")
    )
    found: dict[str, Revision] = {}
    for code, old, new, when in changes:
        if old == new:
            continue
        sector = codes[code]
        if sector in found:  # several revisions: from the first figure to the last
            found[sector].after, found[sector].when = new, when
        else:
            found[sector] = Revision(sector, old, new, when)
    return [r for r in found.values() if r.before != r.after]


def sector_figures(budget: ClimateBudget, sectors: list[ClimateSector], measures: list[ClimateMeasure],
                   found: dict[str, dict[int, Decimal]]) -> list[SectorFigures]:  # fmt: skip
    """Return the budget's sectors in tonnes: frames and reference path from their per cent of the reference year's
    emissions in found (inventory()), and the measures' cuts summed per year. No query: the sectors' and measures'
    years are read as prefetched."""
    figures = []
    for sector in sectors:
        history = found.get(sector.sector, {})
        base = history.get(budget.reference_year)
        entry = SectorFigures(sector, base, history=history)
        for row in sector.years.all():
            if row.frame_percent is not None:
                entry.frame_percent[row.year] = row.frame_percent
                if base is not None:
                    entry.frame[row.year] = base * row.frame_percent / HUNDRED
            if row.reference_percent is not None:
                entry.reference_percent[row.year] = row.reference_percent
                if base is not None:
                    entry.reference[row.year] = base * row.reference_percent / HUNDRED
        figures.append(entry)
    by_sector = {f.code: f for f in figures}
    for measure in measures:
        entry = by_sector.get(measure.sector)
        # A cut the inventory does not capture will not show in what the path is measured against: it is said beside
        # the sums (uncaptured_cuts()), never counted in them.
        if entry is None or not measure.captured_by_inventory:
            continue
        for row in measure.years.all():
            for key, amount in (("cuts", row.cut), ("cuts_low", row.cut_low), ("cuts_high", row.cut_high)):
                if amount is not None:
                    sums = getattr(entry, key)
                    sums[row.year] = sums.get(row.year, Decimal(0)) + amount
    return figures


def figures_of(budgets: list[ClimateBudget]) -> dict[int, list[SectorFigures]]:
    """Each budget's sectors in tonnes (sector_figures()), by budget id, for budgets whose sectors, measures and their
    years are prefetched: one query, for the inventory of every municipality (none without budgets)."""
    sectors = sorted({s.sector for b in budgets for s in b.sectors.all()})
    found = inventories([b.plan.municipality_id for b in budgets], sectors)
    return {
        b.pk: sector_figures(b, list(b.sectors.all()), list(b.measures.all()), found[b.plan.municipality_id])
        for b in budgets
    }


def uncaptured_cuts(measures: list[ClimateMeasure]) -> dict[int, Decimal]:
    """Per year, the central cuts of the measures the inventory does not capture. No query (years prefetched)."""
    found: dict[int, Decimal] = defaultdict(Decimal)
    for measure in measures:
        if not measure.captured_by_inventory:
            for row in measure.years.all():
                if row.cut is not None:
                    found[row.year] += row.cut
    return dict(found)


def compose(budget: ClimateBudget, year: int, *, published_only: bool = True) -> BudgetView:
    """Compose the budget for the year's page: sectors in tonnes, measures with cost and the year's report.

    Queries, whatever the number of sectors and measures: interim targets, sectors, their years, measures, their
    years, the inventory, the projects' budget lines, the year's reports, the reference year's revisions (9).
    published_only: the public sees reports as last published; readers with a role see the working copy.
    """
    plan = budget.plan
    interim = list(budget.interim_targets.all())
    sectors = list(budget.sectors.prefetch_related("years"))
    measures = list(
        budget.measures.select_related("result_indicator", "project").prefetch_related("years").order_by("number")
    )
    found = inventory(plan.municipality_id, [s.sector for s in sectors])
    figures = sector_figures(budget, sectors, measures, found)
    cost = _costs([m.project_id for m in measures if m.project_id], plan)
    reports = {r.measure_id: r for r in MeasureReport.objects.filter(measure__budget=budget, year=year).order_by()}
    rows = []
    for measure in measures:
        report = reports.get(measure.pk)
        if published_only:
            shown = report if report is not None and report.published_at else None
            status = shown.published_status if shown else ""
            explanation = shown.published_explanation if shown else ""
            result = shown.published_result if shown else None
        else:
            shown = report
            status = report.status if report else ""
            explanation = report.explanation if report else ""
            result = report.result_value if report else None
        rows.append(
            MeasureRow(
                measure,
                {y.year: y for y in measure.years.all()},
                cost.get(measure.project_id, {}),
                shown,
                status,
                explanation,
                result,
            )
        )
    bases = [f.reference_tonnes for f in figures]
    reference_total = sum(bases, Decimal(0)) if bases and None not in bases else None
    years = covered_years(budget, figures)
    view = BudgetView(
        budget=budget,
        year=year,
        sectors=figures,
        measures=rows,
        interim=interim,
        revisions=revisions_since(budget, [s.sector for s in sectors]),
        reference_total=reference_total,
        years=years,
        headline=Headline(year, None, None, None, None, None, None, None, None),
        missing_inventory=[f.label for f in figures if f.reference_tonnes is None],
        uncaptured=uncaptured_cuts(measures),
    )
    view.headline = _headline(view, year)
    return view


def _costs(project_ids: list[int], plan: Plan) -> dict[int, dict[int, dict]]:
    """Per project and year of the plan: the budget in force and the accounts, NOK 1 000. One query (none without
    projects)."""
    if not project_ids:
        return {}
    lines = BudgetLine.objects.filter(
        municipality_id=plan.municipality_id,
        project_id__in=project_ids,
        year__gte=plan.period_start - 1,
        year__lte=plan.period_end,
    ).order_by()
    found: dict[int, dict[int, dict]] = defaultdict(dict)
    for line in lines:
        found[line.project_id][line.year] = {"budget": line.budget, "accounts": line.accounts}
    return found


def _headline(view: BudgetView, year: int) -> Headline:
    budget = view.budget
    frame = view.total("frame", year)
    known = [y for y in view.years if view.total("history", y) is not None and y <= year]
    latest_year = known[-1] if known else None
    reference = view.total("reference", year)
    needed = reference - frame if reference is not None and frame is not None else None
    covered = view.total_cuts(year)
    share = covered / needed * HUNDRED if needed and needed > 0 else None
    reached = gap = None
    at_target = view.total_with_measures(budget.target_year)
    if at_target is not None and view.reference_total:
        reached = (view.reference_total - at_target) / view.reference_total * HUNDRED
        gap = max(budget.target_percent - reached, Decimal(0))
    return Headline(
        year=year,
        frame=frame,
        latest_year=latest_year,
        latest=view.total("history", latest_year) if latest_year else None,
        needed=needed,
        covered=covered,
        covered_share=share,
        reached_percent=reached,
        gap_points=gap,
    )


def tonnes(value) -> str:
    return format_number(value, 0)


def headline_sentence(view: BudgetView) -> str:
    """The sentence a politician reads in ten seconds: frame, latest emissions, share of the needed cut the
    quantified measures cover, and the gap to the target."""
    h, budget = view.headline, view.budget
    parts = []
    if h.frame is not None:
        parts.append(
            _("The frame for %(year)s is %(frame)s tonnes CO₂-eq.") % {"year": h.year, "frame": tonnes(h.frame)}
        )
    else:
        parts.append(_("The budget sets no frame in tonnes for %(year)s.") % {"year": h.year})
    if h.latest_year is not None:
        parts.append(
            _("The latest known emissions are %(tonnes)s tonnes (%(year)s).")
            % {"tonnes": tonnes(h.latest), "year": h.latest_year}
        )
    else:
        parts.append(_("No emissions are known yet for the sectors the budget covers."))
    if h.covered_share is not None:
        parts.append(
            _("The quantified measures cover %(share)s %% of the cut needed in %(year)s.")
            % {"share": format_number(h.covered_share, 0), "year": h.year}
        )
    if h.gap_points is not None:
        if h.gap_points > 0:
            parts.append(
                _(
                    "With them, %(points)s percentage points are missing to the target of a %(target)s %% cut by "
                    "%(target_year)s."
                )  # fmt: skip
                % {
                    "points": format_number(h.gap_points, 0),
                    "target": format_number(budget.target_percent, 0),
                    "target_year": budget.target_year,
                }
            )
        else:
            parts.append(
                _("With them, the target of a %(target)s %% cut by %(target_year)s is reached.")
                % {"target": format_number(budget.target_percent, 0), "target_year": budget.target_year}
            )
    return " ".join(parts)


def uncaptured_sentence(view: BudgetView) -> str:
    """Say what the measures the inventory does not capture are expected to cut, left out of the sums."""
    amount = view.uncaptured.get(view.year)
    if not amount:
        return ""
    return _(
        "Measures that Miljødirektoratet's inventory does not capture are expected to cut %(tonnes)s tonnes in "
        "%(year)s more; they are not counted in the path with measures."
    ) % {"tonnes": tonnes(amount), "year": view.year}


def lag_sentence(year: int, latest_year: int | None) -> str:
    """Say plainly when the inventory covers the year ("the figures for 2025 come in 2027")."""
    if latest_year is not None and latest_year >= year:
        return ""
    return _("Miljødirektoratet's figures for %(year)s come in %(published)s.") % {
        "year": year,
        "published": published_year(year),
    }


def revision_sentences(view: BudgetView) -> list[str]:
    """Say why the frames' tonnes changed: the reference year was revised; the per cent stay."""
    return [
        _(
            "Miljødirektoratet revised %(sector)s's emissions in %(reference_year)s from %(before)s to %(after)s tonnes "
            "on %(date)s. The frames keep their per cent of the reference year; their tonnes changed with it."
        )
        % {
            "sector": r.label.lower(),
            "reference_year": view.budget.reference_year,
            "before": tonnes(r.before),
            "after": tonnes(r.after),
            "date": timezone.localtime(r.when).strftime("%d.%m.%Y"),
        }
        for r in view.revisions
    ]


# --- The checks ---------------------------------------------------------------------------------------------------


def effect_years(budget: ClimateBudget) -> tuple[int, int]:
    """The years a measure's effect may be entered for: the plan period, or up to the target year."""
    plan = budget.plan
    return plan.period_start, max(plan.period_end, budget.target_year)


def measure_problems(
    budget: ClimateBudget,
    measure: ClimateMeasure,
    years: list[MeasureYear],
    *,
    reference: dict | None = None,
    others: dict[int, Decimal] | None = None,
) -> list[str]:
    """Return what is wrong with the measure and its years, in the user's language; [] when it may be saved.

    - a measure is quantified (a cut in tonnes) or has an effect class;
    - a quantified measure names its result indicator;
    - effect years are inside the plan period or up to the target year;
    - the measure's sector is one the budget sets frames for;
    - in no year do the sector's measures (this one as given, the others as saved) cut more than its reference path.

    reference: the sector figures of compose() when the caller has them; otherwise they are read.
    others: the cuts of the sector's other measures per year (high estimate, else central) when the caller knows
    them better than the database, as an import changing several measures at once does; otherwise read as saved.
    """
    problems = []
    quantified = [y for y in years if y.cut is not None]
    if not quantified and not measure.effect_class:
        problems.append(_("Give the expected cut in tonnes for at least one year, or an effect class when it cannot "
                          "be put in tonnes."))  # fmt: skip
    if quantified and measure.result_indicator_id is None:
        problems.append(_("A measure with a cut in tonnes names the result indicator that shows it is carried out."))
    first, last = effect_years(budget)
    outside = sorted({y.year for y in years if not first <= y.year <= last})
    if outside:
        problems.append(
            _(
                "Effects can be entered for %(first)s–%(last)s (the plan period, or up to the target year), not for "
                "%(years)s."
            )  # fmt: skip
            % {"first": first, "last": last, "years": ", ".join(str(y) for y in outside)}
        )
    for row in years:
        try:
            row.clean()
        except ValidationError as error:
            problems.extend(f"{row.year}: {m}" for m in error.messages)
    sectors = {s.sector: s for s in budget.sectors.all()}
    if measure.sector not in sectors:
        if quantified:
            problems.append(
                _("The budget sets no frame for %(sector)s: add the sector with its reference path first.")
                % {"sector": sector_label(measure.sector).lower()}
            )
        return problems
    inside = [y for y in quantified if first <= y.year <= last]
    problems.extend(_path_problems(budget, measure, inside, reference, others))
    return problems


def _path_problems(budget, measure, quantified: list[MeasureYear], reference, others=None) -> list[str]:
    """The sector's cuts, with this measure's as given, may not exceed its reference path in any year."""
    if not quantified:
        return []
    if reference is None:
        sector = next(s for s in budget.sectors.all() if s.sector == measure.sector)
        base = reference_tonnes(budget, measure.sector)
        if base is None:
            return []  # no tonnes to check against; the page says the inventory is missing
        reference = {
            y.year: base * y.reference_percent / HUNDRED for y in sector.years.all() if y.reference_percent is not None
        }
    if others is None:
        others = planned_cuts(budget, measure.sector, leaving_out=measure.pk)
    others = defaultdict(Decimal, others)
    problems = []
    for row in quantified:
        path = reference.get(row.year)
        if path is None:
            problems.append(
                _("%(year)s: %(sector)s has no reference path that year, so a cut cannot be checked against it.")
                % {"year": row.year, "sector": sector_label(measure.sector)}
            )
            continue
        total = others[row.year] + row.counted_cut
        if total > path:
            problems.append(
                _(
                    "%(year)s: the measures in %(sector)s would cut %(total)s tonnes, more than the %(path)s tonnes the "
                    "sector emits on its reference path."
                )  # fmt: skip
                % {
                    "year": row.year,
                    "sector": sector_label(measure.sector).lower(),
                    "total": tonnes(total),
                    "path": tonnes(path),
                }  # fmt: skip
            )
    return problems


def reference_tonnes(budget: ClimateBudget, sector: str) -> Decimal | None:
    """The sector's emissions in the reference year, in the inventory as it stands today. One query."""
    return inventory(budget.plan.municipality_id, [sector])[sector].get(budget.reference_year)


def planned_cuts(budget: ClimateBudget, sector: str, *, leaving_out: int | None = None) -> dict[int, Decimal]:
    """Per year, what the sector's saved measures cut against its reference path (MeasureYear.counted_cut), leaving
    out one measure (the one being changed). One query."""
    cuts: dict[int, Decimal] = defaultdict(Decimal)
    rows = MeasureYear.objects.filter(measure__budget=budget, measure__sector=sector)
    if leaving_out is not None:
        rows = rows.exclude(measure_id=leaving_out)
    for row in rows.only("year", "cut", "cut_high"):
        if row.counted_cut is not None:
            cuts[row.year] += row.counted_cut
    return dict(cuts)


def sector_problems(budget: ClimateBudget, sector: ClimateSector, years: list[SectorYear]) -> list[str]:
    """A new reference path may not fall below the cuts already planned in the sector; years inside the budget's
    reach."""
    problems = []
    first, last = budget.reference_year, max(budget.plan.period_end, budget.target_year)
    outside = sorted({y.year for y in years if not first <= y.year <= last})
    if outside:
        problems.append(
            _("Frames and reference paths can be set for %(first)s–%(last)s, not for %(years)s.")
            % {"first": first, "last": last, "years": ", ".join(str(y) for y in outside)}
        )
    base = reference_tonnes(budget, sector.sector)
    if base is None:
        return problems
    cuts = planned_cuts(budget, sector.sector)
    for row in years:
        if row.reference_percent is None or not cuts.get(row.year):
            continue
        path = base * row.reference_percent / HUNDRED
        if cuts[row.year] > path:
            problems.append(
                _(
                    "%(year)s: the sector's measures cut %(cuts)s tonnes, more than the %(path)s tonnes of this "
                    "reference path. Lower the measures' effects first."
                )  # fmt: skip
                % {"year": row.year, "cuts": tonnes(cuts[row.year]), "path": tonnes(path)}
            )
    return problems


# --- Writing ------------------------------------------------------------------------------------------------------


class ClimateBudgetError(Exception):
    """The change breaks a rule of the climate budget; nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def _log(plan: Plan, action: str, subject: str, *, user, details=None, reason: str = "") -> None:
    plan_chain.record(plan, action, subject, user=user, details=details, reason=reason)


@transaction.atomic
def save_budget(*, budget: ClimateBudget, interim: list[tuple[int, Decimal]], user, reason: str = "",
                details=None) -> ClimateBudget:  # fmt: skip
    """Save the budget's terms and its interim targets (replacing the ones it had), and log it on the plan."""
    if budget.plan.plan_type != PlanType.OKONOMIPLAN:
        raise ClimateBudgetError([_("A climate budget belongs to an økonomiplan version.")])
    if not plan_chain.is_open(budget.plan):
        raise ClimateBudgetError([_("This version is replaced and can no longer be changed.")])
    created = budget.pk is None
    try:
        budget.full_clean()
    except ValidationError as error:
        raise ClimateBudgetError(error.messages) from error
    years = [y for y, _p in interim]
    problems = []
    if len(set(years)) != len(years):
        problems.append(_("Each interim target needs its own year."))
    for year, percent in interim:
        if not budget.reference_year < year <= budget.target_year:
            problems.append(
                _("The interim target for %(year)s is outside %(first)s–%(last)s.")
                % {"year": year, "first": budget.reference_year + 1, "last": budget.target_year}
            )
        if not 0 <= percent <= 100:
            problems.append(_("The interim target for %(year)s is not between 0 and 100 %%.") % {"year": year})
    if problems:
        raise ClimateBudgetError(problems)
    budget.save()
    budget.interim_targets.all().delete()
    InterimTarget.objects.bulk_create(InterimTarget(budget=budget, year=y, percent=p) for y, p in sorted(interim))
    action = PlanChange.Action.CREATED if created else PlanChange.Action.CHANGED
    _log(budget.plan, action, _("Climate budget"), user=user, details=details, reason=reason)
    return budget


@transaction.atomic
def save_sector(*, sector: ClimateSector, years: list[SectorYear], user, reason: str = "",
                details=None) -> ClimateSector:  # fmt: skip
    """Save a sector's reference-path source and its frames and reference path per year (replacing the ones it had),
    after checking them whole."""
    budget = sector.budget
    if not plan_chain.is_open(budget.plan):
        raise ClimateBudgetError([_("This version is replaced and can no longer be changed.")])
    problems = sector_problems(budget, sector, years)
    if problems:
        raise ClimateBudgetError(problems)
    created = sector.pk is None
    try:
        sector.full_clean(validate_unique=False)
    except ValidationError as error:
        raise ClimateBudgetError(error.messages) from error
    if created and budget.sectors.filter(sector=sector.sector).exists():
        raise ClimateBudgetError([_("The budget already has this sector.")])
    sector.save()
    sector.years.all().delete()
    for row in years:
        row.sector = sector
    SectorYear.objects.bulk_create(years)
    action = PlanChange.Action.CREATED if created else PlanChange.Action.CHANGED
    _log(budget.plan, action, _("Climate budget, sector “%(sector)s”") % {"sector": sector}, user=user,
         details=details, reason=reason)  # fmt: skip
    return sector


@transaction.atomic
def save_measure(*, measure: ClimateMeasure, years: list[MeasureYear], user, reason: str = "",
                 details=None, good_examples=None) -> ClimateMeasure:  # fmt: skip
    """Check the measure and its years whole and save them (replacing the years it had), logged on the plan.

    good_examples: the published good examples of the municipality the measure links, or None to keep its links.
    """
    budget = measure.budget
    if not plan_chain.is_open(budget.plan):
        raise ClimateBudgetError([_("This version is replaced and can no longer be changed.")])
    problems = measure_problems(budget, measure, years)
    try:
        measure.full_clean(validate_unique=False)
    except ValidationError as error:
        problems.extend(error.messages)
    if budget.measures.filter(number=measure.number).exclude(pk=measure.pk).exists():
        problems.append(_("The budget already has a measure numbered %(number)s.") % {"number": measure.number})
    if measure.project_id and measure.project.plan_id != budget.plan_id:
        problems.append(_("Choose a strategic project of the same økonomiplan version."))
    if good_examples is not None and any(
        e.municipality_id != budget.plan.municipality_id or e.status != ExampleStatus.PUBLISHED for e in good_examples
    ):
        problems.append(_("Link only the municipality's own published good examples."))
    if problems:
        raise ClimateBudgetError(problems)
    created = measure.pk is None
    measure.save()
    measure.years.all().delete()
    for row in years:
        row.measure = measure
    MeasureYear.objects.bulk_create(years)
    if good_examples is not None:
        measure.good_examples.set(good_examples)
    action = PlanChange.Action.CREATED if created else PlanChange.Action.CHANGED
    _log(budget.plan, action, _("Climate measure %(measure)s") % {"measure": measure}, user=user,
         details=details, reason=reason)  # fmt: skip
    return measure


@transaction.atomic
def delete_part(*, part: ClimateSector | ClimateMeasure, user, reason: str = "") -> None:
    """Delete a sector (with its frames) or a measure (with its effects), logged on the plan.

    Refused for a sector while measures cut in it, and for a measure once its status has been reported: the
    reports are the budget's history.
    """
    budget = part.budget
    if not plan_chain.is_open(budget.plan):
        raise ClimateBudgetError([_("This version is replaced and can no longer be changed.")])
    if plan_chain.needs_explanation(budget.plan) and not reason.strip():
        raise ClimateBudgetError([_("The plan is adopted: explain the change in one line.")])
    if isinstance(part, ClimateSector):
        subject = _("Climate budget, sector “%(sector)s”") % {"sector": part}
        if budget.measures.filter(sector=part.sector).exists():
            raise ClimateBudgetError([_("The sector has measures: delete them or move them to another sector first.")])
    else:
        subject = _("Climate measure %(measure)s") % {"measure": part}
        if part.reports.exists():
            raise ClimateBudgetError(
                [_("The measure's status has been reported, so it cannot be deleted. Report it as cancelled instead.")]
            )
    part.delete()
    _log(budget.plan, PlanChange.Action.DELETED, subject, user=user, reason=reason.strip())


def _revise(report: MeasureReport, *, user, reason: str, when) -> MeasureReportRevision:
    return MeasureReportRevision(
        report=report,
        changed_at=when,
        changed_by=user,
        status=report.status,
        explanation=report.explanation,
        result_value=report.result_value,
        workflow=report.workflow,
        reason=reason,
    )


@transaction.atomic
def save_report(
    *, measure: ClimateMeasure, year: int, status: str, explanation: str, result_value, user, reason: str = ""
) -> MeasureReport:
    """Write a measure's status for the year as a draft (a published report stays public until published again)."""
    if status not in MeasureStatus.values:
        raise ClimateBudgetError([_("Choose one of the statuses.")])
    if status in EXPLAINED_STATUSES and not explanation.strip():
        raise ClimateBudgetError([_("Explain why the measure is delayed, changed or cancelled.")])
    report = MeasureReport.objects.select_for_update().filter(measure=measure, year=year).first()
    when = timezone.now()
    if report is None:
        report = MeasureReport(measure=measure, year=year)
    elif (report.status, report.explanation, report.result_value) == (status, explanation, result_value) and (
        report.workflow == ReportStatus.DRAFT
    ):
        return report
    report.status, report.explanation, report.result_value = status, explanation, result_value
    report.workflow = ReportStatus.DRAFT
    report.changed_by, report.changed_at = user, when
    report.save()
    _revise(report, user=user, reason=reason, when=when).save()
    return report


@transaction.atomic
def move_reports(*, reports: list[MeasureReport], to: str, user, review_comment: str = "") -> int:
    """Move reports one step: submit, approve, publish, or return to draft. Returns how many moved.

    Reports not in a step they can move from are left as they are. Publishing copies the report to what the public
    reads.
    """
    allowed = MOVES[ReportStatus(to)]
    when = timezone.now()
    moved = 0
    for report in MeasureReport.objects.select_for_update().filter(pk__in=[r.pk for r in reports]).order_by("pk"):
        if report.workflow not in allowed:
            continue
        report.workflow = to
        report.changed_by, report.changed_at = user, when
        if to == ReportStatus.DRAFT:
            report.review_comment = review_comment
        if to == ReportStatus.PUBLISHED:
            report.published_status = report.status
            report.published_explanation = report.explanation
            report.published_result = report.result_value
            report.published_at = when
            report.review_comment = ""
        report.save()
        _revise(report, user=user, reason=review_comment, when=when).save()
        moved += 1
    return moved


def moved_message(count: int, to: str) -> str:
    messages = {
        ReportStatus.SUBMITTED: ngettext(
            "%(count)s status was submitted.", "%(count)s statuses were submitted.", count
        ),
        ReportStatus.APPROVED: ngettext("%(count)s status was approved.", "%(count)s statuses were approved.", count),
        ReportStatus.PUBLISHED: ngettext(
            "%(count)s status was published.", "%(count)s statuses were published.", count
        ),
        ReportStatus.DRAFT: ngettext(
            "%(count)s status was returned to the planner.", "%(count)s statuses were returned to the planner.", count
        ),
    }
    return messages[ReportStatus(to)] % {"count": count}


def copy_budget(old: Plan, new: Plan, projects: dict[int, int]) -> ClimateBudget | None:
    """Roll the old version's climate budget into the new version: terms, sectors, measures and their years.

    projects maps the old version's strategic projects to their copies. Reports stay with the version they were
    made for; each measure copy remembers the measure it came from.
    """
    budget = ClimateBudget.objects.filter(plan=old).first()
    if budget is None:
        return None
    copy = ClimateBudget.objects.create(
        plan=new,
        scope=budget.scope,
        reference_year=budget.reference_year,
        target_year=budget.target_year,
        target_percent=budget.target_percent,
        method_note=budget.method_note,
    )
    InterimTarget.objects.bulk_create(
        InterimTarget(budget=copy, year=t.year, percent=t.percent) for t in budget.interim_targets.all()
    )
    for sector in budget.sectors.prefetch_related("years"):
        sector_copy = ClimateSector.objects.create(
            budget=copy, sector=sector.sector, reference_source=sector.reference_source
        )
        SectorYear.objects.bulk_create(
            SectorYear(
                sector=sector_copy, year=y.year, frame_percent=y.frame_percent, reference_percent=y.reference_percent
            )  # fmt: skip
            for y in sector.years.all()
        )
    fields = [
        f.name for f in ClimateMeasure._meta.concrete_fields if f.name not in ("id", "budget", "project", "previous")
    ]
    for measure in budget.measures.prefetch_related("years"):
        measure_copy = ClimateMeasure.objects.create(
            budget=copy,
            project_id=projects.get(measure.project_id),
            previous=measure,
            **{name: getattr(measure, name) for name in fields},
        )
        MeasureYear.objects.bulk_create(
            MeasureYear(
                measure=measure_copy,
                year=y.year,
                cut=y.cut,
                cut_low=y.cut_low,
                cut_high=y.cut_high,
                result_target=y.result_target,
            )  # fmt: skip
            for y in measure.years.all()
            # Years before the new period belong to the version that was in force then.
            if y.year >= new.period_start
        )
        measure_copy.good_examples.set(measure.good_examples.all())
    return copy


def status_changes(municipality: Municipality, since, *, can_read: bool) -> list[MeasureReportRevision]:
    """The measures whose reported status changed since the moment, newest first: published changes of adopted
    versions for the public, every change for readers with a role. One query."""
    revisions = MeasureReportRevision.objects.filter(
        report__measure__budget__plan__municipality=municipality, changed_at__gte=since
    ).select_related("report__measure__budget__plan", "changed_by")
    if not can_read:
        revisions = revisions.filter(
            workflow=ReportStatus.PUBLISHED, report__measure__budget__plan__status__in=plan_chain.PUBLIC_STATUSES
        )
    return list(revisions.order_by("-changed_at", "-pk"))
