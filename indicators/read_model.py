"""The comparison pages' read model: each indicator's usual comparisons, rendered ahead and stored.

Comparing every municipality reads and ranks 357 figures and draws a ranking, a map and a table: 60–110 ms at
national scale. The usual views of an indicator's page (the network's members, or every municipality: no year,
municipality or view asked for) are the same for every visitor, so they are rendered once per language and stored
as ComparisonSnapshot rows; the page reads one in one query. The same rules as plans/read_model.py, by indicator:
- forget(ids) deletes the indicators' rows in the writer's transaction (ids None: every indicator, as after a
  change to a municipality, a network or the population, which every per-inhabitant figure divides by);
- build(ids) renders them again, after the commit; `manage.py build_read_model` builds them all;
- a page that finds no row composes itself, as it does for any other query; pages never write rows.
"""

import datetime
from collections.abc import Callable, Mapping

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from core import cache, snapshots
from core.cache import release
from indicators import comparison, peers
from indicators.models import NETWORK_SLUG, ComparisonSnapshot, Indicator, NetworkMembership

# The canonical queries (core.cache.public_page) of the views stored: the network's members, every municipality.
STORED_QUERIES = ("", "utvalg=alle")
# The advisory lock class that orders build() after the writes forget() is called in (core/snapshots.py).
LOCK_CLASS = 0x4C43  # "LC": Livskraft's comparisons


def compared(indicator: Indicator, query: Mapping[str, str], *, every_year: bool) -> comparison.Comparison:
    """The comparison the address asks for: ?ar= (a year), ?visning=total (amounts), ?utvalg=alle (everyone)."""
    year = query.get("ar", "")
    network_slug = None if query.get("utvalg") == "alle" else NETWORK_SLUG
    return comparison.compare_all(
        [indicator],
        year=int(year) if year.isdigit() else None,
        per_inhabitant=query.get("visning") != "total",
        network_slug=network_slug,
        # Every municipality is shown for one year only (every year is in the downloads).
        every_year=network_slug is not None or every_year,
    )[0]


def comparison_html(indicator: Indicator, query: Mapping[str, str], canonical: str) -> tuple[str, str]:
    """The comparison page's content in the active language, and the plotly bundle its charts need.

    query: the page's parameters (?ar, ?kommune, ?utvalg, ?visning, ?gruppe); canonical: them as the address has them.
    """
    result = compared(indicator, query, every_year=False)
    highlight = next((m for m in result.members if m.code == query.get("kommune")), None)
    ranking_chart = comparison.ranking_chart(result, highlight) if result.ranking else None
    # Lines for 357 municipalities would be unreadable and heavy: over time is for the network.
    lines_chart = comparison.lines_chart(result, highlight) if result.years and result.network else None
    map_chart = comparison.map_chart(result, static("geo/kommuner-2024.geojson")) if result.ranking else None
    chosen = peers.chosen_codes(query.get("gruppe", ""))
    peer_panel = None
    if highlight is not None and result.year is not None:
        peer_panel = peers.panel(
            result.indicator, highlight.municipality, year=result.year, per_inhabitant=result.per_inhabitant,
            chosen=chosen,
        )  # fmt: skip
    # Without a municipality chosen, the network's members each beside their county and KOSTRA group.
    members_beside = peers.members_table(result) if peer_panel is None and highlight is None else None
    html = render_to_string(
        "indicators/_indicator.html",
        {
            "indicator": result.indicator,
            "comparison": result,
            "highlight": highlight,
            "position": comparison.position_sentence(result, highlight) if highlight and result.year else "",
            "ranking_chart": ranking_chart,
            "lines_chart": lines_chart,
            "map_chart": map_chart,
            "query": canonical,
            "peer_panel": peer_panel,
            "members_beside": members_beside,
            "chosen": chosen,
            "hidden": [(name, query[name]) for name in ("ar", "kommune", "utvalg", "visning") if query.get(name)],
        },
    )
    return html, "full" if map_chart else "basic" if ranking_chart or lines_chart else ""


def stored(indicator_id: int, query: str, *, language: str) -> tuple[SafeString, str] | None:
    """The page's content and plotly bundle as stored, or None when there is no fresh row. One query."""
    rows = ComparisonSnapshot.objects.filter(
        indicator_id=indicator_id,
        query=query,
        language=language,
        release=release(),
        valid_until__gte=timezone.localdate(),
    ).values_list("html", "plotly")
    found = list(rows[:1])
    if not found:
        return None
    html, plotly = found[0]
    return mark_safe(html), plotly  # noqa: S308 - rendered by our templates, escaped as they escape


def forget(indicator_ids: set[int] | None) -> None:
    """Delete the stored comparisons of the indicators (None: of every indicator), in the caller's transaction.

    Call it in the transaction of the write that changes what their pages show, after or with the write
    (core/snapshots.py).
    """
    snapshots.forget(ComparisonSnapshot, "indicator_id", indicator_ids, lock_class=LOCK_CLASS)


def build(indicator_ids: set[int] | None, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Render and store the usual comparisons of the indicators (None: of every one); return how many were built.

    One indicator per transaction; one whose data a transaction is changing right now is left out (PostgreSQL),
    for the task that follows that commit. Call it after the commit of the write. progress(done, total) is called
    after each indicator.
    """
    ids = Indicator.objects.filter(is_population=False).order_by("pk").values_list("pk", flat=True)
    if indicator_ids is not None:
        ids = ids.filter(pk__in=indicator_ids)
    ids, built = list(ids), 0
    for done, pk in enumerate(ids, start=1):
        built += _build_one(pk)
        if progress is not None:
            progress(done, len(ids))
    return built


def valid_until(today: datetime.date) -> datetime.date:
    """The last day the network's members stay those of today: the day before the next one joins, or the day the
    next one leaves; at most the end of the year."""
    until = datetime.date(today.year, 12, 31)
    next_joined = NetworkMembership.objects.filter(joined__gt=today).aggregate(day=Min("joined"))["day"]
    next_left = NetworkMembership.objects.filter(left__gte=today).aggregate(day=Min("left"))["day"]
    if next_joined is not None:
        until = min(until, next_joined - datetime.timedelta(days=1))
    if next_left is not None:
        until = min(until, next_left)
    return until


def _build_one(pk: int) -> bool:
    with transaction.atomic():
        if not snapshots.claim(ComparisonSnapshot, "indicator_id", pk, lock_class=LOCK_CLASS):
            return False
        indicator = Indicator.objects.filter(pk=pk).first()
        if indicator is None:
            return False
        today = timezone.localdate()
        until, stamp = valid_until(today), release()
        rows = []
        for query in STORED_QUERIES:
            parameters = dict(part.split("=", 1) for part in query.split("&") if part)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    html, plotly = comparison_html(indicator, parameters, query)
                rows.append(
                    ComparisonSnapshot(
                        indicator=indicator,
                        query=query,
                        language=language,
                        html=html,
                        plotly=plotly,
                        release=stamp,
                        valid_until=until,
                    )
                )
        ComparisonSnapshot.objects.bulk_create(rows)
        cache.told_again()
    return True
