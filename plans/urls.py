from django.urls import path

from plans import editing, views

urlpatterns = [
    path("kommune/<str:code>/arsrapport/<int:year>/", views.annual_report, name="annual_report"),
    path("nettverk/<slug:slug>/arsrapport/", views.network_report_latest, name="network_report_latest"),
    path("nettverk/<slug:slug>/arsrapport/<int:year>/", views.network_report, name="network_report"),
    path("gode-eksempler/", views.good_examples, name="good_examples"),
    path("gode-eksempler/<int:pk>/", views.good_example, name="good_example"),
    path("gode-eksempler/<int:pk>/bilde/", views.good_example_image, name="good_example_image"),
    # Writing: only for users with a role; every view checks access itself.
    path("rapportering/<str:code>/<int:year>/arsrapport/", editing.report_edit, name="report_edit"),
    path("rapportering/gode-eksempler/", editing.my_examples, name="my_examples"),
    path("rapportering/gode-eksempler/<int:pk>/", editing.example_edit, name="example_edit"),
    path("rapportering/gode-eksempler/<int:pk>/vurdering/", editing.example_review, name="example_review"),
    path("rapportering/<str:code>/gode-eksempler/ny/", editing.example_create, name="example_create"),
]
