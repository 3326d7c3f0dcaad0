"""What the API shows: the public fields of each model, and of a value only its published version.

A value's `value`, `state`, `is_sample` and, while it is under revision, `source` belong to the
revision being drafted; these serializers read `published_value`, `published_state`,
`published_is_sample` and the source the figure was published with instead, never the working copy.
The API speaks English: its field names and messages are not translated.
"""

import re
from decimal import Decimal

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from indicators.exports import licence
from indicators.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Indicator,
    IndicatorValue,
    Municipality,
    MunicipalityCode,
    Network,
    NetworkMembership,
    ValueState,
)
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    FocusArea,
    Goal,
    GoalIndicator,
    InterimTarget,
    MeasureStatus,
    MeasureYear,
    Plan,
    PlanStatus,
    Sector,
)

# Statistics Norway's terms: CC BY 4.0, credited as "Kilde: Statistisk sentralbyrå".
SSB_LICENCE = {
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Kilde: Statistisk sentralbyrå",
}


def figure(**kwargs) -> serializers.DecimalField:
    """A stored figure as a decimal string without trailing zeros ("11340", "0.25"): exact, unlike a float."""
    return serializers.DecimalField(max_digits=20, decimal_places=6, normalize_output=True, read_only=True, **kwargs)


class ComputedFigureField(serializers.DecimalField):
    """A figure computed from the whole object, rounded to six decimals; null when it cannot be computed."""

    def __init__(self, compute, **kwargs):
        self.compute = compute
        super().__init__(
            max_digits=None,
            decimal_places=6,
            normalize_output=True,
            source="*",
            read_only=True,
            allow_null=True,
            **kwargs,
        )

    def to_representation(self, instance):
        result = self.compute(instance)
        return None if result is None else super().to_representation(result)


# --- municipalities and networks ----------------------------------------------------------------------------------


class MunicipalityCodeSerializer(serializers.ModelSerializer):
    class Meta:
        model = MunicipalityCode
        fields = ["code", "name", "valid_from", "valid_to"]


class MunicipalitySerializer(serializers.ModelSerializer):
    kommunenummer = serializers.CharField(
        read_only=True, help_text="The municipality number in force today, or the last one it had."
    )
    successor = serializers.SerializerMethodField(help_text="The number of the municipality it was merged into.")
    predecessors = serializers.SerializerMethodField(help_text="The numbers of the municipalities merged into it.")
    codes = MunicipalityCodeSerializer(many=True, read_only=True, help_text="Every number and name it has had.")

    class Meta:
        model = Municipality
        fields = [
            "kommunenummer",
            "name",
            "language_form",
            "established",
            "dissolved",
            "successor",
            "predecessors",
            "codes",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_successor(self, municipality) -> str | None:
        return municipality.successor.kommunenummer if municipality.successor else None

    def get_predecessors(self, municipality) -> list[str]:
        return sorted(p.kommunenummer for p in municipality.predecessors.all())


class MemberSerializer(serializers.ModelSerializer):
    kommunenummer = serializers.CharField(source="municipality.kommunenummer", read_only=True)
    name = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = NetworkMembership
        fields = ["kommunenummer", "name", "joined", "left"]


class NetworkSerializer(serializers.ModelSerializer):
    members = MemberSerializer(
        source="memberships", many=True, read_only=True, help_text="Every membership, past ones included."
    )

    class Meta:
        model = Network
        fields = ["name", "slug", "description", "members"]


# --- indicators -------------------------------------------------------------------------------------------------


class IndicatorNameSerializer(serializers.Serializer):
    nb = serializers.CharField(source="name_nb", read_only=True)
    nn = serializers.CharField(source="name_nn", read_only=True)
    en = serializers.CharField(source="name_en", read_only=True)


class IndicatorDescriptionSerializer(serializers.Serializer):
    nb = serializers.CharField(source="description_nb", read_only=True)
    nn = serializers.CharField(source="description_nn", read_only=True)
    en = serializers.CharField(source="description_en", read_only=True)


class IndicatorSerializer(serializers.ModelSerializer):
    name = IndicatorNameSerializer(source="*", read_only=True, help_text="In bokmål, nynorsk and English.")
    description = IndicatorDescriptionSerializer(
        source="*", read_only=True, help_text="In bokmål, nynorsk and English."
    )
    per_inhabitant_factor = figure(help_text="amount × factor ÷ population gives the figure in `unit`.")

    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "description",
            "unit",
            "computation",
            "amount_unit",
            "per_inhabitant_factor",
            "direction",
            "bottom_line",
            "source",
            "source_url",
            "is_population",
        ]


# --- published values --------------------------------------------------------------------------------------------


def published_source(value: IndicatorValue) -> str:
    """Return the source the figure was published with, never the source of a revision being drafted."""
    return value.published_source or value.indicator.source


def per_inhabitant(value: IndicatorValue) -> Decimal | None:
    """Return the published amount ÷ the published population of the same year, for per-inhabitant indicators."""
    if not value.indicator.is_per_inhabitant:
        return None
    return value.indicator.per_inhabitant(value.published_value, value.population)


def population(value: IndicatorValue) -> Decimal | None:
    return value.population if value.indicator.is_per_inhabitant else None


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)
    attribution = serializers.CharField(read_only=True, help_text="How to credit the data.")


class ValueSerializer(serializers.Serializer):
    """One published figure: the municipality's, for one indicator and year, as it was last published."""

    kommunenummer = serializers.CharField(
        source="municipality.kommunenummer", read_only=True, help_text="The municipality's number today."
    )
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    year = serializers.IntegerField(read_only=True)
    value = figure(
        source="published_value",
        allow_null=True,
        help_text="The published figure in `unit`: for per-inhabitant indicators the total amount. "
        "Null unless `state` is reported.",
    )
    state = serializers.ChoiceField(source="published_state", choices=ValueState.choices, read_only=True)
    unit = serializers.CharField(source="indicator.entry_unit", read_only=True, help_text="The unit of `value`.")
    per_inhabitant = ComputedFigureField(
        per_inhabitant,
        help_text="For per-inhabitant indicators: value × the indicator's factor ÷ `population`, "
        "in `per_inhabitant_unit`. Null for other indicators or without a published population.",
    )
    per_inhabitant_unit = serializers.SerializerMethodField()
    population = ComputedFigureField(
        population,
        help_text="For per-inhabitant indicators: the published population of the municipality that year.",
    )
    is_sample = serializers.BooleanField(
        source="published_is_sample", read_only=True, help_text="Invented for demonstration; never real statistics."
    )
    first_published_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the figure was first published; null for figures published before the portal recorded it.",
    )
    published_at = serializers.DateTimeField(read_only=True, help_text="When this figure was last published.")
    revised_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When a changed figure was last published; null if it never changed.",
    )
    source = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField(help_text="Null when no licence is known, and for sample data.")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_per_inhabitant_unit(self, value) -> str | None:
        return value.indicator.unit if value.indicator.is_per_inhabitant else None

    def get_source(self, value) -> str:
        return published_source(value)

    @extend_schema_field(LicenceSerializer(allow_null=True))
    def get_licence(self, value) -> dict | None:
        return SSB_LICENCE if licence(published_source(value), is_sample=value.published_is_sample) else None


# --- plans ------------------------------------------------------------------------------------------------------


class GoalIndicatorSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    baseline_value = figure(allow_null=True)
    target_value = figure(allow_null=True, help_text="In the indicator's unit: per inhabitant where the indicator is.")
    direction = serializers.ChoiceField(
        source="effective_direction",
        choices=GoalIndicator._meta.get_field("direction").choices,
        read_only=True,
        help_text="The desired direction: the goal's own, else the indicator's.",
    )

    class Meta:
        model = GoalIndicator
        fields = ["indicator", "baseline_year", "baseline_value", "target_year", "target_value", "direction"]


class GoalSerializer(serializers.ModelSerializer):
    indicators = GoalIndicatorSerializer(source="measures", many=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["title", "order", "indicators"]


class FocusAreaSerializer(serializers.ModelSerializer):
    goals = GoalSerializer(many=True, read_only=True)

    class Meta:
        model = FocusArea
        fields = ["title", "description", "order", "goals"]


class PlanSerializer(serializers.ModelSerializer):
    kommunenummer = serializers.CharField(source="municipality.kommunenummer", read_only=True)
    municipality = serializers.CharField(source="municipality.name", read_only=True)
    parent = serializers.SerializerMethodField(help_text="The id of the adopted plan this one follows up.")
    focus_areas = FocusAreaSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "kommunenummer",
            "municipality",
            "plan_type",
            "title",
            "period_start",
            "period_end",
            "adopted_on",
            "decision_reference",
            "document_url",
            "parent",
            "focus_areas",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_parent(self, plan) -> int | None:
        # A plan above that is not adopted (a draft, a repealed plan) is not public.
        return plan.parent_id if plan.parent and plan.parent.status == PlanStatus.ADOPTED else None


# --- climate budgets --------------------------------------------------------------------------------------------


def tonnes(**kwargs) -> serializers.DecimalField:
    return figure(allow_null=True, **kwargs)


class InterimTargetSerializer(serializers.ModelSerializer):
    percent = figure(help_text="The cut from the reference year's emissions to reach by the year, in per cent.")

    class Meta:
        model = InterimTarget
        fields = ["year", "percent"]


class SectorYearSerializer(serializers.Serializer):
    """A sector's frame and reference path in a year: as the budget sets them, in per cent, and in tonnes."""

    year = serializers.IntegerField(read_only=True)
    frame_percent = figure(
        allow_null=True, help_text="The most the sector may emit, in per cent of its reference-year emissions."
    )
    reference_percent = figure(
        allow_null=True, help_text="What the sector would emit without new measures, in per cent of the reference year."
    )
    frame_tonnes = tonnes(help_text="The frame in tonnes CO₂-eq.; null without the reference year's emissions.")
    reference_tonnes = tonnes(help_text="The reference path in tonnes CO₂-eq.; null likewise.")
    with_measures_tonnes = tonnes(
        help_text="The reference path less the expected cuts of the sector's measures, in tonnes CO₂-eq."
    )


class ClimateSectorSerializer(serializers.Serializer):
    sector = serializers.ChoiceField(choices=Sector.choices, read_only=True, help_text="The inventory's sector.")
    label = serializers.CharField(read_only=True)
    reference_source = serializers.CharField(read_only=True, help_text="Where the reference path comes from.")
    reference_year_emissions = tonnes(
        help_text="The sector's emissions in the reference year in tonnes CO₂-eq., as Miljødirektoratet's inventory "
        "stands today; null when it has none. The tonnes of the frames and paths follow it."
    )
    years = SectorYearSerializer(many=True, read_only=True)


class MeasureYearSerializer(serializers.ModelSerializer):
    cut = tonnes(help_text="The expected cut in tonnes CO₂-eq. in the year, against the reference path.")
    cut_low = tonnes(help_text="The low estimate of the cut.")
    cut_high = tonnes(help_text="The high estimate of the cut.")
    result_target = figure(allow_null=True, help_text="The target for the result indicator, in its unit.")

    class Meta:
        model = MeasureYear
        fields = ["year", "cut", "cut_low", "cut_high", "result_target"]


class MeasureReportSerializer(serializers.Serializer):
    """A measure's status in a year, as last published: a status being revised is served as it was published."""

    year = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(source="published_status", choices=MeasureStatus.choices, read_only=True)
    explanation = serializers.CharField(source="published_explanation", read_only=True)
    result_value = figure(source="published_result", allow_null=True, help_text="The result indicator's figure.")
    published_at = serializers.DateTimeField(read_only=True, help_text="When this status was last published.")


class ClimateMeasureSerializer(serializers.ModelSerializer):
    strategic_project = serializers.SlugRelatedField(
        source="project",
        slug_field="title",
        read_only=True,
        allow_null=True,
        help_text="The project whose budget lines pay for it.",
    )
    result_indicator = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The code of the indicator that shows it is carried out.",
    )
    years = MeasureYearSerializer(many=True, read_only=True)
    reports = MeasureReportSerializer(
        source="published_reports", many=True, read_only=True, help_text="Its published status, year by year."
    )

    class Meta:
        model = ClimateMeasure
        fields = [
            "number",
            "title",
            "description",
            "sector",
            "emission_source",
            "level",
            "responsible_unit",
            "strategic_project",
            "effect_class",
            "captured_by_inventory",
            "co_benefits",
            "result_indicator",
            "is_example",
            "years",
            "reports",
        ]


class BudgetPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "title", "status", "period_start", "period_end", "adopted_on"]


class ClimateBudgetSerializer(serializers.ModelSerializer):
    """A municipality's klimabudsjett in one økonomiplan version.

    The serializer's context holds `figures`: per budget, its sectors in tonnes (plans.climate.sector_figures()).
    """

    kommunenummer = serializers.CharField(source="plan.municipality.kommunenummer", read_only=True)
    municipality = serializers.CharField(source="plan.municipality.name", read_only=True)
    plan = BudgetPlanSerializer(read_only=True, help_text="The økonomiplan version the budget is part of.")
    target_percent = figure(help_text="The cut from the reference year's emissions by the target year, in per cent.")
    interim_targets = InterimTargetSerializer(many=True, read_only=True)
    reference_year_emissions = serializers.SerializerMethodField(
        help_text="The budget's sectors' emissions in the reference year in tonnes CO₂-eq., as the inventory stands "
        "today; null when a sector has none."
    )
    sectors = serializers.SerializerMethodField()
    measures = ClimateMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = ClimateBudget
        fields = [
            "id",
            "kommunenummer",
            "municipality",
            "plan",
            "scope",
            "reference_year",
            "target_year",
            "target_percent",
            "interim_targets",
            "method_note",
            "reference_year_emissions",
            "sectors",
            "measures",
        ]

    def _figures(self, budget) -> list:
        return self.context["figures"][budget.pk]

    @extend_schema_field(tonnes())
    def get_reference_year_emissions(self, budget) -> str | None:
        bases = [f.reference_tonnes for f in self._figures(budget)]
        if not bases or None in bases:
            return None
        return tonnes().to_representation(sum(bases, Decimal(0)).quantize(TENTH))

    @extend_schema_field(ClimateSectorSerializer(many=True))
    def get_sectors(self, budget) -> list[dict]:
        sectors = []
        for found in self._figures(budget):
            years = sorted(set(found.frame_percent) | set(found.reference_percent))
            sectors.append(
                {
                    "sector": found.code,
                    "label": found.label,
                    "reference_source": found.sector.reference_source,
                    "reference_year_emissions": _tenth(found.reference_tonnes),
                    "years": [
                        {
                            "year": year,
                            "frame_percent": found.frame_percent.get(year),
                            "reference_percent": found.reference_percent.get(year),
                            "frame_tonnes": _tenth(found.frame.get(year)),
                            "reference_tonnes": _tenth(found.reference.get(year)),
                            "with_measures_tonnes": _tenth(found.with_measures(year)),
                        }
                        for year in years
                    ],
                }
            )
        return ClimateSectorSerializer(sectors, many=True).data


TENTH = Decimal("0.1")


def _tenth(amount: Decimal | None) -> Decimal | None:
    """Tonnes to a tenth, as they are stored."""
    return None if amount is None else amount.quantize(TENTH)


# --- query parameters -------------------------------------------------------------------------------------------

# What a municipality number, an indicator's code and a network's slug look like, in ASCII (Python's \d would take
# any script's digits). The addresses route only these; the filters refuse anything else, spaces around included.
MUNICIPALITY_NUMBER = "[0-9]{4}"
SLUG = "[-a-zA-Z0-9_]+"
YEAR = re.compile(r"[0-9]{4}")


class YearField(serializers.IntegerField):
    """A year as four ASCII digits: int() alone would also take " 2020", "2020.0" and Arabic-Indic digits."""

    def to_internal_value(self, data):
        if not (isinstance(data, str) and YEAR.fullmatch(data)):
            self.fail("invalid")
        return super().to_internal_value(data)


def year_field(name: str) -> YearField:
    message = f"{name} must be a year between {FIRST_YEAR} and {LAST_YEAR}, e.g. {name}=2020."
    return YearField(
        required=False,
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={"invalid": message, "min_value": message, "max_value": message, "max_string_length": message},
        help_text=f"Only values of this year or {'later' if name == 'fra' else 'earlier'}.",
    )


def code_field(regex: str, message: str, help_text: str) -> serializers.CharField:
    """A number, code or slug given exactly: whitespace around it is not trimmed away but refused."""
    return serializers.CharField(
        required=False,
        trim_whitespace=False,
        # drf-spectacular writes \A and \Z as the schema's ^ and $: the schema states exactly what is accepted.
        validators=[RegexValidator(rf"\A{regex}\Z", message)],
        help_text=help_text,
    )


class Filter(serializers.Serializer):
    """Query parameters that name things: a malformed one gives 400, a well-formed one that names nothing 404.

    `finders` maps a parameter to a function returning what its value names (or None) and the message when it
    names nothing.
    """

    finders: dict = {}

    def found(self) -> dict:
        """Return the validated parameters, each number, code or slug replaced by what it names.

        Raises NotFound (404, with a message per parameter) when one names nothing.
        """
        filters, unknown = dict(self.validated_data), {}
        for name, (find, message) in self.finders.items():
            if name in filters:
                filters[name] = find(filters[name])
                if filters[name] is None:
                    unknown[name] = [message.format(self.validated_data[name])]
        if unknown:
            raise NotFound(unknown)
        return filters


def find_municipality(code: str) -> Municipality | None:
    try:
        return Municipality.objects.by_code(code)
    except Municipality.DoesNotExist:
        return None


class MunicipalityFilter(Filter):
    kommune = code_field(
        MUNICIPALITY_NUMBER,
        "kommune must be a municipality number of four digits, e.g. kommune=1833.",
        "A municipality number, today's or any it has had (0604 finds Kongsberg).",
    )

    finders = {"kommune": (find_municipality, "No municipality has had the number {}.")}


class ValueFilter(MunicipalityFilter):
    indikator = code_field(
        SLUG,
        "indikator must be an indicator's code (letters, digits, - and _), e.g. indikator=husholdningsavfall.",
        "An indicator's code, e.g. husholdningsavfall.",
    )
    fra = year_field("fra")
    til = year_field("til")
    nettverk = code_field(
        SLUG,
        "nettverk must be a network's slug (letters, digits, - and _), e.g. nettverk=livskraftige-kommuner.",
        "A network's slug: only the values of its members, in the years they were members.",
    )

    finders = {
        **MunicipalityFilter.finders,
        "indikator": (lambda code: Indicator.objects.filter(code=code).first(), "No indicator has the code {}."),
        "nettverk": (lambda slug: Network.objects.filter(slug=slug).first(), "No network has the slug {}."),
    }

    def validate(self, attrs):
        if "fra" in attrs and "til" in attrs and attrs["fra"] > attrs["til"]:
            raise serializers.ValidationError({"til": f"til ({attrs['til']}) comes before fra ({attrs['fra']})."})
        return attrs
