"""Downloads of the klimabudsjett: its measures and their statuses (CSV, XLSX, JSON), its frames and paths (JSON-stat).

Open data: every visitor, logged in or not, gets what the public may see, so a file can be passed on as it is. That
is the adopted version's budget (plans.climate.budget_for_year(can_read_drafts=False)) and each measure's status as
last published (plans.climate.compose(published_only=True)); a draft budget or a status not yet published is absent.

The tables follow indicators/exports.py: UTF-8 with a BOM, semicolons between columns and a decimal comma (Excel
in Norway opens them as columns), headings in the visitor's language, and the source and licence of every row in
its last two columns. The JSON file has stable English keys and codes, and a header saying where it comes from.

The frames and paths are a JSON-stat 2.0 cube (indicators.jsonstat.write(), read back by its parse()):
Region × Sektor × Bane × Tid in tonnes CO₂-eq., Bane being the inventory's emissions (utslipp), the reference path
(referansebane), the path with the measures (med_tiltak) and the frame (ramme). Frames and paths are stored in per
cent of the reference year's emissions: the file states them in tonnes at today's inventory, and the per cent in
its extension.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.db.models.query import prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import jsonstat
from indicators.access import Access, municipality_for_user
from indicators.exports import licence
from indicators.importers.miljodir import SOURCE_NAME as INVENTORY_SOURCE
from indicators.importers.spreadsheet import download_response
from indicators.models import FIRST_YEAR, LAST_YEAR, Municipality, Network
from indicators.numbers import unit_label
from plans import chain as plan_chain
from plans import climate
from plans.models import ClimateBudget, ClimateMeasure, Sector

FORMATS = ("csv", "xlsx", "json")
# The cube's paths (Bane), in the order of the file.
HISTORY, REFERENCE, WITH_MEASURES, FRAME = "utslipp", "referansebane", "med_tiltak", "ramme"
# The Sektor category that sums the budget's sectors.
ALL_SECTORS = "totalt"
TENTH = Decimal("0.1")


def budget_source(budget: ClimateBudget) -> str:
    """Where a measure's figures come from: the municipality's climate budget in the økonomiplan version."""
    return _("%(municipality)s, climate budget in %(plan)s") % {
        "municipality": budget.plan.municipality.name,
        "plan": budget.plan,
    }


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


# --- measures and statuses ----------------------------------------------------------------------------------------


def measure_rows(view: climate.BudgetView) -> list[list]:
    """The year's measures as rows for CSV or XLSX, header first: one row per measure, with its published status."""
    budget, year, plan = view.budget, view.year, view.plan
    municipality = plan.municipality
    source = budget_source(budget)
    rows = [
        [
            _("Municipality number"), _("Municipality"), _("Plan"), _("Plan status"), _("Year"),
            _("Measure number"), _("Measure"), _("Sector code"), _("Sector"), _("Emission source"),
            _("Whose measure"), _("Responsible unit"), _("Strategic project"), _("Budget (NOK 1 000)"),
            _("Accounts (NOK 1 000)"), _("Expected cut (tonnes CO₂-eq.)"), _("Low estimate (tonnes CO₂-eq.)"),
            _("High estimate (tonnes CO₂-eq.)"), _("Effect class"), _("Captured by the inventory"),
            _("Co-benefits"), _("Result indicator code"), _("Result indicator"), _("Unit of the result indicator"),
            _("Result target"), _("Result"), _("Status"), _("Explanation"), _("Status published"), _("Example"),
            _("Source"), _("Licence"),
        ]
    ]  # fmt: skip
    for row in view.measures:
        measure = row.measure
        planned = row.years.get(year)
        cost = row.cost.get(year, {})
        indicator = measure.result_indicator
        rows.append(
            [
                municipality.kommunenummer,
                municipality.name,
                str(plan),
                plan.get_status_display(),
                year,
                measure.number,
                measure.title,
                measure.sector,
                measure.get_sector_display(),
                measure.emission_source,
                measure.get_level_display(),
                measure.responsible_unit,
                measure.project.title if measure.project else "",
                cost.get("budget"),
                cost.get("accounts"),
                planned.cut if planned else None,
                planned.cut_low if planned else None,
                planned.cut_high if planned else None,
                measure.get_effect_class_display(),
                _yes(measure.captured_by_inventory),
                measure.co_benefits,
                indicator.code if indicator else "",
                indicator.name if indicator else "",
                unit_label(indicator) if indicator else "",
                planned.result_target if planned else None,
                row.result,
                row.status_label,
                row.explanation,
                _when(row.report.published_at) if row.report else "",
                _("yes") if measure.is_example else "",
                source,
                licence(source),
            ]
        )
    return rows


def _number(value) -> int | float | None:
    """A stored amount as a JSON number: whole amounts as integers, others as they are stored (one decimal)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def measure_document(view: climate.BudgetView) -> dict:
    """The year's measures as JSON: a header saying what and where from, then one object per measure."""
    budget, year, plan = view.budget, view.year, view.plan
    municipality = plan.municipality
    source = budget_source(budget)
    measures = []
    for row in view.measures:
        measure = row.measure
        planned = row.years.get(year)
        cost = row.cost.get(year, {})
        indicator = measure.result_indicator
        measures.append(
            {
                "municipality_number": municipality.kommunenummer,
                "municipality": municipality.name,
                "plan": str(plan),
                "plan_status": plan.status,
                "year": year,
                "measure_number": measure.number,
                "title": measure.title,
                "sector": measure.sector,
                "sector_label": measure.get_sector_display(),
                "emission_source": measure.emission_source,
                "level": measure.level,
                "responsible_unit": measure.responsible_unit,
                "strategic_project": measure.project.title if measure.project else None,
                "cost_budget_nok_1000": _number(cost.get("budget")),
                "cost_accounts_nok_1000": _number(cost.get("accounts")),
                "expected_cut_tonnes": _number(planned.cut) if planned else None,
                "expected_cut_low_tonnes": _number(planned.cut_low) if planned else None,
                "expected_cut_high_tonnes": _number(planned.cut_high) if planned else None,
                "effect_class": measure.effect_class or None,
                "captured_by_inventory": measure.captured_by_inventory,
                "co_benefits": measure.co_benefits,
                "result_indicator_code": indicator.code if indicator else None,
                "result_indicator": indicator.name if indicator else None,
                "result_indicator_unit": unit_label(indicator) if indicator else None,
                "result_target": _number(planned.result_target) if planned else None,
                "result_value": _number(row.result),
                "status": row.status or None,
                "status_label": row.status_label or None,
                "explanation": row.explanation,
                "published_at": row.report.published_at.isoformat() if row.report else None,
                "is_example": measure.is_example,
            }
        )
    return {
        "header": {
            "source": source,
            "licence": licence(source) or None,
            "generated": timezone.now().isoformat(timespec="seconds"),
            "municipality_number": municipality.kommunenummer,
            "municipality": municipality.name,
            "plan": str(plan),
            "plan_status": plan.status,
            "year": year,
            "units": {
                "cost": "NOK 1 000",
                "expected_cut": "tonnes CO2-eq. per year, against the reference path",
                "result_target": "the result indicator's unit",
            },
            "note": _(
                "Only the adopted climate budget, and each measure's status as last published: a measure "
                "without a published status for the year has status null."
            ),
        },
        "measures": measures,
    }


def _public_budget(request, code: str, year: int) -> tuple[Municipality, ClimateBudget]:
    """Return the municipality and its public climate budget for the year, or 404."""
    municipality, _access = municipality_for_user(request, code, may=Access.anyone)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    budget = climate.budget_for_year(municipality, year, can_read_drafts=False)
    if budget is None:
        raise Http404(_("%(municipality)s has no adopted climate budget for %(year)s.")
                      % {"municipality": municipality.name, "year": year})  # fmt: skip
    budget.plan.municipality = municipality  # with its numbers, read once
    return municipality, budget


def climate_measures_download(request, code: str, year: int, fmt: str):
    """The year's measures of the public climate budget, with their published status, as CSV, XLSX or JSON."""
    if fmt not in FORMATS:
        raise Http404
    municipality, budget = _public_budget(request, code, year)
    view = climate.compose(budget, year, published_only=True)
    name = f"livskraft-klimatiltak-{municipality.kommunenummer}-{year}"
    if fmt == "json":
        text = json.dumps(measure_document(view), ensure_ascii=False, allow_nan=False, indent=1)
        reply = HttpResponse(text.encode("utf-8"), content_type="application/json; charset=utf-8")
        reply["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return reply
    return download_response(measure_rows(view), name, fmt)


# --- frames and paths as JSON-stat --------------------------------------------------------------------------------


@dataclass
class Paths:
    """One municipality's budget in tonnes, sector by sector, for the years it covers."""

    municipality: Municipality
    budget: ClimateBudget
    sectors: list[climate.SectorFigures]
    years: list[int]

    def cells(self) -> dict[tuple[str, str, int], Decimal | None]:
        """(sector, path, year) → tonnes: each sector's, then their sum (totalt), None where a figure is unknown."""
        found = {}
        for year in self.years:
            by_path = defaultdict(list)
            for figures in self.sectors:
                for path, amount in (
                    (HISTORY, figures.history.get(year)),
                    (REFERENCE, figures.reference.get(year)),
                    (WITH_MEASURES, figures.with_measures(year)),
                    (FRAME, figures.frame.get(year)),
                ):
                    found[(figures.code, path, year)] = amount
                    by_path[path].append(amount)
            for path, amounts in by_path.items():
                # As BudgetView.total(): a sum over the sectors only when every sector has the figure.
                found[(ALL_SECTORS, path, year)] = None if None in amounts else sum(amounts, Decimal(0))
        return found


def paths_of(budgets: list[ClimateBudget]) -> list[Paths]:
    """Return each budget's frames and paths in tonnes, as compose() sums them.

    Six queries, however many budgets, sectors and measures: the sectors, their years, the measures, their years,
    the interim targets, and the inventory of every municipality.
    """
    if not budgets:
        return []
    prefetch_related_objects(
        budgets,
        "sectors__years",
        Prefetch("measures", queryset=ClimateMeasure.objects.prefetch_related("years")),
        "interim_targets",
    )
    figures = climate.figures_of(budgets)
    return [Paths(b.plan.municipality, b, figures[b.pk], climate.covered_years(b, figures[b.pk])) for b in budgets]


def _tonnes(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else amount.quantize(TENTH)


def _percent(amounts: dict[int, Decimal]) -> dict[str, int | float]:
    return {str(year): _number(amount) for year, amount in sorted(amounts.items())}


def _terms(paths: Paths) -> dict:
    """What the tonnes rest on, for the file's extension: the budget's terms and its per cent."""
    budget = paths.budget
    return {
        "plan": str(budget.plan),
        "plan_status": budget.plan.status,
        "reference_year": budget.reference_year,
        "target_year": budget.target_year,
        "target_percent": _number(budget.target_percent),
        "interim_targets_percent": {str(t.year): _number(t.percent) for t in budget.interim_targets.all()},
        "reference_year_emissions_tonnes": {f.code: _number(_tonnes(f.reference_tonnes)) for f in paths.sectors},
        "frame_percent": {f.code: _percent(f.frame_percent) for f in paths.sectors},
        "reference_percent": {f.code: _percent(f.reference_percent) for f in paths.sectors},
    }


def paths_dataset(found: list[Paths], *, title: str) -> dict:
    """Return the budgets' frames and paths as one JSON-stat 2.0 dataset: Region × Sektor × Bane × Tid, in tonnes."""
    used = {f.code for p in found for f in p.sectors}
    sectors = [(code, str(label)) for code, label in Sector.choices if code in used]
    sectors.append((ALL_SECTORS, _("All the budget's sectors")))
    years = sorted({y for p in found for y in p.years})
    paths = [
        (HISTORY, _("Emissions (Miljødirektoratet's inventory)")),
        (REFERENCE, _("Reference path (without new measures)")),
        (WITH_MEASURES, _("Path with the measures")),
        (FRAME, _("Frame")),
    ]
    unit = {"base": _("tonnes CO₂-eq."), "decimals": 1}
    values = {}
    for p in found:
        region = p.municipality.kommunenummer
        for (sector, path, year), amount in p.cells().items():
            values[(region, sector, path, str(year))] = _tonnes(amount)
    reference_years = sorted({p.budget.reference_year for p in found})
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension(
                "Region", _("region"), [(p.municipality.kommunenummer, p.municipality.name) for p in found]
            ),
            jsonstat.Dimension("Sektor", _("sector"), sectors),
            jsonstat.Dimension("Bane", _("path"), paths, units={code: unit for code, _label in paths}),
            jsonstat.Dimension("Tid", _("year"), [(str(y), str(y)) for y in years] or [("", "")]),
        ],
        values=values,
        label=title,
        source=_("Livskraft: adopted climate budgets. Emissions: %(inventory)s") % {"inventory": INVENTORY_SOURCE},
        updated=timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        roles={"geo": ["Region"], "time": ["Tid"], "metric": ["Bane"]},
        extension={"budgets": {p.municipality.kommunenummer: _terms(p) for p in found}},
    )
    document["note"] = [
        _(
            "Tonnes CO₂-equivalents per year. utslipp: the emissions in Miljødirektoratet's inventory as published "
            "today; referansebane: what the sector would emit without new measures; med_tiltak: the reference path "
            "less the expected cuts of the budget's measures; ramme: the most the sector may emit, the frame."
        ),
        _(
            "Frames and reference paths are set in per cent of the sector's emissions in the reference year "
            "(%(years)s), and are given here in tonnes at the inventory's figure for that year as it stands today: "
            "when Miljødirektoratet revises it, the per cent keep their meaning and the tonnes change. The per cent "
            "and the budget's terms are in extension.budgets."
        )
        % {"years": ", ".join(str(y) for y in reference_years)},
        _(
            "Only adopted climate budgets. null: not known, such as a year the inventory has not reached yet "
            "(Miljødirektoratet publishes a year's figures two years later) or a year without a frame. totalt: the "
            "sum over the sectors the budget covers, null when one of them lacks the figure."
        ),
    ]
    return document


def _jsonstat_response(document: dict, name: str) -> HttpResponse:
    reply = HttpResponse(jsonstat.dumps(document), content_type="application/json; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return reply


def climate_paths_jsonstat(request, code: str, year: int):
    """The public climate budget's frames and paths as JSON-stat 2.0: one municipality, its sectors and years."""
    municipality, budget = _public_budget(request, code, year)
    document = paths_dataset(
        paths_of([budget]),
        title=_("Livskraft: the climate budget of %(municipality)s, %(plan)s")
        % {"municipality": municipality.name, "plan": budget.plan},
    )
    return _jsonstat_response(document, f"livskraft-klimabudsjett-{municipality.kommunenummer}-{year}")


def network_budgets(network: Network, year: int) -> list[ClimateBudget]:
    """The public climate budget for the year of each municipality that was a member in the year, by name.

    As budget_for_year(can_read_drafts=False) for each: two queries, the budgets and their municipalities' numbers.
    """
    candidates = (
        ClimateBudget.objects.filter(
            plan__municipality__in=network.members_in(year),
            plan__status__in=plan_chain.PUBLIC_STATUSES,
            plan__period_start__lte=year,
            plan__period_end__gte=year,
        )
        .select_related("plan__municipality")
        .prefetch_related("plan__municipality__codes")
        .order_by("plan__municipality__name", "plan__municipality_id", "-plan__period_start", "-plan__pk")
    )
    by_municipality: dict[int, list[ClimateBudget]] = defaultdict(list)
    for budget in candidates:
        by_municipality[budget.plan.municipality_id].append(budget)
    return [climate.choose_budget(found) for found in by_municipality.values()]


def climate_network_jsonstat(request, slug: str, year: int):
    """Every member's public climate budget for the year, frames and paths side by side, as JSON-stat 2.0."""
    network = get_object_or_404(Network, slug=slug)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    budgets = network_budgets(network, year)
    if not budgets:
        raise Http404(_("No member of %(network)s has an adopted climate budget for %(year)s.")
                      % {"network": network.name, "year": year})  # fmt: skip
    document = paths_dataset(
        paths_of(budgets),
        title=_("Livskraft: the climate budgets of %(network)s, %(year)s") % {"network": network.name, "year": year},
    )
    return _jsonstat_response(document, f"livskraft-klimabudsjett-{network.slug}-{year}")
