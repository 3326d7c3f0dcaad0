"""The read model (plans/read_model.py): the public dashboard and annual reports rendered ahead, read in one query.

What a reader notices: the same page, whether it comes from the stored snapshot or is composed from live data, in
every language; a change to the figures shows at once (the snapshot is forgotten in the same transaction); and
readers with a role still see what the public does not.
"""

import datetime
import io
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indicators import read_model as comparison_model
from indicators.models import (
    NETWORK_SLUG,
    ComparisonSnapshot,
    Indicator,
    IndicatorValue,
    LanguageForm,
    Network,
    Role,
    ValueStatus,
)
from indicators.services import ProposedValue, apply_values, change_status
from plans import read_model
from plans.models import (
    AnnualReport,
    BudgetLine,
    ExampleStatus,
    GoodExample,
    PageSnapshot,
    PlanType,
    StrategicProject,
)
from plans.services import publish_report, save_report_texts
from tests import factories as make
from tests.concurrency import postgresql_only

YEAR = 2023
THIS_YEAR = timezone.localdate().year
LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    """Every request renders its page: this module compares what the views render, not what a cache kept."""
    settings.LIVSKRAFT_PAGE_CACHE_SECONDS = 0


def a_while_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def kongsberg(kongsberg, oslo, waste, lighthouses, share):
    """Kongsberg as the country sees it: three numbers, a network, a nynorsk neighbour it was formed from, figures
    published, revised, drafted and sample, a kommuneplan with goals and budget lines carried by an økonomiplan,
    a strategic project, and a published annual report for 2023 with texts and a good example."""
    network = make.network(members=[kongsberg, oslo])
    make.population(oslo, dict.fromkeys(range(2019, 2024), 700000))
    make.published_values(waste, oslo, {year: 200000 + 1000 * (year - 2019) for year in range(2019, 2024)})
    make.membership(make.network("Fjordbyene", slug="fjordbyene"), kongsberg, joined=datetime.date(2015, 1, 1))
    make.municipality(
        "Nore", "0633", language_form=LanguageForm.NYNORSK, dissolved=datetime.date(2020, 1, 1), successor=kongsberg
    )
    population = make.population(kongsberg, {year: 27000 + 100 * (year - 2015) for year in range(2015, 2025)},
                                 first_published_at=a_while_ago(400))  # fmt: skip
    for year in range(2015, 2024):
        make.published_value(waste, kongsberg, year, 11000 - 80 * (year - 2015), first_published_at=a_while_ago(400))
        make.published_value(share, kongsberg, year, 40 + year - 2015, first_published_at=a_while_ago(30))
    for year in (2019, 2020, 2022):
        make.published_value(lighthouses, kongsberg, year, year - 2005, is_sample=True)
    make.value(waste, kongsberg, 2024, 10000, status=ValueStatus.APPROVED)  # not published: the public never sees it
    planner = make.role(make.user("planlegger-kongsberg"), kongsberg, Role.PLANNER)
    # A figure revised and published again, with its revisions.
    apply_values(proposed=[ProposedValue(municipality_id=kongsberg.pk, year=2021, value=Decimal(47))],
                 indicator=share, user=planner, source="SSB", reason="Rettet")  # fmt: skip
    change_status(values=IndicatorValue.objects.filter(indicator=share, municipality=kongsberg, year=2021),
                  status=ValueStatus.PUBLISHED, user=planner, reason="Publisert")  # fmt: skip
    plan = make.plan(kongsberg, title="Kommuneplanens samfunnsdel", first=2020, last=THIS_YEAR + 6,
                     adopted_on=datetime.date(2019, 6, 1), decision_reference="KST 12/19")  # fmt: skip
    nature = make.focus_area(plan, "Natur og miljø", order=0)
    people = make.focus_area(plan, "Folkehelse", order=1)
    make.goal(nature, "Mindre avfall", indicator=waste, baseline=(2016, 400), target=(THIS_YEAR + 4, 300))
    make.goal(people, "Flere skoler nær natur", indicator=share, baseline=(2017, 42), target=(2022, 60))
    make.goal(people, "Flere miljøfyrtårn", indicator=lighthouses)
    economy = make.plan(kongsberg, PlanType.OKONOMIPLAN, first=THIS_YEAR - 3, last=THIS_YEAR, parent=plan)
    carried = make.focus_area(economy, "Natur og miljø", carries=nature)
    project = StrategicProject.objects.create(plan=economy, title="Sykkelbyen", description="Sykkelveier.",
                                              responsible_unit="Teknisk")  # fmt: skip
    project.focus_areas.add(carried)
    for year in range(THIS_YEAR - 3, THIS_YEAR + 1):
        BudgetLine.objects.create(municipality=kongsberg, year=year, focus_area=carried, adopted=1000, accounts=950)
        BudgetLine.objects.create(municipality=kongsberg, year=year, project=project, adopted=200, accounts=210)
    BudgetLine.objects.create(municipality=kongsberg, year=YEAR, focus_area=people, adopted=500, accounts=480)
    GoodExample.objects.create(municipality=kongsberg, year=YEAR, title="Bruktbua", text="Vi åpnet en **bruktbu**.",
                               status=ExampleStatus.PUBLISHED, focus_area=nature)  # fmt: skip
    report = AnnualReport.objects.create(municipality=kongsberg, year=YEAR)
    bodies = {
        "introduction": "Et år med *fremgang*.\n\n- avfall\n- natur",
        f"focus_area-{nature.pk}": "Vi har [ryddet](https://example.org) strender.",
        f"indicator-{waste.pk}": "Avfallet går ned.",
        f"project-{project.pk}": "Ti kilometer ny sykkelvei.",
    }
    save_report_texts(report=report, bodies=bodies, user=planner)
    publish_report(report=report, user=planner)
    AnnualReport.objects.create(municipality=kongsberg, year=YEAR - 1, published_at=a_while_ago(300),
                                first_published_at=a_while_ago(300))  # fmt: skip
    assert network and population
    return kongsberg


COMPARISON = "/indikator/husholdningsavfall/"
DASHBOARD = "/kommune/3303/"
REPORT = f"/kommune/3303/arsrapport/{YEAR}/"


def get(client, url, language="nb"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def every_page(client) -> dict[tuple[str, str], str]:
    """The dashboard and the report (as asked for, and in English) in every language of the site."""
    pages = {}
    for language in LANGUAGES:
        for name, url in (("dashboard", DASHBOARD), ("report", REPORT), ("report in English", REPORT + "?lang=en")):
            pages[name, language] = get(client, url, language)
    return pages


def page_queries(client, url: str, language: str = "nb") -> int:
    with CaptureQueriesContext(connection) as queries:
        get(client, url, language)
    return len(queries)


def test_the_stored_pages_are_the_pages_composed_live_in_every_language(client, kongsberg):
    live = every_page(client)
    assert read_model.build({kongsberg.pk}) == 1
    # A dashboard per language; the 2023 and 2022 reports in Kongsberg's bokmål and in English.
    assert PageSnapshot.objects.filter(municipality=kongsberg).count() == 3 + 2 * 2
    stored = every_page(client)
    assert stored.keys() == live.keys()
    for key, html in live.items():
        assert stored[key] == html, key
    # The page really was read from the read model: the municipality, its numbers and the stored page.
    assert page_queries(client, DASHBOARD) == 3
    assert page_queries(client, REPORT) == 3
    assert "Sykkelbyen" in stored["report", "nn"] and "ryddet" in stored["report", "en"]
    assert "10 000" not in stored["dashboard", "nb"].replace("\xa0", " ")  # the approved 2024 figure
    # When each goal is reached at the current pace, with its calculation, as the live pages say it.
    assert "The target year 2022 has passed without the target being reached" in stored["dashboard", "en"]
    assert "Målåret 2022 er passert uten at målet er nådd" in stored["report", "nb"]
    assert "/beregning.csv" in stored["dashboard", "nb"] and f"/arsrapport/{YEAR}/mal/" in stored["report", "en"]


def test_a_nynorsk_municipality_stores_its_report_in_nynorsk_and_english(client, kongsberg):
    kongsberg.language_form = LanguageForm.NYNORSK
    kongsberg.save()
    live = every_page(client)
    read_model.build({kongsberg.pk})
    assert set(PageSnapshot.objects.filter(page="report").values_list("language", flat=True)) == {"nn", "en"}
    assert every_page(client) == live


def test_a_published_change_shows_at_once(client, kongsberg, waste):
    read_model.build(None)
    before = get(client, DASHBOARD, "en")
    approver = make.role(make.user("godkjenner-kongsberg"), kongsberg, Role.APPROVER)
    # The approver publishes the 2024 figure (a bulk write, which sends no model signals).
    change_status(values=IndicatorValue.objects.filter(indicator=waste, municipality=kongsberg, year=2024),
                  status=ValueStatus.PUBLISHED, user=approver, reason="Publisert")  # fmt: skip
    assert not PageSnapshot.objects.filter(municipality=kongsberg).exists()
    after = get(client, DASHBOARD, "en")
    assert after != before and "in 2024" in after
    # Built again after the commit, the stored page is the new one.
    read_model.build({kongsberg.pk})
    assert get(client, DASHBOARD, "en") == after


def test_an_import_forgets_only_the_municipalities_it_changed(client, kongsberg, oslo, waste):
    read_model.build(None)
    assert PageSnapshot.objects.filter(municipality=oslo).exists()
    apply_values(proposed=[ProposedValue(municipality_id=kongsberg.pk, year=2024, value=Decimal(9000))],
                 indicator=waste, user=None, source="SSB", reason="Import")  # fmt: skip
    assert not PageSnapshot.objects.filter(municipality=kongsberg).exists()
    assert PageSnapshot.objects.filter(municipality=oslo).exists()


def test_publishing_the_report_again_shows_its_new_text(client, kongsberg):
    read_model.build(None)
    report = AnnualReport.objects.get(municipality=kongsberg, year=YEAR)
    planner = make.user("planlegger-2")
    save_report_texts(report=report, bodies={"introduction": "Et nytt år."}, user=planner)
    assert "Et nytt år" not in get(client, REPORT)  # written, not yet published: the public reads the old text
    publish_report(report=report, user=planner)
    assert "Et nytt år" in get(client, REPORT)


def test_readers_with_a_role_still_see_figures_not_yet_published(client, kongsberg, politician):
    read_model.build(None)
    client.force_login(politician)
    html = get(client, DASHBOARD, "en")
    assert "not yet published" in html
    assert "Preview the texts being written" in get(client, REPORT, "en")


def test_a_page_of_another_release_or_past_its_day_is_not_read(client, kongsberg):
    live = get(client, DASHBOARD)
    read_model.build({kongsberg.pk})
    PageSnapshot.objects.update(html="<p>stored</p>")
    assert "<p>stored</p>" in get(client, DASHBOARD)
    PageSnapshot.objects.filter(page="dashboard").update(release="an earlier release")
    assert get(client, DASHBOARD) == live
    PageSnapshot.objects.update(release=read_model.release(), valid_until=timezone.localdate() - datetime.timedelta(1))
    assert get(client, DASHBOARD) == live


def test_forget_and_build_every_municipality(kongsberg, oslo):
    assert read_model.build(None) == 3  # Kongsberg, Oslo and Nore, which Kongsberg was formed from
    read_model.forget({oslo.pk})
    assert set(PageSnapshot.objects.values_list("municipality_id", flat=True)) == {
        kongsberg.pk,
        kongsberg.predecessors.get().pk,
    }
    read_model.forget(None)
    assert not PageSnapshot.objects.exists()


def test_the_command_stores_every_municipality(kongsberg):
    out = io.StringIO()
    call_command("build_read_model", stdout=out)
    assert "of 3 municipalities" in out.getvalue()
    call_command("build_read_model", "3303", stdout=out)
    assert PageSnapshot.objects.filter(municipality=kongsberg).count() == 7


# --- the comparisons (indicators/read_model.py) -------------------------------------------------------------------


def comparisons(client) -> dict[tuple[str, str], str]:
    """The household-waste comparison of the network and of everyone, and one for a year, in every language."""
    pages = {}
    for language in LANGUAGES:
        for query in ("", "?utvalg=alle", "?ar=2021&kommune=3303"):
            pages[query, language] = get(client, COMPARISON + query, language)
    return pages


def test_the_stored_comparisons_are_the_comparisons_composed_live(client, kongsberg, waste):
    live = comparisons(client)
    assert comparison_model.build(None) == 3  # household waste, shares, Eco-Lighthouses
    # The network's members and everyone, in three languages; a comparison for a year is composed when asked.
    assert ComparisonSnapshot.objects.filter(indicator=waste).count() == 2 * 3
    assert comparisons(client) == live
    assert page_queries(client, COMPARISON + "?utvalg=alle") == 2  # the indicator, the stored page
    assert "Oslo" in live["?utvalg=alle", "en"]


def test_the_stored_comparison_shows_quartiles_and_series_breaks_as_composed(client, waste):
    """Eight members (enough for quartiles); the first one's 2023 figure starts a new series (the source's method)."""
    members = [make.municipality(f"Kommune {n}", f"{5001 + n}") for n in range(8)]
    make.network(members=members)
    for n, member in enumerate(members):
        make.population(member, {2022: 1000, 2023: 1000})
        make.published_value(waste, member, 2022, 300 + 10 * n)
        make.published_value(waste, member, 2023, 300 + 10 * n, series_break=n == 0)
    live = {language: get(client, COMPARISON, language) for language in LANGUAGES}
    assert comparison_model.build({waste.pk}) == 1
    assert {language: get(client, COMPARISON, language) for language in LANGUAGES} == live
    assert page_queries(client, COMPARISON) == 2  # the indicator, the stored page
    assert "1. kvartil (beste)" in live["nb"] and "4. kvartil (svakaste)" in live["nn"]
    assert "<li>Kommune 0 from 2023: the source changed its method.</li>" in live["en"]


def test_a_published_figure_shows_in_the_comparison_at_once(client, kongsberg, waste, share, oslo):
    comparison_model.build(None)
    before = get(client, COMPARISON, "en")
    approver = make.role(make.user("godkjenner-kongsberg"), kongsberg, Role.APPROVER)
    change_status(values=IndicatorValue.objects.filter(indicator=waste, municipality=kongsberg, year=2024),
                  status=ValueStatus.PUBLISHED, user=approver, reason="Publisert")  # fmt: skip
    assert not ComparisonSnapshot.objects.filter(indicator=waste).exists()
    assert ComparisonSnapshot.objects.filter(indicator=share).exists()
    assert get(client, COMPARISON, "en") != before  # 2024 is among the years to choose
    # A new population changes every figure per inhabitant: every comparison is forgotten.
    make.role(approver, oslo, Role.APPROVER)
    apply_values(proposed=[ProposedValue(municipality_id=oslo.pk, year=2024, value=Decimal(710000))],
                 indicator=Indicator.objects.population(), user=approver, source="SSB", reason="Ny")  # fmt: skip
    assert not ComparisonSnapshot.objects.exists()


def test_a_comparison_past_its_day_is_not_read(client, kongsberg, waste):
    live = get(client, COMPARISON)
    comparison_model.build({waste.pk})
    ComparisonSnapshot.objects.update(html="<p>stored</p>")
    assert "<p>stored</p>" in get(client, COMPARISON)
    ComparisonSnapshot.objects.update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert get(client, COMPARISON) == live


def test_a_comparison_holds_until_the_network_changes(kongsberg, rana):
    today = timezone.localdate()
    assert comparison_model.valid_until(today) == datetime.date(today.year, 12, 31)
    network = Network.objects.get(slug=NETWORK_SLUG)
    make.membership(network, rana, joined=today + datetime.timedelta(days=10))
    assert comparison_model.valid_until(today) == today + datetime.timedelta(days=9)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_build_leaves_out_a_municipality_whose_write_is_under_way(client, kongsberg, waste):
    """A build that read the figures before a write commits would store them after the write forgot the pages."""
    writing, done = threading.Event(), threading.Event()
    approver = make.role(make.user("godkjenner-kongsberg"), kongsberg, Role.APPROVER)

    def publish():
        try:
            with transaction.atomic():
                change_status(values=IndicatorValue.objects.filter(indicator=waste, municipality=kongsberg, year=2024),
                              status=ValueStatus.PUBLISHED, user=approver, reason="Publisert")  # fmt: skip
                writing.set()
                done.wait(20)
        finally:
            connection.close()

    writer = threading.Thread(target=publish)
    writer.start()
    assert writing.wait(20)
    assert read_model.build({kongsberg.pk}) == 0  # the write has forgotten the pages and not yet committed
    assert not PageSnapshot.objects.exists()
    done.set()
    writer.join()
    assert read_model.build({kongsberg.pk}) == 1  # the task that follows the commit
    assert "in 2024" in get(client, DASHBOARD, "en")
