"""The plan chain: plans, their focus areas (innsatsområder), goals (målsettinger) and strategic projects."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from indicators.models import Direction, Indicator, Municipality


class PlanType(models.TextChoices):
    PLANSTRATEGI = "planstrategi", _("Municipal planning strategy (planstrategi)")
    KOMMUNEPLAN_SAMFUNN = "kommuneplan_samfunn", _("Municipal master plan, social element (samfunnsdel)")
    KOMMUNEPLAN_AREAL = "kommuneplan_areal", _("Municipal master plan, land-use element (arealdel)")
    OKONOMIPLAN = "okonomiplan", _("Financial and action plan (økonomiplan/handlingsprogram)")
    ARSBUDSJETT = "arsbudsjett", _("Annual budget (årsbudsjett)")
    ARSPLAN = "arsplan", _("Annual service plan (årsplan)")
    FAGPLAN = "fagplan", _("Sector plan (fagplan)")
    TEMAPLAN = "temaplan", _("Thematic plan (temaplan)")
    OMRADEPLAN = "omradeplan", _("Area zoning plan (områdeplan)")
    DETALJPLAN = "detaljplan", _("Detailed zoning plan (detaljplan)")
    ARSRAPPORT = "arsrapport", _("Annual report (årsrapport)")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("Out for consultation")
    ADOPTED = "adopted", _("Adopted")
    REPEALED = "repealed", _("Repealed")


class PlanQuerySet(models.QuerySet):
    def adopted(self):
        return self.filter(status=PlanStatus.ADOPTED)

    def in_force(self, year: int):
        """Keep the adopted plans whose period covers the year."""
        return self.adopted().filter(period_start__lte=year, period_end__gte=year)


class Plan(models.Model):
    """One plan in the municipality's plan chain, such as the kommuneplan's social element 2015–2027."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="plans")
    plan_type = models.CharField(_("type of plan"), max_length=30, choices=PlanType)
    title = models.CharField(_("title"), max_length=300)
    period_start = models.PositiveSmallIntegerField(_("first year"))
    period_end = models.PositiveSmallIntegerField(_("last year"))
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    decision_reference = models.CharField(
        _("council decision"), max_length=100, blank=True, help_text=_("The council's case number, e.g. K-sak 45/2014.")
    )
    status = models.CharField(_("status"), max_length=20, choices=PlanStatus, default=PlanStatus.DRAFT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("plan above it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=_("The plan this one follows up, e.g. the kommuneplan for an økonomiplan."),
    )
    document_url = models.URLField(_("adopted document"), blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["municipality", "-period_start", "plan_type"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="plans_period_ordered"),
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_on__isnull=False), name="plans_adopted_has_date"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.period_start}–{self.period_end})"

    def clean(self):
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The last year cannot come before the first year.")
        if self.status == PlanStatus.ADOPTED and not self.adopted_on:
            errors["adopted_on"] = _("An adopted plan needs the date it was adopted.")
        if self.parent_id and self.municipality_id and self.parent.municipality_id != self.municipality_id:
            errors["parent"] = _("The plan above must belong to the same municipality.")
        if errors:
            raise ValidationError(errors)


class FocusArea(models.Model):
    """An innsatsområde of a plan: a field the municipality will concentrate on."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="focus_areas")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        ordering = ["plan", "order", "pk"]

    def __str__(self):
        return self.title


class Goal(models.Model):
    """A målsetting under a focus area, measured by one or more indicators."""

    focus_area = models.ForeignKey(FocusArea, on_delete=models.CASCADE, related_name="goals")
    title = models.TextField(_("goal"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    indicators = models.ManyToManyField(Indicator, through="GoalIndicator", related_name="goals")

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["focus_area", "order", "pk"]

    def __str__(self):
        return self.title[:80]


class GoalIndicator(models.Model):
    """How a goal is measured: an indicator with its baseline and target."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="goal_measures")
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_value = models.DecimalField(_("baseline value"), max_digits=20, decimal_places=6, null=True, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    target_value = models.DecimalField(
        _("target value"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("In the indicator's unit: per inhabitant where the indicator is."),
    )
    direction = models.CharField(
        _("desired direction"),
        max_length=10,
        choices=Direction,
        blank=True,
        help_text=_("Leave empty to use the indicator's own direction."),
    )

    class Meta:
        verbose_name = _("goal indicator")
        verbose_name_plural = _("goal indicators")
        constraints = [
            models.UniqueConstraint(fields=["goal", "indicator"], name="plans_goal_indicator_once"),
            models.CheckConstraint(
                condition=Q(baseline_year__isnull=True)
                | Q(target_year__isnull=True)
                | Q(target_year__gte=F("baseline_year")),
                name="plans_target_after_baseline",
            ),
        ]

    def __str__(self):
        return f"{self.goal} – {self.indicator}"

    @property
    def effective_direction(self) -> str:
        return self.direction or self.indicator.direction

    def clean(self):
        if self.baseline_year and self.target_year and self.target_year < self.baseline_year:
            raise ValidationError({"target_year": _("The target year cannot come before the baseline year.")})


class StrategicProject(models.Model):
    """A strategic project of the økonomiplan, spanning service areas, tied to focus areas."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="strategic_projects")
    focus_areas = models.ManyToManyField(FocusArea, related_name="strategic_projects", blank=True)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    service_areas = models.CharField(
        _("service areas"), max_length=300, blank=True, help_text=_("The service areas taking part, comma-separated.")
    )
    first_budget_year = models.PositiveSmallIntegerField(_("first budget year"), null=True, blank=True)
    last_budget_year = models.PositiveSmallIntegerField(_("last budget year"), null=True, blank=True)

    class Meta:
        verbose_name = _("strategic project")
        verbose_name_plural = _("strategic projects")
        ordering = ["plan", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_budget_year__isnull=True)
                | Q(last_budget_year__isnull=True)
                | Q(last_budget_year__gte=F("first_budget_year")),
                name="plans_project_years_ordered",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def service_area_list(self) -> list[str]:
        return [part.strip() for part in self.service_areas.split(",") if part.strip()]
