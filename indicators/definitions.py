"""Coordinators and administrators define the indicators in the portal: a list, a new indicator, and each
indicator's definition with its history.

Every change goes through indicators.services.save_indicator(), which records who changed which field, before and
after, and why. A change that alters published figures (their unit, how they are computed, the factor) or the
verdicts of goals (the desired direction) is shown with what it alters, and saved only once the editor confirms it.
"""

import copy
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from indicators.access import Access, access_for
from indicators.models import Indicator, IndicatorChange, ValueState
from indicators.services import DefinitionImpact, definition_impact, save_indicator

HISTORY_ENTRIES = 200
# Addresses under rapportering/indikatorer/ that an indicator's code cannot take.
RESERVED_CODES = {"ny"}


NUMBER_FIELDS = ["per_inhabitant_factor", "max_change", "plausible_min", "plausible_max"]


def plain_decimal(value: Decimal) -> Decimal:
    """The number without the zeros its stored decimal places add (and never in exponent form)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


class IndicatorDefinitionForm(forms.ModelForm):
    """An indicator's definition; the code is chosen once, when the indicator is created."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the indicator's history with each field you change."),
    )
    source_url = forms.URLField(
        label=capfirst(gettext_lazy("source address")), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Indicator
        fields = [
            "code", "name_nb", "name_nn", "name_en", "description_nb", "description_nn", "description_en",
            "unit", "computation", "amount_unit", "per_inhabitant_factor", "direction", "bottom_line",
            "source", "source_url", "order", "max_change", "plausible_min", "plausible_max",
        ]  # fmt: skip
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in ("description_nb", "description_nn", "description_en")
        }
        # Shown and read in the page's number format: "1 000" and "0,3" in Norwegian.
        localized_fields = NUMBER_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in NUMBER_FIELDS:
            # As typed, not as stored: 1000.000000 is shown as 1 000, 0.300000 as 0,3.
            if isinstance(self.initial.get(name), Decimal):
                self.initial[name] = plain_decimal(self.initial[name])
        if self.instance.pk:
            del self.fields["code"]  # addresses, imports and downloads name the indicator by it
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _(
                "Say why the definition changes: it is kept in the indicator's history."
            )

    def clean_code(self):
        code = self.cleaned_data["code"]
        if code in RESERVED_CODES:
            raise forms.ValidationError(_("This code is taken by the portal's own addresses; choose another."))
        return code

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()


def _access(request) -> Access:
    access = access_for(request.user)
    if not access.manages_indicators:
        raise PermissionDenied
    return access


@login_required
def indicator_list(request):
    """Every indicator the user may define, with how many figures are published and when it last changed."""
    access = _access(request)
    indicators = Indicator.objects.select_related("owner").annotate(
        published=Count("values", filter=Q(values__published_at__isnull=False)),
        last_changed=Subquery(
            IndicatorChange.objects.filter(indicator=OuterRef("pk")).order_by("-changed_at").values("changed_at")[:1]
        ),
    )
    if not access.is_superuser:
        indicators = indicators.filter(Q(owner__isnull=True) | Q(owner__in=access.coordinated))
    return render(request, "indicators/definitions/list.html", {"indicators": indicators})


@login_required
def indicator_create(request):
    _access(request)
    form = IndicatorDefinitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        indicator = form.save(commit=False)
        save_indicator(indicator, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("The indicator “%(name)s” was created.") % {"name": indicator.name})
        return redirect("indicator_definition", indicator.code)
    if request.method == "POST":
        messages.error(request, _("Nothing was saved. Correct the fields marked below."))
    return render(request, "indicators/definitions/form.html", {"form": form, "indicator": None})


def _confirmation(impact: DefinitionImpact, indicator: Indicator) -> str:
    """What the editor confirms: the changed fields' new values, so a different change is asked about again."""
    names = [*impact.fields, *(["direction"] if impact.direction_changes else [])]
    return ";".join(f"{name}={getattr(indicator, name)}" for name in names)


@login_required
def indicator_edit(request, code: str):
    """An indicator's definition and its history; a change that alters published figures is confirmed first."""
    access = _access(request)
    indicator = get_object_or_404(Indicator.objects.select_related("owner"), code=code)
    if not access.can_define(indicator):
        raise PermissionDenied
    stored = copy.copy(indicator)  # the form changes the instance it edits
    form = IndicatorDefinitionForm(request.POST or None, instance=indicator)
    impact = None
    if request.method == "POST" and form.is_valid():
        impact = definition_impact(stored, indicator)
        confirmation = _confirmation(impact, indicator)
        if not impact or request.POST.get("confirmed") == confirmation:
            changes = save_indicator(indicator, user=request.user, reason=form.cleaned_data["reason"])
            if changes:
                message = ngettext(
                    "Saved. %(count)s change is recorded in the history.",
                    "Saved. %(count)s changes are recorded in the history.",
                    len(changes),
                )
                messages.success(request, message % {"count": len(changes)})
            else:
                messages.info(request, _("Nothing changed, so nothing was saved."))
            return redirect("indicator_definition", indicator.code)
    elif request.method == "POST":
        messages.error(request, _("Nothing was saved. Correct the fields marked below."))
    published = stored.values.published().filter(published_state=ValueState.REPORTED).count()
    history = list(stored.changes.select_related("changed_by")[:HISTORY_ENTRIES])
    return render(
        request,
        "indicators/definitions/form.html",
        {
            "form": form,
            "indicator": stored,
            "impact": impact,
            "confirmation": _confirmation(impact, indicator) if impact else "",
            "published": published,
            "history": history,
        },
    )
