"""Forms for the annual report's texts and the good examples."""

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core import images
from indicators.models import FIRST_YEAR, Indicator, ValueStatus
from indicators.numbers import choice_label, format_number, unit_suffix
from indicators.series import recorded_figures
from plans.models import FocusArea, Goal, GoodExample, Plan, PlanType, StrategicProject

MAX_TEXT_LENGTH = 10_000
MARKDOWN_HELP = gettext_lazy(
    "Markdown: a blank line starts a new paragraph; **bold**, *italic*, lines starting with - make a list, "
    "[text](https://…) a link. HTML is shown as text."
)


class ReportTextsForm(forms.Form):
    """One Markdown field per text of the report, keyed as ReportText.key; the places come from the caller."""

    # When the writer opened the texts: a text someone else saved after that is a conflict (see save_report_texts).
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, places: list[tuple[str, str, str]], **kwargs):
        """places: (key, label, current text) for every text the report has room for."""
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = timezone.now()
        for key, label, current in places:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                initial=current,
                max_length=MAX_TEXT_LENGTH,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 4 if key == "introduction" else 3, "data-markdown": ""}),
                help_text=MARKDOWN_HELP if key == "introduction" else "",
            )


class ExampleImageField(forms.ImageField):
    """A good example's image, taken within the size and pixel limits and encoded again from its pixels alone
    (core.images.reencode): what is stored and served carries no EXIF, GPS position or camera, stands upright, and
    is named by what it is (image.jpg, .png or .webp), not by what the uploader called it."""

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)  # not ImageField's: it decodes before the limits are checked
        if upload is None:
            return None
        limit = settings.LIVSKRAFT_MAX_IMAGE_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("The image is %(size)s MB; the largest image the portal takes is %(limit)s MB.")
                % {"size": format_number(upload.size / 2**20, 1), "limit": format_number(limit / 2**20, 0)},
                code="file_size",
            )
        pixels, side = settings.LIVSKRAFT_MAX_IMAGE_PIXELS, settings.LIVSKRAFT_MAX_IMAGE_SIDE
        try:
            clean = images.reencode(upload, max_pixels=pixels, max_side=side)
        except images.ImageRefused as refused:
            if refused.code == "pixels":
                message = _(
                    "The image has too many pixels. The portal takes images of at most %(megapixels)s megapixels "
                    "and %(side)s pixels wide or tall; make it smaller and try again."
                ) % {"megapixels": format_number(pixels / 1_000_000, 0), "side": format_number(side, 0)}
            else:
                message = _("Choose a JPEG, PNG or WebP image.")
            raise ValidationError(message, code=refused.code) from None
        return ContentFile(clean.content, name=f"image.{clean.suffix}")


class GoodExampleForm(forms.ModelForm):
    """A planner's good example; the focus areas and indicators offered are her municipality's."""

    class Meta:
        model = GoodExample
        fields = ["title", "year", "text", "image", "image_alt", "focus_area", "indicators"]
        field_classes = {"image": ExampleImageField}
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8, "data-markdown": ""}),
            "indicators": forms.CheckboxSelectMultiple,
            "image": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        self.fields["focus_area"].queryset = (
            FocusArea.objects.filter(plan__municipality=municipality).select_related("plan").order_by("plan", "order")
        )
        self.fields["focus_area"].label_from_instance = lambda area: f"{area.title} ({area.plan.title})"
        self.fields["indicators"].queryset = Indicator.objects.filter(is_population=False)
        self.fields["indicators"].label_from_instance = lambda indicator: indicator.name
        self.fields["text"].help_text = MARKDOWN_HELP
        self.fields["text"].max_length = MAX_TEXT_LENGTH

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": this_year}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image")
        if image and not (cleaned.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for readers who cannot see it."))
        return cleaned


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The planner sees this beside the example."),
    )


# --- The plan chain -------------------------------------------------------------------------------------------


class FigureField(forms.DecimalField):
    """A figure of a goal: a DecimalField that reads only the digits 0-9 (Decimal() alone reads ١٢٣ as 123)."""

    def to_python(self, value):
        if value not in self.empty_values and not str(value).isascii():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class ExplainedForm(forms.ModelForm):
    """A form whose changes go to the plan's log with a one-line explanation, required where `needs_reason`."""

    reason = forms.CharField(
        label=gettext_lazy("Explanation"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("One line for the plan's log and the politicians' digest: what changed and why."),
    )

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason
        if needs_reason:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _("The plan is adopted: explain the change in one line.")
            self.fields["reason"].error_messages["required"] = self.fields["reason"].help_text

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()


class PlanForm(ExplainedForm):
    document_url = forms.URLField(
        label=gettext_lazy("Adopted document"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy("A link to the adopted plan document."),
    )

    class Meta:
        model = Plan
        fields = ["plan_type", "title", "period_start", "period_end", "parent", "decision_reference", "document_url"]

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        parents = Plan.objects.filter(municipality=municipality).exclude(plan_type=PlanType.ARSRAPPORT)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        for name in ("period_start", "period_end"):
            self.fields[name].widget.attrs.update(min=FIRST_YEAR, max=2200)


def _carried_choices(plan: Plan):
    """The plan whose focus areas and goals this plan may carry forward: its parent, or the kommuneplan in force."""
    if plan.parent_id:
        return plan.parent
    return (
        Plan.objects.filter(municipality_id=plan.municipality_id, plan_type=PlanType.KOMMUNEPLAN_SAMFUNN)
        .exclude(pk=plan.pk)
        .in_force(plan.period_start)
        .first()
    )


class FocusAreaForm(ExplainedForm):
    class Meta:
        model = FocusArea
        fields = ["title", "description", "order", "carries"]

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        above = _carried_choices(plan)
        if above is None:
            del self.fields["carries"]
        else:
            self.fields["carries"].queryset = FocusArea.objects.filter(plan=above)
            self.fields["carries"].help_text = _("A focus area of %(plan)s that this one follows up.") % {"plan": above}


# What the goal form says beside the baseline; the script that keeps it current fills in the same words.
BASELINE_DIFFERS = gettext_lazy(
    "The figure recorded for %(year)s is %(figure)s (%(status)s), not %(typed)s. Correct the baseline, or keep it "
    "if it is meant to differ."
)
BASELINE_RECORDED = gettext_lazy("The figure recorded for %(year)s is %(figure)s (%(status)s).")


def _shown(number: Decimal, indicator: Indicator | None = None) -> str:
    """A figure as typed or recorded, with up to three decimals and no trailing zeros, and the indicator's unit."""
    decimals = min(3, max(0, -number.normalize().as_tuple().exponent))
    text = format_number(number, decimals)
    if indicator is not None:
        text += unit_suffix(indicator.unit, indicator.is_per_inhabitant, get_language())
    return text


@dataclass(frozen=True)
class BaselineCheck:
    """The figure recorded for the baseline year beside the baseline typed for it."""

    indicator: Indicator
    year: int
    recorded: Decimal
    status: str  # the recorded figure's status: a draft counts too, for the planner who typed it
    typed: Decimal | None

    @property
    def differs(self) -> bool:
        """The typed baseline is not the recorded figure, rounded to as many decimals as were typed."""
        if self.typed is None:
            return False
        # As typed: a stored 417.500000 was typed 417.5. (normalize() turns 420 into 4.2E+2: no decimals.)
        decimals = max(0, -self.typed.normalize().as_tuple().exponent)
        return abs(self.recorded - self.typed) > Decimal(5).scaleb(-decimals - 1)  # more than half the last digit

    @property
    def message(self) -> str:
        """The warning when the baseline differs; the recorded figure when none is typed yet; else nothing."""
        words = {
            "year": self.year,
            "figure": _shown(self.recorded, self.indicator),
            "status": choice_label(ValueStatus, self.status, get_language()).lower(),
        }
        if self.typed is None:
            return BASELINE_RECORDED % words
        if self.differs:
            return BASELINE_DIFFERS % {**words, "typed": _shown(self.typed)}
        return ""


class GoalForm(ExplainedForm):
    """A goal and how it is measured: the indicator with its baseline and target.

    A baseline that disagrees with the figure the municipality has recorded for its year is
    warned about beside the field (and after saving), never refused: a plan may have fixed its
    baseline before a figure was revised, and the planner decides which one stands.
    """

    indicator = forms.ModelChoiceField(
        label=gettext_lazy("Indicator"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=gettext_lazy("The network's shared indicators and the municipality's own."),
    )
    baseline_year = forms.IntegerField(label=gettext_lazy("Baseline year"), required=False, min_value=FIRST_YEAR)
    baseline_value = FigureField(
        label=gettext_lazy("Baseline value"),
        required=False,
        max_digits=20,
        decimal_places=6,
        help_text=gettext_lazy("The indicator's figure in the baseline year, in its unit."),
    )
    target_year = forms.IntegerField(label=gettext_lazy("Target year"), required=False, min_value=FIRST_YEAR)
    target_value = FigureField(
        label=gettext_lazy("Target value"),
        required=False,
        max_digits=20,
        decimal_places=6,
        help_text=gettext_lazy("In the indicator's unit: per inhabitant where the indicator is."),
    )
    MEASURE_FIELDS = ("indicator", "baseline_year", "baseline_value", "target_year", "target_value")

    class Meta:
        model = Goal
        fields = ["title", "order", "carries"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, focus_area: FocusArea, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.focus_area = focus_area
        plan = focus_area.plan
        self.measure = self.instance.measures.select_related("indicator").first() if self.instance.pk else None
        if self.measure is not None:
            for name in self.MEASURE_FIELDS:
                self.initial.setdefault(name, getattr(self.measure, name))
        self.fields["indicator"].queryset = (
            Indicator.objects.filter(Q(owner__isnull=True) | Q(owner_id=plan.municipality_id))
            .exclude(is_population=True)
            .order_by("order", "code")
        )
        self.fields["indicator"].label_from_instance = lambda i: (
            i.name + (f" ({_('own indicator')})" if i.owner_id else "")
        )
        above = _carried_choices(plan)
        if above is None:
            del self.fields["carries"]
        else:
            self.fields["carries"].queryset = Goal.objects.filter(focus_area__plan=above)
        self.order_fields(["title", "carries", *self.MEASURE_FIELDS, "order", "reason"])
        self.recorded = recorded_figures(plan.municipality)
        self._describe_baseline()

    def _typed(self, name: str):
        """A measure field as typed (or, unbound, as stored), or None when it cannot be read."""
        field = self.fields[name]
        if self.is_bound:
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
        else:
            raw = self.get_initial_for_field(field, name)
        # Not through self[name]: a bound field made now would keep the help text from before the check.
        try:
            return field.to_python(raw)
        except (ValidationError, TypeError, ValueError, InvalidOperation):
            return None

    def baseline_check(self) -> BaselineCheck | None:
        """The recorded figure for the chosen indicator and baseline year, beside the baseline typed; None if none."""
        chosen = self._typed("indicator")  # the indicator (one query), or None
        found = self.recorded.get(chosen.pk, {}).get(self._typed("baseline_year")) if chosen else None
        if found is None:
            return None
        figure, status = found
        return BaselineCheck(chosen, self._typed("baseline_year"), figure, status, self._typed("baseline_value"))

    def _describe_baseline(self) -> None:
        """Put the check beside the baseline field, with every recorded figure for the script that keeps it
        current while the planner types (static/js/baseline-check.js)."""
        check = self.baseline_check()
        indicators = {i.pk: i for i in self.fields["indicator"].queryset}
        recorded = {
            str(pk): {
                str(year): [
                    format(figure.quantize(Decimal("0.000001")).normalize(), "f"),
                    _shown(figure, indicators[pk]),
                    choice_label(ValueStatus, status, get_language()).lower(),
                ]
                for year, (figure, status) in years.items()
            }
            for pk, years in self.recorded.items()
            if pk in indicators
        }
        field = self.fields["baseline_value"]
        field.help_text = format_html(
            '{} <span class="baseline-check{}" data-recorded="{}" data-differs="{}" data-known="{}" '
            'aria-live="polite">{}</span>',
            field.help_text,
            " baseline-differs" if check is not None and check.differs else "",
            json.dumps(recorded, separators=(",", ":"), ensure_ascii=False),
            str(BASELINE_DIFFERS),
            str(BASELINE_RECORDED),
            check.message if check is not None else "",
        )

    def indicator_has_values(self) -> bool:
        """Values are reported against the goal's current indicator: changing it needs an explanation."""
        if self.measure is None:
            return False
        from indicators.models import IndicatorValue

        return IndicatorValue.objects.filter(
            indicator_id=self.measure.indicator_id, municipality_id=self.instance.focus_area.plan.municipality_id
        ).exists()

    def clean(self):
        cleaned = super().clean()
        indicator = cleaned.get("indicator")
        if indicator is None and any(cleaned.get(n) not in (None, "") for n in self.MEASURE_FIELDS[1:]):
            self.add_error("indicator", _("Choose the indicator the baseline and target are for."))
        first, last = cleaned.get("baseline_year"), cleaned.get("target_year")
        if first and last and last < first:
            self.add_error("target_year", _("The target year cannot come before the baseline year."))
        if (
            self.measure is not None
            and indicator != self.measure.indicator
            and not cleaned.get("reason")
            and self.indicator_has_values()
        ):
            self.add_error(
                "reason",
                _(
                    "Values are reported against %(indicator)s for this goal: explain in one line why the goal "
                    "is measured differently now."
                )
                % {"indicator": self.measure.indicator.name},
            )
        return cleaned

    def changed_measure(self) -> list[str]:
        return [name for name in self.MEASURE_FIELDS if name in self.changed_data]


class ProjectForm(ExplainedForm):
    class Meta:
        model = StrategicProject
        fields = [
            "title",
            "description",
            "focus_areas",
            "responsible_unit",
            "service_areas",
            "first_budget_year",
            "last_budget_year",
        ]
        widgets = {"focus_areas": forms.CheckboxSelectMultiple}

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.plan = plan
        self.fields["focus_areas"].queryset = plan.focus_areas.all()

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_budget_year"), cleaned.get("last_budget_year")
        if first and last and last < first:
            self.add_error("last_budget_year", _("The last year cannot come before the first year."))
        return cleaned


class AdoptForm(forms.Form):
    adopted_on = forms.DateField(
        label=gettext_lazy("Adopted on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The date of the council's decision."),
    )
    decision_reference = forms.CharField(
        label=gettext_lazy("Council decision"), max_length=100, help_text=gettext_lazy("E.g. K-sak 45/2026.")
    )
    reason = forms.CharField(label=gettext_lazy("Explanation"), max_length=300, required=False)

    def clean_adopted_on(self):
        day = self.cleaned_data["adopted_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date of adoption cannot be in the future."))
        return day
