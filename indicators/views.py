"""Public pages: the network front page, a page per municipality and a page per indicator."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indicators import comparison, exports, read_model, search, series
from indicators.access import Access, municipality_for_user
from indicators.importers.spreadsheet import download_response
from indicators.models import (
    NETWORK_SLUG,
    BottomLine,
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    NetworkMembership,
    ValueState,
)


def home(request):
    """Show the Livskraftige kommuner network: its members with their latest population, and other networks."""
    today = timezone.localdate()
    is_member_today = (
        Q(memberships__joined__lte=today)
        & (Q(memberships__left__isnull=True) | Q(memberships__left__gte=today))
        & (Q(memberships__municipality__dissolved__isnull=True) | Q(memberships__municipality__dissolved__gt=today))
    )
    networks = list(
        Network.objects.annotate(member_count=Count("memberships__municipality", filter=is_member_today, distinct=True))
    )
    network = next((n for n in networks if n.slug == NETWORK_SLUG), None)
    members, former_members = [], []
    if network is not None:
        memberships = NetworkMembership.objects.filter(network=network, municipality=OuterRef("pk"))
        municipalities = (
            Municipality.objects.filter(Exists(memberships))
            .annotate(
                has_open_membership=Exists(
                    memberships.filter(joined__lte=today).filter(Q(left__isnull=True) | Q(left__gte=today))
                )
            )
            .select_related("successor")
            .prefetch_related(
                "codes",
                Prefetch(
                    "values",
                    queryset=IndicatorValue.objects.latest_published(
                        indicator__is_population=True, published_state=ValueState.REPORTED
                    ).select_related("indicator"),
                    to_attr="latest_population",
                ),
            )
        )
        for municipality in municipalities:
            municipality.latest_population = [v.as_published() for v in municipality.latest_population]
            current = municipality.has_open_membership and (
                municipality.dissolved is None or municipality.dissolved > today
            )
            (members if current else former_members).append(municipality)
    return render(
        request,
        "indicators/home.html",
        {
            "network": network,
            "members": members,
            "former_members": former_members,
            "other_networks": [n for n in networks if n is not network],
            "indicator_groups": indicators_by_bottom_line(),
        },
    )


def indicators_by_bottom_line() -> list[tuple[str, list[Indicator]]]:
    """Every indicator, grouped by the bottom line it measures (ecological, social, economic), in their order."""
    indicators = list(Indicator.objects.select_related("owner"))
    return [
        (label, [i for i in indicators if i.bottom_line == value])
        for value, label in BottomLine.choices
        if any(i.bottom_line == value for i in indicators)
    ]


def indicators(request):
    """What is measured: every indicator by bottom line, each leading to its comparison across municipalities."""
    return render(request, "indicators/indicators.html", {"indicator_groups": indicators_by_bottom_line()})


def municipality_search(request):
    """Find a municipality by name or number, today's or a former one (?q=0604 finds Kongsberg)."""
    text = request.GET.get("q", "").strip()[:100]
    results, total = search.find(text) if text else ([], 0)
    return render(
        request,
        "indicators/search.html",
        {"q": text, "results": results, "total": total, "limit": search.MAX_RESULTS},
    )


def municipality_download(request, code, fmt):
    """The dashboard's figures as CSV, XLSX or JSON-stat: what the visitor may see, nothing more."""
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    can_read_unpublished = access.can_read(municipality.pk)
    figures = series.municipality_series(municipality, can_read_unpublished=can_read_unpublished)
    name = f"livskraft-{municipality.kommunenummer}"
    if fmt == "json":
        rows = [
            (municipality.kommunenummer, s.indicator, p.year, p.value.value, p.figure, p.value.state)
            for s in figures
            for p in s.points
        ]
        document = exports.build(
            title=_("Livskraft: %(name)s") % {"name": municipality.name},
            rows=rows,
            indicators=[s.indicator for s in figures],
            regions=[(municipality.kommunenummer, municipality.name)],
        )
        return exports.response(document, name)
    return download_response(series.rows_for_download(municipality, figures), name, fmt)


def _comparison(request, code, *, every_year: bool = True):
    indicator = get_object_or_404(Indicator, code=code)
    return read_model.compared(indicator, request.GET, every_year=every_year)


def indicator(request, code):
    """One indicator across the network: ranking for a year, lines over time, median, map, and downloads.

    The usual views (the network, or every municipality) are read as the read model stored them when fresh."""
    indicator = get_object_or_404(Indicator, code=code)
    query = request.GET.urlencode()  # canonical: public_page() keeps the declared parameters, in order
    found = None
    if query in read_model.STORED_QUERIES:
        found = read_model.stored(indicator.pk, query, language=get_language())
    html, plotly = found or read_model.comparison_html(indicator, request.GET, query)
    return render(
        request, "indicators/indicator.html", {"indicator": indicator, "content_html": html, "plotly": plotly}
    )


def indicator_download(request, code, fmt):
    """The comparison's figures as CSV, XLSX or JSON-stat: for the chosen year (?ar=) or for every year."""
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404
    result = _comparison(request, code)
    only_year = result.year if request.GET.get("ar") else None
    if fmt == "json":
        indicator = result.indicator
        rows = [
            (m.code, indicator, year, cell.amount, indicator.per_inhabitant(cell.amount, cell.population), cell.state)
            for m in result.members
            for year, cell in sorted(m.cells.items())
            if not cell.from_predecessors and (only_year is None or year == only_year)
        ]
        document = exports.build(
            title=_("Livskraft: %(indicator)s") % {"indicator": indicator.name},
            rows=rows,
            indicators=[indicator],
            regions=[(m.code, m.municipality.name) for m in result.members],
        )
        return exports.response(document, f"livskraft-{indicator.code}-{only_year or 'alle-aar'}")
    rows = comparison.rows_for_download(result, only_year=only_year)
    return download_response(rows, f"livskraft-{result.indicator.code}-{only_year or 'alle-aar'}", fmt)


def bulk_download(request, fmt: str):
    """Every published figure in the portal, as one CSV file (streamed) or one JSON-stat 2.0 dataset."""
    if fmt == "json":
        return exports.everything_published_jsonstat()
    return exports.everything_published_csv()


def sources(request):
    """List where the portal's figures come from, with their licences."""
    indicators = Indicator.objects.all()
    return render(request, "indicators/sources.html", {"indicators": indicators})
