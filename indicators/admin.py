from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from indicators.access import access_for
from indicators.models import (
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Municipality,
    MunicipalityCode,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    ValueImport,
    ValueRevision,
    ValueStatus,
)
from indicators.services import DEFINITION_FIELDS, change_status, save_indicator, save_value


class MunicipalityCodeInline(admin.TabularInline):
    model = MunicipalityCode
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "language_form", "established", "dissolved", "successor"]
    list_filter = ["language_form", ("dissolved", admin.EmptyFieldListFilter)]
    search_fields = ["name", "codes__code", "codes__name"]
    autocomplete_fields = ["successor"]
    inlines = [MunicipalityCodeInline]


@admin.register(MunicipalityCode)
class MunicipalityCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valid_from", "valid_to", "municipality"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["municipality"]


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkMembershipInline]


class IndicatorChangeInline(admin.TabularInline):
    """The definition's history, as the portal's indicator page shows it: written only by save_indicator()."""

    model = IndicatorChange
    extra = 0
    can_delete = False
    fields = readonly_fields = ["changed_at", "changed_by", "field", "old", "new", "reason"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class IndicatorForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        help_text=_("Kept in the indicator's history with each field you change."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Read without a scheme as https, as formfield_overrides does for the admin's generated fields.
    source_url = forms.URLField(
        label=capfirst(_("source address")), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Indicator
        fields = DEFINITION_FIELDS

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.has_changed() and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the definition changes: it is kept in the indicator's history."))
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    form = IndicatorForm
    # An address typed without a scheme is read as https, as Django 6 will; the portal's own forms do the same.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["code", "name_nb", "unit", "computation", "direction", "bottom_line", "source"]
    list_filter = ["computation", "direction", "bottom_line"]
    search_fields = ["code", "name_nb", "name_nn", "name_en"]
    inlines = [IndicatorChangeInline]

    def save_model(self, request, obj, form, change):
        # Through the one service that records every change of the definition (who, when, before, after, why).
        save_indicator(obj, user=request.user, reason=form.cleaned_data["reason"].strip())


class ValueRevisionInline(admin.TabularInline):
    model = ValueRevision
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "changed_at",
        "changed_by",
        "old_value",
        "new_value",
        "old_state",
        "new_state",
        "old_status",
        "new_status",
        "source",
        "reason",
    ]

    def has_add_permission(self, request, obj=None):
        return False


class IndicatorValueForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("Reason for the change"),
        help_text=_("Saved in the value's history, e.g. “Corrected after SSB's revision in June”."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = IndicatorValue
        # Not the status: a value moves between statuses only through change_status() (the publish action).
        fields = ["indicator", "municipality", "year", "value", "state", "source", "is_sample", "comment"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    form = IndicatorValueForm
    list_display = ["indicator", "municipality", "year", "value", "state", "status", "is_sample", "changed_at"]
    list_filter = ["status", "state", "is_sample", "indicator", "year"]
    search_fields = ["municipality__name", "indicator__code"]
    list_select_related = ["indicator", "municipality"]
    autocomplete_fields = ["municipality", "indicator"]
    readonly_fields = ["status", "first_published_at", "published_at", "changed_by", "changed_at"]
    inlines = [ValueRevisionInline]
    actions = ["publish"]

    def get_readonly_fields(self, request, obj=None):
        # What a stored value is the figure of stays put: moving a published figure to another indicator,
        # municipality or year would publish it there without anyone approving it.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "indicator", "municipality", "year"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        # Every change goes through the service so it leaves a revision row; a changed figure goes back to draft.
        save_value(obj, user=request.user, reason=form.cleaned_data["reason"])

    @admin.action(description=_("Publish the selected approved values"), permissions=["change"])
    def publish(self, request, queryset):
        """Publish what the user could publish in the reporting round: approved values of municipalities she approves."""
        access = access_for(request.user)
        publishable = queryset.filter(status=ValueStatus.APPROVED)
        if not access.is_superuser:
            publishable = publishable.filter(municipality_id__in=[m for m in access.roles if access.can_approve(m)])
        chosen = queryset.exclude(status=ValueStatus.PUBLISHED).count()
        moved = change_status(
            values=publishable, status=ValueStatus.PUBLISHED, user=request.user, reason=gettext("Published")
        )
        if moved:
            message = ngettext("Published %(count)s value.", "Published %(count)s values.", moved)
            self.message_user(request, message % {"count": moved}, messages.SUCCESS)
        if chosen > moved:
            message = ngettext(
                "%(count)s chosen value was not published: only an approver of its municipality can publish it, "
                "once it is approved.",
                "%(count)s chosen values were not published: only an approver of their municipality can publish "
                "them, once they are approved.",
                chosen - moved,
            )
            self.message_user(request, message % {"count": chosen - moved}, messages.WARNING)

    def has_delete_permission(self, request, obj=None):
        # A value is never deleted: its history must stay traceable. Mark it missing instead.
        return False


@admin.register(MunicipalityRole)
class MunicipalityRoleAdmin(admin.ModelAdmin):
    """Roles are given here: a user may be planner, approver or reader in several municipalities."""

    list_display = ["user", "role", "municipality"]
    list_filter = ["role", "municipality"]
    search_fields = ["user__username", "municipality__name"]
    autocomplete_fields = ["municipality"]


@admin.register(NetworkCoordinator)
class NetworkCoordinatorAdmin(admin.ModelAdmin):
    list_display = ["user", "network"]


@admin.register(ValueImport)
class ValueImportAdmin(admin.ModelAdmin):
    """Uploaded spreadsheets are evidence of where figures came from: read-only."""

    list_display = ["filename", "municipality", "year", "uploaded_by", "uploaded_at", "confirmed_at", "rows"]
    list_filter = ["municipality", "year"]
    exclude = ["content"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
