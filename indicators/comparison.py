"""One indicator across the municipalities of a network: ranking, lines over time, median, map.

A member formed by a merger (Fjord, 2020) is shown before its establishment by the
sum of the municipalities it was formed from (Norddal and Stordal), marked as such:
amounts and populations add up, and the per-inhabitant figure is computed from the sums.
"""

import functools
import json
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.charts import colorscale, figure, trace, vertical_line
from indicators.exports import licence
from indicators.models import (
    NETWORK_SLUG,
    Direction,
    Indicator,
    IndicatorValue,
    Municipality,
    MunicipalityCode,
    Network,
    NetworkMembership,
    Unit,
    ValueState,
)
from indicators.numbers import chart_separators, decimals_for, format_number, unit_label

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


@dataclass(slots=True)
class Cell:
    """A member's figure for one year."""

    figure: Decimal | None
    amount: Decimal | None
    population: Decimal | None
    is_sample: bool = False
    from_predecessors: bool = False
    state: str = ValueState.REPORTED

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
    medians: dict[int, Decimal] = field(default_factory=dict)

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
) -> list[Comparison]:
    """Compare each indicator across the network's members: five queries, however many indicators and members.

    Without the network (network_slug None, or no such network), every municipality with a published
    figure for one of the indicators is compared. every_year=False reads the figures of the year shown only
    (the asked year, else the latest) for a page that shows one year: one query more, a twenty-fifth of the
    figures. Comparison.years still lists every year with published figures, and medians has the one year.
    """
    network = Network.objects.filter(slug=network_slug).first() if network_slug else None
    today = timezone.localdate()
    if network is not None:
        memberships = NetworkMembership.objects.filter(network=network, joined__lte=today).exclude(left__lt=today)
        municipalities = Municipality.objects.filter(memberships__in=memberships)
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
    for pk, name, successor_id in (
        Municipality.objects.filter(successor_id__in=by_pk).order_by("name").values_list("pk", "name", "successor_id")
    ):
        predecessors.setdefault(successor_id, []).append((pk, name))
        predecessor_of[pk] = by_pk[successor_id]
    ids = [m.pk for m in municipalities] + list(predecessor_of)
    population = Indicator.objects.population()
    population_id = population.pk
    # The published version of each value: a figure under revision shows as last published.
    values = (
        IndicatorValue.objects.published()
        .filter(indicator__in=[*indicators, population], municipality_id__in=ids)
        .order_by()  # read into dictionaries: sorting by the model's ordering (joins, names) is wasted
        .values_list(
            "indicator_id", "municipality_id", "year", "published_value", "published_state", "published_is_sample"
        )
    )
    shown: dict[int, tuple[list[int], int | None]] = {}
    if not every_year:
        shown = _years_shown(indicators, year, population_id, per_inhabitant)
        values = values.filter(year__in={y for _years, y in shown.values()})
    people: dict[tuple[int, int], Decimal] = {}
    amounts: dict[int, dict[tuple[int, int], tuple]] = {i.pk: {} for i in indicators}
    for indicator_id, municipality_id, y, value, state, is_sample in values:
        if indicator_id == population_id and state == ValueState.REPORTED:
            people[(municipality_id, y)] = value
        if indicator_id in amounts:
            amounts[indicator_id][(municipality_id, y)] = (value, state, is_sample)
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
            amounts=amounts[indicator.pk],
            people=people,
            year=shown[indicator.pk][1] if shown else year,
            per_inhabitant=per_inhabitant and indicator.is_per_inhabitant,
        )
        if shown:
            comparison.years = shown[indicator.pk][0]
        comparisons.append(comparison)
    return comparisons


def _years_shown(
    indicators: list[Indicator], year: int | None, population_id: int, per_inhabitant: bool
) -> dict[int, tuple[list[int], int | None]]:
    """For each indicator, the years with a published figure, and the one to show: the asked year, else the latest.

    A figure per inhabitant needs the population of its year, so those years must have a published population.
    """
    found: dict[int, set[int]] = {}
    for indicator_id, y in (
        IndicatorValue.objects.published()
        .filter(indicator__in=[*indicators, population_id], published_state=ValueState.REPORTED)
        .order_by()
        .values_list("indicator_id", "year")
        .distinct()
    ):
        found.setdefault(indicator_id, set()).add(y)
    shown = {}
    for indicator in indicators:
        years = found.get(indicator.pk, set())
        if per_inhabitant and indicator.is_per_inhabitant:
            years &= found.get(population_id, set())
        ordered = sorted(years)
        shown[indicator.pk] = (ordered, year if year in years else (ordered[-1] if ordered else None))
    return shown


def _comparison(
    indicator, *, network, municipalities, codes, urls, predecessors, predecessor_of, amounts, people, year,
    per_inhabitant,
) -> Comparison:  # fmt: skip
    """Build one indicator's comparison from figures already read."""
    members = [
        Member(
            m,
            predecessor_ids=[pk for pk, _name in predecessors.get(m.pk, [])],
            predecessor_names=[name for _pk, name in predecessors.get(m.pk, [])],
            code=codes.get(m.pk, ""),
            url=urls.get(m.pk, ""),
        )
        for m in municipalities
    ]
    by_id = {m.municipality.pk: m for m in members}
    for (municipality_id, y), (value, state, is_sample) in amounts.items():
        member = by_id.get(municipality_id)
        if member is None:
            continue
        established = member.municipality.established
        if established and y < established.year:
            continue  # before it existed; its predecessors speak for it below
        member.cells[y] = _cell(indicator, value, state, people.get((municipality_id, y)), per_inhabitant, is_sample)
    # Before a merger: the predecessors' amounts and populations added up.
    grouped: dict[tuple[int, int], list] = {}
    for (municipality_id, y), (value, state, is_sample) in amounts.items():
        successor = predecessor_of.get(municipality_id)
        if successor is None:
            continue
        established = successor.established
        if established is None or y >= established.year:
            continue
        grouped.setdefault((successor.pk, y), []).append((value, state, people.get((municipality_id, y)), is_sample))
    for (successor_id, y), parts in grouped.items():
        member = by_id[successor_id]
        if len(parts) < len(member.predecessor_names) or any(
            state != ValueState.REPORTED for _v, state, _p, _s in parts
        ):
            continue  # a sum of some of the parts would mislead
        cell = _combined(indicator, parts, per_inhabitant)
        if cell is not None:
            member.cells[y] = cell

    years = sorted({y for m in members for y, c in m.cells.items() if c.figure is not None})
    if year is None or year not in years:
        year = years[-1] if years else None
    comparison = Comparison(indicator, network, members, years, year, per_inhabitant)
    by_year: dict[int, list[Decimal]] = {}
    for m in members:
        for y, cell in m.cells.items():
            if cell.figure is not None:
                by_year.setdefault(y, []).append(cell.figure)
    comparison.medians = {y: statistics.median(by_year[y]) for y in years}
    if year is not None:
        ranked = sorted(
            ((m, m.cells[year]) for m in members if m.figure(year) is not None),
            key=lambda pair: pair[1].figure,
            reverse=indicator.direction == Direction.HIGHER,
        )
        comparison.ranking = [(rank, m, c) for rank, (m, c) in enumerate(ranked, start=1)]
        comparison.median = comparison.medians.get(year)
    return comparison


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


def position_sentence(comparison: Comparison, member: Member) -> str:
    rank = comparison.rank_of(member)
    if rank is None:
        return _("%(name)s has no published figure for %(year)s.") % {
            "name": member.municipality.name,
            "year": comparison.year,
        }
    better = _("lower is better") if comparison.lower_is_better else _("higher is better")
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
        )
    ]
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
        height=max(220, 40 * len(rows) + 80),
        # The names take the room they need (automargin), so on a phone the bars keep the rest.
        margin={"l": 10, "r": 60, "t": 30, "b": 40},
        xaxis={"title": {"text": comparison.unit}, "rangemode": "tozero"},
        yaxis={"automargin": True},
        showlegend=False,
        shapes=shapes,
        annotations=annotations,
    )


def lines_chart(comparison: Comparison, highlight: Member | None) -> dict:
    data = []
    for index, member in enumerate(comparison.members):
        years = [y for y in comparison.years if member.figure(y) is not None]
        if not years:
            continue
        emphasised = member is highlight
        data.append(
            trace(
                "scatter",
                x=years,
                y=[float(member.figure(y)) for y in years],
                name=member.municipality.name,
                mode="lines+markers",
                line={
                    "color": LINE_COLOURS[index % len(LINE_COLOURS)],
                    "dash": DASHES[index % len(DASHES)],
                    "width": 4 if emphasised else 2,
                },
                marker={
                    "symbol": [
                        f"{SYMBOLS[index % len(SYMBOLS)]}-open"
                        if member.cells[y].from_predecessors
                        else SYMBOLS[index % len(SYMBOLS)]
                        for y in years
                    ],
                    "size": 8,
                },
                text=[format_number(member.figure(y), comparison.decimals) for y in years],
                hovertemplate=member.municipality.name + " %{x}: %{text}<extra></extra>",
            )
        )
    if comparison.medians:
        years = sorted(comparison.medians)
        data.append(
            trace(
                "scatter",
                x=years,
                y=[float(comparison.medians[y]) for y in years],
                name=_("Network median"),
                mode="lines",
                line={"color": MEDIAN_COLOUR, "dash": "dash", "width": 3},
                text=[format_number(comparison.medians[y], comparison.decimals) for y in years],
                hovertemplate=_("Median") + " %{x}: %{text}<extra></extra>",
            )
        )
    return _figure(
        data,
        height=380,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        yaxis={"title": {"text": comparison.unit}, "rangemode": "tozero", "separatethousands": True},
        xaxis={"tickformat": "d"},
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
            colorscale=colorscale("Greens", reverse=comparison.indicator.direction != Direction.HIGHER),
            marker={"line": {"color": "#212529", "width": 0.8}},
            colorbar={"title": {"text": comparison.unit}},
        ),
    ]
    chart = _figure(
        data,
        height=560,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        # "white-bg" draws no tiles: the map needs nothing but the borders the portal serves.
        map={"style": "white-bg", "center": {"lat": 65.0, "lon": 15.0}, "zoom": 3.1},
    )
    chart["geojson_url"] = geojson_url
    return chart


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
        _("Source"),
        _("Licence"),
    ]
    rows = [header]
    years = [only_year] if only_year else comparison.years
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
                    indicator.source,
                    licence(indicator.source, is_sample=cell.is_sample),
                ]
            )
    return rows
