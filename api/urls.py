"""/api/v1/: the endpoints, a root listing them, and the OpenAPI 3 schema (JSON) at /api/v1/schema/."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView
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

urlpatterns = [
    path("schema/", SpectacularJSONAPIView.as_view(), name="schema"),
    *router.urls,
]
