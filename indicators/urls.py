"""Addresses of the statistics pages: the front page, indicators, downloads, sources and the reporting round."""

from django.urls import path

from core.cache import of_indicator, public_page
from indicators import access_pages, definitions, opendata, reporting, round_pages, selection, views
from indicators.models import DataImport

urlpatterns = [
    path("", public_page(views.home), name="home"),
    path("kommune/<str:code>/data.<str:fmt>", views.municipality_download, name="municipality_download"),
    path("kommuner/", public_page(views.municipality_search, query=("q",)), name="municipality_search"),
    path("indikator/", public_page(views.indicators), name="indicators"),
    path(
        "indikator/<slug:code>/",
        public_page(views.indicator, query=("ar", "kommune", "utvalg", "visning", "gruppe"), scopes=of_indicator),
        name="indicator",
    ),
    path("indikator/<slug:code>/data.<str:fmt>", views.indicator_download, name="indicator_download"),
    path("kilder/", public_page(views.sources), name="sources"),
    path("data/", selection.download, name="data_download"),
    path("data/alle-publiserte-tall.csv", views.bulk_download, {"fmt": "csv"}, name="bulk_download"),
    path("data/alle-publiserte-tall.json", views.bulk_download, {"fmt": "json"}, name="bulk_download_json"),
    # The reporting round: only for users with a role; every view checks access itself.
    path("rapportering/", reporting.start, name="reporting_start"),
    path("rapportering/oversikt/<int:year>/", reporting.overview, name="reporting_overview"),
    # A network's reporting rounds: deadline, matrix and reminders (indicators/round_pages.py).
    path("rapportering/runder/ny/", round_pages.round_create, name="round_create"),
    path("rapportering/runder/<int:pk>/", round_pages.round_matrix, name="round_matrix"),
    path("rapportering/runder/<int:pk>/endre/", round_pages.round_edit, name="round_edit"),
    path("rapportering/runder/<int:pk>/lukk/", round_pages.round_close, name="round_close"),
    path("rapportering/paminnelser/", round_pages.reminder_settings, name="reminder_settings"),
    # Who has which role where: network coordinators and administrators (indicators/access_pages.py).
    path("rapportering/tilganger/", access_pages.roles, name="access_roles"),
    path("rapportering/tilganger/rolle/<int:pk>/trekk-tilbake/", access_pages.role_withdraw, name="role_withdraw"),
    path(
        "rapportering/tilganger/koordinator/<int:pk>/trekk-tilbake/",
        access_pages.coordinator_withdraw,
        name="coordinator_withdraw",
    ),
    path("rapportering/tilganger/nettverk/<slug:slug>/", access_pages.network_members, name="network_members"),
    path("rapportering/tilganger/medlemskap/<int:pk>/avslutt/", access_pages.membership_end, name="membership_end"),
    path("rapportering/tilganger/sett/", access_pages.notice_seen, name="access_notice_seen"),
    path("rapportering/import/<int:pk>/", reporting.import_preview, name="import_preview"),
    path("rapportering/ssb/", opendata.upload, {"kind": DataImport.Kind.SSB}, name="opendata_upload"),
    path("rapportering/folketall/", opendata.upload, {"kind": DataImport.Kind.POPULATION}, name="population_upload"),
    path(
        "rapportering/miljodirektoratet/", opendata.upload, {"kind": DataImport.Kind.EMISSIONS}, name="emissions_upload"
    ),
    path("rapportering/kommunereformer/", opendata.upload, {"kind": DataImport.Kind.REFORM}, name="reform_upload"),
    path(
        "rapportering/kostra-grupper/",
        opendata.upload,
        {"kind": DataImport.Kind.PEER_GROUPS},
        name="peer_groups_upload",
    ),
    path("rapportering/apne-data/<int:pk>/", opendata.preview, name="opendata_preview"),
    path("rapportering/apne-data/<int:pk>/status/", opendata.status, name="opendata_status"),
    path("rapportering/indikatorer/", definitions.indicator_list, name="indicator_definitions"),
    path("rapportering/indikatorer/ny/", definitions.indicator_create, name="indicator_definition_create"),
    path("rapportering/indikatorer/<slug:code>/", definitions.indicator_edit, name="indicator_definition"),
    path("rapportering/<str:code>/<int:year>/", reporting.entry, name="entry"),
    path("rapportering/<str:code>/<int:year>/godkjenning/", reporting.review, name="review"),
    path("rapportering/<str:code>/<int:year>/import/", reporting.import_values, name="import_values"),
    path("rapportering/<str:code>/<int:year>/mal.<str:fmt>", reporting.import_template, name="import_template"),
    path("verdi/<int:pk>/historikk/", reporting.history, name="value_history"),
]
