"""The API's endpoints: read-only, open to anyone, a fixed number of queries per page however long the page.

Values are read from IndicatorValue.objects.published() only, and serialized from their published
version (see serializers.py), so a figure that was never published cannot appear through any
endpoint or filter, and a figure under revision appears as it was last published.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import JsonResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError

from api import serializers
from api.pagination import Pagination
from indicators.models import (
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    NetworkMembership,
)
from plans import chain as plan_chain
from plans import climate
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    FocusArea,
    Goal,
    GoalIndicator,
    MeasureReport,
    Plan,
)


class ApiView:
    """What every endpoint shares: it speaks English, reads only the parameters it knows, and pages strictly.

    A query parameter the endpoint does not know gets 400 rather than being ignored: a misspelt filter
    (?municipality=1833 for ?kommune=1833) would otherwise return every row as if it had been applied. So does a
    parameter given twice, which would otherwise silently mean its last value. A list takes its filter's
    parameters and page; a single object takes none. A method the endpoint does not serve gets 405 with Allow,
    whatever its parameters.
    """

    filter_class = None
    pagination_class = Pagination

    def dispatch(self, request, *args, **kwargs):
        # The API's messages are English whatever language the visitor's browser asks for, DRF's own included.
        with translation.override("en"):
            response = super().dispatch(request, *args, **kwargs)
        response.headers["Content-Language"] = "en"
        return response

    def known_parameters(self) -> set[str]:
        if self.action != "list":
            return set()
        known = {self.paginator.page_query_param} if self.paginator else set()
        return known | set(self.filter_class().fields if self.filter_class else ())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.action not in ("list", "retrieve"):
            return  # OPTIONS answers for the address; any other method gets 405 from dispatch
        known = self.known_parameters()
        errors = {}
        for name in sorted(request.query_params):
            if name not in known:
                hint = (
                    f"Known parameters: {', '.join(sorted(known))}." if known else "This address takes no parameters."
                )
                errors[name] = [f"Unknown parameter. {hint}"]
            elif len(request.query_params.getlist(name)) > 1:
                errors[name] = [f"Give {name} only once."]
        if errors:
            raise ValidationError(errors)

    def filters(self) -> dict:
        """Return the filter's parameters and what they name; an empty parameter counts as absent.

        Raises ValidationError (400, with a message per parameter) for a malformed number, code, slug or year, and
        NotFound (404, the same shape) for a number, code or slug that names nothing.
        """
        params = self.request.query_params
        query = self.filter_class(data={name: params[name] for name in self.filter_class().fields if params.get(name)})
        query.is_valid(raise_exception=True)
        return query.found()


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI schema, always in English: model fields' titles would otherwise follow the browser's language."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override("en"):
            response = super().get(request, *args, **kwargs)
        response.headers["Content-Language"] = "en"
        return response


def not_found(request, *args, **kwargs):
    """Answer 404 in JSON, not with the portal's HTML page, for any address under /api/v1/ that names nothing."""
    return JsonResponse({"detail": "Nothing at this address."}, status=404, headers={"Content-Language": "en"})


@extend_schema_view(
    list=extend_schema(summary="Municipalities", description="Every municipality, dissolved ones included."),
    retrieve=extend_schema(
        summary="One municipality",
        parameters=[
            OpenApiParameter(
                "kommunenummer",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=f"^{serializers.MUNICIPALITY_NUMBER}$",
                description="Any number the municipality has had: 0604, 3006 and 3303 all give Kongsberg.",
            )
        ],
    ),
)
class MunicipalityViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MunicipalitySerializer
    lookup_field = "kommunenummer"
    # Anything else is not a municipality number: the address answers 404 without looking.
    lookup_value_regex = serializers.MUNICIPALITY_NUMBER
    queryset = (
        Municipality.objects.select_related("successor")
        .prefetch_related("codes", "successor__codes", "predecessors__codes")
        .order_by("name", "pk")
    )

    def get_object(self):
        code = self.kwargs[self.lookup_field]
        try:
            found = Municipality.objects.by_code(code)
        except Municipality.DoesNotExist:
            raise NotFound(f"No municipality has had the number {code}.") from None
        return self.get_queryset().get(pk=found.pk)


@extend_schema_view(
    list=extend_schema(summary="Networks", description="Networks of municipalities with their members."),
    retrieve=extend_schema(summary="One network"),
)
class NetworkViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.NetworkSerializer
    lookup_field = "slug"
    lookup_value_regex = serializers.SLUG
    queryset = Network.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=NetworkMembership.objects.select_related("municipality")
            .prefetch_related("municipality__codes")
            .order_by("joined", "municipality__name", "pk"),
        )
    ).order_by("name", "pk")


@extend_schema_view(
    list=extend_schema(summary="Indicators", description="What is measured, in which unit, and from which source."),
    retrieve=extend_schema(summary="One indicator"),
)
class IndicatorViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.IndicatorSerializer
    lookup_field = "code"
    lookup_value_regex = serializers.SLUG
    queryset = Indicator.objects.order_by("order", "code")


@extend_schema_view(
    list=extend_schema(
        summary="Published values",
        description=(
            "Every published figure, as it was last published: a figure being revised keeps its published "
            "version here until the revision is published. Filters combine; an empty one counts as absent. "
            "A malformed number, code, slug or year, til before fra, a parameter this endpoint does not know "
            "or one given twice gives 400, and a number, code or slug that names nothing gives 404, both "
            "with a message per parameter."
        ),
        parameters=[serializers.ValueFilter],
    )
)
class ValueViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.ValueSerializer
    filter_class = serializers.ValueFilter

    def get_queryset(self):
        values = (
            IndicatorValue.objects.published()
            .with_population(published=True)
            .select_related("indicator", "municipality")
            .prefetch_related("municipality__codes")
            .order_by("indicator__order", "indicator__code", "municipality__name", "municipality_id", "year")
        )
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return values
        filters = self.filters()
        if "kommune" in filters:
            values = values.filter(municipality=filters["kommune"])
        if "indikator" in filters:
            values = values.filter(indicator=filters["indikator"])
        if "fra" in filters:
            values = values.filter(year__gte=filters["fra"])
        if "til" in filters:
            values = values.filter(year__lte=filters["til"])
        if "nettverk" in filters:
            # A member at some point in the value's year (as Network.members_in).
            member_that_year = NetworkMembership.objects.filter(
                Q(left__isnull=True) | Q(left__year__gte=OuterRef("year")),
                network=filters["nettverk"],
                municipality=OuterRef("municipality"),
                joined__year__lte=OuterRef("year"),
            )
            values = values.filter(Exists(member_that_year))
        return values


@extend_schema_view(
    list=extend_schema(
        summary="Adopted plans",
        description="Adopted plans with their focus areas, goals and the indicators that measure the goals.",
        parameters=[serializers.MunicipalityFilter],
    ),
    retrieve=extend_schema(
        summary="One adopted plan",
        parameters=[
            OpenApiParameter(
                "id", {"type": "integer", "minimum": 1}, OpenApiParameter.PATH, description="The plan's id."
            )
        ],
    ),
)
class PlanViewSet(ApiView, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PlanSerializer
    filter_class = serializers.MunicipalityFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        # Only adopted plans are public: drafts, plans out for consultation and repealed plans are not.
        plans = (
            Plan.objects.adopted()
            .select_related("municipality", "parent")
            .prefetch_related(
                "municipality__codes",
                Prefetch(
                    "focus_areas",
                    queryset=FocusArea.objects.order_by("order", "pk").prefetch_related(
                        Prefetch(
                            "goals",
                            queryset=Goal.objects.order_by("order", "pk").prefetch_related(
                                Prefetch(
                                    "measures",
                                    queryset=GoalIndicator.objects.select_related("indicator").order_by(
                                        "indicator__order", "indicator__code"
                                    ),
                                )
                            ),
                        )
                    ),
                ),
            )
            .order_by("municipality__name", "municipality_id", "-period_start", "plan_type", "pk")
        )
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            filters = self.filters()
            if "kommune" in filters:
                plans = plans.filter(municipality=filters["kommune"])
        return plans


@extend_schema_view(
    list=extend_schema(
        summary="Climate budgets",
        description=(
            "The klimabudsjett of each økonomiplan version that has been adopted (versions since replaced or repealed "
            "included): its terms, its sectors' frames and reference paths per year, in per cent of the reference "
            "year's emissions as set and in tonnes CO₂-eq. at Miljødirektoratet's inventory as it stands today, and "
            "its measures with their expected cuts and their statuses as last published. Drafts and statuses not yet "
            "published are not served."
        ),
        parameters=[serializers.MunicipalityFilter],
    )
)
class ClimateBudgetViewSet(ApiView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.ClimateBudgetSerializer
    filter_class = serializers.MunicipalityFilter

    def get_queryset(self):
        # Public as plans.climate.budgets_of(can_read_drafts=False) has it: versions that have been adopted.
        budgets = (
            ClimateBudget.objects.filter(plan__status__in=plan_chain.PUBLIC_STATUSES)
            .select_related("plan__municipality")
            .prefetch_related(
                "plan__municipality__codes",
                "interim_targets",
                Prefetch("sectors", queryset=ClimateSector.objects.prefetch_related("years")),
                Prefetch(
                    "measures",
                    queryset=ClimateMeasure.objects.select_related("project", "result_indicator")
                    .prefetch_related(
                        "years",
                        Prefetch(
                            "reports",
                            queryset=MeasureReport.objects.filter(published_at__isnull=False).order_by("year"),
                            to_attr="published_reports",
                        ),
                    )
                    .order_by("number", "pk"),
                ),
            )
            .order_by("plan__municipality__name", "plan__municipality_id", "-plan__period_start", "pk")
        )
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            filters = self.filters()
            if "kommune" in filters:
                budgets = budgets.filter(plan__municipality=filters["kommune"])
        return budgets

    def list(self, request, *args, **kwargs):
        budgets = self.paginate_queryset(self.get_queryset())
        # The page's sectors in tonnes: one query for the inventory of every municipality on the page.
        figures = climate.figures_of(budgets)
        data = self.get_serializer(budgets, many=True, context={**self.get_serializer_context(), "figures": figures})
        return self.get_paginated_response(data.data)
