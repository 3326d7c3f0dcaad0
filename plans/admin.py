"""The admin of the plan chain: plans, focus areas, goals, projects, reports and good examples."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from indicators.access import access_for
from indicators.admin import RecordAdmin
from plans.forms import ExampleImageField
from plans.models import (
    AnnualReport,
    ClimateBudget,
    ClimateImport,
    ClimateMeasure,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    MeasureReport,
    Plan,
    ReportText,
    StrategicProject,
)
from plans.services import set_example_status


class FocusAreaInline(admin.TabularInline):
    model = FocusArea
    extra = 0


class StrategicProjectInline(admin.StackedInline):
    model = StrategicProject
    extra = 0
    filter_horizontal = ["focus_areas"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "plan_type", "period_start", "period_end", "status", "adopted_on"]
    list_filter = ["plan_type", "status"]
    search_fields = ["title", "municipality__name", "decision_reference"]
    autocomplete_fields = ["municipality", "parent"]
    # An address typed without a scheme is read as https, as Django 6 will; the portal's own forms do the same.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Adopting is one path: the plan page's "Adopt", which logs the decision and retires the earlier versions.
    readonly_fields = ["status", "adopted_on", "decision_reference"]
    inlines = [FocusAreaInline, StrategicProjectInline]

    def get_readonly_fields(self, request, obj=None):
        # A plan stays its municipality's: moved, an adopted plan would be in force where no one adopted it.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "municipality"] if obj is not None else fields


class GoalInline(admin.StackedInline):
    model = Goal
    extra = 0


@admin.register(FocusArea)
class FocusAreaAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "order"]
    search_fields = ["title", "plan__title"]
    inlines = [GoalInline]


class GoalIndicatorInline(admin.TabularInline):
    model = GoalIndicator
    extra = 0
    autocomplete_fields = ["indicator"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "focus_area"]
    search_fields = ["title"]
    inlines = [GoalIndicatorInline]


@admin.register(StrategicProject)
class StrategicProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "responsible_unit", "first_budget_year", "last_budget_year"]
    search_fields = ["title", "responsible_unit"]
    filter_horizontal = ["focus_areas"]


class ReportTextInline(admin.StackedInline):
    """Texts are written in the portal, where every save is recorded; the admin only shows them."""

    model = ReportText
    extra = 0
    can_delete = False
    fields = ["kind", "focus_area", "indicator", "project", "body", "published_body", "changed_by", "changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "first_published_at", "published_at", "published_by"]
    list_filter = ["year"]
    search_fields = ["municipality__name"]
    autocomplete_fields = ["municipality"]
    readonly_fields = ["first_published_at", "published_at", "published_by"]
    inlines = [ReportTextInline]

    def get_readonly_fields(self, request, obj=None):
        # A report stays its municipality's and its year's: moved, a published report would be published elsewhere.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "municipality", "year"] if obj is not None else fields


@admin.register(GoodExample)
class GoodExampleAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "year", "status", "published_at"]
    list_filter = ["status", "year"]
    search_fields = ["title", "text", "municipality__name"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["indicators"]
    # Not the status: an example moves between statuses only through set_example_status() (the publish action).
    readonly_fields = ["status", "created_by", "created_at", "changed_by", "changed_at", "published_at"]
    actions = ["publish"]
    # The image is checked and encoded again from its pixels, as on the portal's own form.
    formfield_overrides = {models.ImageField: {"form_class": ExampleImageField}}

    def get_readonly_fields(self, request, obj=None):
        # An example stays its municipality's: moved, a published example would be published for another one.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "municipality"] if obj is not None else fields

    def has_change_permission(self, request, obj=None):
        # As on the portal, only a draft is changed: a submitted or published text changes once it is returned,
        # so nothing reaches the public without the coordinator publishing it.
        if obj is not None and obj.status != ExampleStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Publish the selected submitted examples"), permissions=["change"])
    def publish(self, request, queryset):
        """Publish what the coordinator could publish on the portal: submitted examples of her network's members."""
        access = access_for(request.user)
        chosen = list(queryset.exclude(status=ExampleStatus.PUBLISHED))
        publishable = [
            example
            for example in chosen
            if example.status == ExampleStatus.SUBMITTED and access.can_coordinate(example.municipality_id)
        ]
        for example in publishable:
            set_example_status(example=example, status=ExampleStatus.PUBLISHED, user=request.user)
        if publishable:
            message = ngettext("Published %(count)s example.", "Published %(count)s examples.", len(publishable))
            self.message_user(request, message % {"count": len(publishable)}, messages.SUCCESS)
        if len(chosen) > len(publishable):
            left = len(chosen) - len(publishable)
            message = ngettext(
                "%(count)s chosen example was not published: only a coordinator of its network can publish it, "
                "once it is submitted.",
                "%(count)s chosen examples were not published: only a coordinator of their network can publish "
                "them, once they are submitted.",
                left,
            )
            self.message_user(request, message % {"count": left}, messages.WARNING)


# The climate budget is written in the portal, where its checks run and every change is logged on the plan and in the
# reports' history: here it is read-only.
@admin.register(ClimateBudget)
class ClimateBudgetAdmin(RecordAdmin):
    list_display = ["plan", "scope", "reference_year", "target_year", "target_percent"]
    list_select_related = ["plan__municipality"]
    search_fields = ["plan__title", "plan__municipality__name"]


@admin.register(ClimateMeasure)
class ClimateMeasureAdmin(RecordAdmin):
    list_display = ["number", "title", "sector", "level", "budget", "is_example"]
    list_filter = ["sector", "level", "is_example"]
    list_select_related = ["budget__plan"]
    search_fields = ["number", "title", "budget__plan__municipality__name"]


@admin.register(MeasureReport)
class MeasureReportAdmin(RecordAdmin):
    list_display = ["measure", "year", "status", "workflow", "published_status", "published_at", "changed_by"]
    list_filter = ["year", "status", "workflow"]
    list_select_related = ["measure", "changed_by"]


@admin.register(ClimateImport)
class ClimateImportAdmin(RecordAdmin):
    list_display = ["filename", "budget", "year", "uploaded_by", "uploaded_at", "confirmed_at", "rows"]
    list_select_related = ["budget__plan", "uploaded_by"]
    exclude = ["content"]
