"""Public pages that read figures through the plan chain: the municipality dashboard, the annual reports (a
municipality's year, the network's year) and the good examples."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import images
from core.middleware import chosen_language
from indicators import comparison
from indicators.access import Access, access_for, municipality_for_user
from indicators.grants import unseen_changes
from indicators.importers.spreadsheet import download_response
from indicators.models import (
    FIRST_YEAR,
    Indicator,
    Municipality,
    MunicipalityCode,
    Network,
)
from plans import climate_report, dashboard, read_model
from plans.models import AnnualReport, ExampleStatus, GoodExample, PublicPage


@login_required
def start(request):
    """Where a user lands after logging in (settings.LOGIN_REDIRECT_URL; a safe ?next= wins, as Django does).

    A politician, who only reads her municipality's figures, lands on its dashboard, or chooses among her
    municipalities when she reads several, or when her access has changed: this page then tells her how (the
    dashboard is a public page, the same for everyone). Everyone else lands on Min rapportering, which tells her too.
    """
    access = access_for(request.user)
    if not access.reads_only:
        return redirect("reporting_start")
    municipalities = [
        m
        for m in Municipality.objects.filter(pk__in=access.municipality_ids).prefetch_related("codes").order_by("name")
        if m.get_absolute_url()  # a municipality without a number left has no dashboard
    ]
    if not municipalities:
        return redirect("reporting_start")
    notices = unseen_changes(request.user)
    if len(municipalities) == 1 and not notices:
        return redirect(municipalities[0].get_absolute_url())
    return render(request, "plans/start.html", {"municipalities": municipalities, "access_notices": notices})


def municipality(request, code):
    """The municipality's dashboard: its goals and whether it is on track, and a chart per indicator.

    Readers of the municipality also see approved values that are not yet published, marked as such. The public
    reads the dashboard as stored by the read model when it is fresh (one query), else as composed now.
    """
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    can_read_unpublished = access.can_read(municipality.pk)
    money_from, money_to = request.GET.get("budsjett_fra"), request.GET.get("budsjett_til")
    html = None
    if not can_read_unpublished and not money_from and not money_to:
        html = read_model.stored(municipality.pk, PublicPage.DASHBOARD, language=translation.get_language())
    if html is None:
        html = read_model.dashboard_html(
            municipality, can_read_unpublished=can_read_unpublished, money_from=money_from, money_to=money_to
        )
    return render(request, "plans/municipality.html", {"municipality": municipality, "dashboard_html": html})


def report_language(request, municipality: Municipality) -> str:
    """The language of a municipality's report: one asked for in the address, English if the visitor reads the
    portal in English (her choice or her browser's), otherwise the municipality's own written form (a nynorsk
    municipality's report is in nynorsk)."""
    languages = dict(settings.LANGUAGES)
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    if chosen_language(request) == "en":
        return "en"
    return municipality.language_form


def _year_or_404(year: int) -> None:
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404


def visible_report(municipality: Municipality, year: int, *, insider: bool) -> AnnualReport | None:
    """The municipality's annual report for the year, if the reader may read it: the public once it is published,
    the municipality's own readers always (None: not begun). Otherwise 404."""
    report = AnnualReport.objects.filter(municipality=municipality, year=year).select_related("published_by").first()
    if not (report is not None and report.is_published) and not insider:
        raise Http404(_("The annual report for this year has not been published."))
    return report


def annual_report(request, code: str, year: int):
    """A municipality's annual report for the year, in its own written form (or English).

    The public reads it once an approver has published it. The municipality's own
    people also see it before that, and with ?utkast=1 they preview the texts as
    they are being written; the figures are always the published ones.
    """
    _year_or_404(year)
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    insider = access.can_read(municipality.pk)
    language = report_language(request, municipality)
    # The report is in its own language; the site around it (header, menu, footer) stays in the visitor's. The
    # public reads it as stored by the read model when it is fresh (a row exists only for a published report).
    report_html = (
        None if insider else read_model.stored(municipality.pk, PublicPage.REPORT, language=language, year=year)
    )
    if report_html is None:
        report = visible_report(municipality, year, insider=insider)
        published = report is not None and report.is_published
        draft = insider and (not published or request.GET.get("utkast") == "1")
        report_html = read_model.report_html(
            municipality, year, report, language=language, insider=insider, draft=draft, request=request
        )
    response = render(
        request,
        "plans/reports/annual_report_page.html",
        {
            "report_html": report_html,
            "municipality": municipality,
            "year": year,
            # Changing the site's language starts the report over in the language that follows from it.
            "language_next": request.path + ("?utkast=1" if request.GET.get("utkast") == "1" else ""),
        },
    )
    response.headers["Content-Language"] = language  # the report is the page's content
    return response


def goal_calculation(request, code: str, pk: int, year: int | None = None):
    """One goal's calculation as CSV (the inputs and results of plans/progress.py, and the figures they rest on).

    Without a year: as the dashboard shows the goal, to the same readers (its own readers see approved figures,
    marked). With a year: as that year's annual report shows it, published figures only, to those who may read
    the report.
    """
    municipality, access = municipality_for_user(request, code, may=Access.anyone)
    insider = access.can_read(municipality.pk)
    if year is not None:
        _year_or_404(year)
        visible_report(municipality, year, insider=insider)
    found = dashboard.one_goal(municipality, pk, can_read_unpublished=insider, year=year)
    if found is None:
        raise Http404
    if year is not None:
        name = f"livskraft-{municipality.kommunenummer}-arsrapport-{year}-mal-{pk}-beregning"
    else:
        name = f"livskraft-{municipality.kommunenummer}-mal-{pk}-beregning"
    return download_response(dashboard.calculation_rows(municipality, found), name, "csv")


@dataclass
class NetworkRow:
    member: comparison.Member
    figure: object
    previous: object
    change: object
    change_share: object
    rank: int | None
    cell: comparison.Cell | None
    previous_cell: comparison.Cell | None = None


def network_rows(result: comparison.Comparison, year: int) -> list[NetworkRow]:
    """Every member with its figure for the year and the year before, the change, and its rank (best first)."""
    rows = []
    for member in result.members:
        figure, previous = member.figure(year), member.figure(year - 1)
        change = figure - previous if figure is not None and previous is not None else None
        share = change / abs(previous) if change is not None and previous else None
        rows.append(
            NetworkRow(
                member, figure, previous, change, share, None, member.cells.get(year), member.cells.get(year - 1)
            )
        )
    ranked = sorted(
        (r for r in rows if r.figure is not None), key=lambda r: r.figure, reverse=not result.lower_is_better
    )
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    return ranked + [r for r in rows if r.figure is None]


def network_report(request, slug: str, year: int):
    """The network's year: every member side by side per indicator, the change since last year, the median,
    the members' climate budgets and the good examples of the year. Fourteen queries, however many members and
    indicators, and seven more when any member has a climate budget for the year, however many measures."""
    _year_or_404(year)
    network = get_object_or_404(Network, slug=slug)
    indicators = list(Indicator.objects.filter(is_population=False))
    results = comparison.compare_all(indicators, year=year, network_slug=network.slug)
    members = results[0].members if results else []
    panels = []
    for result in results:
        rows = network_rows(result, year)
        figures = [r.figure for r in rows if r.figure is not None]
        previous = [r.previous for r in rows if r.previous is not None]
        panels.append(
            {
                "result": result,
                "rows": rows,
                "median": result.medians.get(year),
                "previous_median": result.medians.get(year - 1),
                "median_missing": bool(figures) and year not in result.medians,
                "previous_median_missing": bool(previous) and year - 1 not in result.medians,
                "has_figures": bool(figures),
                "has_sample": any(c.is_sample for r in rows for c in (r.cell, r.previous_cell) if c),
                "sources": comparison.sources(result, [year, year - 1]),
            }
        )
    # The years any member has a figure for (every year was read for the change since the year before): the
    # year links lead only to those.
    with_figures: dict[int, set[int]] = {}
    for result in results:
        for member in result.members:
            for y, cell in member.cells.items():
                if cell.figure is not None:
                    with_figures.setdefault(y, set()).add(member.municipality.pk)
    # The members and the municipalities they were formed from: Norddal's examples belong to Fjord's network.
    member_ids = {m.municipality.pk for m in members} | {pk for m in members for pk in m.predecessor_ids}
    examples = (
        GoodExample.objects.published()
        .filter(year=year, municipality_id__in=member_ids)
        .select_related("municipality", "focus_area")
        .prefetch_related("indicators", Prefetch("municipality__codes", queryset=MunicipalityCode.objects.all()))
        .order_by("municipality__name", "title")
    )
    reports = (
        AnnualReport.objects.filter(year=year, municipality_id__in=member_ids, published_at__isnull=False)
        .select_related("municipality")
        .prefetch_related("municipality__codes")
        .order_by("municipality__name")
    )
    climate_budgets = climate_report.network_comparison(members, year)
    return render(
        request,
        "plans/reports/network_report.html",
        {
            "network": network,
            "year": year,
            "climate_budgets": climate_budgets,
            "climate_examples": [(e, m, b.municipality) for b in climate_budgets for e, m in b.examples],
            "panels": panels,
            "has_figures": any(p["has_figures"] for p in panels),
            "examples": examples,
            "reports": reports,
            "members": members,
            "years": sorted(with_figures, reverse=True),
            "median_minimum": results[0].median_minimum if results else comparison.MEDIAN_MIN_FIGURES,
        },
    )


def network_report_latest(request, slug: str):
    """The network's latest annual report: the last year in which most members (more than half) have published
    figures, so that one early publisher does not leave the others empty; else the last year with any."""
    network = get_object_or_404(Network, slug=slug)
    counts, members = comparison.members_with_figures(network)
    latest = comparison.default_year(counts, members)
    return redirect("network_report", network.slug, latest or timezone.localdate().year - 1)


def _visible_examples(request):
    """The examples the visitor may see: published ones, and every one of the municipalities she works with."""
    access = access_for(request.user)
    if access.is_superuser:
        return GoodExample.objects.all()
    readable = access.municipality_ids | access.coordinated
    return GoodExample.objects.filter(Q(status=ExampleStatus.PUBLISHED) | Q(municipality_id__in=readable))


def good_examples(request):
    """Every published good example, newest year first; ?kommune=<number> shows one municipality's."""
    examples = (
        GoodExample.objects.published()
        .select_related("municipality", "focus_area")
        .prefetch_related("indicators", "municipality__codes")
        .order_by("-year", "municipality__name", "title")
    )
    chosen = None
    code = request.GET.get("kommune", "").strip()
    if code:
        try:
            chosen = Municipality.objects.by_code(code)
        except Municipality.DoesNotExist:
            raise Http404 from None
        examples = examples.filter(municipality=chosen)
    return render(request, "plans/reports/good_examples.html", {"examples": examples, "chosen": chosen})


def good_example(request, pk: int):
    """One good example: its story, image, focus area and the indicators it moved."""
    example = get_object_or_404(
        _visible_examples(request)
        .select_related("municipality", "focus_area", "created_by")
        .prefetch_related("indicators", "municipality__codes"),
        pk=pk,
    )
    return render(request, "plans/reports/good_example.html", {"example": example})


def good_example_image(request, pk: int):
    """The example's image, to those who may see the example; never straight from the media folder."""
    example = get_object_or_404(_visible_examples(request).exclude(image=""), pk=pk)
    if not default_storage.exists(example.image.name):
        raise Http404
    response = FileResponse(default_storage.open(example.image.name, "rb"))
    suffix = example.image.name.rsplit(".", 1)[-1].lower()
    response.headers["Content-Type"] = images.CONTENT_TYPES.get(suffix, "application/octet-stream")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
