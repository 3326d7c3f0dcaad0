"""/api/v1/: the endpoints, a root listing them, the OpenAPI 3 schema (JSON) at /api/v1/schema/, and 404 in JSON."""

from django.urls import path, re_path
from rest_framework.routers import DefaultRouter

from api import views


class Router(DefaultRouter):
    """The router with its root view at /api/v1/, without the `.json` suffix routes: JSON is the only format."""

    include_format_suffixes = False


app_name = "api"

router = Router()
router.register("municipalities", views.MunicipalityViewSet, basename="municipality")
router.register("networks", views.NetworkViewSet, basename="network")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("values", views.ValueViewSet, basename="value")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("climate-budgets", views.ClimateBudgetViewSet, basename="climate-budget")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    *router.urls,
    # Last: any other address ending in a slash (one without is first redirected to it by APPEND_SLASH).
    re_path(r"^[\s\S]*/$", views.not_found),
]
