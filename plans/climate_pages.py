"""The climate budget's public page: what a politician reads in ten seconds, the wedge chart with its table, the
terms, the sectors and the measures of one year.

The public sees the budgets of adopted økonomiplan versions and the measures' published statuses; readers with a
role in the municipality also see draft versions and the statuses being reported, marked as not published. The sums
come from plans/climate.py (compose()); this module lays them out.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import axis_unit, figure, trace
from indicators.access import Access, municipality_for_user
from indicators.numbers import chart_separators
from plans import climate
from plans.chain import PUBLIC_STATUSES
from plans.climate_report import status_counts
from plans.models import AnnualReport, ClimateMeasure, MeasureReport, PlanStatus, ReportStatus, Sector

HUNDRED = Decimal(100)

# Each sector's area, on white at 3:1 or more (WCAG 1.4.11) and apart in hue from its neighbours in the stack (the
# sectors stack in the order of their codes); a thin white edge between areas keeps two of them apart.
SECTOR_COLOURS = {
    Sector.ANNEN_MOBIL: "#8a5a00",
    Sector.AVFALL: "#555f6b",
    Sector.ORGANISATION: "#00727a",
    Sector.ENERGIFORSYNING: "#b5500b",
    Sector.INDUSTRI: "#5b3a8c",
    Sector.JORDBRUK: "#2e7d32",
    Sector.LUFTFART: "#4e342e",
    Sector.OPPVARMING: "#a8324f",
    Sector.FLUORGASSER: "#6b6b00",
    Sector.SJOFART: "#3949ab",
    Sector.VEITRAFIKK: "#1f5f99",
}
OTHER_COLOUR = "#495057"
# The paths are told apart by their dash as well as their colour; each is drawn on a white halo so that it stays
# visible where it crosses the coloured areas.
PATH_COLOUR = "#212529"
FRAME_COLOUR = "#a4262c"
TARGET_COLOUR = "#212529"
HALO = {"color": "#ffffff", "width": 7}


def _float(value) -> float | None:
    return None if value is None else float(value)


@dataclass
class KeyEntry:
    """One entry of the chart's key, drawn in the page as a small SVG beside its words (plotly's own legend scrolls
    at a phone's width): an area's colour, a line's colour and dash, or a marker's shape."""

    label: str
    kind: str  # "area", "line" or "marker"
    colour: str
    dash: bool = False
    symbol: str = ""  # a marker's shape: "square", "diamond", "star"


def _path(name: str, points: dict[int, Decimal], *, line: dict, marker: dict | None = None, shape="linear") -> list:
    """A line through the points with a white halo under it, or nothing."""
    if not points:
        return []
    years = sorted(points)
    y = [float(points[year]) for year in years]
    text = [climate.tonnes(points[year]) for year in years]
    halo = trace("scatter", x=years, y=y, mode="lines", line={**HALO, "shape": shape}, hoverinfo="skip")
    drawn = trace(
        "scatter",
        x=years,
        y=y,
        name=name,
        mode="lines+markers" if marker else "lines",
        line={**line, "shape": shape},
        text=text,
        hovertemplate="%{x}: %{text} t<extra>" + name + "</extra>",
        **({"marker": marker} if marker else {}),
    )
    return [halo, drawn]


def wedge_chart(view: climate.BudgetView) -> tuple[dict, list[KeyEntry]]:
    """The wedge chart and its key: emissions by sector as stacked areas, then the reference path (dashed), the path
    with the measures (solid), the frame (steps with squares), and the target and interim targets (stars,
    diamonds). The key lists the lines and marks first, then the sectors from the top of the stack down."""
    data, key, areas = [], [], []
    known = [y for y in view.years if view.total("history", y) is not None]
    for sector in view.sectors:
        colour = SECTOR_COLOURS.get(sector.code, OTHER_COLOUR)
        data.append(
            trace(
                "scatter",
                x=known,
                y=[float(sector.history[y]) for y in known],
                name=sector.label,
                mode="lines",
                stackgroup="emissions",
                line={"color": "#ffffff", "width": 0.75},
                fillcolor=colour,
                text=[climate.tonnes(sector.history[y]) for y in known],
                hovertemplate="%{x}: %{text} t<extra>" + sector.label + "</extra>",
            )
        )
        areas.insert(0, KeyEntry(sector.label, "area", colour))
    rows = view.rows()
    paths = [
        (_("Frame"), "frame", {"color": FRAME_COLOUR, "width": 2.5}, "square"),
        (_("Path with the measures"), "with_measures", {"color": PATH_COLOUR, "width": 3}, ""),
        (_("Reference path, without new measures"), "reference", {"color": PATH_COLOUR, "width": 2.5, "dash": "dash"},
         ""),
    ]  # fmt: skip
    for name, column, line, symbol in paths:
        points = {r["year"]: r[column] for r in rows if r[column] is not None}
        marker = {"color": line["color"], "symbol": symbol, "size": 8} if symbol else None
        drawn = _path(name, points, line=line, marker=marker, shape="hv" if column == "frame" else "linear")
        if drawn:
            data += drawn
            key.append(KeyEntry(name, "line", line["color"], dash="dash" in line, symbol=symbol))
    marks = []
    if view.reference_total is not None:
        marks.append((_("Target"), view.budget.target_year, view.target_tonnes(), "star"))
        for interim in view.interim:
            tonnes = view.reference_total * (HUNDRED - interim.percent) / HUNDRED
            marks.append((_("Interim targets"), interim.year, tonnes, "diamond"))
    for name in dict.fromkeys(m[0] for m in marks):
        chosen = [m for m in marks if m[0] == name]
        data.append(
            trace(
                "scatter",
                x=[m[1] for m in chosen],
                y=[float(m[2]) for m in chosen],
                name=name,
                mode="markers",
                marker={
                    "color": TARGET_COLOUR,
                    "symbol": chosen[0][3],
                    "size": 15,
                    "line": {"color": "#ffffff", "width": 1.5},
                },
                text=[climate.tonnes(m[2]) for m in chosen],
                hovertemplate="%{x}: %{text} t<extra>" + name + "</extra>",
            )
        )
        key.append(KeyEntry(name, "marker", TARGET_COLOUR, symbol=chosen[0][3]))
    years = [year for item in data for year in item["x"]]
    span = max(years) - min(years) if years else 0
    chart = figure(
        data,
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=380,
        separators=chart_separators(),
        font={"family": "system-ui, sans-serif", "size": 13, "color": "#212529"},
        # The key is in the page, under the chart, where it wraps at any width.
        showlegend=False,
        annotations=[axis_unit(_("tonnes CO₂-eq."))],
        yaxis={"rangemode": "tozero", "tickformat": ",d", "automargin": True},
        xaxis={"tickformat": "d", "dtick": 1 if span <= 10 else (2 if span <= 20 else 5), "automargin": True},
        hovermode="closest",
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
    )
    return chart, key + areas


def chart_sentence(view: climate.BudgetView) -> str:
    """The chart in words, for those who cannot see it: where emissions started, where they are, where the paths
    lead and the target."""
    budget, parts = view.budget, []
    if view.reference_total is not None:
        parts.append(
            _("In %(year)s, the reference year, the budget's sectors emitted %(tonnes)s tonnes CO₂-eq.")
            % {"year": budget.reference_year, "tonnes": climate.tonnes(view.reference_total)}
        )
    headline = view.headline
    if headline.latest_year is not None and headline.latest_year != budget.reference_year:
        parts.append(
            _("In %(year)s they emitted %(tonnes)s tonnes.")
            % {"year": headline.latest_year, "tonnes": climate.tonnes(headline.latest)}
        )
    target_year = budget.target_year
    reference, with_measures = view.total("reference", target_year), view.total_with_measures(target_year)
    if reference is not None and with_measures is not None:
        parts.append(
            _(
                "In %(year)s the reference path reaches %(reference)s tonnes, and the path with the measures "
                "%(with_measures)s tonnes."
            )  # fmt: skip
            % {
                "year": target_year,
                "reference": climate.tonnes(reference),
                "with_measures": climate.tonnes(with_measures),
            }  # fmt: skip
        )
    target = view.target_tonnes()
    if target is not None:
        parts.append(
            _("The target is %(tonnes)s tonnes in %(year)s.") % {"tonnes": climate.tonnes(target), "year": target_year}
        )
    return " ".join(parts)


@dataclass
class SectorLine:
    """A sector's row in the year's table."""

    label: str
    reference_tonnes: Decimal | None
    latest: Decimal | None
    frame: Decimal | None
    frame_percent: Decimal | None
    reference: Decimal | None
    reference_percent: Decimal | None
    cuts: Decimal | None
    with_measures: Decimal | None
    source: str


@dataclass
class MeasureLine:
    """A measure's row in the year's table: what it cuts, what it costs and how it went."""

    row: climate.MeasureRow
    cut: Decimal | None
    cut_low: Decimal | None
    cut_high: Decimal | None
    budget: Decimal | None  # NOK 1 000
    accounts: Decimal | None
    target: Decimal | None  # the result indicator's target for the year
    working_copy: bool  # the status as being reported (readers with a role), not as published

    @property
    def measure(self) -> ClimateMeasure:
        return self.row.measure

    @property
    def report(self) -> MeasureReport | None:
        return self.row.report

    @property
    def unpublished_step(self) -> str:
        """The reporting step of a status shown before it is published ("" when it is the published one)."""
        report = self.row.report
        if not self.working_copy or report is None or report.workflow == ReportStatus.PUBLISHED:
            return ""
        return report.get_workflow_display()


def sector_lines(view: climate.BudgetView) -> list[SectorLine]:
    latest_year, year = view.headline.latest_year, view.year
    return [
        SectorLine(
            label=s.label,
            reference_tonnes=s.reference_tonnes,
            latest=s.history.get(latest_year) if latest_year is not None else None,
            frame=s.frame.get(year),
            frame_percent=s.frame_percent.get(year),
            reference=s.reference.get(year),
            reference_percent=s.reference_percent.get(year),
            cuts=s.cuts.get(year),
            with_measures=s.with_measures(year),
            source=s.sector.reference_source,
        )
        for s in view.sectors
    ]


def measure_lines(view: climate.BudgetView, *, working_copies: bool) -> list[MeasureLine]:
    year, lines = view.year, []
    for row in view.measures:
        planned = row.years.get(year)
        money = row.cost.get(year, {})
        lines.append(
            MeasureLine(
                row=row,
                cut=planned.cut if planned else None,
                cut_low=planned.cut_low if planned else None,
                cut_high=planned.cut_high if planned else None,
                budget=money.get("budget"),
                accounts=money.get("accounts"),
                target=planned.result_target if planned else None,
                working_copy=working_copies,
            )
        )
    return lines


def climate_budget_latest(request, code: str):
    """The climate budget of this year, or of the newest year with one the reader may see."""
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    insider = access.can_read(municipality.pk)
    this_year = timezone.localdate().year
    if climate.budget_for_year(municipality, this_year, can_read_drafts=insider) is not None:
        return redirect("climate_budget", municipality.kommunenummer, this_year)
    newest = climate.budgets_of(municipality, can_read_drafts=insider).first()
    if newest is None:
        raise Http404(_("No climate budget is registered for this municipality."))
    year = min(max(this_year, newest.plan.period_start), newest.plan.period_end)
    return redirect("climate_budget", municipality.kommunenummer, year)


def climate_budget(request, code: str, year: int):
    """The municipality's climate budget for the year: headline, wedge chart and table, terms, sectors, measures.

    Queries, however many sectors and measures: the municipality and its codes (2), the budget (1), compose()'s 9,
    and the published annual reports' years (1).
    """
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    insider = access.can_read(municipality.pk)
    budget = climate.budget_for_year(municipality, year, can_read_drafts=insider)
    if budget is None:
        raise Http404(_("No climate budget is registered for this year."))
    view = climate.compose(budget, year, published_only=not insider)
    plan = budget.plan
    reports = AnnualReport.objects.filter(municipality=municipality, published_at__isnull=False)
    report_years = list(reports.order_by("-year").values_list("year", flat=True))
    report_year = year if year in report_years else next(iter(report_years), None)
    rows = view.rows()
    chart, key = wedge_chart(view)
    total = view.reference_total
    interim = [(t, None if total is None else total * (HUNDRED - t.percent) / HUNDRED) for t in view.interim]
    return render(
        request,
        "plans/climate/budget.html",
        {
            "municipality": municipality,
            "code": municipality.kommunenummer,
            "year": year,
            "view": view,
            "budget": budget,
            "plan": plan,
            "insider": insider,
            "is_published": plan.status in PUBLIC_STATUSES,
            "is_in_force": plan.status == PlanStatus.ADOPTED,
            "headline": climate.headline_sentence(view),
            "lag": climate.lag_sentence(year, view.headline.latest_year),
            "uncaptured": climate.uncaptured_sentence(view),
            "revisions": climate.revision_sentences(view),
            "chart": chart,
            "chart_key": key,
            "chart_sentence": chart_sentence(view),
            "rows": rows,
            "this_row": next((r for r in rows if r["year"] == year), {}),
            "interim": interim,
            "sectors": sector_lines(view),
            "measures": measure_lines(view, working_copies=insider),
            "statuses": status_counts(view.measures),
            "years": list(range(plan.period_start, plan.period_end + 1)),
            "report_year": report_year,
        },
    )
