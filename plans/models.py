"""The plan chain: plans, their focus areas (innsatsområder), goals (målsettinger) and strategic projects."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.models import SOURCE_LENGTH, Direction, Indicator, Municipality


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
    REPLACED = "replaced", _("Replaced by a newer version")
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
    previous_version = models.ForeignKey(
        "self",
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="later_versions",
        help_text=_("The version this one was rolled from, e.g. last year's økonomiplan."),
    )

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
    carries = models.ForeignKey(
        "self",
        verbose_name=_("carries forward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_by",
        help_text=_("The focus area of the plan above that this one follows up."),
    )

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
    carries = models.ForeignKey(
        "self",
        verbose_name=_("carries forward"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_by",
        help_text=_("The goal of the plan above that this one follows up."),
    )

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


class PlanChange(models.Model):
    """One change to a plan or what it holds (focus areas, goals, projects, budget lines): who, when, what, why."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        ADOPTED = "adopted", _("Adopted")
        ROLLED = "rolled", _("Rolled to a new version")

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="changes")
    action = models.CharField(_("action"), max_length=10, choices=Action)
    subject = models.CharField(_("what"), max_length=400)
    details = models.JSONField(
        _("details"), default=list, blank=True, help_text=_("The fields changed, as [label, before, after].")
    )
    reason = models.CharField(_("explanation"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()}: {self.subject}"


class BudgetLine(models.Model):
    """Money for a focus area or a strategic project in a year, in NOK 1 000: adopted, revised, accounts."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="budget_lines"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("focus area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    project = models.ForeignKey(
        StrategicProject,
        verbose_name=_("strategic project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    adopted = models.DecimalField(_("adopted budget"), max_digits=14, decimal_places=0, null=True, blank=True)
    revised = models.DecimalField(_("revised budget"), max_digits=14, decimal_places=0, null=True, blank=True)
    accounts = models.DecimalField(_("accounts"), max_digits=14, decimal_places=0, null=True, blank=True)
    source = models.CharField(_("source"), max_length=SOURCE_LENGTH, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["municipality", "year", "focus_area", "project"]
        constraints = [
            models.CheckConstraint(
                condition=Q(focus_area__isnull=True, project__isnull=False)
                | Q(focus_area__isnull=False, project__isnull=True),
                name="plans_budget_line_one_target",
            ),
            models.UniqueConstraint(fields=["focus_area", "year"], name="plans_budget_focus_area_year_once"),
            models.UniqueConstraint(fields=["project", "year"], name="plans_budget_project_year_once"),
        ]

    def __str__(self):
        return f"{self.focus_area or self.project} {self.year}"

    @property
    def target(self):
        return self.focus_area or self.project

    @property
    def budget(self):
        """The budget in force: the revised one when there is one."""
        return self.revised if self.revised is not None else self.adopted


class BudgetImport(models.Model):
    """A budget spreadsheet a planner uploaded: kept as sent, so every imported amount can be traced to its file."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="budget_imports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    confirmed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("budget import")
        verbose_name_plural = _("budget imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"


class AnnualReport(models.Model):
    """A municipality's annual report (årsrapport) for one year: the texts written around its published figures.

    The figures themselves are the published indicator values; the report holds
    what people write about them. Each text has a working copy that planners edit
    and a published copy that the public reads, so editing never changes the
    public page until an approver publishes the report again.
    """

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("last published"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["municipality", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="plans_report_one_per_year"),
        ]

    def __str__(self):
        return f"{self.municipality} {self.year}"

    def get_absolute_url(self):
        return reverse("annual_report", args=[self.municipality.kommunenummer, self.year])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class ReportTextKind(models.TextChoices):
    INTRODUCTION = "introduction", _("Introduction")
    FOCUS_AREA = "focus_area", _("Commentary on a focus area")
    INDICATOR = "indicator", _("Commentary on an indicator")
    PROJECT = "project", _("What a strategic project did")


class ReportText(models.Model):
    """One text of an annual report, in Markdown: the introduction, or the commentary on one part of it."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="texts")
    kind = models.CharField(_("kind"), max_length=20, choices=ReportTextKind)
    # Exactly one target for every kind but the introduction (checked by plans_report_text_target).
    focus_area = models.ForeignKey(FocusArea, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        StrategicProject, null=True, blank=True, on_delete=models.PROTECT, related_name="report_texts"
    )
    body = models.TextField(_("text"), blank=True, help_text=_("The working copy, in Markdown."))
    published_body = models.TextField(_("published text"), blank=True, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        verbose_name = _("report text")
        verbose_name_plural = _("report texts")
        ordering = ["report", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="introduction", focus_area__isnull=True, indicator__isnull=True, project__isnull=True)
                    | Q(kind="focus_area", focus_area__isnull=False, indicator__isnull=True, project__isnull=True)
                    | Q(kind="indicator", focus_area__isnull=True, indicator__isnull=False, project__isnull=True)
                    | Q(kind="project", focus_area__isnull=True, indicator__isnull=True, project__isnull=False)
                ),
                name="plans_report_text_target",
            ),
            models.UniqueConstraint(
                fields=["report"], condition=Q(kind="introduction"), name="plans_report_one_introduction"
            ),
            models.UniqueConstraint(
                fields=["report", "focus_area"], condition=Q(kind="focus_area"), name="plans_report_text_focus_once"
            ),
            models.UniqueConstraint(
                fields=["report", "indicator"], condition=Q(kind="indicator"), name="plans_report_text_indicator_once"
            ),
            models.UniqueConstraint(
                fields=["report", "project"], condition=Q(kind="project"), name="plans_report_text_project_once"
            ),
        ]

    def __str__(self):
        return f"{self.report} – {self.get_kind_display()}"

    @property
    def key(self) -> str:
        """Return the text's place in the report, as used in form field names: "introduction", "focus_area-12"."""
        target = {
            ReportTextKind.FOCUS_AREA: self.focus_area_id,
            ReportTextKind.INDICATOR: self.indicator_id,
            ReportTextKind.PROJECT: self.project_id,
        }.get(self.kind)
        return self.kind if target is None else f"{self.kind}-{target}"

    @property
    def has_unpublished_changes(self) -> bool:
        return self.body != self.published_body


class ReportTextRevision(models.Model):
    """A saved version of a report text: who wrote what, and when."""

    text = models.ForeignKey(ReportText, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField(_("text"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    published = models.BooleanField(_("published"), default=False, help_text=_("This version was published."))

    class Meta:
        verbose_name = _("report text revision")
        verbose_name_plural = _("report text revisions")
        ordering = ["text", "changed_at", "pk"]

    def __str__(self):
        return f"{self.text} @ {self.changed_at:%Y-%m-%d %H:%M}"


class ExampleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    PUBLISHED = "published", _("Published")


class GoodExampleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=ExampleStatus.PUBLISHED)


def example_image_path(example: "GoodExample", filename: str) -> str:
    """Store images by municipality, under a name of the portal's choosing rather than the uploader's."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "img"
    return f"gode-eksempler/{example.municipality_id}/{uuid.uuid4().hex}.{suffix}"


class GoodExample(models.Model):
    """A good example (godt eksempel): a short story of a measure that worked, shared with the network."""

    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="good_examples"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), help_text=_("The year the measure made a difference; the example appears in that year's reports.")
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("story"), help_text=_("What was done, by whom, and what changed. Markdown: **bold**, *italic*, - lists.")
    )
    image = models.ImageField(_("image"), upload_to=example_image_path, blank=True)
    image_alt = models.CharField(
        _("alternative text for the image"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for readers who cannot see it. Required with an image."),
    )
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("focus area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_examples",
    )
    indicators = models.ManyToManyField(
        Indicator,
        verbose_name=_("indicators it moved"),
        blank=True,
        related_name="good_examples",
    )
    status = models.CharField(_("status"), max_length=12, choices=ExampleStatus, default=ExampleStatus.DRAFT)
    review_comment = models.TextField(
        _("reason for returning"), blank=True, help_text=_("Why the coordinator sent the example back.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now, editable=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)

    objects = GoodExampleQuerySet.as_manager()

    class Meta:
        verbose_name = _("good example")
        verbose_name_plural = _("good examples")
        ordering = ["-year", "-published_at", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(image="") | ~Q(image_alt=""), name="plans_example_image_has_alt"),
        ]
        indexes = [
            # Serves the reports and the public list: published examples by municipality and year.
            models.Index(fields=["status", "municipality", "year"], name="plans_example_status"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("good_example", args=[self.pk])

    def clean(self):
        if self.image and not self.image_alt.strip():
            raise ValidationError({"image_alt": _("Describe the image for readers who cannot see it.")})
        if self.focus_area_id and self.municipality_id and self.focus_area.plan.municipality_id != self.municipality_id:
            raise ValidationError({"focus_area": _("Choose a focus area of the municipality's own plans.")})


class PublicPage(models.TextChoices):
    DASHBOARD = "dashboard"
    REPORT = "report"


class PageSnapshot(models.Model):
    """The public view of a municipality's dashboard or of one of its published annual reports, rendered ahead in
    one language (plans/read_model.py), so that the page reads it in one query instead of composing it.

    A row exists only while it is fresh: every write that changes what the page shows deletes it in the same
    transaction (read_model.forget()), and a background task renders it again after the commit (read_model.build()).
    A page that finds no row composes itself from live data, as readers with a role always do.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(max_length=16, choices=PublicPage)
    year = models.PositiveSmallIntegerField(null=True, blank=True)  # the report's year; None for the dashboard
    language = models.CharField(max_length=8)
    # What goes into the page's content block, exactly as the live path renders it.
    html = models.TextField()
    # The code, templates and translations it was rendered with (core.cache.release()): a deployment outdates it.
    release = models.CharField(max_length=64)
    # The dashboard reads today's date (the plan in force, the budget years, "published in the last year").
    valid_until = models.DateField()
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Serves the page's one query (municipality, page, year, language); read_model.build() replaces rows.
            models.UniqueConstraint(
                fields=["municipality", "page", "language"],
                condition=Q(year__isnull=True),
                name="plans_snapshot_one_dashboard_per_language",
            ),
            models.UniqueConstraint(
                fields=["municipality", "page", "year", "language"],
                condition=Q(year__isnull=False),
                name="plans_snapshot_one_report_per_language",
            ),
        ]

    def __str__(self):
        return f"{self.municipality_id} {self.page} {self.year or ''} {self.language}"


# --- Klimabudsjett ------------------------------------------------------------------------------------------------


class ClimateScope(models.TextChoices):
    TERRITORIAL = "territorial", _("Emissions in the municipality (Miljødirektoratet's inventory)")
    ORGANISATION = "organisation", _("The municipality's own organisation")
    BOTH = "both", _("Both")


class Sector(models.TextChoices):
    """The sectors of Miljødirektoratet's municipal inventory (2024 edition), and the municipality's own organisation.

    The value is the slug of the inventory's sector name: the sector's emissions are the indicator
    klimagassutslipp-<value> (indicators.importers.miljodir.sector_code()).
    """

    INDUSTRI = "industri-olje-og-gass", _("Industry, oil and gas")
    ENERGIFORSYNING = "energiforsyning", _("Energy supply")
    OPPVARMING = "oppvarming", _("Heating")
    VEITRAFIKK = "veitrafikk", _("Road traffic")
    SJOFART = "sjofart", _("Shipping")
    LUFTFART = "luftfart", _("Aviation")
    ANNEN_MOBIL = "annen-mobil-forbrenning", _("Other mobile combustion")
    JORDBRUK = "jordbruk", _("Agriculture")
    AVFALL = "avfall-og-avlop", _("Waste and wastewater")
    FLUORGASSER = "produkter-med-fluorgasser", _("Products with fluorinated gases")
    ORGANISATION = "egen-virksomhet", _("The municipality's own organisation")


class MeasureLevel(models.TextChoices):
    OWN = "own", _("The municipality's own")
    REGIONAL = "regional", _("Regional")
    NATIONAL = "national", _("National")


class EffectClass(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class MeasureStatus(models.TextChoices):
    DONE = "done", _("Completed")
    ON_TRACK = "on_track", _("On track")
    DELAYED = "delayed", _("Delayed")
    NOT_STARTED = "not_started", _("Not started")
    CHANGED = "changed", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


PERCENT = {"max_digits": 6, "decimal_places": 2}
TONNES = {"max_digits": 14, "decimal_places": 1}


class ClimateBudget(models.Model):
    """The klimabudsjett of one økonomiplan version: what it covers, the target, and the method.

    It is part of the økonomiplan: public when the version is adopted, rolled with it, changed with an explanation
    once adopted. Targets and frames are in per cent of the reference year's emissions, so a revision of
    Miljødirektoratet's inventory changes their tonnes, never their meaning.
    """

    plan = models.OneToOneField(Plan, verbose_name=_("økonomiplan"), on_delete=models.CASCADE, related_name="climate")
    scope = models.CharField(
        _("emissions covered"), max_length=20, choices=ClimateScope, default=ClimateScope.TERRITORIAL
    )
    reference_year = models.PositiveSmallIntegerField(
        _("reference year"), help_text=_("The year the target and the frames are measured from, e.g. 2009.")
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), help_text=_("The year the target is for."))
    target_percent = models.DecimalField(
        _("target cut (%)"),
        **PERCENT,
        help_text=_("The cut from the reference year by the target year, in per cent, e.g. 95."),
    )
    method_note = models.TextField(
        _("method"),
        blank=True,
        help_text=_("How the frames, the reference path and the effects were estimated, and what the inventory "
                    "does not capture."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("climate budget")
        verbose_name_plural = _("climate budgets")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_year__gt=F("reference_year")), name="plans_climate_target_after_reference"
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gte=0) & Q(target_percent__lte=100), name="plans_climate_target_percent"
            ),
        ]

    def __str__(self):
        return str(_("Climate budget of %(plan)s") % {"plan": self.plan})

    def clean(self):
        errors = {}
        if self.reference_year and self.target_year and self.target_year <= self.reference_year:
            errors["target_year"] = _("The target year must come after the reference year.")
        if self.target_percent is not None and not 0 <= self.target_percent <= 100:
            errors["target_percent"] = _("The target is a cut between 0 and 100 per cent.")
        if errors:
            raise ValidationError(errors)


class InterimTarget(models.Model):
    """A milestone on the way: the cut from the reference year to reach by a year, in per cent."""

    budget = models.ForeignKey(ClimateBudget, on_delete=models.CASCADE, related_name="interim_targets")
    year = models.PositiveSmallIntegerField(_("year"))
    percent = models.DecimalField(_("cut (%)"), **PERCENT)

    class Meta:
        verbose_name = _("interim target")
        verbose_name_plural = _("interim targets")
        ordering = ["budget", "year"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "year"], name="plans_interim_target_once"),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="plans_interim_target_percent"
            ),
        ]

    def __str__(self):
        return f"{self.year}: {self.percent} %"


class ClimateSector(models.Model):
    """A sector the budget sets frames for, with the source of its reference path ("no new measures")."""

    budget = models.ForeignKey(ClimateBudget, on_delete=models.CASCADE, related_name="sectors")
    sector = models.CharField(_("sector"), max_length=40, choices=Sector)
    reference_source = models.CharField(
        _("source of the reference path"),
        max_length=SOURCE_LENGTH,
        blank=True,
        help_text=_("Where the path without new measures comes from, e.g. Miljødirektoratet's projection."),
    )

    class Meta:
        verbose_name = _("climate budget sector")
        verbose_name_plural = _("climate budget sectors")
        ordering = ["budget", "sector"]
        constraints = [models.UniqueConstraint(fields=["budget", "sector"], name="plans_climate_sector_once")]

    def __str__(self):
        return self.get_sector_display()


class SectorYear(models.Model):
    """A sector's frame and reference path for one year, in per cent of the sector's reference-year emissions."""

    sector = models.ForeignKey(ClimateSector, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    frame_percent = models.DecimalField(
        _("frame, per cent of the reference year"),
        **PERCENT,
        null=True,
        blank=True,
        help_text=_("The most the sector may emit this year, in per cent of its reference-year emissions."),
    )
    reference_percent = models.DecimalField(
        _("reference path, per cent of the reference year"),
        **PERCENT,
        null=True,
        blank=True,
        help_text=_("What the sector would emit this year without new measures, in per cent of the reference year."),
    )

    class Meta:
        verbose_name = _("sector year")
        verbose_name_plural = _("sector years")
        ordering = ["sector", "year"]
        constraints = [
            models.UniqueConstraint(fields=["sector", "year"], name="plans_sector_year_once"),
            models.CheckConstraint(
                condition=(Q(frame_percent__isnull=True) | Q(frame_percent__gte=0))
                & (Q(reference_percent__isnull=True) | Q(reference_percent__gte=0)),
                name="plans_sector_year_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.sector} {self.year}"


class ClimateMeasure(models.Model):
    """A klimatiltak of the budget: what cuts where, whose it is, what it costs, what it is expected to cut."""

    budget = models.ForeignKey(ClimateBudget, on_delete=models.CASCADE, related_name="measures")
    number = models.CharField(_("number"), max_length=20, help_text=_("The measure's number in the budget, e.g. T3."))
    title = models.CharField(_("measure"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    sector = models.CharField(_("sector"), max_length=40, choices=Sector)
    emission_source = models.CharField(
        _("emission source"), max_length=200, blank=True, help_text=_("The inventory's source, e.g. Personbiler.")
    )
    level = models.CharField(_("whose measure"), max_length=10, choices=MeasureLevel, default=MeasureLevel.OWN)
    responsible_unit = models.CharField(_("responsible unit"), max_length=200, blank=True)
    project = models.ForeignKey(
        StrategicProject,
        verbose_name=_("strategic project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="climate_measures",
        help_text=_("The project whose budget lines pay for the measure: its cost is read from them."),
    )
    effect_class = models.CharField(
        _("effect class"),
        max_length=10,
        choices=EffectClass,
        blank=True,
        help_text=_("When the cut cannot be put in tonnes: low, medium or high."),
    )
    captured_by_inventory = models.BooleanField(
        _("the inventory captures it"),
        default=True,
        help_text=_("Whether Miljødirektoratet's inventory will show the cut."),
    )
    co_benefits = models.TextField(_("co-benefits"), blank=True, help_text=_("E.g. cleaner air, less noise."))
    result_indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("result indicator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="climate_measures",
        help_text=_("What shows the measure is carried out, e.g. the share of zero-emission construction sites."),
    )
    good_examples = models.ManyToManyField(
        GoodExample,
        verbose_name=_("good examples"),
        blank=True,
        related_name="climate_measures",
        help_text=_("Published good examples that tell how the measure was carried out."),
    )
    is_example = models.BooleanField(
        _("example"), default=False, help_text=_("Invented to show how the portal works; not a real measure.")
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("same measure in the previous version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="later_versions",
    )

    class Meta:
        verbose_name = _("climate measure")
        verbose_name_plural = _("climate measures")
        ordering = ["budget", "number", "pk"]
        constraints = [models.UniqueConstraint(fields=["budget", "number"], name="plans_climate_measure_number_once")]

    def __str__(self):
        return f"{self.number} {self.title}"


class MeasureYear(models.Model):
    """A measure's plan for one year: the cut expected (tonnes CO₂-eq.) and the result indicator's target."""

    measure = models.ForeignKey(ClimateMeasure, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    cut = models.DecimalField(_("expected cut (tonnes CO₂-eq.)"), **TONNES, null=True, blank=True)
    cut_low = models.DecimalField(_("low estimate"), **TONNES, null=True, blank=True)
    cut_high = models.DecimalField(_("high estimate"), **TONNES, null=True, blank=True)
    result_target = models.DecimalField(_("target for the result indicator"), **TONNES, null=True, blank=True)

    class Meta:
        verbose_name = _("measure year")
        verbose_name_plural = _("measure years")
        ordering = ["measure", "year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "year"], name="plans_measure_year_once"),
            models.CheckConstraint(
                condition=(Q(cut__isnull=True) | Q(cut__gte=0))
                & (Q(cut_low__isnull=True) | (Q(cut__isnull=False) & Q(cut_low__lte=F("cut"))))
                & (Q(cut_high__isnull=True) | (Q(cut__isnull=False) & Q(cut_high__gte=F("cut")))),
                name="plans_measure_year_cut_range",
            ),
        ]

    def __str__(self):
        return f"{self.measure} {self.year}"

    @property
    def counted_cut(self) -> Decimal | None:
        """The cut that counts against the sector's reference path: the high estimate, else the central one."""
        return self.cut_high if self.cut_high is not None else self.cut

    def clean(self):
        errors = {}
        if self.cut is not None and self.cut < 0:
            errors["cut"] = _("The expected cut is in tonnes and cannot be negative.")
        if self.cut_low is not None and (self.cut is None or self.cut_low > self.cut):
            errors["cut_low"] = _("The low estimate cannot be above the central one.")
        if self.cut_high is not None and (self.cut is None or self.cut_high < self.cut):
            errors["cut_high"] = _("The high estimate cannot be below the central one.")
        if errors:
            raise ValidationError(errors)


class MeasureReport(models.Model):
    """How a measure went in a year, through the reporting round: draft → submitted → approved → published.

    The public reads the published copy, which stays while a revision is drafted and approved.
    Only plans.climate.move_reports() and save_report() write it.
    """

    measure = models.ForeignKey(ClimateMeasure, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus)
    explanation = models.TextField(_("explanation"), blank=True)
    result_value = models.DecimalField(_("result indicator's figure"), **TONNES, null=True, blank=True)
    workflow = models.CharField(_("reporting step"), max_length=12, choices=ReportStatus, default=ReportStatus.DRAFT)
    review_comment = models.TextField(_("reason for returning"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    published_status = models.CharField(
        _("published status"), max_length=12, choices=MeasureStatus, blank=True, editable=False
    )
    published_explanation = models.TextField(_("published explanation"), blank=True, editable=False)
    published_result = models.DecimalField(_("published figure"), **TONNES, null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("last published"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("measure report")
        verbose_name_plural = _("measure reports")
        ordering = ["measure", "year"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "year"], name="plans_measure_report_once"),
            models.CheckConstraint(
                condition=~Q(workflow="published") | Q(published_at__isnull=False),
                name="plans_measure_report_published_has_version",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True, published_status="")
                | (Q(published_at__isnull=False) & ~Q(published_status="")),
                name="plans_measure_report_published_consistent",
            ),
        ]
        indexes = [
            # Serves the public page and the report chapter: a year's reports of a budget's measures.
            models.Index(fields=["year", "measure"], name="plans_measure_report_year"),
        ]

    def __str__(self):
        return f"{self.measure} {self.year}: {self.get_status_display()}"


class MeasureReportRevision(models.Model):
    """One change to a measure's yearly report: who, when, the status, figure and step it got, and why."""

    report = models.ForeignKey(MeasureReport, on_delete=models.CASCADE, related_name="revisions")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus)
    explanation = models.TextField(_("explanation"), blank=True)
    result_value = models.DecimalField(_("result indicator's figure"), **TONNES, null=True, blank=True)
    workflow = models.CharField(_("reporting step"), max_length=12, choices=ReportStatus)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("measure report revision")
        verbose_name_plural = _("measure report revisions")
        ordering = ["report", "changed_at", "pk"]

    def __str__(self):
        return f"{self.report} @ {self.changed_at:%Y-%m-%d %H:%M}"


class ClimateImport(models.Model):
    """A measures spreadsheet a planner uploaded (the portal's XLSX template): kept as sent, so every measure and
    status it wrote can be traced to its file."""

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    budget = models.ForeignKey(
        ClimateBudget, verbose_name=_("climate budget"), on_delete=models.CASCADE, related_name="imports"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    confirmed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)

    class Meta:
        verbose_name = _("climate measures import")
        verbose_name_plural = _("climate measures imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.filename} ({self.uploaded_at:%Y-%m-%d %H:%M})"
