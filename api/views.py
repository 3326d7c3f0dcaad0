"""The API's endpoints: read-only, open to anyone, a fixed number of queries per page however long the page.

Values are read from IndicatorValue.objects.published() only, and serialized from their published
version (see serializers.py), so a figure that was never published cannot appear through any
endpoint or filter, and a figure under revision appears as it was last published.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError

from api import serializers
from indicators.models import (
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    NetworkMembership,
)
from plans.models import FocusArea, Goal, GoalIndicator, Plan


class KnownParameters:
    """Answer 400 to a query parameter the endpoint does not know, rather than ignore it.

    A misspelt filter (?municipality=1833 for ?kommune=1833) would otherwise return every row as if it had
    been applied. A list takes its filter's parameters and page; a single object takes none.
    """

    filter_class = None

    def known_parameters(self) -> set[str]:
        if self.action != "list":
            return set()
        known = {self.paginator.page_query_param} if self.paginator else set()
        return known | set(self.filter_class().fields if self.filter_class else ())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        known = self.known_parameters()
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            hint = f"Known parameters: {', '.join(sorted(known))}." if known else "This address takes no parameters."
            raise ValidationError({name: [f"Unknown parameter. {hint}"] for name in unknown})

    def filters(self) -> dict:
        """Validate the filter's parameters; an empty parameter counts as absent.

        Raises ValidationError (400, with a message per parameter) for an unknown number, code or slug, or a bad
        year.
        """
        params = self.request.query_params
        found = self.filter_class(
            data={name: params[name] for name in self.filter_class().fields if params.get(name, "").strip()}
        )
        found.is_valid(raise_exception=True)
        return found.validated_data


@extend_schema_view(
    list=extend_schema(summary="Municipalities", description="Every municipality, dissolved ones included."),
    retrieve=extend_schema(
        summary="One municipality",
        parameters=[
            OpenApiParameter(
                "kommunenummer",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Any number the municipality has had: 0604, 3006 and 3303 all give Kongsberg.",
            )
        ],
    ),
)
class MunicipalityViewSet(KnownParameters, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.MunicipalitySerializer
    lookup_field = "kommunenummer"
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
class NetworkViewSet(KnownParameters, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.NetworkSerializer
    lookup_field = "slug"
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
class IndicatorViewSet(KnownParameters, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.IndicatorSerializer
    lookup_field = "code"
    queryset = Indicator.objects.order_by("order", "code")


@extend_schema_view(
    list=extend_schema(
        summary="Published values",
        description=(
            "Every published figure, as it was last published: a figure being revised keeps its published "
            "version here until the revision is published. A filter naming an unknown municipality, indicator "
            "or network, a bad year, or a parameter this endpoint does not know gives 400 with a message per "
            "parameter."
        ),
        parameters=[serializers.ValueFilter],
    )
)
class ValueViewSet(KnownParameters, mixins.ListModelMixin, viewsets.GenericViewSet):
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
    retrieve=extend_schema(summary="One adopted plan"),
)
class PlanViewSet(KnownParameters, viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.PlanSerializer
    filter_class = serializers.MunicipalityFilter

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
