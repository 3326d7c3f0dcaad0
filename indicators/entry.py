"""A planner's year: the indicators a municipality tracks, the form for each, and the plausibility rules.

One import here runs up the floors, on purpose: the entry form groups its rows by the focus areas of the plans in
force (plans.models.GoalIndicator), so a planner finds each figure where her plan puts it. Turning that round
(plans handing the grouping down) would cost a callback through every entry view for one query.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Indicator, IndicatorValue, Municipality, ValueState
from indicators.numbers import NumberError, amount_problem, decimals_for, format_number, quantity, read_field
from plans.models import GoalIndicator

SIX_DECIMALS = Decimal("0.000001")


def read_amount(text: str, indicator: Indicator) -> Decimal:
    """Read a typed figure for the indicator, or raise forms.ValidationError with a message for the planner."""
    try:
        number = read_field(text)
    except NumberError:
        raise forms.ValidationError(
            _("“%(text)s” is not a number. Write it like 1,234.5.") % {"text": text.strip()}, code="not_a_number"
        ) from None
    problem = amount_problem(number, indicator.entry_unit)
    if problem:
        raise forms.ValidationError(problem, code="implausible")
    return number.quantize(SIX_DECIMALS)


class ValueForm(forms.Form):
    """One indicator's figure for the year, as a planner types it."""

    state = forms.ChoiceField(label=gettext_lazy("What to report"), choices=ValueState.choices)
    value = forms.CharField(label=gettext_lazy("Figure"), required=False, max_length=40)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What moved since last year, and why."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why the published figure changes"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Shown beside the figure on public pages when it is published again."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, row: "EntryRow", **kwargs):
        self.row = row
        super().__init__(*args, **kwargs)
        indicator = row.indicator
        self.fields["value"].label = (
            _("Total amount (%(unit)s)") % {"unit": indicator.get_amount_unit_display()}
            if indicator.is_per_inhabitant
            else _("Figure (%(unit)s)") % {"unit": indicator.get_unit_display()}
        )
        self.fields["value"].widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", "class": "entry-amount"}
        )
        if indicator.is_per_inhabitant:
            self.fields["value"].widget.attrs.update(
                {
                    "data-population": "" if row.population is None else str(row.population),
                    "data-factor": str(indicator.per_inhabitant_factor),
                    "data-decimals": str(row.decimals),
                    "aria-describedby": f"{self.prefix}-per-inhabitant",
                }
            )

    def clean_value(self):
        text = self.cleaned_data["value"].strip()
        return read_amount(text, self.row.indicator) if text else None

    def clean(self):
        cleaned = super().clean()
        state, value = cleaned.get("state"), cleaned.get("value")
        if self.errors:
            return cleaned
        if state == ValueState.REPORTED and value is None:
            if self.row.value is not None:
                self.add_error("value", _("Enter the figure, or choose missing, not applicable or confidential."))
            elif cleaned.get("comment"):
                self.add_error("value", _("Enter the figure the comment is about."))
        if state != ValueState.REPORTED and value is not None:
            self.add_error(
                "value", _("Leave the figure empty when you report it as missing, not applicable or confidential.")
            )
        if self.revises_published and not self.errors and not cleaned.get("reason", "").strip():
            stored = self.row.value
            if (stored.state, stored.value) != (state, value):
                self.add_error("reason", _("This figure has been published: say why it changes."))
        return cleaned

    @property
    def revises_published(self) -> bool:
        """The stored figure has been published, so a change to it is a revision the public will see."""
        return self.row.value is not None and self.row.value.first_published_at is not None

    @property
    def is_blank(self) -> bool:
        """Nothing entered for an indicator that has no value yet: not a change."""
        data = self.cleaned_data
        return self.row.value is None and data.get("value") is None and data.get("state") == ValueState.REPORTED

    def warnings(self) -> list[str]:
        """Return why the figure looks implausible: the one typed, or for an unbound form the one stored."""
        if self.is_bound:
            data = getattr(self, "cleaned_data", {})
            state, amount = data.get("state"), data.get("value")
        elif self.row.value is not None:
            state, amount = self.row.value.state, self.row.value.value
        else:
            return []
        if state != ValueState.REPORTED or amount is None:
            return []
        return plausibility_warnings(self.row, amount)


@dataclass
class EntryRow:
    """One indicator on a municipality's year page: the stored value and last year's, for comparison."""

    indicator: Indicator
    value: IndicatorValue | None
    previous: IndicatorValue | None
    population: Decimal | None
    previous_population: Decimal | None
    form: ValueForm | None = None
    conflict: IndicatorValue | None = None

    @property
    def decimals(self) -> int:
        return decimals_for(self.indicator)

    def figure(self, amount: Decimal | None, population: Decimal | None) -> Decimal | None:
        if amount is None:
            return None
        if self.indicator.is_per_inhabitant:
            return self.indicator.per_inhabitant(amount, population)
        return amount

    @property
    def previous_figure(self) -> Decimal | None:
        if self.previous is None or self.previous.state != ValueState.REPORTED:
            return None
        return self.figure(self.previous.value, self.previous_population)

    @property
    def current_figure(self) -> Decimal | None:
        if self.value is None or self.value.state != ValueState.REPORTED:
            return None
        return self.figure(self.value.value, self.population)


@dataclass
class EntryGroup:
    title: str
    rows: list[EntryRow] = field(default_factory=list)


def plausibility_warnings(row: EntryRow, amount: Decimal) -> list[str]:
    indicator, warnings = row.indicator, []
    figure = row.figure(amount, row.population)
    if figure is not None:
        if indicator.plausible_min is not None and figure < indicator.plausible_min:
            warnings.append(
                _("%(figure)s is below the lowest plausible figure, %(limit)s.")
                % {"figure": quantity(figure, indicator), "limit": quantity(indicator.plausible_min, indicator)}
            )
        if indicator.plausible_max is not None and figure > indicator.plausible_max:
            warnings.append(
                _("%(figure)s is above the highest plausible figure, %(limit)s.")
                % {"figure": quantity(figure, indicator), "limit": quantity(indicator.plausible_max, indicator)}
            )
    # Compare like with like: per-inhabitant figures where both populations are known, else the amounts.
    previous, current = row.previous_figure, figure
    if indicator.is_per_inhabitant and (previous is None or current is None):
        previous = row.previous.value if row.previous and row.previous.state == ValueState.REPORTED else None
        current = amount
    limit = indicator.max_change if indicator.max_change is not None else settings.LIVSKRAFT_MAX_CHANGE
    if previous is not None and current is not None and previous != 0:
        change = (current - previous) / abs(previous)
        if abs(change) > limit:
            warnings.append(
                _("%(change)s%% change from last year; more than %(limit)s%% is unusual.")
                % {
                    "change": ("+" if change > 0 else "") + format_number(change * 100, 0),
                    "limit": format_number(limit * 100, 0),
                }
            )
    return warnings


def entry_groups(municipality: Municipality, year: int) -> list[EntryGroup]:
    """Return the indicators of the municipality's year, grouped by the focus areas of its plans in force.

    An indicator no plan measures is listed under "Other indicators", so that every
    indicator can be reported. Four queries, however many indicators there are.
    """
    indicators = list(Indicator.objects.all())
    values = {
        (v.indicator_id, v.year): v
        for v in IndicatorValue.objects.filter(municipality=municipality, year__in=[year, year - 1]).select_related(
            "changed_by"
        )
    }
    population = next((i for i in indicators if i.is_population), None)

    def population_in(y: int) -> Decimal | None:
        stored = values.get((population.pk, y)) if population else None
        return stored.value if stored and stored.state == ValueState.REPORTED else None

    rows = {
        i.pk: EntryRow(
            indicator=i,
            value=values.get((i.pk, year)),
            previous=values.get((i.pk, year - 1)),
            population=population_in(year),
            previous_population=population_in(year - 1),
        )
        for i in indicators
    }
    groups: dict[int, EntryGroup] = {}
    placed = set()
    measures = (
        GoalIndicator.objects.filter(
            goal__focus_area__plan__in=municipality.plans.in_force(year),
        )
        .select_related("goal__focus_area__plan")
        .order_by("goal__focus_area__plan__plan_type", "goal__focus_area__order", "goal__order", "pk")
    )
    for measure in measures:
        if measure.indicator_id in placed:
            continue
        focus_area = measure.goal.focus_area
        group = groups.setdefault(focus_area.pk, EntryGroup(title=focus_area.title))
        group.rows.append(rows[measure.indicator_id])
        placed.add(measure.indicator_id)
    others = EntryGroup(title=_("Other indicators"), rows=[rows[i.pk] for i in indicators if i.pk not in placed])
    return [*groups.values(), *([others] if others.rows else [])]


def previous_amount_text(row: EntryRow) -> str:
    if row.previous is None:
        return ""
    if row.previous.state != ValueState.REPORTED:
        return row.previous.get_state_display()
    return format_number(row.previous.value, row.decimals)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (CSV or XLSX)"),
        help_text=gettext_lazy("One row per municipality, indicator and year, with the columns of the template."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.LIVSKRAFT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the largest file the portal takes is %(limit)s MB.")
                % {"size": format_number(upload.size / 2**20, 1), "limit": format_number(limit / 2**20, 0)}
            )
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Choose a .csv or .xlsx file."))
        return upload
