"""Municipalities, networks, indicators and the values reported for them."""

import copy
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The network the portal is built around: its front page, comparisons and reporting round.
NETWORK_SLUG = "livskraftige-kommuner"
FIRST_YEAR = 1800
LAST_YEAR = 2200


def reporting_year() -> int:
    """The year planners report on: last year."""
    return timezone.localdate().year - 1


def translated(obj, field: str) -> str:
    """Return obj.<field>_<active language>, falling back to bokmål when it is empty."""
    language = (get_language() or "nb")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_nb")


def translated_language(obj, field: str) -> str:
    """Return the language translated() shows obj.<field> in: the active one, or bokmål where it fell back."""
    language = (get_language() or "nb")[:2]
    return language if getattr(obj, f"{field}_{language}", "") else "nb"


class LanguageForm(models.TextChoices):
    BOKMAL = "nb", _("Bokmål")
    NYNORSK = "nn", _("Nynorsk")


class MunicipalityQuerySet(models.QuerySet):
    def by_code(self, code: str, year: int | None = None) -> "Municipality":
        """Return the municipality that had the code in the year (or, without a year, most recently).

        Raises Municipality.DoesNotExist when no municipality ever had the code.
        """
        code = code.strip()
        codes = MunicipalityCode.objects.filter(code=code).select_related("municipality")
        if year is not None:
            codes = codes.in_force(year)
        found = codes.order_by("-valid_from").first()
        if found is None:
            raise Municipality.DoesNotExist(f"No municipality had the code {code}" + (f" in {year}." if year else "."))
        return found.municipality


class Municipality(models.Model):
    """A municipality as one identity through its changes of code and name.

    Kongsberg is one row whether a source calls it 0604, 3006 or 3303. A municipality
    that absorbs others continues, whether it keeps its number (Stavanger 1103 with
    Finnøy and Rennesøy in 2020) or its name (Ålesund 1504 → 1507); the absorbed ones
    point to it as their successor. A merger under a new name creates a new municipality
    (Norddal and Stordal → Fjord in 2020). A split ends the whole without a successor.
    """

    name = models.CharField(_("name"), max_length=100, help_text=_("The name in use today, or when it ended."))
    language_form = models.CharField(
        _("language form"),
        max_length=2,
        choices=LanguageForm,
        default=LanguageForm.BOKMAL,
        help_text=_("The written form of Norwegian the municipality has chosen (målvedtak)."),
    )
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(
        _("dissolved"), null=True, blank=True, help_text=_("The first day the municipality no longer existed.")
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("The municipality this one became part of when it was merged."),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("municipality", args=[self.kommunenummer]) if self.kommunenummer else ""

    def existed_in(self, year: int) -> bool:
        """Whether the municipality existed on 1 January of the year."""
        day = datetime.date(year, 1, 1)
        return (self.established is None or self.established <= day) and (
            self.dissolved is None or day < self.dissolved
        )

    def code_in(self, year: int) -> "MunicipalityCode | None":
        """Return the code row in force on 1 January of the year."""
        return self.codes.in_force(year).first()

    @property
    def current_code(self) -> "MunicipalityCode | None":
        """Return the code row in force today, or the last one for a dissolved municipality.

        Reads prefetched codes when there are some (prefetch_related("codes")).
        """
        return max(self.codes.all(), key=lambda c: c.valid_from, default=None)

    @property
    def kommunenummer(self) -> str:
        """Return the municipality number in force today, or the last one; empty if it has none."""
        current = self.current_code
        return current.code if current else ""

    @property
    def is_merger(self) -> bool:
        return self.predecessors.exists()


class MunicipalityCodeQuerySet(models.QuerySet):
    def in_force(self, year: int):
        """Keep the codes valid on 1 January of the year."""
        day = datetime.date(year, 1, 1)
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class MunicipalityCode(models.Model):
    """A municipality number (kommunenummer) and name, valid for a period."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="codes", verbose_name=_("municipality")
    )
    code = models.CharField(
        _("municipality number"), max_length=4, help_text=_("Four digits, e.g. 3303 for Kongsberg from 2024.")
    )
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("The last day the code was in use; empty while it is.")
    )

    objects = MunicipalityCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality number")
        verbose_name_plural = _("municipality numbers")
        ordering = ["valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="indicators_code_four_digits"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="indicators_code_period_ordered",
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="indicators_code_unique_start"),
        ]
        indexes = [
            # Serves by_code(): a lookup by number, narrowed by period.
            models.Index(fields=["code", "valid_from"], name="indicators_code_lookup"),
        ]

    def __str__(self):
        end = self.valid_to.year if self.valid_to else ""
        return f"{self.code} {self.name} ({self.valid_from.year}–{end})"

    def clean(self):
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A code cannot end before it starts.")})
        if self.code and not (len(self.code) == 4 and self.code.isdigit()):
            raise ValidationError({"code": _("A municipality number has exactly four digits.")})


class Network(models.Model):
    """A network of municipalities that report the same indicators, such as Livskraftige kommuner."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(Municipality, through="NetworkMembership", related_name="networks")

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def members_in(self, year: int):
        """Return the municipalities that were members at some point in the year."""
        return Municipality.objects.filter(
            Q(memberships__left__isnull=True) | Q(memberships__left__gte=datetime.date(year, 1, 1)),
            memberships__network=self,
            memberships__joined__lte=datetime.date(year, 12, 31),
        ).distinct()


class NetworkMembership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="memberships")
    joined = models.DateField(_("joined"))
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        ordering = ["joined"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "municipality", "joined"], name="indicators_membership_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(left__isnull=True) | Q(left__gte=F("joined")), name="indicators_membership_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.municipality} – {self.network}"

    def clean(self):
        if self.left and self.joined and self.left < self.joined:
            raise ValidationError({"left": _("A municipality cannot leave a network before it joined.")})


class PeerGroup(models.Model):
    """A KOSTRA group: SSB's grouping of municipalities by population size and economic framework (KLASS 112).

    SSB revises the grouping now and then, and a group's number may mean another group in a new version, so a
    group is one code in one version (valid_from). Groups loaded from an SSB file are the source's; the demo's
    groups are examples (is_example) and every page that shows them says so.
    """

    code = models.CharField(_("code"), max_length=20, help_text=_("KLASS's code, such as EKG13."))
    name = models.CharField(_("name"), max_length=300)
    valid_from = models.DateField(_("valid from"), help_text=_("The first day of the grouping's version."))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("The first day the version no longer applied.")
    )
    is_example = models.BooleanField(
        _("example"), default=False, help_text=_("Made up for the demo, not SSB's grouping.")
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    data_import = models.ForeignKey(
        "DataImport", verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("KOSTRA group")
        verbose_name_plural = _("KOSTRA groups")
        ordering = ["-valid_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="indicators_peer_group_one_per_version"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="indicators_peer_group_ordered",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def number(self) -> str:
        """The group's number as people say it: EKG13 → 13; a code without one is itself."""
        digits = self.code.lstrip("EKGekg")
        return str(int(digits)) if digits.isdigit() else self.code

    @property
    def label(self) -> str:
        return _("KOSTRA group %(number)s") % {"number": self.number}

    def applies_in(self, year: int) -> bool:
        day = datetime.date(year, 1, 1)
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class PeerGroupMembership(models.Model):
    """A municipality's KOSTRA group in one version of the grouping."""

    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="peer_groups")
    # The group's version, repeated so that the database holds a municipality to one group per version.
    valid_from = models.DateField(_("valid from"))

    class Meta:
        verbose_name = _("KOSTRA group membership")
        verbose_name_plural = _("KOSTRA group memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "valid_from"], name="indicators_one_peer_group_per_version"
            ),
        ]

    def __str__(self):
        return f"{self.municipality} – {self.group}"

    def clean(self):
        if self.group_id and self.valid_from != self.group.valid_from:
            raise ValidationError({"valid_from": _("A membership belongs to its group's version.")})


class Unit(models.TextChoices):
    PERSONS = "persons", _("persons")
    COUNT = "count", _("count")
    PERCENT = "percent", _("per cent")
    KG = "kg", _("kg")
    TONNES = "tonnes", _("tonnes")
    TONNES_CO2E = "tonnes_co2e", _("tonnes CO₂-eq.")
    SQUARE_METRES = "m2", _("m²")
    SQUARE_KILOMETRES = "km2", _("km²")
    NOK_1000 = "nok_1000", _("NOK 1 000")


class Direction(models.TextChoices):
    LOWER = "lower", _("Lower is better")
    HIGHER = "higher", _("Higher is better")
    NEUTRAL = "neutral", _("Neither")


class BottomLine(models.TextChoices):
    ECOLOGICAL = "ecological", _("Ecological")
    SOCIAL = "social", _("Social")
    ECONOMIC = "economic", _("Economic")


class Computation(models.TextChoices):
    DIRECT = "direct", _("Entered directly")
    PER_INHABITANT = "per_inhabitant", _("Amount per inhabitant, computed from the population")


POPULATION_DEFAULTS = {
    "code": "folkemengde",
    "name_nb": "Folkemengde 1. januar",
    "name_nn": "Folketal 1. januar",
    "name_en": "Population on 1 January",
    "description_nb": "Antall innbyggere i kommunen 1. januar. Nevneren for alle tall per innbygger.",
    "description_nn": "Talet på innbyggjarar i kommunen 1. januar. Nemnaren for alle tal per innbyggjar.",
    "description_en": "Number of inhabitants on 1 January. The denominator of every per-inhabitant figure.",
    "unit": "persons",
    "direction": "neutral",
    "bottom_line": "social",
    "source": "SSB, tabell 07459",
    "source_url": "https://www.ssb.no/statbank/table/07459",
    "order": 0,
}


class IndicatorQuerySet(models.QuerySet):
    def population(self) -> "Indicator":
        """Return the population indicator that per-inhabitant figures divide by, creating it on first use."""
        indicator, _created = self.get_or_create(is_population=True, defaults=POPULATION_DEFAULTS)
        return indicator


class Indicator(models.Model):
    """Something measured every year in every municipality, such as household waste per inhabitant."""

    code = models.SlugField(
        _("code"), max_length=60, unique=True, help_text=_("Short and stable; used in addresses and in imports.")
    )
    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_nn = models.CharField(_("name (nynorsk)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_nb = models.TextField(_("description (bokmål)"), blank=True)
    description_nn = models.TextField(_("description (nynorsk)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=Unit,
        help_text=_("The unit of the figure shown. For per-inhabitant indicators, the unit per inhabitant."),
    )
    computation = models.CharField(
        _("how it is computed"),
        max_length=20,
        choices=Computation,
        default=Computation.DIRECT,
        help_text=_("Per-inhabitant indicators are entered as a total amount; the portal divides by the population."),
    )
    amount_unit = models.CharField(
        _("unit of the amount"),
        max_length=20,
        choices=Unit,
        blank=True,
        help_text=_("For per-inhabitant indicators: the unit of the total a planner enters, e.g. tonnes."),
    )
    per_inhabitant_factor = models.DecimalField(
        _("conversion factor"),
        max_digits=12,
        decimal_places=3,
        default=Decimal(1),
        help_text=_("Multiplies amount ÷ population into the indicator's unit, e.g. 1000 for tonnes to kg."),
    )
    direction = models.CharField(_("desired direction"), max_length=10, choices=Direction)
    bottom_line = models.CharField(_("bottom line"), max_length=12, choices=BottomLine)
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Where the figures come from, e.g. SSB table 12241.")
    )
    source_url = models.URLField(_("source address"), blank=True)
    is_population = models.BooleanField(
        _("is the population"),
        default=False,
        help_text=_("The one indicator that per-inhabitant figures are divided by."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    owner = models.ForeignKey(
        "Municipality",
        verbose_name=_("own indicator of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="own_indicators",
        help_text=_("Empty for the network's shared indicators; a municipality for one only it measures."),
    )
    max_change = models.DecimalField(
        _("largest plausible change"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_(
            "As a share of last year's figure: 0.3 means 30 %. A larger change needs an explanation before it is "
            "submitted. Empty uses the portal's default."
        ),
    )
    plausible_min = models.DecimalField(
        _("lowest plausible figure"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("In the indicator's unit; a figure below it needs an explanation."),
    )
    plausible_max = models.DecimalField(
        _("highest plausible figure"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("In the indicator's unit; a figure above it needs an explanation."),
    )

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_population"], condition=Q(is_population=True), name="indicators_one_population"
            ),
            models.CheckConstraint(
                condition=Q(computation="direct") | ~Q(amount_unit=""),
                name="indicators_per_inhabitant_has_amount_unit",
            ),
            models.CheckConstraint(condition=Q(per_inhabitant_factor__gt=0), name="indicators_factor_positive"),
            models.CheckConstraint(
                condition=Q(max_change__isnull=True) | Q(max_change__gt=0), name="indicators_max_change_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("indicator", args=[self.code])

    @property
    def name(self) -> str:
        return translated(self, "name")

    @property
    def description(self) -> str:
        return translated(self, "description")

    @property
    def name_language(self) -> str:
        """The language the name is shown in: bokmål on a page whose language the indicator has no name in."""
        return translated_language(self, "name")

    @property
    def description_language(self) -> str:
        return translated_language(self, "description")

    @property
    def is_per_inhabitant(self) -> bool:
        return self.computation == Computation.PER_INHABITANT

    @property
    def entry_unit(self) -> str:
        """Return the unit a planner types in: the amount's unit for per-inhabitant indicators."""
        return self.amount_unit if self.is_per_inhabitant else self.unit

    def clean(self):
        if self.is_per_inhabitant and not self.amount_unit:
            raise ValidationError(
                {"amount_unit": _("A per-inhabitant indicator needs the unit of the amount planners enter.")}
            )
        if self.is_per_inhabitant and self.is_population:
            raise ValidationError({"computation": _("The population cannot be computed per inhabitant.")})
        if (
            self.plausible_min is not None
            and self.plausible_max is not None
            and self.plausible_min > self.plausible_max
        ):
            raise ValidationError({"plausible_max": _("The highest plausible figure is below the lowest.")})

    def per_inhabitant(self, amount: Decimal | None, population: Decimal | None) -> Decimal | None:
        """Return amount ÷ population in the indicator's unit, or None when either is unknown or zero."""
        if amount is None or not population:
            return None
        return Decimal(amount) * self.per_inhabitant_factor / Decimal(population)


class IndicatorChange(models.Model):
    """One change to an indicator's definition: who, when, which field, what it was, what it became, and why.

    Every figure shown rests on the definition (a changed factor changes every per-inhabitant figure, a changed
    direction turns goals' verdicts), so each change is kept. Only indicators.services.save_indicator() writes them.
    """

    # The fields whose change alters what a stored number means (a figure entered in kg before the unit became
    # tonnes reads as tonnes after): figures published before and after such a change are not comparable, and a
    # comparison marks a series break between them. The factor is not among them: it is applied to every figure
    # alike when the figure is shown.
    RECORDING_FIELDS = ("unit", "computation", "amount_unit")

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="changes"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    field = models.CharField(
        _("field"), max_length=40, blank=True, help_text=_("The field of the indicator; empty when it was created.")
    )
    old = models.TextField(_("before"), blank=True)
    new = models.TextField(_("after"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("indicator change")
        verbose_name_plural = _("indicator changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.indicator_id} {self.field or 'created'} @ {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def is_creation(self) -> bool:
        return not self.field

    @property
    def field_label(self) -> str:
        """The field's name as the indicator's form shows it."""
        try:
            return Indicator._meta.get_field(self.field).verbose_name
        except FieldDoesNotExist:  # a field since removed: its name is all the history knows
            return self.field

    @property
    def old_shown(self) -> str:
        return self._shown(self.old)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new)

    def _shown(self, text: str) -> str:
        """A recorded value as the page shows it: a choice by its label, a yes/no in words, nothing as a dash."""
        if text == "":
            return "–"
        try:
            field = Indicator._meta.get_field(self.field)
        except FieldDoesNotExist:
            return text
        if field.choices:
            return str(dict(field.flatchoices).get(text, text))
        if isinstance(field, models.BooleanField):
            return str(_("yes") if text == "True" else _("no"))
        return text


class ValueState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    MISSING = "missing", _("Missing")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    CONFIDENTIAL = "confidential", _("Confidential")


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


class IndicatorValueQuerySet(models.QuerySet):
    def published(self):
        """Keep the values the public may read: those with a published version (see as_published())."""
        return self.filter(published_at__isnull=False)

    def latest_published(self, **filters):
        """Keep the published values that are the newest of their indicator and municipality.

        The keyword filters narrow both the values and the search for the newest
        year, so published_state=ValueState.REPORTED gives the newest published figure.
        Show them with as_published(): a value may be under revision.
        """
        newest_year = (
            IndicatorValue.objects.published()
            .filter(indicator=OuterRef("indicator"), municipality=OuterRef("municipality"), **filters)
            .order_by("-year")
            .values("year")[:1]
        )
        return self.published().filter(year=Subquery(newest_year), **filters)

    def for_municipality(self, municipality: Municipality):
        return self.filter(municipality=municipality)

    def with_population(self, *, published: bool = False):
        """Annotate each value with its municipality's population for the same year.

        Public pages pass published=True so a per-inhabitant figure rests on the
        published population, never on an unpublished one.
        """
        population = IndicatorValue.objects.filter(
            indicator__is_population=True, municipality=OuterRef("municipality"), year=OuterRef("year")
        )
        if published:
            population = population.filter(published_state=ValueState.REPORTED).values("published_value")
        else:
            population = population.filter(state=ValueState.REPORTED).values("value")
        return self.annotate(population=Subquery(population[:1]))


# The longest text naming where a figure comes from: a value's source, its published copy and its revisions
# (and a budget line's, plans.BudgetLine). Importers cut the source they write to it.
SOURCE_LENGTH = 300


class IndicatorValue(models.Model):
    """The figure for one indicator, municipality and year, with its provenance and approval status.

    For per-inhabitant indicators `value` holds the total amount (e.g. tonnes of
    waste); the per-inhabitant figure is always computed from the population.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="values")
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(
        _("value"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("For per-inhabitant indicators, the total amount; the portal computes the rest."),
    )
    state = models.CharField(
        _("state"),
        max_length=20,
        choices=ValueState,
        default=ValueState.REPORTED,
        help_text=_("Choose missing, not applicable or confidential instead of leaving the value blank."),
    )
    status = models.CharField(_("status"), max_length=12, choices=ValueStatus, default=ValueStatus.DRAFT)
    source = models.CharField(
        _("source"),
        max_length=SOURCE_LENGTH,
        blank=True,
        help_text=_("Where this figure comes from, e.g. a file or table."),
    )
    is_sample = models.BooleanField(
        _("sample data"), default=False, help_text=_("Invented for demonstration; never real statistics.")
    )
    comment = models.TextField(
        _("comment"), blank=True, help_text=_("What moved and why; required when the figure looks implausible.")
    )
    review_comment = models.TextField(
        _("reason for returning"), blank=True, help_text=_("Why the approver sent the value back to the planner.")
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    revised_at = models.DateTimeField(
        _("revised"), null=True, blank=True, editable=False, help_text=_("When a changed figure was published again.")
    )
    # What the public reads: the figure as it was last published. It stays while a revision of the
    # figure is drafted and approved, and is replaced when the revision is published. Only
    # indicators.services.change_status() writes these fields: saving a value never publishes it.
    published_at = models.DateTimeField(_("last published"), null=True, blank=True, editable=False)
    published_value = models.DecimalField(
        _("published value"), max_digits=20, decimal_places=6, null=True, blank=True, editable=False
    )
    published_state = models.CharField(
        _("published state"), max_length=20, choices=ValueState, blank=True, editable=False
    )
    published_is_sample = models.BooleanField(_("published as sample data"), default=False, editable=False)
    published_source = models.CharField(_("published source"), max_length=SOURCE_LENGTH, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    # Official statistics: the figure as SSB or Miljødirektoratet published it, imported by a coordinator or an
    # administrator and published in the same step. Municipalities read it and may comment or report an error in it;
    # only a new import of the source changes it.
    # The new columns have database defaults too, for writers that name their columns (COPY in the benchmark).
    is_official = models.BooleanField(
        _("official statistics"),
        default=False,
        db_default=False,
        help_text=_("The source's own figure, published as the source published it; municipalities cannot change it."),
    )
    data_import = models.ForeignKey(
        "DataImport",
        verbose_name=_("imported from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="values",
        help_text=_("The stored file the figure was last imported from."),
    )
    series_break = models.BooleanField(
        _("series break"),
        default=False,
        db_default=False,
        help_text=_("The source changed its method from this year: earlier years are not comparable."),
    )
    error_report = models.TextField(
        _("reported error"),
        blank=True,
        default="",
        db_default="",
        help_text=_("What a municipality believes is wrong with the source's figure."),
    )
    error_reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error_reported_at = models.DateTimeField(_("error reported"), null=True, blank=True)

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "municipality", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "municipality", "year"], name="indicators_value_one_per_year"),
            models.CheckConstraint(
                condition=(Q(state="reported") & Q(value__isnull=False))
                | (~Q(state="reported") & Q(value__isnull=True)),
                name="indicators_value_matches_state",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR), name="indicators_value_year_range"
            ),
            # A published value has a published version; one never published has none.
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="indicators_value_published_has_version",
            ),
            models.CheckConstraint(
                condition=(Q(published_at__isnull=True) & Q(published_state=""))
                | (Q(published_at__isnull=False) & Q(published_state="reported") & Q(published_value__isnull=False))
                | (
                    Q(published_at__isnull=False)
                    & ~Q(published_state__in=["", "reported"])
                    & Q(published_value__isnull=True)
                ),
                name="indicators_value_published_version_consistent",
            ),
            # The source's figures are published when they are imported, and never wait for a municipality.
            models.CheckConstraint(
                condition=Q(is_official=False) | Q(status="published"), name="indicators_value_official_published"
            ),
        ]
        indexes = [
            # Serves a municipality's page and the population subquery: values by municipality and year.
            models.Index(fields=["municipality", "year"], name="indicators_value_muni_year"),
            # Serves the reporting round's lists, which filter on status first.
            models.Index(fields=["status", "indicator", "year"], name="indicators_value_status"),
            # Serves public pages: published versions by indicator and year.
            models.Index(
                fields=["indicator", "year"], condition=Q(published_at__isnull=False), name="indicators_value_public"
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} {self.municipality} {self.year}"

    def clean(self):
        if self.state == ValueState.REPORTED and self.value is None:
            raise ValidationError({"value": _("Enter a value, or choose missing, not applicable or confidential.")})
        if self.state != ValueState.REPORTED and self.value is not None:
            raise ValidationError(
                {"value": _("A value that is missing, not applicable or confidential has no number.")}
            )
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationError(
                {
                    "year": _("The year must be between %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                }
            )
        if self.indicator_id and self.municipality_id and self.year:
            duplicate = IndicatorValue.objects.filter(
                indicator_id=self.indicator_id, municipality_id=self.municipality_id, year=self.year
            ).exclude(pk=self.pk)
            if duplicate.exists():
                raise ValidationError(_("This municipality already has a value for this indicator and year."))

    @property
    def per_inhabitant(self) -> Decimal | None:
        """Return the per-inhabitant figure, using a `population` annotation (see with_population())."""
        if not self.indicator.is_per_inhabitant:
            return self.value
        return self.indicator.per_inhabitant(self.value, getattr(self, "population", None))

    @property
    def display_value(self) -> Decimal | None:
        """Return the figure in the indicator's unit: per inhabitant where the indicator is."""
        return self.per_inhabitant

    @property
    def is_public(self) -> bool:
        return self.published_at is not None

    def as_published(self, *, in_place: bool = False) -> "IndicatorValue":
        """Return the value as the public reads it: a copy holding the last published version.

        in_place turns this instance itself into the published version, for a caller that owns it and will not
        read its working version again (copying a thousand values costs a dashboard a tenth of its time).
        """
        public = self if in_place else copy.copy(self)
        public.value, public.state, public.is_sample, public.source = (
            self.published_value,
            self.published_state,
            self.published_is_sample,
            self.published_source,
        )
        public.status = ValueStatus.PUBLISHED
        return public

    def visible_to(self, *, can_read_unpublished: bool, in_place: bool = False) -> "IndicatorValue | None":
        """Return the version of the value a reader sees, or None.

        The public sees the last published version. The municipality's own readers see
        an approved figure before it is published; a draft or submitted revision of a
        published figure shows them the published version until the revision is approved.
        in_place: as for as_published().
        """
        if can_read_unpublished and self.status in (ValueStatus.APPROVED, ValueStatus.PUBLISHED):
            return self
        return self.as_published(in_place=in_place) if self.is_public else None

    def changes_official(self, state: str, value: Decimal | None) -> bool:
        """Whether storing this state and figure would change the source's own figure (official statistics)."""
        return self.is_official and (self.state, self.value) != (state, value)

    def snapshot(self) -> dict:
        """Return the fields a revision records, for comparing before and after a change."""
        return {"value": self.value, "state": self.state, "status": self.status, "source": self.source}


class ValueRevision(models.Model):
    """One change to an indicator value: who, when, what it was, what it became, and why."""

    indicator_value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    old_value = models.DecimalField(_("old value"), max_digits=20, decimal_places=6, null=True, blank=True)
    new_value = models.DecimalField(_("new value"), max_digits=20, decimal_places=6, null=True, blank=True)
    old_state = models.CharField(_("old state"), max_length=20, choices=ValueState, blank=True)
    new_state = models.CharField(_("new state"), max_length=20, choices=ValueState)
    old_status = models.CharField(_("old status"), max_length=12, choices=ValueStatus, blank=True)
    new_status = models.CharField(_("new status"), max_length=12, choices=ValueStatus)
    source = models.CharField(_("source"), max_length=SOURCE_LENGTH, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("value revision")
        verbose_name_plural = _("value revisions")
        ordering = ["indicator_value", "changed_at", "pk"]

    def __str__(self):
        return f"{self.indicator_value} @ {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def is_creation(self) -> bool:
        return not self.old_state


class Role(models.TextChoices):
    PLANNER = "planner", _("Planner")
    APPROVER = "approver", _("Approver")
    READER = "reader", _("Reader")


class MunicipalityRole(models.Model):
    """What one user may do with one municipality's unpublished values. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="municipality_roles"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=Role,
        help_text=_(
            "Planners enter and submit values; approvers approve, return and publish them; readers see drafts."
        ),
    )

    class Meta:
        verbose_name = _("municipality role")
        verbose_name_plural = _("municipality roles")
        ordering = ["municipality__name", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality", "role"], name="indicators_role_once"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.municipality}"


class NetworkCoordinator(models.Model):
    """A user who manages indicators for a network and follows every member's reporting."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="coordinator_of"
    )
    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="coordinators"
    )

    class Meta:
        verbose_name = _("network coordinator")
        verbose_name_plural = _("network coordinators")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="indicators_coordinator_once"),
        ]

    def __str__(self):
        return f"{self.user} – {self.network}"


class AccessChange(models.Model):
    """One grant or withdrawal of access, made through indicators.grants: who, when, whom, where, before and after.

    A municipality role names the municipality, a coordinator role the network, a membership both (and no user).
    Before and after are what the user held in that place (role codes, ["coordinator"]), or for a membership the
    municipality's periods in the network (["2009-01-01", null] pairs). The user it concerns sees it on her start
    page until she marks it seen.
    """

    class What(models.TextChoices):
        PLANNER = Role.PLANNER.value, Role.PLANNER.label
        APPROVER = Role.APPROVER.value, Role.APPROVER.label
        READER = Role.READER.value, Role.READER.label
        COORDINATOR = "coordinator", _("Network coordinator")
        MEMBERSHIP = "membership", _("Network membership")

    class Action(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CHANGED = "changed", _("Changed")

    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)
    # PROTECT: an account with a history of access is deactivated, not deleted, so no grant loses its who or whom
    # (and deleting a user would withdraw her roles unrecorded).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="access_changes",
        null=True,
        blank=True,
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="access_changes",
        null=True,
        blank=True,
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("network"),
        on_delete=models.PROTECT,
        related_name="access_changes",
        null=True,
        blank=True,
    )
    what = models.CharField(_("what"), max_length=12, choices=What)
    action = models.CharField(_("action"), max_length=10, choices=Action)
    before = models.JSONField(_("before"), default=list, blank=True)
    after = models.JSONField(_("after"), default=list, blank=True)
    seen_at = models.DateTimeField(_("seen by the user"), null=True, blank=True)

    class Meta:
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(what__in=Role.values, municipality__isnull=False, network__isnull=True, user__isnull=False)
                    | Q(what="coordinator", network__isnull=False, municipality__isnull=True, user__isnull=False)
                    | Q(what="membership", network__isnull=False, municipality__isnull=False, user__isnull=True)
                ),
                name="indicators_access_change_place",
            ),
        ]
        indexes = [
            # Serves the notice on the user's start page: her changes not yet seen.
            models.Index(fields=["user", "seen_at"], name="indicators_access_unseen"),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.get_what_display()} ({self.changed_at:%Y-%m-%d %H:%M})"

    @property
    def place(self):
        """The municipality of a role, the network of a coordinator or a membership."""
        return self.municipality if self.what in Role.values else self.network

    def describe(self, state: list) -> str:
        """Return before or after as the page's language says it: roles by name, periods as dates."""
        if self.what == self.What.MEMBERSHIP:
            periods = []
            for joined, left in state:
                joined = date_format(datetime.date.fromisoformat(joined), "j.n.Y")
                if left:
                    left = date_format(datetime.date.fromisoformat(left), "j.n.Y")
                    periods.append(f"{joined}–{left}")
                else:
                    periods.append(_("from %(date)s") % {"date": joined})
            return ", ".join(periods) or _("not a member")
        labels = dict(self.What.choices)
        return ", ".join(str(labels.get(code, code)) for code in state) or _("no role")

    @property
    def before_text(self) -> str:
        return self.describe(self.before)

    @property
    def after_text(self) -> str:
        return self.describe(self.after)


class ValueImport(models.Model):
    """A spreadsheet a planner uploaded: kept as sent, so every imported figure can be traced to its file."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="imports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    confirmed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("spreadsheet import")
        verbose_name_plural = _("spreadsheet imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"

    @property
    def source(self) -> str:
        return _("Spreadsheet %(file)s (import %(id)s)") % {"file": self.filename, "id": self.pk}


class DataImport(models.Model):
    """An open-data file a coordinator uploaded (an SSB JSON-stat table, Miljødirektoratet's emissions workbook, or a
    KLASS reform answer): kept as sent, so every imported figure and number change can be traced."""

    class Kind(models.TextChoices):
        SSB = "ssb", _("SSB table (JSON-stat, CSV or Excel)")
        POPULATION = "population", _("SSB population by age (CSV)")
        EMISSIONS = "miljodir", _("Miljødirektoratet's greenhouse-gas emissions (Excel)")
        REFORM = "klass", _("Municipal reform from KLASS (JSON)")
        PEER_GROUPS = "kostra", _("KOSTRA groups from KLASS (CSV or JSON)")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        REJECTED = "rejected", _("Refused")
        IMPORTING = "importing", _("Being imported")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SSB)
    # Empty for a file an administrator imported from the command line without naming herself (--user).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    codes_content = models.BinaryField(
        _("numbers in force"), blank=True, default=b"", help_text=_("KLASS codes answer the reform is checked against.")
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="data_imports",
        null=True,
        blank=True,
        help_text=_("For emissions: the indicator for the total; sectors go to their own indicators."),
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_(
            "For Miljødirektoratet's download for one municipality: which municipality it is for, when its name is "
            "shared by several (Herøy) or not known. Leave empty otherwise."
        ),
    )
    contents = models.CharField(
        _("contents code"), max_length=60, blank=True, help_text=_("SSB's ContentsCode, when the table has several.")
    )
    table = models.CharField(
        _("SSB table"), max_length=20, blank=True, help_text=_("The table number, when the file does not say it.")
    )
    categories = models.TextField(
        _("categories to add up"),
        blank=True,
        help_text=_("For a table with several categories: the ones whose sum is the figure, one per line."),
    )
    applies_from = models.DateField(
        _("applies from"),
        null=True,
        blank=True,
        help_text=_("For a grouping without dates in the file: the first day it applies, such as 2024-01-01."),
    )
    vintage = models.DateField(
        _("published by the source"),
        null=True,
        blank=True,
        help_text=_("When the source published this version of its figures; taken from the file where it says."),
    )
    series_break = models.BooleanField(
        _("the source changed its method"),
        default=False,
        help_text=_("Mark changed figures as a break in the series instead of as revisions."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.UPLOADED)
    progress = models.PositiveSmallIntegerField(_("progress (per cent)"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True, editable=False)
    summary = models.JSONField(_("summary"), default=dict, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    created = models.PositiveIntegerField(_("new values"), default=0)
    updated = models.PositiveIntegerField(_("changed values"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged values"), default=0)

    class Meta:
        verbose_name = _("open-data import")
        verbose_name_plural = _("open-data imports")
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                # A reform or a grouping from KLASS is about municipalities, not one indicator's figures.
                condition=models.Q(kind__in=["klass", "kostra"]) | models.Q(indicator__isnull=False),
                name="data_import_indicator_unless_classification",
            )
        ]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class ComparisonSnapshot(models.Model):
    """An indicator's comparison page in one of its usual views (the network's members, or every municipality) and
    one language, rendered ahead (indicators/read_model.py) so that the page reads it in one query.

    A row exists only while it is fresh: every write that changes what the page shows deletes it in the same
    transaction (read_model.forget()), and a background task renders it again after the commit (read_model.build()).
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=100, blank=True)  # the page's canonical query: "" or "utvalg=alle"
    language = models.CharField(max_length=8)
    # What goes into the page's content block, exactly as the live path renders it.
    html = models.TextField()
    plotly = models.CharField(max_length=8, blank=True)  # the plotly bundle the charts need: "full", "basic" or ""
    # The code, templates and translations it was rendered with (core.cache.release()): a deployment outdates it.
    release = models.CharField(max_length=64)
    # The network's members are those of today: the row holds until the next membership begins or ends.
    valid_until = models.DateField()
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Serves the page's one query (indicator, query, language); read_model.build() replaces rows.
            models.UniqueConstraint(
                fields=["indicator", "query", "language"], name="indicators_comparison_snapshot_one_per_view"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} ?{self.query} {self.language}"


class ReportingRoundQuerySet(models.QuerySet):
    def frozen_cells(self, *, indicator_ids, municipality_ids, years) -> set[tuple[int, int, int]]:
        """Return the (indicator, municipality, year) among those given that a closed round holds (one query).

        A closed round holds its indicators' figures for its year of every municipality that was a member of its
        network at some point in that year.
        """
        if not indicator_ids or not municipality_ids or not years:
            return set()
        rows = NetworkMembership.objects.filter(
            network__rounds__closed_at__isnull=False,
            network__rounds__year__in=years,
            network__rounds__indicators__in=indicator_ids,
            municipality_id__in=municipality_ids,
        ).values_list("network__rounds__indicators", "municipality_id", "network__rounds__year", "joined", "left")
        return {
            (indicator_id, municipality_id, year)
            for indicator_id, municipality_id, year, joined, left in rows
            if joined <= datetime.date(year, 12, 31) and (left is None or left >= datetime.date(year, 1, 1))
        }


class ReportingRound(models.Model):
    """A network's call for one year's figures: which indicators, by which day, and who reports for each member.

    Its coordinators open, change and close it (indicators/round_pages.py). Closing freezes it: a figure of the round
    changes after that only with a reason, which its revision records (indicators.services.apply_values()).
    """

    network = models.ForeignKey(Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="rounds")
    year = models.PositiveSmallIntegerField(_("year"), help_text=_("The year the figures are for."))
    deadline = models.DateField(_("deadline"), help_text=_("The last day to submit the figures for approval."))
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators"), related_name="rounds", help_text=_("The figures each member reports.")
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReportingRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-year", "network__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "year"], name="indicators_round_one_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR), name="indicators_round_year_range"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_by__isnull=False), name="indicators_round_closed_by"
            ),
        ]

    def __str__(self):
        return f"{self.network} {self.year}"

    def get_absolute_url(self):
        return reverse("round_matrix", args=[self.pk])

    def clean(self):
        if self.year is not None and not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationError(
                {
                    "year": _("The year must be between %(first)s and %(last)s.")
                    % {"first": FIRST_YEAR, "last": LAST_YEAR}
                }
            )
        if self.network_id and self.year:
            duplicate = ReportingRound.objects.filter(network_id=self.network_id, year=self.year).exclude(pk=self.pk)
            if duplicate.exists():
                raise ValidationError({"year": _("The network already has a reporting round for this year.")})

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_past_deadline(self, today: datetime.date | None = None) -> bool:
        """Whether the deadline has passed: the day after it, figures not submitted are late."""
        return (today or timezone.localdate()) > self.deadline


class RoundReporter(models.Model):
    """A user who reports a member's figures in a round. A member with none named: its planners report."""

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("reporting round"), on_delete=models.CASCADE, related_name="reporters"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="round_reports"
    )

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        constraints = [
            models.UniqueConstraint(fields=["round", "municipality", "user"], name="indicators_round_reporter_once"),
        ]

    def __str__(self):
        return f"{self.user} – {self.municipality} – {self.round}"


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Before the deadline")
    LATE = "late", _("After the deadline")


class Reminder(models.Model):
    """One reminder e-mail sent to one reporter about one member's figures in a round (indicators/rounds.py)."""

    round = models.ForeignKey(
        ReportingRound, verbose_name=_("reporting round"), on_delete=models.CASCADE, related_name="reminders"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            # Nobody is reminded twice of the same thing, however often (or concurrently) the task runs: the row is
            # written before the e-mail is sent, in one transaction.
            models.UniqueConstraint(fields=["round", "municipality", "user", "kind"], name="indicators_reminder_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.user} – {self.municipality} ({self.sent_at:%Y-%m-%d})"


class ReminderSetting(models.Model):
    """Whether a user receives the reporting round's reminders, and when she last changed it. No row: she does."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="reminder_setting"
    )
    enabled = models.BooleanField(_("receives reminders"), default=True)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder setting")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return f"{self.user}: {'on' if self.enabled else 'off'}"
