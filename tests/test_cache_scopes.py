"""A change retires exactly the stored pages that show it, and the worker renders them again before anyone asks.

Publishing a figure of Rana retires Rana's pages, that indicator's comparison and the pages that gather from every
municipality; Oslo's dashboard and the other indicators' comparisons stay stored.
"""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from core import cache, prerender
from indicators import read_model as indicators_read_model
from indicators.models import ComparisonSnapshot, IndicatorValue, PeerGroup, PeerGroupMembership, ValueStatus
from indicators.services import ProposedValue, apply_values, change_status, save_indicator
from plans import read_model as plans_read_model
from plans.models import AnnualReport, PageSnapshot, PublicPage, ReportText, ReportTextKind
from plans.services import publish_report
from tests import factories as make
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

RANA, OSLO = "/kommune/1833/", "/kommune/0301/"
WASTE, LIGHTHOUSES = "/indikator/husholdningsavfall/", "/indikator/miljofyrtarn/"
EVERY_PAGE = (RANA, OSLO, WASTE, f"{WASTE}?utvalg=alle", LIGHTHOUSES, "/")


@pytest.fixture
def world(rana, oslo, waste, lighthouses):
    """Rana and Oslo, each with household waste and Eco-Lighthouse figures published for 2023."""
    for municipality, people, tonnes, count in ((rana, 26000, 10400, 40), (oslo, 700000, 189000, 900)):
        make.population(municipality, {2023: people})
        make.published_value(waste, municipality, 2023, tonnes)
        make.published_value(lighthouses, municipality, 2023, count)
    return {"rana": rana, "oslo": oslo, "waste": waste, "lighthouses": lighthouses}


def visit_all(client) -> dict[str, str]:
    return {address: client.get(address)["X-Cache"] for address in EVERY_PAGE}


def stored(client):
    """Visit every page twice: afterwards each is stored."""
    visit_all(client)
    assert set(visit_all(client).values()) == {"hit"}


def publish(indicator, municipality, year, figure):
    value = make.value(indicator, municipality, year, figure, status=ValueStatus.APPROVED)
    change_status(
        values=IndicatorValue.objects.filter(pk=value.pk), status=ValueStatus.PUBLISHED, user=None, reason="Publisert"
    )


def test_publishing_a_rana_figure_retires_ranas_pages_and_that_comparison_only(client, world):
    stored(client)
    publish(world["waste"], world["rana"], 2024, 9100)
    make.population(world["rana"], {2024: 26000})
    assert visit_all(client) == {
        RANA: "miss",
        OSLO: "hit",  # nothing of Oslo's changed
        WASTE: "miss",
        f"{WASTE}?utvalg=alle": "miss",
        LIGHTHOUSES: "miss",  # Rana's population changed too, and every per-inhabitant comparison divides by it
        "/": "miss",  # the front page gathers from every municipality
    }
    assert "350" in client.get(RANA).content.decode()  # 9 100 t / 26 000 = 350 kg


def test_a_figure_that_is_no_population_leaves_the_other_indicators_comparisons_stored(client, world):
    stored(client)
    publish(world["lighthouses"], world["rana"], 2024, 44)
    pages = visit_all(client)
    assert pages[RANA] == pages[LIGHTHOUSES] == "miss"
    assert pages[OSLO] == pages[WASTE] == pages[f"{WASTE}?utvalg=alle"] == "hit"
    assert "44" in client.get(LIGHTHOUSES).content.decode()


def test_an_import_retires_the_pages_of_the_municipalities_and_indicators_it_wrote(client, world):
    stored(client)
    apply_values(
        proposed=[ProposedValue(municipality_id=world["oslo"].pk, year=2024, value=Decimal(950))],
        indicator=world["lighthouses"],
        user=None,
        source="Import",
        reason="Import",
    )
    pages = visit_all(client)
    assert pages[OSLO] == pages[LIGHTHOUSES] == "miss"
    assert pages[RANA] == pages[WASTE] == "hit"


def test_a_plan_or_report_of_rana_retires_ranas_pages_not_oslos(client, world):
    stored(client)
    make.plan(world["rana"])
    pages = visit_all(client)
    assert pages[RANA] == "miss" and pages[OSLO] == "hit" and pages[WASTE] == "hit"
    report = AnnualReport.objects.create(municipality=world["oslo"], year=2023)
    ReportText.objects.create(report=report, kind=ReportTextKind.INTRODUCTION, body="Oslo i 2023.")
    stored(client)
    publish_report(report=report, user=None)
    pages = visit_all(client)
    assert pages[OSLO] == "miss" and pages[RANA] == "hit" and pages[WASTE] == "hit"


def test_changing_an_indicators_definition_retires_every_page(client, world):
    stored(client)
    lighthouses = world["lighthouses"]
    lighthouses.name_en = "Certified Eco-Lighthouses"
    save_indicator(lighthouses, user=None, reason="Clearer name")
    assert set(visit_all(client).values()) == {"miss"}


@uses_worker
@override_settings(LIVSKRAFT_PRERENDER=True)  # on with Redis; the worker here runs in the test's process
def test_the_worker_renders_the_retired_pages_again_so_the_next_visitor_gets_them_stored_in_every_language(
    client, world
):
    run_worker()  # what the fixtures' own changes queued
    stored(client)
    publish(world["waste"], world["rana"], 2024, 9100)
    make.population(world["rana"], {2024: 26000})
    queued = DBTaskResult.objects.filter(status="READY", task_path="core.prerender.render_again")
    assert queued.exists(), "a committed change hands its pages to the worker"
    assert client.get(OSLO)["X-Cache"] == "hit"
    run_worker()
    done = DBTaskResult.objects.filter(task_path="core.prerender.render_again").order_by("-finished_at").first()
    assert done.status == "SUCCESSFUL", done.traceback
    # The worker built Rana's stored pages and the comparisons again before rendering them.
    assert PageSnapshot.objects.filter(municipality=world["rana"], page=PublicPage.DASHBOARD).count() == 3
    assert ComparisonSnapshot.objects.filter(indicator=world["waste"]).count() == 2 * 3
    for language in ("nb", "nn", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(RANA)
        content = page.content.decode()
        assert page["X-Cache"] == "hit" and "350" in content and f'lang="{language}"' in content, language
        for address in (WASTE, f"{WASTE}?utvalg=alle", LIGHTHOUSES, "/"):
            assert client.get(address)["X-Cache"] == "hit", (language, address)


def test_the_pages_of_a_scope_are_its_municipalitys_dashboard_and_latest_report_and_an_indicators_comparisons(world):
    make.plan(world["rana"])
    report = AnnualReport.objects.create(municipality=world["rana"], year=2023, published_at=timezone.now())
    assert prerender.addresses_for({cache.municipality_scope("1833"), cache.indicator_scope("miljofyrtarn")}) == [
        LIGHTHOUSES,
        f"{LIGHTHOUSES}?utvalg=alle",
        RANA,
        f"{RANA}arsrapport/{report.year}/",
    ]
    assert set(prerender.addresses_for({cache.ALL})) == {"/", WASTE, LIGHTHOUSES}


def test_a_row_saved_forgets_the_stored_pages_of_its_municipality_only(world):
    plans_read_model.build(None)
    indicators_read_model.build(None)
    make.plan(world["rana"])  # one save, through the model's signal
    assert not PageSnapshot.objects.filter(municipality=world["rana"]).exists()
    assert PageSnapshot.objects.filter(municipality=world["oslo"]).exists()
    assert ComparisonSnapshot.objects.count() == 2 * 2 * 3  # no figure changed: every comparison stays
    publish(world["lighthouses"], world["oslo"], 2024, 950)
    assert not PageSnapshot.objects.filter(municipality=world["oslo"]).exists()
    assert not ComparisonSnapshot.objects.filter(indicator=world["lighthouses"]).exists()
    assert ComparisonSnapshot.objects.filter(indicator=world["waste"]).count() == 2 * 3


def test_a_figure_retires_the_dashboards_of_its_kostra_group_and_no_other(client, world, kongsberg):
    # Rana, Bodø and Kongsberg share a group; Oslo is in one of its own. A Kongsberg figure changes Rana's place in
    # the group, which Rana's dashboard states.
    bodo = make.municipality("Bodø", "1804")
    make.population(bodo, {2023: 52000})
    make.published_value(world["waste"], bodo, 2023, 20000)
    for code, members in (("EKG13", [world["rana"], kongsberg, bodo]), ("EKG16", [world["oslo"]])):
        group = PeerGroup.objects.create(code=code, name=code, valid_from="2017-01-01")
        for member in members:
            PeerGroupMembership.objects.create(group=group, municipality=member, valid_from=group.valid_from)
    make.population(kongsberg, {2023: 27000})
    stored(client)
    publish(world["waste"], kongsberg, 2023, 9000)
    pages = visit_all(client)
    assert pages[RANA] == "miss" and pages[OSLO] == "hit"
    assert "among the 3 municipalities in the group, Rana is number 3 in 2023" in client.get(RANA).content.decode()
