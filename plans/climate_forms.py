"""Forms for the planner's climate budget: its terms with interim targets, a sector's frames and reference path per
year, and a measure with its effects per year.

Figures are typed the way the page writes them (1 234,5 in bokmål and nynorsk, 1,234.5 in English) and read with
indicators.numbers; the forms check only what one field can tell. The budget's rules, which need the whole budget,
are plans.climate's (measure_problems, sector_problems), said when the service refuses a change.
"""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import FIRST_YEAR, Indicator
from indicators.numbers import NumberError, field_text, format_number, read_field
from plans import climate
from plans.forms import ExplainedForm
from plans.models import (
    PERCENT,
    TONNES,
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    ExampleStatus,
    GoodExample,
    MeasureYear,
    Sector,
    SectorYear,
)

LAST_YEAR = 2100
NOT_A_NUMBER = gettext_lazy("“%(text)s” is not a number. Write it like %(example)s.")
MAX_TYPED = 30


def _largest(digits: dict) -> Decimal:
    """The largest figure a DecimalField of the digits holds: 9 999,99 for (6, 2)."""
    places = digits["decimal_places"]
    return Decimal(10) ** (digits["max_digits"] - places) - Decimal(1).scaleb(-places)


class NumberField(forms.Field):
    """A figure as people type it, read with indicators.numbers.read_field(): not negative, at most `decimals`
    decimals and `maximum`; shown back with field_text() (95, not 95,00)."""

    widget = forms.TextInput

    def __init__(self, *, decimals: int, maximum: Decimal, required: bool = False, **kwargs):
        super().__init__(required=required, **kwargs)
        self.decimals = decimals
        self.maximum = maximum

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "autocomplete": "off",
            "spellcheck": "false",
            "maxlength": str(MAX_TYPED),
            "class": "form-control text-end number",
            "size": "8",
        }

    def prepare_value(self, value):
        if isinstance(value, Decimal | int):
            return field_text(value)
        return value

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        example = format_number(Decimal("1234.5"), 1) if self.decimals else format_number(1234)
        if len(text) > MAX_TYPED:
            raise ValidationError(NOT_A_NUMBER % {"text": text[:MAX_TYPED] + "…", "example": example}, code="invalid")
        try:
            number = read_field(text)
        except NumberError:
            raise ValidationError(NOT_A_NUMBER % {"text": text, "example": example}, code="invalid") from None
        if number < 0:
            raise ValidationError(_("The number cannot be negative."), code="negative")
        if number > self.maximum:
            raise ValidationError(
                _("The number can be at most %(maximum)s.") % {"maximum": format_number(self.maximum, self.decimals)},
                code="too_large",
            )
        if number != number.quantize(Decimal(1).scaleb(-self.decimals)):
            raise ValidationError(
                _("Write the number with at most %(decimals)s decimals.") % {"decimals": self.decimals},
                code="decimals",
            )
        return number


def percent_field(*, maximum: Decimal = Decimal(100), **kwargs) -> NumberField:
    return NumberField(decimals=PERCENT["decimal_places"], maximum=maximum, **kwargs)


def tonnes_field(**kwargs) -> NumberField:
    return NumberField(decimals=TONNES["decimal_places"], maximum=_largest(TONNES), **kwargs)


def _year_widget(field) -> None:
    field.widget.attrs.update(min=FIRST_YEAR, max=LAST_YEAR)


# --- The terms ----------------------------------------------------------------------------------------------------


class ClimateBudgetForm(ExplainedForm):
    """What the budget covers, its reference and target years, the target, and how it was made."""

    target_percent = percent_field(required=True)

    class Meta:
        model = ClimateBudget
        fields = ["scope", "reference_year", "target_year", "target_percent", "method_note"]
        widgets = {"method_note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model_field = ClimateBudget._meta.get_field("target_percent")
        self.fields["target_percent"].label = capfirst(model_field.verbose_name)
        self.fields["target_percent"].help_text = model_field.help_text
        for name in ("reference_year", "target_year"):
            _year_widget(self.fields[name])


class InterimTargetForm(forms.Form):
    """One interim target: the cut from the reference year to reach by a year. Both empty: no target."""

    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    percent = percent_field(label=gettext_lazy("Cut from the reference year (%)"))

    def clean(self):
        cleaned = super().clean()
        year, percent = cleaned.get("year"), cleaned.get("percent")
        if year is None and percent is not None and "year" not in self.errors:
            self.add_error("year", _("Give the year of the interim target."))
        if percent is None and year is not None and "percent" not in self.errors:
            self.add_error("percent", _("Give the cut to reach by %(year)s.") % {"year": year})
        return cleaned

    @property
    def target(self) -> tuple[int, Decimal] | None:
        data = self.cleaned_data
        return None if data.get("year") is None else (data["year"], data["percent"])


InterimTargetFormSet = forms.formset_factory(InterimTargetForm, extra=2, max_num=20, validate_max=True)


# --- A sector -----------------------------------------------------------------------------------------------------


class ClimateSectorForm(ExplainedForm):
    """A sector the budget sets frames for; the sector cannot change once added (its measures name it)."""

    class Meta:
        model = ClimateSector
        fields = ["sector", "reference_source"]

    def __init__(self, *args, budget: ClimateBudget, base: dict[str, Decimal | None], taken: set[str], **kwargs):
        """base: each sector's emissions in the reference year as the inventory has them today; taken: the sectors
        the budget has already."""
        super().__init__(*args, **kwargs)
        self.instance.budget = budget
        field = self.fields["sector"]
        if self.instance.pk:
            field.disabled = True
            field.help_text = _("To move the frames to another sector, delete this one and add that one.")
        else:
            field.choices = [("", "---------")] + [
                (code, sector_choice(label, base.get(code), budget.reference_year))
                for code, label in Sector.choices
                if code not in taken
            ]
            field.help_text = _(
                "The figure is Miljødirektoratet's inventory for the reference year as it stands today."
            )


def sector_choice(label: str, tonnes: Decimal | None, year: int) -> str:
    if tonnes is None:
        return _("%(sector)s (no figure for %(year)s in the inventory)") % {"sector": label, "year": year}
    return _("%(sector)s (%(tonnes)s tonnes CO₂-eq. in %(year)s)") % {
        "sector": label,
        "tonnes": climate.tonnes(tonnes),
        "year": year,
    }


class GridRowForm(forms.Form):
    """One row of a grid of years: after checking, each input with a problem says so to screen readers."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
                attrs["class"] = attrs.get("class", "") + " is-invalid"


class SectorYearForm(GridRowForm):
    """A sector's frame and reference path for one year, in per cent of its reference-year emissions."""

    frame = percent_field(maximum=_largest(PERCENT))
    reference = percent_field(maximum=_largest(PERCENT))

    def __init__(self, *args, year: int, stored: SectorYear | None, **kwargs):
        initial = {}
        if stored is not None:
            initial = {"frame": stored.frame_percent, "reference": stored.reference_percent}
        super().__init__(*args, prefix=f"y{year}", initial=initial, **kwargs)
        self.year = year
        self.fields["frame"].label = _("Frame %(year)s (%% of the reference year)") % {"year": year}
        self.fields["reference"].label = _("Reference path %(year)s (%% of the reference year)") % {"year": year}

    def row(self) -> SectorYear | None:
        """The year as it is to be stored; None when both are empty."""
        frame, reference = self.cleaned_data.get("frame"), self.cleaned_data.get("reference")
        if frame is None and reference is None:
            return None
        return SectorYear(year=self.year, frame_percent=frame, reference_percent=reference)


# --- A measure ----------------------------------------------------------------------------------------------------


class ClimateMeasureForm(ExplainedForm):
    """A measure: what, where, whose, paid from which project, shown by which indicator, told by which examples."""

    class Meta:
        model = ClimateMeasure
        fields = [
            "number",
            "title",
            "description",
            "sector",
            "emission_source",
            "level",
            "responsible_unit",
            "project",
            "effect_class",
            "captured_by_inventory",
            "co_benefits",
            "result_indicator",
            "good_examples",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "co_benefits": forms.Textarea(attrs={"rows": 2}),
            "good_examples": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, budget: ClimateBudget, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.budget = budget
        plan = budget.plan
        self.fields["project"].queryset = plan.strategic_projects.order_by("title")
        self.fields["result_indicator"].queryset = (
            Indicator.objects.filter(Q(owner__isnull=True) | Q(owner_id=plan.municipality_id))
            .exclude(is_population=True)
            .order_by("order", "code")
        )
        self.fields["result_indicator"].label_from_instance = lambda i: (
            i.name + (f" ({_('own indicator')})" if i.owner_id else "")
        )
        examples = self.fields["good_examples"]
        examples.queryset = GoodExample.objects.filter(
            municipality_id=plan.municipality_id, status=ExampleStatus.PUBLISHED
        ).order_by("-year", "title")
        # Read once here, so that the form can say when there is none to choose (the widget would read them again).
        examples.choices = [(e.pk, f"{e.title} ({e.year})") for e in examples.queryset]
        if not examples.choices:
            examples.help_text = _(
                "The municipality has no published good examples yet. Write one under Good examples; once the "
                "network's coordinator publishes it, it can be linked here."
            )


class MeasureYearForm(GridRowForm):
    """A measure's expected cut in one year (tonnes CO₂-eq., against the reference path), its range, and the
    result indicator's target."""

    cut = tonnes_field()
    cut_low = tonnes_field()
    cut_high = tonnes_field()
    result_target = tonnes_field()

    def __init__(self, *args, year: int, stored: MeasureYear | None, **kwargs):
        initial = {}
        if stored is not None:
            initial = {name: getattr(stored, name) for name in self.base_fields}
        super().__init__(*args, prefix=f"y{year}", initial=initial, **kwargs)
        self.year = year
        labels = {
            "cut": _("Expected cut %(year)s (tonnes CO₂-eq.)"),
            "cut_low": _("Low estimate %(year)s (tonnes CO₂-eq.)"),
            "cut_high": _("High estimate %(year)s (tonnes CO₂-eq.)"),
            "result_target": _("Target for the result indicator %(year)s"),
        }
        for name, label in labels.items():
            self.fields[name].label = label % {"year": year}

    def row(self) -> MeasureYear | None:
        values = {name: self.cleaned_data.get(name) for name in self.base_fields}
        if all(v is None for v in values.values()):
            return None
        return MeasureYear(year=self.year, **values)


# --- Deleting -----------------------------------------------------------------------------------------------------


class DeleteForm(forms.Form):
    """The planner confirms deleting a sector or a measure; with an explanation where the plan is adopted."""

    confirm = forms.BooleanField(
        label=gettext_lazy("Yes, delete it"),
        error_messages={"required": gettext_lazy("Tick the box to confirm that it is to be deleted.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Explanation"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("One line for the plan's log and the politicians' digest: what changed and why."),
    )

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_reason:
            field = self.fields["reason"]
            field.required = True
            field.help_text = _("The plan is adopted: explain the change in one line.")
            field.error_messages["required"] = field.help_text

    def clean_reason(self):
        return self.cleaned_data["reason"].strip()
