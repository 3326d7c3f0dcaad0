"""The read model: each municipality's public dashboard and published annual reports, rendered ahead and stored.

Composing a dashboard reads some 1 000 values, the plan chain and the budget lines, and renders 40 charts and
tables: 70–90 ms at national scale. The public view of a municipality (published figures only) changes only when
its data does, so it is rendered once per language (the page's content block, exactly as the live path renders
it) and stored as a PageSnapshot row; the page then reads it in one query.

Freshness does not rest on any cache: a row exists only while it is fresh.
- forget(ids) deletes the rows of the municipalities. Every write that changes what their pages show calls it in
  the same transaction (the change hook, and the bulk writes that send no signals), so a reader never gets a row
  older than the data it has committed.
- build(ids) renders them again; a background task calls it after the commit, and `manage.py build_read_model`
  builds every municipality (after a deployment: a row also names the release it was rendered by, and rows of
  another release are never read).
- A page that finds no row composes itself from live data, as it always does for readers with a role, who see
  figures not yet published. Pages never write rows: only build() does, one municipality per transaction, reading
  after every write it could miss has committed (see core/snapshots.py).

The dashboard reads today's date (the plan in force and the default budget years follow the year; without a
published annual report, "published in the last year" follows the day), so its rows say until when they hold.
"""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.query import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from core import cache, snapshots
from core.cache import release
from indicators import peers, series
from indicators.models import (
    FIRST_YEAR,
    LAST_YEAR,
    IndicatorValue,
    Municipality,
    NetworkMembership,
)
from plans import climate_report, dashboard
from plans.annual_report import Report, compose, section_title
from plans.chain import budget_by_focus_area
from plans.models import AnnualReport, PageSnapshot, PublicPage

# The advisory lock class that orders build() after the writes forget() is called in (core/snapshots.py).
LOCK_CLASS = 0x4C52  # "LR": Livskraft's read model


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


# --- rendering: the same functions serve the live path and the snapshot ------------------------------------------


def money_years(plan, first: str | None = None, last: str | None = None) -> list[int]:
    """The years the dashboard sums budgets and accounts over: first–last as asked (?budsjett_fra=&budsjett_til=),
    by default the last four years of the plan up to this year."""
    this_year = timezone.localdate().year
    default_last = min(this_year, plan.period_end) if plan else this_year
    default_first = max(default_last - 3, plan.period_start) if plan else default_last
    try:
        first_year, last_year = int(first or default_first), int(last or default_last)
    except ValueError:
        first_year, last_year = default_first, default_last
    first_year, last_year = max(first_year, FIRST_YEAR), min(last_year, LAST_YEAR)
    if last_year < first_year or last_year - first_year > 50:
        first_year, last_year = default_first, default_last
    return list(range(first_year, last_year + 1))


def dashboard_data(
    municipality: Municipality,
    *,
    can_read_unpublished: bool,
    money_from: str | None = None,
    money_to: str | None = None,
) -> dict:
    """What the dashboard shows, read once for every language: figures, goals and progress, money, reports.

    The municipality comes with its codes (municipality_for_user() reads them).
    """
    prefetch_related_objects(
        [municipality],
        "predecessors__codes",
        "successor__codes",
        Prefetch("memberships", queryset=NetworkMembership.objects.select_related("network")),
    )
    population = series.visible_values(
        IndicatorValue.objects.filter(municipality=municipality, indicator__is_population=True)
        .select_related("indicator")
        .order_by("-year"),
        can_read_unpublished=can_read_unpublished,
    )
    figures = series.municipality_series(municipality, can_read_unpublished=can_read_unpublished)
    series.mark_revisions(figures)
    plan, plan_in_force = dashboard.current_plan(municipality)
    progress = dashboard.goal_progress(plan, figures)
    years = money_years(plan, money_from, money_to)
    reports = list(
        municipality.annual_reports.filter(published_at__isnull=False)
        .order_by("-year")
        .values_list("year", "published_at")
    )
    return {
        "municipality": municipality,
        "population": population,
        "figures": figures,
        "by_indicator": {p.measure.indicator_id: p for p in progress.values()},
        "plan": plan,
        "plan_in_force": plan_in_force,
        "goals": dashboard.goals_by_focus_area(plan, progress),
        "money": budget_by_focus_area(plan, years),
        "money_years": years,
        "can_read_unpublished": can_read_unpublished,
        "statuses": dashboard.Progress.choices,
        "report_years": [year for year, _published_at in reports],
        # This year's climate budget, when there is one the reader may see (the public: of an adopted version).
        "climate_year": climate_report.link_year(municipality, can_read_drafts=can_read_unpublished),
        # The municipality's place in its KOSTRA group, from published figures only (indicators/peers.py).
        "peers": peers.positions(municipality, [s.indicator for s in figures if not s.indicator.is_population]),
        "summary": dashboard.summary(
            progress, figures, population, reports=reports, can_read_unpublished=can_read_unpublished
        ),
    }


def render_dashboard(data: dict) -> str:
    """The dashboard's content in the active language: goals and progress, a chart and table per indicator."""
    by_indicator = data["by_indicator"]
    panels = [
        {
            "series": s,
            "progress": by_indicator.get(s.indicator.pk),
            "chart": dashboard.chart(s, by_indicator.get(s.indicator.pk)),
            "sentence": dashboard.sentence(
                s, by_indicator[s.indicator.pk].measure if s.indicator.pk in by_indicator else None
            ),
            "peers": data["peers"].get(s.indicator.pk),
        }
        for s in data["figures"]
    ]
    return render_to_string("plans/_dashboard.html", {**data, "panels": panels})


def dashboard_html(municipality: Municipality, **options) -> str:
    """The dashboard's content in the active language (options: those of dashboard_data())."""
    return render_dashboard(dashboard_data(municipality, **options))


def published_years(municipality: Municipality, *, exclude: int | None = None) -> list[int]:
    years = AnnualReport.objects.filter(municipality=municipality, published_at__isnull=False)
    return [y for y in years.order_by("-year").values_list("year", flat=True) if y != exclude]


def render_report(data: Report, *, language: str, other_years: list[int], insider: bool = False, request=None) -> str:
    """The composed annual report (annual_report.compose()) in its language."""
    with translation.override(language):
        return render_to_string(
            "plans/reports/annual_report.html",
            {
                "data": data,
                "municipality": data.municipality,
                "year": data.year,
                "sections": [(section, section_title(section)) for section in data.sections],
                "insider": insider,
                "language": language,
                "other_years": other_years,
            },
            request=request,
        )


def report_html(
    municipality: Municipality,
    year: int,
    report: AnnualReport | None,
    *,
    language: str,
    insider: bool = False,
    draft: bool = False,
    request=None,
) -> str:
    """The annual report itself, in its language (the municipality's written form, or English)."""
    data = compose(municipality, year, report, draft=draft)
    other_years = published_years(municipality, exclude=year)
    return render_report(data, language=language, other_years=other_years, insider=insider, request=request)


def report_languages(municipality: Municipality) -> list[str]:
    """The languages a report is read in without asking (views.report_language()): its own and English."""
    return list(dict.fromkeys([municipality.language_form, "en"]))


# --- reading -----------------------------------------------------------------------------------------------------


def stored(municipality_id: int, page: str, *, language: str, year: int | None = None) -> SafeString | None:
    """The page's content as stored for the public in the language, or None when there is no fresh row. One query."""
    rows = PageSnapshot.objects.filter(
        municipality_id=municipality_id,
        page=page,
        year=year,
        language=language,
        release=release(),
        valid_until__gte=timezone.localdate(),
    ).values_list("html", flat=True)
    found = list(rows[:1])
    return mark_safe(found[0]) if found else None  # noqa: S308 - rendered by our templates, escaped as they escape


# --- forgetting and building -------------------------------------------------------------------------------------


def forget(municipality_ids: set[int] | None) -> None:
    """Delete the stored pages of the municipalities (None: of every municipality), in the caller's transaction.

    Call it in the transaction of the write that changes what their pages show, after or with the write
    (core/snapshots.py: on PostgreSQL it holds a lock until that transaction ends, so that build() cannot read the
    data from before the write and store it after the rows were deleted).
    """
    snapshots.forget(PageSnapshot, "municipality_id", municipality_ids, lock_class=LOCK_CLASS)


def build(municipality_ids: set[int] | None, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Render and store the public pages of the municipalities (None: of every one); return how many were built.

    One municipality per transaction. A municipality whose data a transaction is changing right now is left out
    (PostgreSQL): its rows were forgotten, the page composes itself, and the task that follows that commit builds
    it. Call it after the commit of the write, never inside a transaction that writes the portal's data.
    progress(done, total) is called after each municipality.
    """
    ids = Municipality.objects.filter(codes__isnull=False).order_by("pk").values_list("pk", flat=True).distinct()
    if municipality_ids is not None:
        ids = ids.filter(pk__in=municipality_ids)
    ids, built = list(ids), 0
    for done, pk in enumerate(ids, start=1):
        built += _build_one(pk)
        if progress is not None:
            progress(done, len(ids))
    return built


def _build_one(pk: int) -> bool:
    with transaction.atomic():
        if not snapshots.claim(PageSnapshot, "municipality_id", pk, lock_class=LOCK_CLASS):
            return False
        municipality = Municipality.objects.prefetch_related("codes").filter(pk=pk).first()
        if municipality is None:
            return False
        today = timezone.localdate()
        reports = list(AnnualReport.objects.filter(municipality=municipality, published_at__isnull=False))
        # Without a published report the summary counts the figures of the last year, up to today.
        dashboard_until = datetime.date(today.year, 12, 31) if reports else today
        rows, stamp = [], release()
        data = dashboard_data(municipality, can_read_unpublished=False)
        for language in languages():
            with translation.override(language):
                html = render_dashboard(data)
            rows.append(
                PageSnapshot(
                    municipality=municipality,
                    page=PublicPage.DASHBOARD,
                    year=None,
                    language=language,
                    html=html,
                    release=stamp,
                    valid_until=dashboard_until,
                )
            )
        for report in reports:
            composed = compose(municipality, report.year, report)
            other_years = [r.year for r in sorted(reports, key=lambda r: -r.year) if r.year != report.year]
            for language in report_languages(municipality):
                html = render_report(composed, language=language, other_years=other_years)
                rows.append(
                    PageSnapshot(
                        municipality=municipality,
                        page=PublicPage.REPORT,
                        year=report.year,
                        language=language,
                        html=html,
                        release=stamp,
                        valid_until=datetime.date.max,
                    )
                )
        PageSnapshot.objects.bulk_create(rows)
        cache.told_again()
    return True
