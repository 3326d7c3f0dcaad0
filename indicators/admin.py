from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from indicators import grants
from indicators.access import access_for
from indicators.grants import AccessRefused
from indicators.models import (
    AccessChange,
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Municipality,
    MunicipalityCode,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    PeerGroup,
    PeerGroupMembership,
    Reminder,
    ReminderSetting,
    ReportingRound,
    RoundReporter,
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


def _login_url(request) -> str:
    return request.build_absolute_uri(reverse("login"))


class MembershipFormSet(forms.BaseInlineFormSet):
    """The network's memberships as they will be: each possible, and no two of one municipality overlapping."""

    def clean(self):
        super().clean()
        periods = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("municipality") or not data.get("joined"):
                continue
            municipality, joined, left = data["municipality"], data["joined"], data.get("left")
            try:
                grants.check_dates(municipality, joined, left)
            except AccessRefused as refused:
                form.add_error(None, str(refused))
                continue
            for other_joined, other_left in periods.get(municipality, []):
                if (left is None or left >= other_joined) and (other_left is None or other_left >= joined):
                    form.add_error(
                        None,
                        gettext("%(municipality)s is already a member of the network in that period.")
                        % {"municipality": municipality.name},
                    )
            periods.setdefault(municipality, []).append((joined, left))


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["municipality"]


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [NetworkMembershipInline]

    def save_formset(self, request, form, formset, change):
        """Members are added, changed and removed through indicators.grants, so every change is recorded."""
        if formset.model is not NetworkMembership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sorts the rows into new, changed and deleted; writes nothing
        by = request.user
        try:
            with transaction.atomic():
                for membership in formset.deleted_objects:
                    grants.delete_membership(by=by, membership=membership)
                for membership, _fields in formset.changed_objects:
                    stored = NetworkMembership.objects.select_related("network", "municipality").get(pk=membership.pk)
                    if stored.municipality_id != membership.municipality_id:
                        grants.delete_membership(by=by, membership=stored)
                        grants.add_member(
                            by=by,
                            network=stored.network,
                            municipality=membership.municipality,
                            joined=membership.joined,
                            left=membership.left,
                        )
                    else:
                        grants.change_membership(
                            by=by, membership=stored, joined=membership.joined, left=membership.left
                        )
                for membership in formset.new_objects:
                    grants.add_member(
                        by=by,
                        network=form.instance,
                        municipality=membership.municipality,
                        joined=membership.joined,
                        left=membership.left,
                    )
        except AccessRefused as refused:
            self.message_user(
                request, gettext("The members were not changed: %(reason)s") % {"reason": refused}, messages.ERROR
            )


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


class GrantAdmin(admin.ModelAdmin):
    """A role given and withdrawn through indicators.grants, as on the portal: checked, recorded and told.

    A role is never edited: one is withdrawn and another given. Subclasses say how to check, give and withdraw one.
    """

    def get_readonly_fields(self, request, obj=None):
        return self.fields_shown if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        check = self.check_grant

        class Checked(form):
            def clean(self):
                cleaned = super().clean()
                if not self.errors:
                    try:
                        check(request.user, cleaned)
                    except AccessRefused as refused:
                        raise forms.ValidationError(str(refused)) from None
                return cleaned

        return Checked

    def has_delete_permission(self, request, obj=None):
        # Nobody withdraws her own role (indicators.grants); the bulk action skips it with a message.
        return super().has_delete_permission(request, obj) and (obj is None or obj.user_id != request.user.pk)

    def save_model(self, request, obj, form, change):
        if change:  # every field is read-only on an existing role: nothing to save
            return
        obj.pk = self.grant(request, obj).pk

    def delete_model(self, request, obj):
        self.withdraw(request, obj)

    def delete_queryset(self, request, queryset):
        refused = []
        for obj in queryset:
            try:
                self.withdraw(request, obj)
            except AccessRefused as refusal:
                refused.append(str(refusal))
        for reason in dict.fromkeys(refused):
            self.message_user(request, reason, messages.ERROR)


@admin.register(MunicipalityRole)
class MunicipalityRoleAdmin(GrantAdmin):
    """Roles are given here: a user may be planner, approver or reader in several municipalities."""

    list_display = ["user", "role", "municipality"]
    list_filter = ["role", "municipality"]
    search_fields = ["user__username", "municipality__name"]
    autocomplete_fields = ["municipality"]
    fields_shown = ["user", "municipality", "role"]

    @staticmethod
    def check_grant(by, cleaned):
        if cleaned.get("user") and cleaned.get("municipality"):
            grants.check_role(by, cleaned["user"], cleaned["municipality"], granting=True)

    def grant(self, request, obj):
        grants.grant_role(
            by=request.user, user=obj.user, municipality=obj.municipality, role=obj.role, login_url=_login_url(request)
        )
        return MunicipalityRole.objects.get(user=obj.user, municipality=obj.municipality, role=obj.role)

    def withdraw(self, request, obj):
        grants.withdraw_role(by=request.user, role=obj, login_url=_login_url(request))


@admin.register(NetworkCoordinator)
class NetworkCoordinatorAdmin(GrantAdmin):
    list_display = ["user", "network"]
    fields_shown = ["user", "network"]

    @staticmethod
    def check_grant(by, cleaned):
        if cleaned.get("user"):
            grants.check_coordinator(by, cleaned["user"])

    def grant(self, request, obj):
        grants.grant_coordinator(by=request.user, user=obj.user, network=obj.network, login_url=_login_url(request))
        return NetworkCoordinator.objects.get(user=obj.user, network=obj.network)

    def withdraw(self, request, obj):
        grants.withdraw_coordinator(by=request.user, coordinator=obj, login_url=_login_url(request))


class RecordAdmin(admin.ModelAdmin):
    """A record the portal writes (who changed what, what was uploaded, what a source published): read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessChange)
class AccessChangeAdmin(RecordAdmin):
    """The record of every grant and withdrawal: read-only (also on the portal, under Tilganger)."""

    list_display = ["changed_at", "changed_by", "action", "what", "user", "municipality", "network", "before", "after"]
    list_filter = ["what", "action"]
    search_fields = ["user__username", "changed_by__username", "municipality__name", "network__name"]
    list_select_related = ["changed_by", "user", "municipality", "network"]


@admin.register(ValueImport)
class ValueImportAdmin(RecordAdmin):
    """Uploaded spreadsheets are evidence of where figures came from: read-only."""

    list_display = ["filename", "municipality", "year", "uploaded_by", "uploaded_at", "confirmed_at", "rows"]
    list_filter = ["municipality", "year"]
    exclude = ["content"]


class RoundReporterInline(admin.TabularInline):
    model = RoundReporter
    extra = 0
    autocomplete_fields = ["municipality", "user"]


@admin.register(ReportingRound)
class ReportingRoundAdmin(admin.ModelAdmin):
    """A network's reporting rounds. Coordinators open and close them in the portal (Min rapportering); closing here
    freezes the figures the same way, since the freeze reads closed_at."""

    list_display = ["network", "year", "deadline", "opened_by", "opened_at", "closed_at", "closed_by"]
    list_filter = ["network", "year"]
    list_select_related = ["network", "opened_by", "closed_by"]
    filter_horizontal = ["indicators"]
    readonly_fields = ["opened_by", "opened_at"]
    inlines = [RoundReporterInline]

    def save_model(self, request, obj, form, change):
        if obj.opened_by_id is None:
            obj.opened_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminders sent: the record that keeps anyone from being reminded twice. Read-only."""

    list_display = ["sent_at", "kind", "user", "municipality", "round"]
    list_filter = ["kind", "round"]
    search_fields = ["user__username", "municipality__name"]
    list_select_related = ["user", "municipality", "round__network"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderSetting)
class ReminderSettingAdmin(admin.ModelAdmin):
    """Who has turned the reminders off, and when: each user changes her own on Mine påminnelser."""

    list_display = ["user", "enabled", "changed_at"]
    list_filter = ["enabled"]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PeerGroupMembershipInline(admin.TabularInline):
    model = PeerGroupMembership
    fields = readonly_fields = ["municipality", "valid_from"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PeerGroup)
class PeerGroupAdmin(RecordAdmin):
    """KOSTRA groups come from SSB's file (Rapportering → KOSTRA-grupper), so that every group is traceable to it:
    read-only here."""

    list_display = ["code", "name", "valid_from", "valid_to", "is_example", "data_import"]
    list_filter = ["valid_from", "is_example"]
    inlines = [PeerGroupMembershipInline]
