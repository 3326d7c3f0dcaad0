"""A planner's year: the indicators a municipality tracks, the form for each, and the plausibility rules.

One import here runs up the floors, on purpose: the entry form groups its rows by the focus areas of the plans in
force (plans.models.GoalIndicator), so a planner finds each figure where her plan puts it. Turning that round
(plans handing the grouping down) would cost a callback through every entry view for one query.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from indicators.models import Indicator, IndicatorValue, Municipality, Unit, ValueState, ValueStatus
from indicators.numbers import (
    DECIMALS_BY_UNIT,
    NON_NEGATIVE_UNITS,
    PERCENT_MAX,
    NumberError,
    amount_problem,
    decimals_for,
    exact,
    format_number,
    percent,
    percent_sign,
    precision_problem,
    quantity,
    read_field,
    unit_name,
    unit_suffix,
)
from plans.models import GoalIndicator

SIX_DECIMALS = Decimal("0.000001")

# The plausibility rules' words, said by the server on saving and by entry.js while she types (see hint_words()).
NOT_A_NUMBER = gettext_lazy("“%(text)s” is not a number. Write it like 1,234.5.")
BELOW = gettext_lazy("%(figure)s is below the lowest plausible figure, %(limit)s.")
ABOVE = gettext_lazy("%(figure)s is above the highest plausible figure, %(limit)s.")
CHANGE = gettext_lazy(
    "%(change)s change from the last published figure, %(previous)s in %(year)s; more than %(limit)s is unusual."
)


def read_amount(text: str, indicator: Indicator) -> Decimal:
    """Read a typed figure for the indicator, or raise forms.ValidationError with a message for the planner."""
    try:
        number = read_field(text)
    except NumberError:
        raise forms.ValidationError(NOT_A_NUMBER % {"text": text.strip()}, code="not_a_number") from None
    problem = amount_problem(number, indicator.entry_unit) or precision_problem(number)
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
        if row.in_closed_round and not (row.value is not None and row.value.first_published_at is not None):
            self.fields["reason"].label = _("Why the figure changes after the round closed")
            self.fields["reason"].help_text = _("Kept in the figure's history, for the network's coordinators.")
        if row.is_official:
            # The source's own figure: the planner reads it, comments on it or reports an error in it. A disabled
            # field keeps the stored figure whatever a request sends.
            self.fields["state"].disabled = self.fields["value"].disabled = True
            self.fields["state"].initial = row.value.state
            self.fields["error_report"] = forms.CharField(
                label=_("Report an error in the figure"),
                required=False,
                max_length=2000,
                initial=row.value.error_report,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "What you believe is wrong, for the network's coordinators. The figure stays as the source "
                    "published it until the source corrects it."
                ),
            )
        self.fields["value"].label = (
            _("Total amount (%(unit)s)") % {"unit": indicator.get_amount_unit_display()}
            if indicator.is_per_inhabitant
            else _("Figure (%(unit)s)") % {"unit": indicator.get_unit_display()}
        )
        attrs = self.fields["value"].widget.attrs
        attrs.update({"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", "class": "entry-amount"})
        # What entry.js needs to show the per-inhabitant figure and the plausibility hint while she types; the
        # server checks the same rules again when she saves.
        attrs.update(row.hint_data())
        if indicator.is_population:
            attrs["data-population-input"] = ""
        if indicator.is_per_inhabitant:
            attrs.update(
                {
                    "data-population": "" if row.population is None else str(row.population),
                    "data-factor": str(indicator.per_inhabitant_factor),
                }
            )
        # The hint (and the per-inhabitant figure) describe the field; full_clean() adds the error.
        attrs["aria-describedby"] = " ".join(self.descriptions())

    def descriptions(self) -> list[str]:
        """Return the ids of the elements that describe the figure's field."""
        ids = [f"{self.prefix}-hint"]
        if self.row.indicator.is_per_inhabitant:
            ids.append(f"{self.prefix}-per-inhabitant")
        return ids

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "value" in self.errors:
            # Crispy renders the field's error as <div id="<auto_id>_error">; tie it to the field.
            error_id = f"{self['value'].auto_id}_error"
            self.fields["value"].widget.attrs["aria-describedby"] = " ".join([*self.descriptions(), error_id])

    def clean_value(self):
        if self.row.is_official:
            return self.row.value.value
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
            if (
                self.row.in_closed_round
                and not self.is_blank
                and (stored is None or (stored.state, stored.value) != (state, value))
            ):
                self.add_error("reason", _("The reporting round is closed: say why this figure changes."))
            elif stored is not None and (stored.state, stored.value) != (state, value):
                self.add_error("reason", _("This figure has been published: say why it changes."))
        return cleaned

    @property
    def revises_published(self) -> bool:
        """The stored figure has been published, or a closed round holds it: a change to it needs a reason."""
        if self.row.is_official:
            return False
        return self.row.in_closed_round or (
            self.row.value is not None and self.row.value.first_published_at is not None
        )

    @property
    def reported_error(self) -> str | None:
        """A new or changed error report the planner sent for the source's figure, or None."""
        if not self.row.is_official:
            return None
        text = self.cleaned_data.get("error_report", "").strip()
        return text if text and text != self.row.value.error_report else None

    @property
    def is_blank(self) -> bool:
        """Nothing entered for an indicator that has no value yet: not a change."""
        data = self.cleaned_data
        return self.row.value is None and data.get("value") is None and data.get("state") == ValueState.REPORTED

    def warnings(self) -> list[str]:
        """Return why the figure looks implausible: the one typed, or for an unbound form the one stored.

        The source's own figures are what the source published: they carry no warning to explain.
        """
        if self.row.is_official:
            return []
        amount = self.row.shown_amount()
        return (
            []
            if amount is None
            else figure_warnings(self.row.indicator, amount, self.row.population, self.row.published)
        )


@dataclass(frozen=True)
class Published:
    """The newest figure the public reads for an indicator before a year: what a new figure is compared with."""

    indicator: Indicator
    year: int
    amount: Decimal
    population: Decimal | None

    @property
    def figure(self) -> Decimal | None:
        """The figure in the indicator's unit: per inhabitant, on the population published for its year."""
        if self.indicator.is_per_inhabitant:
            return self.indicator.per_inhabitant(self.amount, self.population)
        return self.amount

    @property
    def text(self) -> str:
        """The figure with its unit, or for a per-inhabitant figure without a published population, the amount."""
        if self.figure is None:
            return amount_text(self.amount, self.indicator)
        return quantity(self.figure, self.indicator)


def latest_published(municipality: Municipality, before: int, indicators: dict[int, Indicator]) -> dict[int, Published]:
    """Return each indicator's newest published figure from a year before `before`, by indicator id: one query.

    The figure is the published version (a value under revision keeps it), divided by the published population of
    its year where the indicator is per inhabitant: what the public reads.
    """
    rows = (
        IndicatorValue.objects.filter(municipality=municipality, indicator__in=list(indicators))
        .latest_published(year__lt=before, published_state=ValueState.REPORTED)
        .with_population(published=True)
        .values_list("indicator_id", "year", "published_value", "population")
    )
    return {
        indicator_id: Published(indicators[indicator_id], year, amount, population)
        for indicator_id, year, amount, population in rows
    }


def amount_text(amount: Decimal, indicator: Indicator) -> str:
    """Format a total amount as a planner types it for a per-inhabitant indicator: 10 336,0 tonnes."""
    unit = indicator.entry_unit
    return f"{format_number(amount, DECIMALS_BY_UNIT.get(unit, 1))}\xa0{unit_name(unit)}"


def amount_with_unit(amount: Decimal, indicator: Indicator) -> str:
    """Format an amount as typed, with every decimal it has and the unit it is typed in: 10 400,5 tonnes, 12."""
    unit = indicator.entry_unit
    return f"{exact(amount)}{unit_suffix(unit, False, get_language())}"


@dataclass(frozen=True)
class Change:
    """How far a figure moved from the last published one, as a share of it."""

    share: Decimal
    published: Published
    compared_with: str  # the published figure it is compared with, with its unit

    @property
    def percent(self) -> str:
        return percent(self.share)


def change_from(indicator: Indicator, amount: Decimal, population: Decimal | None, published) -> Change | None:
    """Return the change from the last published figure, or None when there is none to compare with.

    Like is compared with like: per-inhabitant figures where both populations are known, else the amounts.
    """
    if published is None or amount is None:
        return None
    previous, current = published.figure, figure_of(indicator, amount, population)
    compared_with = published.text
    if indicator.is_per_inhabitant and (previous is None or current is None):
        previous, current = published.amount, amount
        compared_with = amount_text(published.amount, indicator)
    if not previous:
        return None
    return Change((current - previous) / abs(previous), published, compared_with)


def change_limit(indicator: Indicator) -> Decimal:
    """The largest change from the last published figure that needs no explanation, as a share."""
    return indicator.max_change if indicator.max_change is not None else settings.LIVSKRAFT_MAX_CHANGE


def figure_of(indicator: Indicator, amount: Decimal | None, population: Decimal | None) -> Decimal | None:
    """Return the figure in the indicator's unit for an amount as typed: per inhabitant where it is."""
    if amount is None:
        return None
    if indicator.is_per_inhabitant:
        return indicator.per_inhabitant(amount, population)
    return amount


def figure_warnings(indicator: Indicator, amount: Decimal, population: Decimal | None, published) -> list[str]:
    """Return why a figure looks implausible: outside the indicator's plausible range, or far from the last
    published figure. A planner explains such a figure before she submits it; entry.js shows the same hints."""
    warnings = []
    figure = figure_of(indicator, amount, population)
    if figure is not None:
        if indicator.plausible_min is not None and figure < indicator.plausible_min:
            warnings.append(
                BELOW % {"figure": quantity(figure, indicator), "limit": quantity(indicator.plausible_min, indicator)}
            )
        if indicator.plausible_max is not None and figure > indicator.plausible_max:
            warnings.append(
                ABOVE % {"figure": quantity(figure, indicator), "limit": quantity(indicator.plausible_max, indicator)}
            )
    change = change_from(indicator, amount, population, published)
    limit = change_limit(indicator)
    if change is not None and abs(change.share) > limit:
        warnings.append(change_message(change, limit))
    return warnings


def change_message(change: Change, limit: Decimal) -> str:
    return CHANGE % {
        "change": change.percent,
        "previous": change.compared_with,
        "year": change.published.year,
        "limit": f"{format_number(limit * 100, 0)}{percent_sign()}",
    }


@dataclass
class EntryRow:
    """One indicator on a municipality's year page: the stored value, last year's, and the last published figure."""

    indicator: Indicator
    value: IndicatorValue | None
    previous: IndicatorValue | None
    published: Published | None
    population: Decimal | None
    form: ValueForm | None = None
    conflict: IndicatorValue | None = None
    # A closed reporting round holds the figure: a change needs a reason (services.apply_values() insists).
    in_closed_round: bool = False

    @property
    def decimals(self) -> int:
        return decimals_for(self.indicator)

    @property
    def is_official(self) -> bool:
        """The year's figure is the source's (official statistics): read-only to the municipality."""
        return self.value is not None and self.value.is_official

    def figure(self, amount: Decimal | None, population: Decimal | None) -> Decimal | None:
        return figure_of(self.indicator, amount, population)

    @property
    def previous_is_unpublished(self) -> bool:
        """Last year has a figure the public does not read yet (a draft, or one awaiting approval or publication)."""
        previous = self.previous
        return previous is not None and (
            previous.status != ValueStatus.PUBLISHED or self.published is None or self.published.year != previous.year
        )

    def shown_amount(self) -> Decimal | None:
        """The amount the page shows: the one typed in a bound form, else the stored one; None without a figure."""
        form = self.form
        if form is not None and form.is_bound:
            data = getattr(form, "cleaned_data", {})
            state, amount = data.get("state"), data.get("value")
        elif self.value is not None:
            state, amount = self.value.state, self.value.value
        else:
            return None
        return amount if state == ValueState.REPORTED else None

    @property
    def shown_figure(self) -> Decimal | None:
        """The figure in the indicator's unit for the amount the page shows, on the population the page shows."""
        return self.figure(self.shown_amount(), self.population)

    def hint_data(self) -> dict[str, str]:
        """The data entry.js checks a typed figure against, as attributes of its field (plain decimals)."""
        indicator = self.indicator
        language = get_language()
        data = {
            "data-decimals": str(self.decimals),
            "data-unit": unit_suffix(indicator.unit, indicator.is_per_inhabitant, language),
            "data-max-change": str(change_limit(indicator)),
        }
        if indicator.plausible_min is not None:
            data["data-min"] = str(indicator.plausible_min)
            data["data-min-text"] = quantity(indicator.plausible_min, indicator)
        if indicator.plausible_max is not None:
            data["data-max"] = str(indicator.plausible_max)
            data["data-max-text"] = quantity(indicator.plausible_max, indicator)
        if indicator.entry_unit == Unit.PERCENT:
            data["data-share"] = str(PERCENT_MAX)
        if indicator.entry_unit in NON_NEGATIVE_UNITS:
            data["data-non-negative"] = ""
        published = self.published
        if published is not None:
            data["data-published-year"] = str(published.year)
            data["data-published-amount"] = str(published.amount)
            data["data-published-amount-text"] = amount_text(published.amount, indicator)
            if published.figure is not None:
                data["data-published-figure"] = str(published.figure)
                data["data-published-text"] = published.text
        return data


@dataclass
class EntryGroup:
    title: str
    rows: list[EntryRow] = field(default_factory=list)


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
    published = latest_published(municipality, year, {i.pk: i for i in indicators})
    population = next((i for i in indicators if i.is_population), None)

    def population_in(y: int) -> Decimal | None:
        stored = values.get((population.pk, y)) if population else None
        return stored.value if stored and stored.state == ValueState.REPORTED else None

    rows = {}
    for indicator in indicators:
        previous = values.get((indicator.pk, year - 1))
        if previous is not None:
            previous.population = population_in(year - 1)  # what value_cell() divides by
        rows[indicator.pk] = EntryRow(
            indicator=indicator,
            value=values.get((indicator.pk, year)),
            previous=previous,
            published=published.get(indicator.pk),
            population=population_in(year),
        )
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


def use_typed_population(rows: list[EntryRow]) -> None:
    """Divide by the population typed in the same form, as entry.js does on the page.

    Call it once every form is validated. A population left blank, or typed wrongly, leaves the stored one; one
    reported as missing (or not applicable, or confidential) leaves no population to divide by.
    """
    row = next((r for r in rows if r.indicator.is_population), None)
    if row is None or row.form is None or not row.form.is_bound or row.form.errors:
        return
    data = row.form.cleaned_data
    state, amount = data.get("state"), data.get("value")
    if state == ValueState.REPORTED and amount is None:
        return
    population = amount if state == ValueState.REPORTED else None
    for other in rows:
        other.population = population


def hint_words() -> dict[str, str]:
    """The words entry.js writes beside a field while the planner types, in her language, with %(name)s slots."""
    return {
        # How the portal writes 1234.5 in this language: entry.js takes its separators from it.
        "sample": format_number(Decimal("1234.5"), 1),
        "percent_sign": percent_sign(),
        "below": str(BELOW),
        "above": str(ABOVE),
        "change": str(CHANGE),
        "not_a_number": str(NOT_A_NUMBER),
        "negative": amount_problem(Decimal(-1), Unit.COUNT),
        "share": amount_problem(PERCENT_MAX + 1, Unit.PERCENT),
        "check": _("Check the figure:"),
        "error": _("Correct the figure:"),
        "explain": _("Explain the figure in the comment before you submit it."),
        "population": _("Population: %(population)s"),
        "no_population": _("The population for the year is not known yet; the figure is computed when it is."),
    }


def require_explanations(rows: list[EntryRow]) -> None:
    """Before figures are submitted: each one that looks implausible needs a comment that explains it.

    Call it once every form is validated (and the typed population applied), so that the error summary lists
    every problem on the page at once.
    """
    for row in rows:
        form = row.form
        if "value" in form.errors or "state" in form.errors or form.is_blank:
            continue
        if form.warnings() and not form.cleaned_data.get("comment", "").strip():
            form.add_error("comment", _("Explain the figure before you submit it: it looks implausible."))


def problem_links(rows: list[EntryRow]) -> list[dict]:
    """Return every problem on the page for the error summary: where it is (a field's id) and what it is."""
    problems = []
    for row in rows:
        form = row.form
        if form is None or not form.is_bound:
            continue
        for name, errors in form.errors.items():
            target = f"indicator-{row.indicator.code}" if name == NON_FIELD_ERRORS else form[name].auto_id
            problems.extend({"target": target, "text": f"{row.indicator.name}: {error}"} for error in errors)
    return problems


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
