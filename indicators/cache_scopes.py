"""Which stored public pages a change retires: the cache scopes (core/cache.py) of rows of the indicators app,
and the functions plans uses for its own rows.

A municipality's pages are addressed by its number, so its scope is named by number: a row of municipality 42 is
in the scope of every number 42 has had (only the current one serves pages; the others cost nothing). Numbers and
indicator codes are looked up once per process and kept until the scope "all" changes, which every change to the
register of municipalities or to an indicator's definition does; so a save usually costs no query for this.
"""

from django.urls import reverse

from core import cache, prerender
from indicators import read_model
from indicators.models import Indicator, MunicipalityCode, PeerGroupMembership

_known: dict = {"version": None, "municipalities": {}, "indicators": {}, "peers": None}


def _lookups() -> dict:
    version = cache.data_version()
    if version is None or version != _known["version"]:
        _known.update(version=version, municipalities={}, indicators={}, peers=None)
    return _known


def of_municipalities(ids) -> set[str]:
    """The scopes of the municipalities with these ids: one per number each has had."""
    known = _lookups()["municipalities"]
    missing = {pk for pk in ids if pk not in known}
    if missing:
        for pk in missing:
            known[pk] = set()
        for pk, code in MunicipalityCode.objects.filter(municipality_id__in=missing).values_list(
            "municipality_id", "code"
        ):
            known[pk].add(code)
    return {cache.municipality_scope(code) for pk in ids for code in known[pk]}


def of_indicators(ids) -> set[str]:
    """The scopes of the indicators with these ids; the population's changes every per-inhabitant figure."""
    known = _lookups()["indicators"]
    missing = {pk for pk in ids if pk not in known}
    if missing:
        for pk, code, is_population in Indicator.objects.filter(pk__in=missing).values_list(
            "pk", "code", "is_population"
        ):
            known[pk] = (code, is_population)
    scopes = set()
    for pk in ids:
        code, is_population = known.get(pk, (None, False))
        if code is None:
            return {cache.ALL}  # an indicator that no longer exists: no telling which pages showed it
        scopes.add(cache.indicator_scope(code))
        if is_population:
            scopes.add(cache.POPULATION)
    return scopes


def municipalities_in(scopes) -> set[int] | None:
    """The municipalities the scopes name, by the numbers they have had (of_municipalities() the other way round);
    None for every municipality."""
    if cache.ALL in scopes:
        return None
    numbers = cache.names_in(scopes, "m")
    if not numbers:
        return set()
    return set(MunicipalityCode.objects.filter(code__in=numbers).values_list("municipality_id", flat=True))


def indicators_in(scopes) -> set[int] | None:
    """The indicators whose figures the scopes name (of_indicators() the other way round); None for every indicator:
    a change to everything, or to the population every per-inhabitant figure divides by."""
    if cache.ALL in scopes or cache.POPULATION in scopes:
        return None
    codes = cache.names_in(scopes, "i")
    if not codes:
        return set()
    return set(Indicator.objects.filter(code__in=codes).values_list("pk", flat=True))


def peers_of(ids) -> set[int]:
    """The municipalities that share a KOSTRA group (in any version) with one of these: a dashboard says its place
    in its group, so a figure of one member changes the others' dashboards. Read once per process until the scope
    "all" changes, as loading a grouping does."""
    known = _lookups()
    if known["peers"] is None:
        groups: dict[int, set[int]] = {}
        for group_id, pk in PeerGroupMembership.objects.values_list("group_id", "municipality_id"):
            groups.setdefault(group_id, set()).add(pk)
        peers: dict[int, set[int]] = {}
        for members in groups.values():
            for pk in members:
                peers.setdefault(pk, set()).update(members)
        known["peers"] = peers
    return set().union(*(known["peers"].get(pk, {pk}) for pk in ids)) if ids else set()


def of_figures(municipality_ids, indicator_ids) -> set[str]:
    """The scopes of figures of these indicators in these municipalities, and of the dashboards of the
    municipalities in their KOSTRA groups (a bulk write calls core.cache.changed() with them)."""
    return of_municipalities(peers_of(municipality_ids)) | of_indicators(indicator_ids)


def watch_indicators_app() -> None:
    cache.watch("indicators.IndicatorValue", lambda row: of_figures({row.municipality_id}, {row.indicator_id}))
    cache.watch(
        "indicators.ValueRevision",
        lambda row: of_figures({row.indicator_value.municipality_id}, {row.indicator_value.indicator_id}),
    )
    # An import's record shows on the planner's pages and, once written, as a source: the gathering pages.
    cache.watch("indicators.ValueImport", lambda row: {cache.DATA})
    cache.watch("indicators.DataImport", lambda row: {cache.DATA})
    # Who may do what is on no public page.
    for label in ("indicators.MunicipalityRole", "indicators.NetworkCoordinator", "indicators.AccessChange"):
        cache.watch(label, None)
    # The read model's rows are written by its build() after a change, and are no change themselves.
    cache.watch("indicators.ComparisonSnapshot", None)
    # The comparisons a change touched are forgotten in its transaction, and built again by the worker after it.
    cache.on_change(lambda scopes: read_model.forget(indicators_in(scopes)))
    prerender.builds(lambda scopes: read_model.build(indicators_in(scopes)))


def _comparisons(code: str) -> list[str]:
    page = reverse("indicator", args=[code])
    return [page, f"{page}?utvalg=alle"]


def _every_comparison(_name: str) -> list[str]:
    codes = Indicator.objects.filter(is_population=False).order_by("order", "code").values_list("code", flat=True)
    return [reverse("indicator", args=[code]) for code in codes]


def render_indicators_pages_again() -> None:
    """The pages core/prerender.py renders again when a scope changes: an indicator's comparisons (the network's and
    every municipality's), every comparison when the population or everything changed, and the front page."""
    prerender.pages_of("i", _comparisons)
    prerender.pages_of("population", _every_comparison)
    prerender.pages_of("data", lambda _name: [reverse("home")])
    prerender.pages_of("all", lambda _name: [reverse("home")])
    prerender.pages_of("all", _every_comparison)
