"""One indicator across the municipalities of a network: ranking, lines over time, median, map.

A member formed by a merger (Fjord, 2020) is shown before its establishment by the
sum of the municipalities it was formed from (Norddal and Stordal), marked as such:
amounts and populations add up, and the per-inhabitant figure is computed from the sums.

One early publisher must not empty the public views: without a year asked for, a comparison shows the latest year
in which most members (more than half) have a figure, not the latest year anyone published; and a median is
shown only for a year in which enough members have a figure (enough_for_median()).

Quartiles as Kolada shows them: in the year shown, each municipality falls in a quarter of the ranking of those
compared (quartiles()), 1 the best by the indicator's desired direction; equal figures share a quartile. With fewer
than QUARTILE_MIN_FIGURES figures no quartiles are shown, and the page says why.

A series break stops a member's line and is named beside it (Cell.series_break). A figure starts a new series
when the source changed its method from it (IndicatorValue.series_break, set on a published figure an import
with "series break" changed: see services._publish_official; the population's counts too, for figures per
inhabitant), when it is a merged member's first own figure after figures added up from its predecessors, or when
it was published under another definition of the indicator than the figure before (IndicatorChange.RECORDING_FIELDS).
Several flagged years in a row are one new series: the break lies before the first of them.
"""

import bisect
import datetime
import functools
import json
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import colorscale, every_year, figure, gaps_before, marked_lines, trace, vertical_line
from indicators.exports import licence
from indicators.models import (
    NETWORK_SLUG,
    Direction,
    Indicator,
    IndicatorChange,
    IndicatorValue,
    Municipality,
    MunicipalityCode,
    Network,
    NetworkMembership,
    Unit,
    ValueState,
)
from indicators.numbers import DECIMALS_BY_UNIT, chart_separators, decimals_for, format_number, unit_label

# Units whose amounts add up across municipalities; other figures are averaged by population.
ADDITIVE_UNITS = {Unit.PERSONS, Unit.COUNT, Unit.KG, Unit.TONNES, Unit.TONNES_CO2E, Unit.SQUARE_METRES,
                  Unit.SQUARE_KILOMETRES, Unit.NOK_1000}  # fmt: skip
GEOJSON = settings.BASE_DIR / "static" / "geo" / "kommuner-2024.geojson"
BAR_COLOUR = "#1b4d36"
HIGHLIGHT_COLOUR = "#a4262c"
MEDIAN_COLOUR = "#212529"
# Line colours that pass 3:1 on white and differ in lightness; each line also has its own dash and marker.
LINE_COLOURS = ["#1b4d36", "#a4262c", "#4a4a8a", "#8a4b00", "#005f73", "#6d2e7a", "#3d5a1e", "#7a3b2e"]
DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot"]
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "triangle-down", "cross", "x", "star"]
# The fewest figures a median is taken of, however small the network: the median of two is only their mean.
MEDIAN_MIN_FIGURES = 3
# The fewest figures quartiles are shown for: two a quartile. With fewer, a quartile holds one municipality or none
# and only restates the rank (a network of seven shows none; every municipality shows them).
QUARTILE_MIN_FIGURES = 8
# The map's fill of each quartile, best first: Kolada's green, two yellows and red. Their lightness differs (dark
# green, pale yellow, orange, mid red), so that they differ without colour vision too; the words say it anyway.
QUARTILE_FILLS = {1: "#14592a", 2: "#f2d45c", 3: "#e8913a", 4: "#d0473f"}
# Why a figure starts a new series (Cell.series_break).
BREAK_METHOD = "method"  # the source changed its method from this figure
BREAK_MERGER = "merger"  # a merged member's first own figure after its predecessors' sums
BREAK_DEFINITION = "definition"  # published under another definition of the indicator than the figure before


def enough_for_median(figures: int, members: int) -> bool:
    """Whether a median of this many figures says something about the members: at least half of them, at least 3."""
    return figures >= MEDIAN_MIN_FIGURES and 2 * figures >= members


def most_members(figures: int, members: int) -> bool:
    """Whether more than half of the members have a figure."""
    return 2 * figures > members


def default_year(counts: dict[int, int], members: int) -> int | None:
    """The year a page shows when none is asked for: the latest in which most members have a figure, else the
    latest with any figure (counts: year → how many members have a figure)."""
    years = sorted(y for y, n in counts.items() if n)
    most = [y for y in years if most_members(counts[y], members)]
    return most[-1] if most else (years[-1] if years else None)


@dataclass(slots=True)
class Cell:
    """A member's figure for one year."""

    figure: Decimal | None
    amount: Decimal | None
    population: Decimal | None
    is_sample: bool = False
    from_predecessors: bool = False
    state: str = ValueState.REPORTED
    source: str = ""  # where the figure came from, as published (the value's own source)
    population_source: str = ""  # where the population it was divided by came from
    new_method: bool = False  # published by a source that changed its method (IndicatorValue.series_break)
    series_break: str = ""  # BREAK_METHOD, BREAK_MERGER or BREAK_DEFINITION when this figure starts a new series
    # How many changes to what the stored numbers mean came after this figure was published: 0, today's definition.
    definitions_since: int = 0

    @property
    def state_label(self) -> str:
        return str(ValueState(self.state).label)


@dataclass
class Member:
    municipality: Municipality
    cells: dict[int, Cell] = field(default_factory=dict)
    predecessor_ids: list[int] = field(default_factory=list)
    predecessor_names: list[str] = field(default_factory=list)
    code: str = ""  # the municipality number in force today (Municipality.kommunenummer)
    url: str = ""  # its dashboard

    def figure(self, year: int) -> Decimal | None:
        cell = self.cells.get(year)
        return cell.figure if cell else None


@dataclass
class Comparison:
    indicator: Indicator
    network: Network | None
    members: list[Member]
    years: list[int]
    year: int | None
    per_inhabitant: bool
    ranking: list[tuple[int, Member, Cell]] = field(default_factory=list)
    median: Decimal | None = None
    medians: dict[int, Decimal] = field(default_factory=dict)  # only the years with enough figures for a median
    counts: dict[int, int] = field(default_factory=dict)  # year → how many members have a figure

    @property
    def member_count(self) -> int:
        return len(self.members)

    @property
    def median_floor(self) -> int:
        return MEDIAN_MIN_FIGURES

    @property
    def median_minimum(self) -> int:
        """The fewest figures a median of the members is shown for."""
        return max(MEDIAN_MIN_FIGURES, (self.member_count + 1) // 2)

    @property
    def has_sample(self) -> bool:
        """Whether any figure compared is sample data (a table then explains its marker once)."""
        return any(c.is_sample for m in self.members for c in m.cells.values())

    @property
    def ranking_has_sample(self) -> bool:
        return any(c.is_sample for _r, _m, c in self.ranking)

    @property
    def amount_decimals(self) -> int:
        """The decimals of the totals per inhabitant figures are computed from (tonnes: 1)."""
        return DECIMALS_BY_UNIT.get(self.indicator.amount_unit, 1)

    @property
    def shows_totals(self) -> bool:
        """Whether the figures are per inhabitant, with the totals they were computed from beside them."""
        return self.per_inhabitant and self.indicator.is_per_inhabitant

    @property
    def medians_missing(self) -> bool:
        """Whether some year with figures has too few of them for a median."""
        return any(y not in self.medians for y in self.years)

    @property
    def median_missing(self) -> bool:
        """Whether the year shown has figures but too few for a median."""
        return self.year is not None and bool(self.ranking) and self.median is None

    @property
    def unit(self) -> str:
        if self.indicator.is_per_inhabitant and not self.per_inhabitant:
            return str(self.indicator.get_amount_unit_display())
        return unit_label(self.indicator)

    @property
    def decimals(self) -> int:
        return decimals_for(self.indicator) if self.per_inhabitant or not self.indicator.is_per_inhabitant else 1

    def rank_of(self, member: Member) -> int | None:
        return next((rank for rank, m, _c in self.ranking if m is member), None)

    @property
    def lower_is_better(self) -> bool:
        return self.indicator.direction == Direction.LOWER

    # --- quartiles -------------------------------------------------------------------------------------------

    def quartiles_in(self, year: int) -> dict[int, int]:
        """Each member's quartile among the members' figures for the year (municipality id → 1–4, 1 the best);
        empty when fewer than QUARTILE_MIN_FIGURES members have a figure, or when no direction is better."""
        if self.indicator.direction == Direction.NEUTRAL:
            return {}
        figures = {m.municipality.pk: m.figure(year) for m in self.members if m.figure(year) is not None}
        return quartiles(figures, higher_is_better=not self.lower_is_better)

    @functools.cached_property
    def quartiles(self) -> dict[int, int]:
        """The quartiles of the year shown (quartiles_in())."""
        return self.quartiles_in(self.year) if self.year is not None else {}

    @property
    def quartile_minimum(self) -> int:
        return QUARTILE_MIN_FIGURES

    @property
    def has_direction(self) -> bool:
        return self.indicator.direction != Direction.NEUTRAL

    @property
    def quartiles_missing(self) -> bool:
        """Whether the year shown has figures but too few for quartiles."""
        return bool(self.ranking) and not self.quartiles

    @property
    def ranked(self) -> list[tuple[int, "Member", Cell, "Quartile | None"]]:
        """The ranking with each member's quartile (None when no quartiles are shown)."""
        return [
            (rank, m, c, Quartile(self.quartiles[m.municipality.pk]) if self.quartiles else None)
            for rank, m, c in self.ranking
        ]

    @property
    def quartile_legend(self) -> list[tuple["Quartile", Decimal, Decimal, int]]:
        """Each quartile of the year shown with its lowest and highest figure and how many members it holds."""
        found: dict[int, list[Decimal]] = {}
        for _rank, m, c in self.ranking:
            if m.municipality.pk in self.quartiles:
                found.setdefault(self.quartiles[m.municipality.pk], []).append(c.figure)
        return [(Quartile(q), min(found[q]), max(found[q]), len(found[q])) for q in sorted(found)]

    # --- series breaks ---------------------------------------------------------------------------------------

    @property
    def breaks(self) -> list[tuple["Member", int, str]]:
        """Each figure that starts a new series: (member, year, BREAK_METHOD or BREAK_MERGER), by year and name."""
        found = [(m, y, c.series_break) for m in self.members for y, c in m.cells.items() if c.series_break]
        return sorted(found, key=lambda b: (b[1], b[0].municipality.name))

    @property
    def break_sentences(self) -> list[str]:
        """Each series break in words, for beside the lines chart."""
        sentences = []
        for member, year, kind in self.breaks:
            if kind == BREAK_MERGER:
                sentence = _(
                    "%(name)s from %(year)s: the figures before are those of %(parts)s added up, before the merger."
                )
            elif kind == BREAK_DEFINITION:
                sentence = _(
                    "%(name)s from %(year)s: the figures before and after were published under different definitions "
                    "of the indicator (its unit or how it is computed changed)."
                )
            else:
                sentence = _("%(name)s from %(year)s: the source changed its method.")
            sentences.append(
                sentence
                % {"name": member.municipality.name, "year": year, "parts": " + ".join(member.predecessor_names)}
            )
        return sentences

    @property
    def ranking_redefined(self) -> list[str]:
        """The members ranked whose figure for the year shown was published under an earlier definition of the
        indicator than the newest among the others': a ranking (and median) that mixes definitions."""
        newest = min((c.definitions_since for _r, _m, c in self.ranking), default=0)
        return [m.municipality.name for _r, m, c in self.ranking if c.definitions_since != newest]

    @property
    def ranking_new_method(self) -> list[str]:
        """The members ranked whose figure for the year shown a source published by a changed method, when others'
        was not: a ranking (and median) that mixes methods. Empty when all or none were."""
        names = [m.municipality.name for _r, m, c in self.ranking if c.new_method]
        return names if len(names) < len(self.ranking) else []


@dataclass(frozen=True)
class Quartile:
    """A quartile of the figures compared: 1 the best, 4 the weakest."""

    number: int

    @property
    def label(self) -> str:
        return quartile_label(self.number)

    @property
    def fill(self) -> str:
        return QUARTILE_FILLS[self.number]


def quartile_label(number: int) -> str:
    """The quartile in words: "1st quartile (best)" … "4th quartile (weakest)"."""
    return {
        1: _("1st quartile (best)"),
        2: _("2nd quartile"),
        3: _("3rd quartile"),
        4: _("4th quartile (weakest)"),
    }[number]


def quartiles(figures: dict, *, higher_is_better: bool) -> dict:
    """Each figure's quartile among the figures, 1 the best; empty with fewer than QUARTILE_MIN_FIGURES figures.

    A figure's rank is 1 + how many figures are better (equal figures share the better rank), and its quartile the
    quarter of the n ranks it falls in: ceil(4 × rank / n). With 357 figures: ranks 1–89, 90–178, 179–267, 268–357.
    """
    if len(figures) < QUARTILE_MIN_FIGURES:
        return {}
    ordered = sorted(figures.values())
    n = len(ordered)
    return {
        key: -(-4 * rank_among(value, ordered, higher_is_better=higher_is_better) // n)
        for key, value in figures.items()
    }


def rank_among(value, ordered: list, *, higher_is_better: bool) -> int:
    """The place of the value among the figures (sorted, lowest first), 1 the best: 1 + how many are better, so
    equal figures share the better place."""
    better = (
        len(ordered) - bisect.bisect_right(ordered, value) if higher_is_better else bisect.bisect_left(ordered, value)
    )
    return better + 1


def better_words(lower_is_better: bool) -> str:
    """“lower is better” or “higher is better”, as a ranking sentence ends."""
    return _("lower is better") if lower_is_better else _("higher is better")


def compare(indicator: Indicator, *, year: int | None, per_inhabitant: bool = True) -> Comparison:
    """Gather the network's figures for the indicator: five queries, however many members and years."""
    return compare_all([indicator], year=year, per_inhabitant=per_inhabitant)[0]


def compare_all(
    indicators: list[Indicator],
    *,
    year: int | None,
    per_inhabitant: bool = True,
    network_slug: str | None = NETWORK_SLUG,
    every_year: bool = True,
    municipality_ids=None,
) -> list[Comparison]:
    """Compare each indicator across the network's members: five queries, however many indicators and members.

    Without the network (network_slug None, or no such network), every municipality with a published
    figure for one of the indicators is compared; with municipality_ids (and no network), those municipalities
    are (a peer group, a list someone chose). every_year=False reads the figures of the year shown only
    (the asked year, else the latest) for a page that shows one year: one query more, a twenty-fifth of the
    figures. Comparison.years still lists every year with published figures, and medians has the one year.
    """
    network = Network.objects.filter(slug=network_slug).first() if network_slug else None
    if network is not None:
        municipalities = current_members(network)
    elif municipality_ids is not None:
        municipalities = Municipality.objects.filter(pk__in=municipality_ids)
    else:
        municipalities = Municipality.objects.filter(
            values__indicator__in=indicators, values__published_at__isnull=False
        )
    municipalities = list(municipalities.filter(dissolved__isnull=True).distinct().order_by("name"))
    by_pk = {m.pk: m for m in municipalities}
    # Numbers and predecessors read as plain rows, not prefetched models: with every municipality, building
    # and walking those instances cost a third of the page.
    codes: dict[int, str] = {}
    for municipality_id, code in (
        MunicipalityCode.objects.filter(municipality_id__in=by_pk)
        .order_by("valid_from")
        .values_list("municipality_id", "code")
    ):
        codes[municipality_id] = code  # the last to start is the one in force (Municipality.kommunenummer)
    url_of_code = reverse("municipality", args=["0000"]).replace("0000", "{}")
    urls = {pk: url_of_code.format(code) for pk, code in codes.items()}
    predecessors: dict[int, list[tuple[int, str]]] = {}
    predecessor_of = {}
    joined: dict[int, datetime.date | None] = {}  # the day a predecessor became part of its successor
    for pk, name, successor_id, dissolved in (
        Municipality.objects.filter(successor_id__in=by_pk)
        .order_by("name")
        .values_list("pk", "name", "successor_id", "dissolved")
    ):
        predecessors.setdefault(successor_id, []).append((pk, name))
        predecessor_of[pk] = by_pk[successor_id]
        joined[pk] = dissolved
    ids = [m.pk for m in municipalities] + list(predecessor_of)
    population = Indicator.objects.population()
    population_id = population.pk
    # How many changes to what a stored number means came after a figure was published (in the same query).
    redefinitions = (
        IndicatorChange.objects.filter(
            indicator=OuterRef("indicator"),
            field__in=IndicatorChange.RECORDING_FIELDS,
            changed_at__gt=OuterRef("published_at"),
        )
        .order_by()
        .values("indicator")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # The published version of each value: a figure under revision shows as last published.
    values = (
        IndicatorValue.objects.published()
        .filter(indicator__in=[*indicators, population], municipality_id__in=ids)
        .order_by()  # read into dictionaries: sorting by the model's ordering (joins, names) is wasted
        .annotate(definitions_since=Coalesce(Subquery(redefinitions), 0))
        .values_list(
            "indicator_id",
            "municipality_id",
            "year",
            "published_value",
            "published_state",
            "published_is_sample",
            "published_source",
            "series_break",
            "definitions_since",
        )
    )
    shown: dict[int, tuple[list[int], int | None]] = {}
    if not every_year:
        shown = _years_shown(indicators, year, population_id, per_inhabitant, members=len(municipalities))
        values = values.filter(year__in={y for _years, y in shown.values()})
    people: dict[tuple[int, int], Decimal] = {}
    amounts: dict[int, dict[tuple[int, int], tuple]] = {i.pk: {} for i in indicators}
    people_sources: dict[tuple[int, int], str] = {}
    new_method: dict[int, set[tuple[int, int]]] = {}  # indicator id → (municipality id, year) of a changed method
    redefined: dict[int, dict[tuple[int, int], int]] = {}  # indicator id → (municipality id, year) → definitions since
    for indicator_id, municipality_id, y, value, state, is_sample, source, series_break, since in values:
        if series_break:
            new_method.setdefault(indicator_id, set()).add((municipality_id, y))
        if since:
            redefined.setdefault(indicator_id, {})[(municipality_id, y)] = since
        if indicator_id == population_id and state == ValueState.REPORTED:
            people[(municipality_id, y)] = value
            people_sources[(municipality_id, y)] = source or population.source
        if indicator_id in amounts:
            amounts[indicator_id][(municipality_id, y)] = (value, state, is_sample, source)
    comparisons = []
    for indicator in indicators:
        comparison = _comparison(
            indicator,
            network=network,
            municipalities=municipalities,
            codes=codes,
            urls=urls,
            predecessors=predecessors,
            predecessor_of=predecessor_of,
            joined=joined,
            amounts=amounts[indicator.pk],
            people=people,
            people_sources=people_sources,
            year=shown[indicator.pk][1] if shown else year,
            per_inhabitant=per_inhabitant and indicator.is_per_inhabitant,
        )
        if shown:
            comparison.years = shown[indicator.pk][0]
        _mark_breaks(
            comparison,
            new_method=new_method.get(indicator.pk, set())
            | (new_method.get(population_id, set()) if comparison.per_inhabitant else set()),
            redefined=redefined.get(indicator.pk, {}),
        )
        comparisons.append(comparison)
    return comparisons


def current_members(network: Network):
    """The municipalities that are members of the network today (the ones a comparison sets side by side)."""
    today = timezone.localdate()
    memberships = NetworkMembership.objects.filter(network=network, joined__lte=today).exclude(left__lt=today)
    return Municipality.objects.filter(memberships__in=memberships, dissolved__isnull=True).distinct()


def members_with_figures(network: Network) -> tuple[dict[int, int], int]:
    """For each year, how many of the network's members have a published figure of any indicator but the
    population (before a merger, the municipalities a member was formed from speak for it); and how many members
    there are. Three queries, however many figures."""
    member_ids = set(current_members(network).values_list("pk", flat=True))
    successor_of = dict(Municipality.objects.filter(successor_id__in=member_ids).values_list("pk", "successor_id"))
    found: dict[int, set[int]] = {}
    for y, municipality_id in (
        IndicatorValue.objects.published()
        .filter(
            indicator__is_population=False,
            published_state=ValueState.REPORTED,
            municipality_id__in=member_ids | set(successor_of),
        )
        .order_by()
        .values_list("year", "municipality_id")
        .distinct()
    ):
        found.setdefault(y, set()).add(successor_of.get(municipality_id, municipality_id))
    return {y: len(members) for y, members in found.items()}, len(member_ids)


def _years_shown(
    indicators: list[Indicator], year: int | None, population_id: int, per_inhabitant: bool, *, members: int
) -> dict[int, tuple[list[int], int | None]]:
    """For each indicator, the years with a published figure, and the one to show: the asked year, else the latest
    in which most of the members compared have a figure (default_year()), else the latest.

    A figure per inhabitant needs the population of its year, so those years must have a published population.
    The figures are counted per municipality as stored: before a merger the merged municipalities count one each.
    """
    found: dict[int, dict[int, int]] = {}
    for indicator_id, y, count in (
        IndicatorValue.objects.published()
        .filter(indicator__in=[*indicators, population_id], published_state=ValueState.REPORTED)
        .order_by()
        .values("indicator_id", "year")
        .annotate(count=Count("id"))
        .values_list("indicator_id", "year", "count")
    ):
        found.setdefault(indicator_id, {})[y] = count
    shown = {}
    for indicator in indicators:
        counts = found.get(indicator.pk, {})
        if per_inhabitant and indicator.is_per_inhabitant:
            counts = {y: n for y, n in counts.items() if y in found.get(population_id, {})}
        ordered = sorted(counts)
        shown[indicator.pk] = (ordered, year if year in counts else default_year(counts, members))
    return shown


def _comparison(
    indicator, *, network, municipalities, codes, urls, predecessors, predecessor_of, joined, amounts, people,
    people_sources, year, per_inhabitant,
) -> Comparison:  # fmt: skip
    """Build one indicator's comparison from figures already read."""
    members = []
    absorbing = set()
    for m in municipalities:
        parts = predecessors.get(m.pk, [])
        first_joined = min((joined[pk] for pk, _name in parts if joined.get(pk)), default=None)
        if parts and first_joined and (m.established is None or m.established < first_joined):
            # It existed before it absorbed the others (Stavanger with Finnøy and Rennesøy): it is a part too.
            absorbing.add(m.pk)
            parts = [(m.pk, m.name), *parts]
        members.append(
            Member(
                m,
                predecessor_ids=[pk for pk, _name in parts],
                predecessor_names=[name for _pk, name in parts],
                code=codes.get(m.pk, ""),
                url=urls.get(m.pk, ""),
            )
        )
    by_id = {m.municipality.pk: m for m in members}
    for (municipality_id, y), (value, state, is_sample, source) in amounts.items():
        member = by_id.get(municipality_id)
        if member is None:
            continue
        established = member.municipality.established
        if established and y < established.year:
            continue  # before it existed; its predecessors speak for it below
        cell = _cell(indicator, value, state, people.get((municipality_id, y)), per_inhabitant, is_sample)
        cell.source = source
        if per_inhabitant:
            cell.population_source = people_sources.get((municipality_id, y), "")
        member.cells[y] = cell
    # Before a merger or an absorption: the amounts and populations of every part of today's member added up.
    grouped: dict[tuple[int, int], list] = {}
    for (municipality_id, y), (value, state, is_sample, _source) in amounts.items():
        successor = predecessor_of.get(municipality_id)
        if successor is None:
            continue
        day = joined.get(municipality_id) or successor.established
        if day is None or y >= day.year:
            continue
        grouped.setdefault((successor.pk, y), []).append((value, state, people.get((municipality_id, y)), is_sample))
    for successor_id, y in list(grouped):
        own = amounts.get((successor_id, y))
        if successor_id in absorbing and own is not None:
            value, state, is_sample, _source = own
            grouped[(successor_id, y)].append((value, state, people.get((successor_id, y)), is_sample))
    for (successor_id, y), parts in grouped.items():
        member = by_id[successor_id]
        if len(parts) < len(member.predecessor_names) or any(
            state != ValueState.REPORTED for _v, state, _p, _s in parts
        ):
            continue  # a sum of some of the parts would mislead
        cell = _combined(indicator, parts, per_inhabitant)
        if cell is not None:
            ids = [pk for pk in member.predecessor_ids if (pk, y) in amounts]
            cell.source = "; ".join(dict.fromkeys(amounts[(pk, y)][3] for pk in ids if amounts[(pk, y)][3]))
            if per_inhabitant:
                cell.population_source = "; ".join(
                    dict.fromkeys(people_sources[(pk, y)] for pk in ids if people_sources.get((pk, y)))
                )
            member.cells[y] = cell

    by_year: dict[int, list[Decimal]] = {}
    for m in members:
        for y, cell in m.cells.items():
            if cell.figure is not None:
                by_year.setdefault(y, []).append(cell.figure)
    years = sorted(by_year)
    counts = {y: len(figures) for y, figures in by_year.items()}
    if year is None or year not in by_year:
        year = default_year(counts, len(members))
    comparison = Comparison(indicator, network, members, years, year, per_inhabitant, counts=counts)
    comparison.medians = {
        y: statistics.median(by_year[y]) for y in years if enough_for_median(len(by_year[y]), len(members))
    }
    if year is not None:
        ranked = sorted(
            ((m, m.cells[year]) for m in members if m.figure(year) is not None),
            key=lambda pair: pair[1].figure,
            reverse=indicator.direction == Direction.HIGHER,
        )
        comparison.ranking = [(rank, m, c) for rank, (m, c) in enumerate(ranked, start=1)]
        comparison.median = comparison.medians.get(year)
    return comparison


def _mark_breaks(
    comparison: Comparison, *, new_method: set[tuple[int, int]], redefined: dict[tuple[int, int], int]
) -> None:
    """Mark the figures a changed method touched (new_method: municipality id and year of each, the population's
    included for figures per inhabitant), those published under an earlier definition (redefined: how many changes
    since), and each figure that starts a new series (see the module's docstring)."""
    for member in comparison.members:
        previous: Cell | None = None
        for y in sorted(member.cells):
            cell = member.cells[y]
            if cell.figure is None:
                continue  # not reported: the line has no point there, and the next figure follows the last one
            parts = member.predecessor_ids if cell.from_predecessors else [member.municipality.pk]
            cell.new_method = any((pk, y) in new_method for pk in parts)
            cell.definitions_since = max(redefined.get((pk, y), 0) for pk in parts)
            if previous is not None and previous.from_predecessors and not cell.from_predecessors:
                cell.series_break = BREAK_MERGER
            elif previous is not None and cell.definitions_since != previous.definitions_since:
                cell.series_break = BREAK_DEFINITION
            elif previous is not None and cell.new_method and not previous.new_method:
                cell.series_break = BREAK_METHOD
            previous = cell


def _cell(indicator, value, state, population, per_inhabitant, is_sample) -> Cell:
    if state != ValueState.REPORTED:
        return Cell(None, None, population, is_sample, state=state)
    figure = indicator.per_inhabitant(value, population) if per_inhabitant else value
    return Cell(figure, value, population, is_sample)


def _combined(indicator, parts, per_inhabitant) -> Cell | None:
    values = [v for v, _state, _p, _s in parts]
    populations = [p for _v, _state, p, _s in parts]
    is_sample = any(s for *_rest, s in parts)
    known_population = None if any(p is None for p in populations) else sum(populations)
    if indicator.is_per_inhabitant or indicator.unit in ADDITIVE_UNITS:
        amount = sum(values)
        figure = indicator.per_inhabitant(amount, known_population) if per_inhabitant else amount
        return Cell(figure, amount, known_population, is_sample, from_predecessors=True)
    if known_population:  # a share or rate: the mean weighted by population
        figure = sum(v * p for v, p in zip(values, populations, strict=True)) / known_population
        return Cell(figure, None, known_population, is_sample, from_predecessors=True)
    return None


@dataclass
class SourceUse:
    """A source the figures shown came from, and whose figures: every member's, or the named ones'."""

    source: str
    names: list[str]
    everyone: bool


def sources(comparison: Comparison, years: list[int]) -> dict[str, list[SourceUse]]:
    """Where the figures shown for the years came from: the values' own sources ("values") and, for figures per
    inhabitant, the populations' ("population"); a value without a source of its own has the indicator's."""
    found: dict[str, dict[str, dict[str, None]]] = {"values": {}, "population": {}}
    members_shown: dict[str, None] = {}
    for member in comparison.members:
        for y in years:
            cell = member.cells.get(y)
            if cell is None:
                continue
            members_shown[member.municipality.name] = None
            source = cell.source or comparison.indicator.source
            if source:
                found["values"].setdefault(source, {})[member.municipality.name] = None
            if comparison.per_inhabitant and cell.population_source:
                found["population"].setdefault(cell.population_source, {})[member.municipality.name] = None
    return {
        kind: [SourceUse(source, list(names), len(names) == len(members_shown)) for source, names in by_source.items()]
        for kind, by_source in found.items()
    }


def position_sentence(comparison: Comparison, member: Member) -> str:
    rank = comparison.rank_of(member)
    if rank is None:
        return _("%(name)s has no published figure for %(year)s.") % {
            "name": member.municipality.name,
            "year": comparison.year,
        }
    better = better_words(comparison.lower_is_better)
    return _("%(name)s is number %(rank)s of %(count)s in %(year)s (%(better)s).") % {
        "name": member.municipality.name,
        "rank": rank,
        "count": len(comparison.ranking),
        "year": comparison.year,
        "better": better,
    }


def member_label(member: Member, year: int | None = None) -> str:
    cell = member.cells.get(year) if year is not None else None
    if cell and cell.from_predecessors:
        return f"{member.municipality.name} ({' + '.join(member.predecessor_names)})"
    return member.municipality.name


def _figure(data: list[dict], **extra) -> dict:
    return figure(
        data,
        separators=chart_separators(),
        font={"family": "system-ui, sans-serif", "size": 13, "color": "#212529"},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        **extra,
    )


def ranking_chart(comparison: Comparison, highlight: Member | None) -> dict:
    rows = list(reversed(comparison.ranking))  # best at the top of a horizontal bar chart
    bars = [
        trace(
            "bar",
            orientation="h",
            x=[float(c.figure) for _r, _m, c in rows],
            y=[f"{r}. {member_label(m, comparison.year)}" for r, m, _c in rows],
            text=[format_number(c.figure, comparison.decimals) for _r, _m, c in rows],
            textposition="outside",
            marker={
                "color": [HIGHLIGHT_COLOUR if m is highlight else BAR_COLOUR for _r, m, _c in rows],
                # Sample data and merged predecessors carry a hatch, so they differ without colour too.
                "pattern": {"shape": ["/" if c.is_sample else ("." if c.from_predecessors else "") for *_x, c in rows]},
            },
            hovertemplate="%{y}: %{text}<extra></extra>",
            name=comparison.unit,
            showlegend=False,
            cliponaxis=False,
        )
    ]
    # Each hatch has a legend entry that says what it means (an empty bar of that hatch, drawn nowhere).
    for shown, shape, name in (
        (any(c.is_sample for *_x, c in rows), "/", _("Hatched: sample data, not real figures")),
        (
            any(c.from_predecessors for *_x, c in rows),
            ".",
            _("Dotted: computed from the municipalities a member was formed from"),
        ),
    ):
        if shown:
            bars.append(
                trace(
                    "bar",
                    orientation="h",
                    x=[None],
                    y=[None],
                    name=name,
                    marker={"color": BAR_COLOUR, "pattern": {"shape": shape}},
                    hoverinfo="skip",
                )
            )
    shapes, annotations = [], []
    if comparison.median is not None:
        shape, annotation = vertical_line(
            float(comparison.median),
            line={"color": MEDIAN_COLOUR, "dash": "dash", "width": 2},
            text=_("Median %(value)s") % {"value": format_number(comparison.median, comparison.decimals)},
        )
        shapes, annotations = [shape], [annotation]
    return _figure(
        bars,
        height=max(260, 40 * len(rows) + 140),
        # automargin gives the names on the left the room they need, at a phone's width too.
        margin={"l": 10, "r": 50, "t": 30, "b": 50},
        xaxis={"title": {"text": comparison.unit}, "rangemode": "tozero", "automargin": True},
        yaxis={"automargin": True},
        showlegend=len(bars) > 1,
        legend={"orientation": "h", "y": -0.25, "yanchor": "top"},
        shapes=shapes,
        annotations=annotations,
    )


def lines_chart(comparison: Comparison, highlight: Member | None) -> dict:
    """Every member's line over time and the median's; a line breaks at a year without a figure (or median), and
    before a figure that starts a new series, marked by a dotted vertical line."""
    data = []
    for index, member in enumerate(comparison.members):
        figures = {y: member.figure(y) for y in comparison.years if member.figure(y) is not None}
        if not figures:
            continue
        years, values = every_year(figures)
        emphasised = member is highlight
        symbol = SYMBOLS[index % len(SYMBOLS)]
        symbols = [
            f"{symbol}-open" if y in member.cells and member.cells[y].from_predecessors else symbol for y in years
        ]
        texts = [format_number(v, comparison.decimals) if v is not None else "" for v in values]
        starts = {y for y, cell in member.cells.items() if cell.series_break}
        years, values, symbols, texts = gaps_before(starts, years, values, symbols, texts)
        data.append(
            trace(
                "scatter",
                x=years,
                y=[float(v) if v is not None else None for v in values],
                name=member.municipality.name,
                mode="lines+markers",
                connectgaps=False,
                line={
                    "color": LINE_COLOURS[index % len(LINE_COLOURS)],
                    "dash": DASHES[index % len(DASHES)],
                    "width": 4 if emphasised else 2,
                },
                marker={"symbol": symbols, "size": 8},
                text=texts,
                hovertemplate=member.municipality.name + " %{x}: %{text}<extra></extra>",
            )
        )
    if comparison.medians and comparison.years:
        years = list(range(comparison.years[0], comparison.years[-1] + 1))
        medians = [comparison.medians.get(y) for y in years]
        data.append(
            trace(
                "scatter",
                x=years,
                y=[float(m) if m is not None else None for m in medians],
                name=_("Network median") if comparison.network else _("Median"),
                mode="lines",
                connectgaps=False,
                line={"color": MEDIAN_COLOUR, "dash": "dash", "width": 3},
                text=[format_number(m, comparison.decimals) if m is not None else "" for m in medians],
                hovertemplate=_("Median") + " %{x}: %{text}<extra></extra>",
            )
        )
    if any(c.from_predecessors for m in comparison.members for c in m.cells.values()):
        # The open markers' meaning, as a legend entry of its own (a point outside the plot draws nothing).
        data.append(
            trace(
                "scatter",
                x=[None],
                y=[None],
                name=_("Open marker: computed from the municipalities a member was formed from"),
                mode="markers",
                marker={"symbol": "circle-open", "size": 8, "color": MEDIAN_COLOUR},
                hoverinfo="skip",
            )
        )
    shapes, legend = marked_lines(
        [year - 0.5 for year in sorted({y for _m, y, _kind in comparison.breaks})],
        line={"color": MEDIAN_COLOUR, "dash": "dot", "width": 1},
        name=_("Dotted vertical line: a series break"),
    )
    return _figure(
        data + legend,
        height=420,
        shapes=shapes,
        margin={"l": 70, "r": 10, "t": 10, "b": 40},
        yaxis={
            "title": {"text": comparison.unit},
            "rangemode": "tozero",
            "separatethousands": True,
            "automargin": True,
        },
        xaxis={"tickformat": "d", "automargin": True},
        legend={"orientation": "h", "y": -0.2},
    )


@functools.cache
def all_codes() -> list[str]:
    """The municipality numbers in the border file, read once per process."""
    with GEOJSON.open(encoding="utf-8") as file:
        return [feature["properties"]["kommunenummer"] for feature in json.load(file)["features"]]


def map_chart(comparison: Comparison, geojson_url: str) -> dict:
    """A choropleth of the chosen year; the browser fetches the borders from geojson_url (no map tiles)."""
    rows = [(m, m.cells[comparison.year]) for _r, m, _c in comparison.ranking]
    data = [
        # Every municipality in light grey, for the outline of Norway; the members on top in colour.
        trace(
            "choroplethmap",
            locations=all_codes(),
            z=[0] * len(all_codes()),
            featureidkey="properties.kommunenummer",
            colorscale=[[0, "#e9ecef"], [1, "#e9ecef"]],
            showscale=False,
            marker={"line": {"color": "#ffffff", "width": 0.4}},
            hoverinfo="skip",
        ),
        trace(
            "choroplethmap",
            locations=[m.code for m, _c in rows],
            z=[float(c.figure) for _m, c in rows],
            featureidkey="properties.kommunenummer",
            text=[
                f"{member_label(m, comparison.year)}: {format_number(c.figure, comparison.decimals)}" for m, c in rows
            ],
            hoverinfo="text",
            # The two palest greens are left out: the worst figure stays visible against the grey country.
            colorscale=colorscale(
                "Greens", reverse=comparison.indicator.direction != Direction.HIGHER, skip_lightest=2
            ),
            marker={"line": {"color": "#212529", "width": 0.8}},
            colorbar={"title": {"text": comparison.unit}},
        ),
    ]
    if comparison.quartiles:
        _colour_by_quartile(data[1], comparison, rows)
    chart = _figure(
        data,
        height=560,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        # "white-bg" draws no tiles: the map needs nothing but the borders the portal serves.
        map={"style": "white-bg", "center": {"lat": 65.0, "lon": 15.0}, "zoom": 3.1},
    )
    chart["geojson_url"] = geojson_url
    return chart


def _colour_by_quartile(members: dict, comparison: Comparison, rows: list[tuple[Member, Cell]]) -> None:
    """Colour the members' trace of the map by quartile (z 1–4, one fill each) and say the quartile on hover;
    the legend is the page's own, beside the map, in words."""
    numbers = [comparison.quartiles[m.municipality.pk] for m, _c in rows]
    members["z"] = numbers
    members["zmin"], members["zmax"] = 0.5, 4.5
    # A step per quartile: each quarter of the scale's range holds one colour.
    members["colorscale"] = [
        [position, QUARTILE_FILLS[q]] for q in range(1, 5) for position in (round((q - 1) / 4, 2), round(q / 4, 2))
    ]
    members["showscale"] = False
    members.pop("colorbar", None)
    members["text"] = [f"{text} · {quartile_label(q)}" for text, q in zip(members["text"], numbers, strict=True)]


def rows_for_download(comparison: Comparison, *, only_year: int | None) -> list[list]:
    indicator = comparison.indicator
    header = [
        _("Municipality number"),
        _("Municipality"),
        _("Year"),
        _("Value"),
        _("Unit"),
        _("Total amount"),
        _("Unit of the amount"),
        _("Population"),
        _("State"),
        _("Sample data"),
        _("Computed from"),
        _("Quartile (1 = best)"),
        _("Source"),
        _("Licence"),
    ]
    rows = [header]
    years = [only_year] if only_year else comparison.years
    quartiles_by_year = {y: comparison.quartiles_in(y) for y in years}
    for member in comparison.members:
        for y in years:
            cell = member.cells.get(y)
            if cell is None:
                continue
            rows.append(
                [
                    member.code,
                    member.municipality.name,
                    y,
                    cell.figure.quantize(Decimal("0.001")) if cell.figure is not None else None,
                    comparison.unit,
                    cell.amount if indicator.is_per_inhabitant else None,
                    str(indicator.get_amount_unit_display()) if indicator.is_per_inhabitant else "",
                    cell.population,
                    str(ValueState(cell.state).label),
                    _("yes") if cell.is_sample else "",
                    " + ".join(member.predecessor_names) if cell.from_predecessors else "",
                    quartiles_by_year[y].get(member.municipality.pk),
                    indicator.source,
                    licence(indicator.source, is_sample=cell.is_sample),
                ]
            )
    return rows
