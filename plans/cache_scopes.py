"""The cache scopes (core/cache.py) of rows of the plans app: a plan, its parts, budget lines, reports and good
examples are all on their municipality's pages, and on the pages that gather from many municipalities."""

from django.urls import reverse

from core import cache, prerender
from indicators.cache_scopes import municipalities_in, of_municipalities
from plans import read_model
from plans.models import AnnualReport


def _of(municipality_id):
    return of_municipalities({municipality_id})


def watch_plans_app() -> None:
    cache.watch("plans.Plan", lambda row: _of(row.municipality_id))
    cache.watch("plans.FocusArea", lambda row: _of(row.plan.municipality_id))
    cache.watch("plans.Goal", lambda row: _of(row.focus_area.plan.municipality_id))
    cache.watch("plans.GoalIndicator", lambda row: _of(row.goal.focus_area.plan.municipality_id))
    cache.watch("plans.StrategicProject", lambda row: _of(row.plan.municipality_id))
    cache.watch("plans.PlanChange", lambda row: _of(row.plan.municipality_id))
    cache.watch("plans.BudgetLine", lambda row: _of(row.municipality_id))
    cache.watch("plans.BudgetImport", lambda row: _of(row.municipality_id))
    cache.watch("plans.AnnualReport", lambda row: _of(row.municipality_id))
    cache.watch("plans.ReportText", lambda row: _of(row.report.municipality_id))
    cache.watch("plans.ReportTextRevision", lambda row: _of(row.text.report.municipality_id))
    cache.watch("plans.GoodExample", lambda row: _of(row.municipality_id))
    # The climate budget is part of its økonomiplan: on the municipality's pages and the network's report.
    cache.watch("plans.ClimateBudget", lambda row: _of(row.plan.municipality_id))
    cache.watch("plans.InterimTarget", lambda row: _of(row.budget.plan.municipality_id))
    cache.watch("plans.ClimateSector", lambda row: _of(row.budget.plan.municipality_id))
    cache.watch("plans.SectorYear", lambda row: _of(row.sector.budget.plan.municipality_id))
    cache.watch("plans.ClimateMeasure", lambda row: _of(row.budget.plan.municipality_id))
    cache.watch("plans.MeasureYear", lambda row: _of(row.measure.budget.plan.municipality_id))
    cache.watch("plans.MeasureReport", lambda row: _of(row.measure.budget.plan.municipality_id))
    cache.watch("plans.ClimateImport", lambda row: _of(row.budget.plan.municipality_id))
    cache.watch("plans.MeasureReportRevision", lambda row: _of(row.report.measure.budget.plan.municipality_id))
    # The read model's rows are written by its build() after a change, and are no change themselves.
    cache.watch("plans.PageSnapshot", None)
    # The pages a change touched are forgotten in its transaction, and built again by the worker after it.
    cache.on_change(lambda scopes: read_model.forget(municipalities_in(scopes)))
    prerender.builds(lambda scopes: read_model.build(municipalities_in(scopes)))


def _municipality_pages(number: str) -> list[str]:
    """A municipality's dashboard and its latest published annual report."""
    pages = [reverse("municipality", args=[number])]
    latest = (
        AnnualReport.objects.filter(municipality__codes__code=number, published_at__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if latest is not None:
        pages.append(reverse("annual_report", args=[number, latest]))
    return pages


def render_plans_pages_again() -> None:
    prerender.pages_of("m", _municipality_pages)
