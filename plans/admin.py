from django.contrib import admin

from plans.models import FocusArea, Goal, GoalIndicator, Plan, StrategicProject


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
