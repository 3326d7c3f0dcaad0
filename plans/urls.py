"""Addresses of the pages that read figures through the plan chain: dashboard, plans, digest, budgets, reports."""

from django.urls import path

from core.cache import of_municipality, public_page
from plans import (
    budget,
    climate_entry,
    climate_exports,
    climate_pages,
    climate_reporting,
    digest,
    editing,
    planning,
    views,
)

urlpatterns = [
    # Where a user lands after logging in: a politician on her municipality's dashboard, the rest on Min rapportering.
    path("start/", views.start, name="start"),
    # The municipality dashboard: its goals and figures, read through the plan in force.
    path(
        "kommune/<str:code>/",
        public_page(views.municipality, query=("budsjett_fra", "budsjett_til"), scopes=of_municipality),
        name="municipality",
    ),
    # The plan chain (public: adopted plans; readers with a role also see drafts).
    path(
        "kommune/<str:code>/planer/",
        public_page(planning.chain_page, query=("ar",), scopes=of_municipality),
        name="plan_chain",
    ),
    path("kommune/<str:code>/planer/<int:pk>/", public_page(planning.plan_page, scopes=of_municipality), name="plan"),
    path(
        "kommune/<str:code>/endringer/",
        public_page(digest.digest, query=("siden",), scopes=of_municipality),
        name="digest",
    ),
    # Climate budget: public pages
    # A year's budget of the økonomiplan version in force (public: adopted versions; readers with a role: drafts too).
    path("kommune/<str:code>/klimabudsjett/", climate_pages.climate_budget_latest, name="climate_budget_latest"),
    path(
        "kommune/<str:code>/klimabudsjett/<int:year>/",
        public_page(climate_pages.climate_budget, scopes=of_municipality),
        name="climate_budget",
    ),
    # Editing the chain: planners of the municipality; adopting: approvers.
    path("rapportering/<str:code>/planer/ny/", planning.plan_create, name="plan_create"),
    path("rapportering/planer/<int:pk>/", planning.plan_edit, name="plan_edit"),
    path("rapportering/planer/<int:pk>/rull/", planning.plan_roll, name="plan_roll"),
    path("rapportering/planer/<int:pk>/vedta/", planning.plan_adopt, name="plan_adopt"),
    path("rapportering/planer/<int:pk>/innsatsomrade/ny/", planning.focus_area_create, name="focus_area_create"),
    path("rapportering/innsatsomrade/<int:pk>/", planning.focus_area_edit, name="focus_area_edit"),
    path("rapportering/innsatsomrade/<int:pk>/mal/ny/", planning.goal_create, name="goal_create"),
    path("rapportering/mal/<int:pk>/", planning.goal_edit, name="goal_edit"),
    path("rapportering/planer/<int:pk>/prosjekt/ny/", planning.project_create, name="project_create"),
    path("rapportering/prosjekt/<int:pk>/", planning.project_edit, name="project_edit"),
    path("rapportering/<str:kind>/<int:pk>/slett/", planning.delete, name="plan_delete"),
    # Climate budget: editing. Planners of the municipality, in an open økonomiplan version; adopting the plan adopts it.
    path("rapportering/planer/<int:pk>/klimabudsjett/", climate_entry.budget_edit, name="climate_budget_edit"),
    path("rapportering/klimabudsjett/<int:pk>/sektor/ny/", climate_entry.sector_create, name="climate_sector_create"),
    path("rapportering/klimasektor/<int:pk>/", climate_entry.sector_edit, name="climate_sector_edit"),
    path("rapportering/klimabudsjett/<int:pk>/tiltak/ny/", climate_entry.measure_create, name="climate_measure_create"),
    path("rapportering/klimatiltak/<int:pk>/", climate_entry.measure_edit, name="climate_measure_edit"),
    path("rapportering/klimabudsjett/<str:kind>/<int:pk>/slett/", climate_entry.delete, name="climate_delete"),
    # Money: budget lines per year, entered or imported.
    path("rapportering/<str:code>/budsjett/<int:year>/", budget.budget_entry, name="budget_entry"),
    path("rapportering/<str:code>/budsjett/<int:year>/import/", budget.budget_import, name="budget_import"),
    path("rapportering/budsjett/import/<int:pk>/", budget.budget_import_preview, name="budget_import_preview"),
    path("rapportering/<str:code>/budsjett/<int:year>/mal.<str:fmt>", budget.budget_template, name="budget_template"),
    # Climate budget: yearly statuses and the measures spreadsheet
    path(
        "rapportering/<str:code>/klimabudsjett/<int:year>/status/",
        climate_reporting.climate_status,
        name="climate_status",
    ),
    path(
        "rapportering/<str:code>/klimabudsjett/<int:year>/tiltak.xlsx",
        climate_reporting.climate_template,
        name="climate_template",
    ),
    path(
        "rapportering/<str:code>/klimabudsjett/<int:year>/import/",
        climate_reporting.climate_import,
        name="climate_import",
    ),
    path(
        "rapportering/klimabudsjett/import/<int:pk>/",
        climate_reporting.climate_import_preview,
        name="climate_import_preview",
    ),
    path(
        "kommune/<str:code>/arsrapport/<int:year>/",
        public_page(views.annual_report, query=("lang", "utkast"), scopes=of_municipality),
        name="annual_report",
    ),
    # One goal's calculation (when do we get there) as CSV: as the dashboard shows it, and as a report shows it.
    path("kommune/<str:code>/mal/<int:pk>/beregning.csv", views.goal_calculation, name="goal_calculation"),
    path(
        "kommune/<str:code>/arsrapport/<int:year>/mal/<int:pk>/beregning.csv",
        views.goal_calculation,
        name="report_goal_calculation",
    ),
    path("nettverk/<slug:slug>/arsrapport/", views.network_report_latest, name="network_report_latest"),
    path("nettverk/<slug:slug>/arsrapport/<int:year>/", public_page(views.network_report), name="network_report"),
    # Climate budget: downloads (open data: the adopted budget and the statuses as published, for everyone).
    path(
        "kommune/<str:code>/klimabudsjett/<int:year>/tiltak.<str:fmt>",
        climate_exports.climate_measures_download,
        name="climate_measures_download",
    ),
    path(
        "kommune/<str:code>/klimabudsjett/<int:year>/rammer.json",
        climate_exports.climate_paths_jsonstat,
        name="climate_paths_jsonstat",
    ),
    path(
        "nettverk/<slug:slug>/klimabudsjett/<int:year>/rammer.json",
        climate_exports.climate_network_jsonstat,
        name="climate_network_jsonstat",
    ),
    path("gode-eksempler/", public_page(views.good_examples, query=("kommune",)), name="good_examples"),
    path("gode-eksempler/<int:pk>/", public_page(views.good_example), name="good_example"),
    path("gode-eksempler/<int:pk>/bilde/", views.good_example_image, name="good_example_image"),
    # Writing: only for users with a role; every view checks access itself.
    path("rapportering/<str:code>/<int:year>/arsrapport/", editing.report_edit, name="report_edit"),
    path("rapportering/gode-eksempler/", editing.my_examples, name="my_examples"),
    path("rapportering/gode-eksempler/<int:pk>/", editing.example_edit, name="example_edit"),
    path("rapportering/gode-eksempler/<int:pk>/vurdering/", editing.example_review, name="example_review"),
    path("rapportering/<str:code>/gode-eksempler/ny/", editing.example_create, name="example_create"),
]
