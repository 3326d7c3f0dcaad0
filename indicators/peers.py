"""Compare like with like: a municipality beside its networks, its county, its KOSTRA group and the country.

Every reference figure is the median of published figures of one year, computed by the same rule as the
comparison (indicators/comparison.py: per inhabitant from the figure and the population of its year, a merged
municipality's predecessors added up before the merger), over today's municipalities in the set. Each says how many
municipalities it rests on, of how many in the set; a median is shown only when enough of them have a figure
(comparison.enough_for_median: at least three, and at least half of the set), so one early reporter never stands
for the country.

- The county is read from the municipality's number in force that year (its first two digits: Kongsberg's 0604
  was Buskerud in 2019, 3006 Viken in 2020, 3303 Buskerud again from 2024); before a merger, from today's number.
- The KOSTRA group is the one of the grouping's version in force on 1 January of the year. For a year before the
  first version loaded, the earliest version is used, and the page says which.
- A comparison group someone chose (a list of municipality numbers in the address) is compared the same way.
"""

import datetime
import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators import comparison
from indicators.models import (
    Indicator,
    Municipality,
    MunicipalityCode,
    NetworkMembership,
    PeerGroup,
    PeerGroupMembership,
)

# Norway's counties by number. A number belongs to one era of the county register (19 counties until 2017,
# Trøndelag from 2018, 11 counties 2020–2023, 15 from 2024), so one table serves every year.
COUNTIES = {
    "01": "Østfold", "02": "Akershus", "03": "Oslo", "04": "Hedmark", "05": "Oppland", "06": "Buskerud",
    "07": "Vestfold", "08": "Telemark", "09": "Aust-Agder", "10": "Vest-Agder", "11": "Rogaland",
    "12": "Hordaland", "14": "Sogn og Fjordane", "15": "Møre og Romsdal", "16": "Sør-Trøndelag",
    "17": "Nord-Trøndelag", "18": "Nordland", "19": "Troms", "20": "Finnmark", "30": "Viken", "31": "Østfold",
    "32": "Akershus", "33": "Buskerud", "34": "Innlandet", "38": "Vestfold og Telemark", "39": "Vestfold",
    "40": "Telemark", "42": "Agder", "46": "Vestland", "50": "Trøndelag", "54": "Troms og Finnmark",
    "55": "Troms", "56": "Finnmark",
}  # fmt: skip
# The most municipalities a chosen comparison group may list: enough for a region, few enough for an address.
MAX_CHOSEN = 60


class Kind:
    NETWORK = "network"
    COUNTY = "county"
    PEERS = "peers"
    CHOSEN = "chosen"
    COUNTRY = "country"


@dataclass
class Reference:
    """One set of municipalities compared with the municipality: its median and the municipality's place in it."""

    kind: str
    label: str
    size: int  # today's municipalities in the set
    count: int  # of them, how many have a figure for the year
    median: Decimal | None  # None when too few have a figure
    rank: int | None = None  # the municipality's place among those with a figure (1 is best)
    is_example: bool = False  # the set is made up for the demo (the demo's KOSTRA groups)

    @property
    def rests_on(self) -> str:
        return ngettext("%(count)s of %(size)s municipality", "%(count)s of %(size)s municipalities", self.size) % {
            "count": self.count,
            "size": self.size,
        }


@dataclass
class Panel:
    """The municipality beside the sets it belongs to, for one indicator and year."""

    indicator: Indicator
    municipality: Municipality
    year: int
    figure: Decimal | None
    references: list[Reference] = field(default_factory=list)
    group: PeerGroup | None = None
    group_year_used: int | None = None  # set when the group's version is not the year's (none was loaded for it)
    unknown_codes: list[str] = field(default_factory=list)  # chosen numbers that name no municipality today
    lower_is_better: bool = True
    decimals: int = 1
    unit: str = ""

    @property
    def peers(self) -> Reference | None:
        return next((r for r in self.references if r.kind == Kind.PEERS), None)

    @property
    def sentence(self) -> str:
        return peer_sentence(self.municipality.name, self.group, self.peers, self.year, self.lower_is_better)


def peer_sentence(name: str, group: PeerGroup | None, peers: Reference | None, year: int, lower_is_better: bool) -> str:
    """“Kongsberg is in KOSTRA group 13; among the 46 municipalities in the group it is number 12 in 2022 (lower
    is better).”"""
    if group is None or peers is None:
        return ""
    better = comparison.better_words(lower_is_better)
    values = {
        "name": name,
        "group": group.label,
        "rank": peers.rank,
        "count": peers.count,
        "size": peers.size,
        "year": str(year),
        "better": better,
    }
    if peers.rank is None:
        return _("%(name)s is in %(group)s; it has no published figure for %(year)s.") % values
    if not comparison.enough_for_median(peers.count, peers.size):
        return (
            _(
                "%(name)s is in %(group)s; too few of its municipalities have a figure for %(year)s to place "
                "%(name)s among them (%(count)s of %(size)s)."
            )
            % values
        )
    if peers.count == peers.size:
        return (
            _(
                "%(name)s is in %(group)s; among the %(size)s municipalities in the group, %(name)s is number %(rank)s "
                "in %(year)s (%(better)s)."
            )
            % values
        )
    return (
        _(
            "%(name)s is in %(group)s; among the %(count)s of its %(size)s municipalities with a figure for "
            "%(year)s, %(name)s is number %(rank)s (%(better)s)."
        )
        % values
    )


def _reference(kind, label, ids, figures, own, lower_is_better, **extra) -> Reference:
    """The median of the figures of the municipalities in ids (a set of today's municipalities)."""
    found = [figures[pk] for pk in ids if pk in figures]
    enough = comparison.enough_for_median(len(found), len(ids))
    return Reference(
        kind,
        label,
        size=len(ids),
        count=len(found),
        median=statistics.median(found) if enough and found else None,
        rank=comparison.rank_among(own, sorted(found), higher_is_better=not lower_is_better)
        if own is not None
        else None,
        **extra,
    )


def group_of_year(groups: list[PeerGroup], year: int) -> PeerGroup:
    """Of a municipality's KOSTRA groups, one per version, oldest first: the one of the version in force in the
    year, else of the latest version before it, else of the earliest."""
    day = datetime.date(year, 1, 1)
    applying = [g for g in groups if g.applies_in(year)]
    before = [g for g in groups if g.valid_from <= day]
    return applying[0] if applying else before[-1] if before else groups[0]


def group_in(municipality_id: int, year: int) -> tuple[PeerGroup | None, int | None]:
    """The municipality's KOSTRA group in the year, and the year its version started when that is not the year's
    (no version was loaded for the year: the nearest is used). One query."""
    groups = [
        m.group
        for m in PeerGroupMembership.objects.filter(municipality_id=municipality_id)
        .select_related("group")
        .order_by("valid_from")
    ]
    if not groups:
        return None, None
    group = group_of_year(groups, year)
    return group, None if group.applies_in(year) else group.valid_from.year


def current_register() -> dict[int, str]:
    """Today's municipalities with their current numbers. One query."""
    numbers: dict[int, str] = {}
    for pk, code in (
        MunicipalityCode.objects.filter(municipality__dissolved__isnull=True)
        .order_by("valid_from")
        .values_list("municipality_id", "code")
    ):
        numbers[pk] = code  # the last to start is the one in force
    return numbers


def counties_in(year: int, register: dict[int, str]) -> tuple[dict[int, str], dict[str, set[int]]]:
    """Each of today's municipalities' county in the year (by its number then, else today's; see the module's
    docstring), and the municipalities of each county. One query."""
    in_year = dict(
        MunicipalityCode.objects.in_force(year)
        .filter(municipality_id__in=register)
        .values_list("municipality_id", "code")
    )
    county_of = {pk: (in_year.get(pk) or code)[:2] for pk, code in register.items()}
    members: dict[str, set[int]] = {}
    for pk, county in county_of.items():
        members.setdefault(county, set()).add(pk)
    return county_of, members


def panel(
    indicator: Indicator,
    municipality: Municipality,
    *,
    year: int | None,
    per_inhabitant: bool = True,
    chosen: list[str] | None = None,
) -> Panel | None:
    """The municipality beside its networks, county, KOSTRA group, a chosen group and the country, for the year
    (None: the latest in which most municipalities have a figure). None when nobody has a figure. Eleven queries,
    however many municipalities: the comparison of everyone (comparison.compare_all), the register, the numbers of
    the year, the networks and their members, the KOSTRA group and its members."""
    everyone = comparison.compare_all([indicator], year=year, per_inhabitant=per_inhabitant, network_slug=None,
                                      every_year=False)[0]  # fmt: skip
    if everyone.year is None:
        return None
    year = everyone.year
    figures = {m.municipality.pk: m.figure(year) for m in everyone.members if m.figure(year) is not None}
    own = figures.get(municipality.pk)
    lower = everyone.lower_is_better
    register = current_register()
    today_ids = set(register)
    result = Panel(
        indicator, municipality, year, own, lower_is_better=lower, decimals=everyone.decimals, unit=everyone.unit
    )
    references = result.references

    today = timezone.localdate()
    memberships = (
        NetworkMembership.objects.filter(Q(left__isnull=True) | Q(left__gte=today), joined__lte=today)
        .filter(network__memberships__municipality=municipality)
        .values_list("network_id", "network__name", "municipality_id")
        .distinct()
    )
    networks: dict[int, tuple[str, set[int]]] = {}
    for network_id, name, member_id in memberships:
        networks.setdefault(network_id, (name, set()))[1].add(member_id)
    for name, ids in sorted(networks.values()):
        references.append(_reference(Kind.NETWORK, name, ids & today_ids, figures, own, lower))

    county_of, counties = counties_in(year, register)
    county = county_of.get(municipality.pk, "")
    if county in COUNTIES:
        references.append(_reference(Kind.COUNTY, COUNTIES[county], counties[county], figures, own, lower))

    group, version_year = group_in(municipality.pk, year)
    if group is not None:
        ids = set(group.memberships.values_list("municipality_id", flat=True)) & today_ids
        references.append(_reference(Kind.PEERS, group.label, ids, figures, own, lower, is_example=group.is_example))
        result.group, result.group_year_used = group, version_year

    if chosen:
        by_number = {code: pk for pk, code in register.items()}
        ids = {by_number[code] for code in chosen if code in by_number}
        result.unknown_codes = [code for code in chosen if code not in by_number]
        if ids:
            references.append(
                _reference(
                    Kind.CHOSEN,
                    ngettext(
                        "Chosen group (%(count)s municipality)", "Chosen group (%(count)s municipalities)", len(ids)
                    )
                    % {"count": len(ids)},
                    ids,
                    figures,
                    own,
                    lower,
                )
            )

    references.append(_reference(Kind.COUNTRY, _("The whole country"), today_ids, figures, own, lower))
    return result


def chosen_codes(text: str) -> list[str]:
    """The municipality numbers of a chosen group in an address (?gruppe=3303,3048,1833), in order, at most
    MAX_CHOSEN; anything that is not a four-digit number is left out."""
    codes = [part.strip() for part in text.replace(" ", ",").split(",")]
    return list(dict.fromkeys(c for c in codes if len(c) == 4 and c.isdigit()))[:MAX_CHOSEN]


@dataclass
class Position:
    """A municipality's place in its KOSTRA group for one indicator: for the dashboard. Its sentence is put into
    words when it is shown, in the language of the page (the dashboard's data serve every language)."""

    name: str
    group: PeerGroup
    peers: Reference
    year: int
    lower_is_better: bool
    url: str  # the comparison with the municipality chosen, where its county and the country are beside it

    @property
    def sentence(self) -> str:
        return peer_sentence(self.name, self.group, self.peers, self.year, self.lower_is_better)

    @property
    def is_example(self) -> bool:
        return self.group.is_example


def positions(municipality: Municipality, indicators: list[Indicator]) -> dict[int, Position]:
    """The municipality's place in its current KOSTRA group for each indicator, in the latest year it has a
    published figure: indicator id → Position. Seven queries, however many indicators and municipalities: the
    group, its members and the comparison of them (comparison.compare_all)."""
    membership = (
        PeerGroupMembership.objects.filter(municipality=municipality)
        .select_related("group")
        .order_by("-valid_from")
        .first()
    )
    if membership is None or not indicators:
        return {}
    group = membership.group
    ids = set(group.memberships.filter(municipality__dissolved__isnull=True).values_list("municipality_id", flat=True))
    found = {}
    for result in comparison.compare_all(indicators, year=None, network_slug=None, municipality_ids=ids):
        own = next((m for m in result.members if m.municipality.pk == municipality.pk), None)
        years = [y for y, cell in own.cells.items() if cell.figure is not None] if own else []
        if not years:
            continue
        year = max(years)
        figures = [m.figure(year) for m in result.members if m.figure(year) is not None]
        if not comparison.enough_for_median(len(figures), len(ids)):
            continue  # a place among a handful of the group would mislead; the comparison page says why
        peers = Reference(
            Kind.PEERS,
            group.label,
            size=len(ids),
            count=len(figures),
            median=None,
            rank=comparison.rank_among(own.figure(year), sorted(figures), higher_is_better=not result.lower_is_better),
        )
        found[result.indicator.pk] = Position(
            municipality.name,
            group,
            peers,
            year,
            result.lower_is_better,
            f"{reverse('indicator', args=[result.indicator.code])}?kommune={own.code}&utvalg=alle#like-with-like",
        )
    return found


@dataclass
class MemberRow:
    """One member of a network beside its county, its KOSTRA group and the country."""

    member: comparison.Member
    figure: Decimal | None
    county: Reference | None
    peers: Reference | None


@dataclass
class MembersTable:
    year: int
    rows: list[MemberRow]
    country: Reference
    decimals: int
    lower_is_better: bool
    has_example_groups: bool


def _applying_groups(year: int) -> dict[int, PeerGroup]:
    """Each municipality's KOSTRA group in the year (the nearest version when none applies). One query."""
    found: dict[int, list[PeerGroup]] = {}
    for membership in PeerGroupMembership.objects.select_related("group").order_by("valid_from"):
        found.setdefault(membership.municipality_id, []).append(membership.group)
    return {pk: group_of_year(groups, year) for pk, groups in found.items()}


def members_table(network_comparison: comparison.Comparison) -> MembersTable | None:
    """Each member of the network's comparison beside its county, its KOSTRA group and the country, for the year the
    comparison shows. None without a year or a network. Ten queries, however many members and municipalities: the
    comparison of everyone (comparison.compare_all), the register, the numbers of the year and every KOSTRA group."""
    year = network_comparison.year
    if year is None or network_comparison.network is None:
        return None
    everyone = comparison.compare_all(
        [network_comparison.indicator],
        year=year,
        per_inhabitant=network_comparison.per_inhabitant,
        network_slug=None,
        every_year=False,
    )[0]
    figures = {m.municipality.pk: m.figure(year) for m in everyone.members if m.figure(year) is not None}
    lower = network_comparison.lower_is_better
    register = current_register()
    today_ids = set(register)
    county_of_pk, counties = counties_in(year, register)
    groups = _applying_groups(year)
    group_members: dict[int, set[int]] = {}
    for pk, group in groups.items():
        if pk in today_ids:
            group_members.setdefault(group.pk, set()).add(pk)
    rows = []
    for member in network_comparison.members:
        pk = member.municipality.pk
        own = figures.get(pk)
        county = county_of_pk.get(pk, "")
        group = groups.get(pk)
        rows.append(
            MemberRow(
                member,
                own,
                _reference(Kind.COUNTY, COUNTIES[county], counties[county], figures, own, lower)
                if county in COUNTIES
                else None,
                _reference(
                    Kind.PEERS, group.label, group_members[group.pk], figures, own, lower, is_example=group.is_example
                )
                if group is not None
                else None,  # fmt: skip
            )
        )
    return MembersTable(
        year,
        rows,
        _reference(Kind.COUNTRY, _("The whole country"), today_ids, figures, None, lower),
        network_comparison.decimals,
        lower,
        any(g.is_example for g in groups.values()),
    )
