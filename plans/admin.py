"""The admin of the plan chain: plans, focus areas, goals, projects, reports and good examples."""

from django.contrib import admin

from plans.models import (
    AnnualReport,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    Plan,
    ReportText,
    StrategicProject,
)


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
    inlines = [FocusAreaInline, StrategicProjectInline]


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


@admin.register(GoodExample)
class GoodExampleAdmin(admin.ModelAdmin):
    list_display = ["title", "municipality", "year", "status", "published_at"]
    list_filter = ["status", "year"]
    search_fields = ["title", "text", "municipality__name"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["indicators"]
    readonly_fields = ["created_by", "created_at", "changed_by", "changed_at", "published_at"]
