"""The series of a municipality: its figures per indicator and year, in the version each reader may see.

Everything is computed from two queries (indicators, values), however many years and indicators there are.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from indicators.exports import licence
from indicators.models import Indicator, IndicatorValue, Municipality, ValueRevision, ValueState, ValueStatus
from indicators.numbers import unit_label, year_spans


@dataclass
class Point:
    year: int
    figure: Decimal | None
    value: IndicatorValue

    @property
    def is_sample(self) -> bool:
        return self.value.is_sample

    @property
    def is_unpublished(self) -> bool:
        return self.value.status != ValueStatus.PUBLISHED

    @property
    def state_label(self) -> str:
        return "" if self.value.state == ValueState.REPORTED else self.value.get_state_display()


@dataclass
class Series:
    indicator: Indicator
    points: list[Point] = field(default_factory=list)

    @property
    def figures(self) -> dict[int, Decimal]:
        return {p.year: p.figure for p in self.points if p.figure is not None}

    @property
    def reported(self) -> list[Point]:
        return [p for p in self.points if p.figure is not None]

    @property
    def points_newest_first(self) -> list[Point]:
        return self.points[::-1]

    @property
    def has_sample(self) -> bool:
        return any(p.is_sample for p in self.points)

    @property
    def series_starts(self) -> set[int]:
        """The years whose figure starts a new series: the source changed its method from it (IndicatorValue.
        series_break) and the figure before was not so marked (several marked years in a row are one new series)."""
        starts, previous = set(), None
        for point in self.reported:
            if point.value.series_break and previous is not None and not previous.value.series_break:
                starts.add(point.year)
            previous = point
        return starts

    @property
    def has_unpublished(self) -> bool:
        return any(p.is_unpublished for p in self.points)

    @property
    def sources(self) -> list[tuple[str, str]]:
        """Where the figures shown come from, each source once with the years it gave ("2017–2022", "2009, 2011")."""
        years: dict[str, list[int]] = {}
        for point in self.points:
            if point.value.source:
                years.setdefault(point.value.source, []).append(point.year)
        return [(source, year_spans(found)) for source, found in years.items()]


def visible_values(values, *, can_read_unpublished: bool) -> list[IndicatorValue]:
    """Return the version of each value the reader may see, leaving out those she may not.

    The public sees the last published version; the municipality's own readers also see
    approved figures (IndicatorValue.visible_to).
    """
    shown = Q(published_at__isnull=False)
    if can_read_unpublished:
        shown |= Q(status__in=[ValueStatus.APPROVED, ValueStatus.PUBLISHED])
    # The values were read here and nobody else holds them: each becomes the version shown, without a copy.
    versions = (
        value.visible_to(can_read_unpublished=can_read_unpublished, in_place=True) for value in values.filter(shown)
    )
    return [version for version in versions if version is not None]


def municipality_series(
    municipality: Municipality, *, can_read_unpublished: bool, until: int | None = None
) -> list[Series]:
    """Return every indicator but the population with its yearly figures (per inhabitant where it is).

    With until, only the figures up to and including that year: what was known in an annual report's year.
    """
    indicators = list(Indicator.objects.all())
    values = IndicatorValue.objects.filter(municipality=municipality).order_by("year")
    if until is not None:
        values = values.filter(year__lte=until)
    values = visible_values(values, can_read_unpublished=can_read_unpublished)
    population_ids = {i.pk for i in indicators if i.is_population}
    population = {v.year: v.value for v in values if v.indicator_id in population_ids}
    by_indicator: dict[int, Series] = {i.pk: Series(i) for i in indicators if not i.is_population}
    for value in values:
        series = by_indicator.get(value.indicator_id)
        if series is None:
            continue
        value.indicator = series.indicator
        value.population = population.get(value.year)  # what IndicatorValue.per_inhabitant reads
        figure = None
        if value.state == ValueState.REPORTED:
            figure = (
                series.indicator.per_inhabitant(value.value, population.get(value.year))
                if series.indicator.is_per_inhabitant
                else value.value
            )
        series.points.append(Point(value.year, figure, value))
    return list(by_indicator.values())


def recorded_figures(municipality: Municipality) -> dict[int, dict[int, tuple[Decimal, str]]]:
    """Every reported figure the municipality's planners have recorded, whatever its status (their working
    version, drafts included), in the indicator's unit (per inhabitant where it is): indicator id → year →
    (figure, status). For checking what a planner types against it; never for public pages. One query."""
    values = (
        IndicatorValue.objects.filter(municipality=municipality, state=ValueState.REPORTED, value__isnull=False)
        .select_related("indicator")
        .order_by("year")
    )
    values = list(values)
    population = {v.year: v.value for v in values if v.indicator.is_population}
    figures: dict[int, dict[int, tuple[Decimal, str]]] = {}
    for value in values:
        indicator = value.indicator
        if indicator.is_population:
            continue
        figure = (
            indicator.per_inhabitant(value.value, population.get(value.year))
            if indicator.is_per_inhabitant
            else value.value
        )
        if figure is not None:
            figures.setdefault(indicator.pk, {})[value.year] = (figure, value.status)
    return figures


def mark_revisions(series: list[Series]) -> None:
    """Give every published value revised after publication the reason for its last change (one query)."""
    revised = {p.value.pk: p.value for s in series for p in s.points if p.value.revised_at}
    if not revised:
        return
    revisions = ValueRevision.objects.filter(indicator_value_id__in=revised).order_by("changed_at", "pk")
    for revision in revisions:
        value = revised[revision.indicator_value_id]
        changed = revision.old_value != revision.new_value or revision.old_state != revision.new_state
        # The last change to the figure between its first publication and the version the reader sees.
        if (
            revision.old_state
            and changed
            and value.first_published_at
            and value.first_published_at < revision.changed_at <= (value.published_at or revision.changed_at)
        ):
            value.revision_reason = revision.reason


def rows_for_download(municipality: Municipality, series: list[Series]) -> list[list]:
    """Every figure on the dashboard, one row per indicator and year, with units and sources."""
    rows = [
        [
            _("Municipality number"),
            _("Municipality"),
            _("Indicator"),
            _("Year"),
            _("Value"),
            _("Unit"),
            _("Total amount"),
            _("Unit of the amount"),
            _("Population"),
            _("State"),
            _("Status"),
            _("Sample data"),
            _("Source"),
            _("Licence"),
        ]
    ]
    for s in series:
        indicator = s.indicator
        for point in s.points:
            value = point.value
            rows.append(
                [
                    municipality.kommunenummer,
                    municipality.name,
                    indicator.name,
                    point.year,
                    point.figure.quantize(Decimal("0.001")) if point.figure is not None else None,
                    unit_label(indicator),
                    value.value if indicator.is_per_inhabitant else None,
                    str(indicator.get_amount_unit_display()) if indicator.is_per_inhabitant else "",
                    value.population if indicator.is_per_inhabitant else None,
                    value.get_state_display(),
                    value.get_status_display(),
                    _("yes") if value.is_sample else "",
                    value.source or indicator.source,
                    licence(value.source or indicator.source, is_sample=value.is_sample),
                ]
            )
    return rows
