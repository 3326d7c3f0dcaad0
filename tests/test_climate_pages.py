"""The climate budget as people see it: its page, the annual report's chapter, the network's comparison, the digest
and the dashboard's link."""

import datetime
import html
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from indicators.models import ValueRevision
from indicators.services import ProposedValue, apply_values
from plans import climate
from plans.models import (
    AnnualReport,
    BudgetLine,
    ExampleStatus,
    GoodExample,
    MeasureReport,
    MeasureReportRevision,
    MeasureStatus,
    PlanStatus,
    PlanType,
    ReportStatus,
    Sector,
)
from tests import factories as make

# The budget's year: last year, so that its annual report may be published; the plan runs Y–Y+3.
Y = timezone.localdate().year - 1
LATEST = Y - 2  # the latest year Miljødirektoratet's inventory covers
ROAD, HEATING = Sector.VEITRAFIKK, Sector.OPPVARMING
URL = f"/kommune/1833/klimabudsjett/{Y}/"


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, white space collapsed, non-breaking spaces as spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


def chart_of(response) -> dict:
    found = re.search(r'<script id="climate-chart" type="application/json">(.*?)</script>', response.content.decode())
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


@pytest.fixture
def okonomiplan(rana):
    return make.plan(rana, PlanType.OKONOMIPLAN, first=Y, last=Y + 3, title="Økonomiplan")


@pytest.fixture
def budget(rana, okonomiplan):
    """Rana's climate budget: road traffic and heating emitted 40 000 and 10 000 tonnes in 2009 and 30 000 and
    4 000 in LATEST. In Y the frames allow 50 % and 20 % of 2009 (22 000 tonnes), the reference paths lead to 70 %
    and 36 % (31 600 tonnes): 9 600 tonnes must be cut, and the two measures cut 4 000 and 800 (half of it). By
    Y+5, the target year, the paths reach 60 % and 30 %, and the measures cut 10 000 and 1 000: 16 000 tonnes are
    left, a 68 % cut against the target of 95 %."""
    make.emissions(rana, ROAD, {2009: 40000, LATEST: 30000})
    make.emissions(rana, HEATING, {2009: 10000, LATEST: 4000})
    found = make.climate_budget(okonomiplan, reference_year=2009, target_year=Y + 5, target_percent=95,
                                method_note="Rammene følger **Miljødirektoratets** framskrivning.")  # fmt: skip
    found.interim_targets.create(year=Y + 2, percent=Decimal(60))
    make.climate_sector(found, ROAD, frames={Y: 50, Y + 5: 5}, reference={Y: 70, Y + 5: 60},
                        reference_source="Miljødirektoratets framskrivning 2024")  # fmt: skip
    make.climate_sector(found, HEATING, frames={Y: 20, Y + 5: 5}, reference={Y: 36, Y + 5: 30})
    result = make.emission_indicator(ROAD)  # any indicator will do as a result indicator
    project = okonomiplan.strategic_projects.create(title="Ladepunkter")
    BudgetLine.objects.create(municipality=rana, year=Y, project=project, adopted=1500, accounts=1320)
    road = make.climate_measure(found, "T1", ROAD, title="Ladepunkter i sentrum", cuts={Y: (4000, 3000, 5000),
                                Y + 5: 10000}, result_indicator=result, project=project)  # fmt: skip
    make.climate_measure(found, "T2", HEATING, title="Fjernvarme i skolene", cuts={Y: 800, Y + 5: 1000},
                         result_indicator=result)  # fmt: skip
    make.climate_measure(found, "T3", ROAD, title="Sykkelbyen", effect_class="medium", is_example=True)
    make.measure_report(road, Y, MeasureStatus.ON_TRACK, workflow=ReportStatus.PUBLISHED, explanation="Som planlagt")
    return found


HEADLINE = (
    f"The frame for {Y} is 22,000 tonnes CO₂-eq. The latest known emissions are 34,000 tonnes ({LATEST}). "
    f"The quantified measures cover 50 % of the cut needed in {Y}. With them, 27 percentage points are missing "
    f"to the target of a 95 % cut by {Y + 5}."
)


# --- the page ---------------------------------------------------------------------------------------------------


def test_the_headline_says_frame_latest_emissions_coverage_and_gap(client, english, budget):
    page = text_of(client.get(URL))
    assert HEADLINE in page
    assert f"Miljødirektoratet's figures for {Y} come in {Y + 2}." in page
    assert page.index(HEADLINE) < page.index("Emissions, paths and frames")


def test_the_headline_sentence_counts_the_sectors_and_measures(budget):
    with translation.override("en"):
        assert climate.headline_sentence(climate.compose(budget, Y)) == HEADLINE


def test_the_latest_address_leads_to_this_year(client, budget):
    response = client.get("/kommune/1833/klimabudsjett/")
    assert response.status_code == 302
    assert response.url == f"/kommune/1833/klimabudsjett/{Y + 1}/"


def test_without_a_budget_there_is_no_page(client, rana, okonomiplan):
    assert client.get(URL).status_code == 404
    assert client.get("/kommune/1833/klimabudsjett/").status_code == 404


def test_the_public_does_not_see_a_draft_versions_budget(client, english, rana, rana_planner, budget):
    draft = make.plan(rana, PlanType.OKONOMIPLAN, first=Y + 4, last=Y + 7, status=PlanStatus.DRAFT, title="Utkast")
    make.climate_budget(draft, reference_year=2009, target_year=Y + 5)
    url = f"/kommune/1833/klimabudsjett/{Y + 4}/"
    assert client.get(url).status_code == 404
    client.force_login(rana_planner)
    page = client.get(url)
    assert page.status_code == 200
    assert "Not published." in text_of(page)


def test_the_public_sees_published_statuses_and_readers_with_a_role_the_ones_being_reported(
    client, english, budget, rana_planner
):
    measure = budget.measures.get(number="T1")
    climate.save_report(measure=measure, year=Y, status=MeasureStatus.DELAYED, explanation="Leveransen er forsinket",
                        result_value=None, user=rana_planner)  # fmt: skip
    public = text_of(client.get(URL))
    assert "On track" in public and "Som planlagt" in public
    assert "Delayed" not in public and "forsinket" not in public and "Not published" not in public
    client.force_login(rana_planner)
    inside = text_of(client.get(URL))
    assert "Delayed" in inside and "Leveransen er forsinket" in inside
    assert "Not published (draft)" in inside


def test_a_revision_of_the_reference_year_is_said_and_moves_the_tonnes(client, english, rana, budget):
    apply_values(
        indicator=make.emission_indicator(ROAD),
        proposed=[ProposedValue(municipality_id=rana.pk, year=2009, value=Decimal(42000))],
        user=None,
        source="Miljødirektoratet, Klimagassutslipp i kommuner 2025",
        reason="Revidert",
        official=True,
    )
    assert ValueRevision.objects.filter(indicator_value__year=2009).exists()
    page = text_of(client.get(URL))
    today = timezone.localdate().strftime("%d.%m.%Y")
    assert (
        f"Miljødirektoratet revised road traffic's emissions in 2009 from 40,000 to 42,000 tonnes on {today}. The "
        "frames keep their per cent of the reference year; their tonnes changed with it."
    ) in page
    # Road traffic's frame is still 50 % of 2009, now 21 000 tonnes: with heating's 2 000, 23 000.
    assert f"The frame for {Y} is 23,000 tonnes CO₂-eq." in page


def test_the_chart_has_a_trace_per_sector_and_the_paths(client, english, budget):
    response = client.get(URL)
    chart = chart_of(response)
    names = [t["name"] for t in chart["data"] if "name" in t]
    assert names == [
        "Heating",
        "Road traffic",
        "Frame",
        "Path with the measures",
        "Reference path, without new measures",
        "Target",
        "Interim targets",
    ]
    # The key under the chart names them too: the lines and marks, then the sectors from the top of the stack.
    key = re.search(r'<ul class="chart-key">.*?</ul>', response.content.decode(), re.S)[0]
    assert re.findall(r"</svg>([^<]+)</li>", key) == [*names[2:], "Road traffic", "Heating"]
    by_name = {t["name"]: t for t in chart["data"] if t.get("name")}
    assert by_name["Road traffic"]["stackgroup"] == "emissions"
    assert by_name["Road traffic"]["x"] == [2009, LATEST] and by_name["Road traffic"]["y"] == [40000, 30000]
    assert by_name["Reference path, without new measures"]["line"]["dash"] == "dash"
    assert by_name["Path with the measures"]["y"] == [26800, 16000]  # Y: 31 600 − 4 800; Y+5: 27 000 − 11 000
    assert by_name["Frame"]["line"]["shape"] == "hv"
    assert by_name["Target"]["x"] == [Y + 5] and by_name["Target"]["y"] == [2500]
    assert by_name["Interim targets"]["y"] == [20000]  # 60 % below 50 000


def test_the_table_beside_the_chart_has_the_same_numbers(client, english, budget):
    response = client.get(URL)
    assert response.context["rows"] == climate.compose(budget, Y).rows()
    table = re.search(r'<table class="table table-sm climate-rows">.*?</table>', response.content.decode(), re.S)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in re.findall(r"<tr.*?</tr>", table[0], re.S)]
    assert f"{Y} – 22,000 31,600 26,800 4,800" in rows
    assert "2009 50,000 – – – –" in rows
    assert f"{LATEST} 34,000 – – – –" in rows


def test_the_page_shows_terms_sectors_and_measures(client, english, budget):
    page = text_of(client.get(URL))
    assert "A 95 % cut by" in page and "at most 2,500 tonnes" in page
    assert f"{Y + 2}: a 60 % cut (at most 20,000 tonnes)" in page
    assert "Road traffic: Miljødirektoratets framskrivning 2024" in page and "Heating: not given" in page
    assert "Rammene følger Miljødirektoratets framskrivning." in page  # Markdown, rendered
    # Road traffic in Y: frame 20 000 (50 %), reference path 28 000 (70 %), 4 000 cut, 24 000 left.
    assert "Road traffic 40,000 30,000 20,000 (50.0 %) 28,000 (70.0 %) 4,000 24,000" in page
    assert (
        "T1 Ladepunkter i sentrum Road traffic · The municipality's own 1,500 / 1,320 4,000 (3,000–5,000) Shows in "
        "the inventory"
    ) in page
    assert "T3 Sykkelbyen Example" in page and "Effect medium not in tonnes" in page
    assert "Not reported" in page


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_the_page_needs_the_same_queries_for_one_measure_as_for_ten(client, budget, rana):
    budget.measures.exclude(number="T1").delete()
    one = queries(client)
    project = budget.plan.strategic_projects.create(title="Mer")
    for n in range(9):
        measure = make.climate_measure(budget, f"M{n}", HEATING, cuts={Y: 10}, project=project,
                                       result_indicator=make.emission_indicator(HEATING))  # fmt: skip
        make.measure_report(measure, Y, MeasureStatus.DONE, workflow=ReportStatus.PUBLISHED)
    assert budget.measures.count() == 10
    # 1 the code with its municipality, 2 its codes, 3 the budget for the year, 4 the interim targets, 5 the sectors,
    # 6 their years, 7 the measures with their result indicators and projects, 8 their years, 9 the inventory,
    # 10 the projects' budget lines, 11 the year's reports, 12 the reference year's revisions, 13 the years of
    # the published annual reports.
    assert one == queries(client) == 13


# --- the annual report ------------------------------------------------------------------------------------------


def publish_report(rana, year=Y):
    return AnnualReport.objects.create(municipality=rana, year=year, published_at=timezone.now())


def test_the_annual_report_has_a_climate_chapter(client, english, rana, budget, rana_planner):
    publish_report(rana)
    for number in ("T1", "T2"):  # T1's published status stays while its change is a draft; T2 has none published
        climate.save_report(measure=budget.measures.get(number=number), year=Y, status=MeasureStatus.DELAYED,
                            explanation="Anbudet ble avlyst", result_value=None, user=rana_planner)  # fmt: skip
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = text_of(client.get(f"/kommune/1833/arsrapport/{Y}/?lang=en"))
    chapter = page[page.index("Climate budget From Økonomiplan") :]
    assert HEADLINE in chapter
    # The frames are set for Y and Y+5: none for the latest year the inventory covers.
    assert (
        f"In {LATEST}, the latest year Miljødirektoratet's figures cover, the sectors emitted 34,000 tonnes CO₂-eq. "
        f"No frame was set for that year. Miljødirektoratet's figures for {Y} come in {Y + 2}."
    ) in chapter
    assert "T1 Ladepunkter i sentrum Road traffic On track Som planlagt" in chapter
    # T2's delay is only a draft: the public report says nothing of it.
    assert "T2 Fjernvarme i skolene Heating Not reported" in chapter and "avlyst" not in chapter
    assert "Not published" not in chapter
    # The municipality's own people preview the statuses being reported, marked.
    client.force_login(rana_planner)
    preview = text_of(client.get(f"/kommune/1833/arsrapport/{Y}/?lang=en&utkast=1"))
    assert "T2 Fjernvarme i skolene Heating Delayed Not published (draft) Anbudet ble avlyst" in preview


def test_the_annual_report_sets_the_latest_emissions_against_their_years_frame(client, english, rana, budget):
    publish_report(rana)
    road = budget.sectors.get(sector=ROAD)
    climate.save_sector(sector=road, years=[*road.years.all(), make_year(LATEST, frame=80)], user=None)
    heating = budget.sectors.get(sector=HEATING)
    climate.save_sector(sector=heating, years=[*heating.years.all(), make_year(LATEST, frame=30)], user=None)
    page = text_of(client.get(f"/kommune/1833/arsrapport/{Y}/?lang=en"))
    # 80 % and 30 % of 2009: 32 000 + 3 000 = 35 000 tonnes allowed, 34 000 emitted.
    assert (
        f"In {LATEST}, the latest year Miljødirektoratet's figures cover, the sectors emitted 34,000 tonnes CO₂-eq., "
        "1,000 tonnes below the frame of 35,000 tonnes."
    ) in page
    assert "Road traffic 30,000 32,000 −2,000" in page and "Heating 4,000 3,000 +1,000" in page


def test_the_frame_of_the_latest_known_year_comes_from_the_version_in_force_then(client, english, rana, budget):
    publish_report(rana)
    earlier = make.plan(rana, PlanType.OKONOMIPLAN, first=LATEST, last=LATEST + 3, status=PlanStatus.REPLACED,
                        title="Økonomiplan før")  # fmt: skip
    older = make.climate_budget(earlier, reference_year=2009, target_year=Y + 5)
    make.climate_sector(older, ROAD, frames={LATEST: 70})
    make.climate_sector(older, HEATING, frames={LATEST: 50})
    page = text_of(client.get(f"/kommune/1833/arsrapport/{Y}/?lang=en"))
    # 70 % and 50 % of 2009: 28 000 + 5 000 = 33 000 tonnes allowed, 34 000 emitted.
    assert "34,000 tonnes CO₂-eq., 1,000 tonnes above the frame of 33,000 tonnes." in page
    assert "The frames of Økonomiplan før, the version in force that year." in page


def make_year(year, *, frame=None, reference=None):
    from plans.models import SectorYear

    return SectorYear(
        year=year,
        frame_percent=None if frame is None else Decimal(frame),
        reference_percent=None if reference is None else Decimal(reference),
    )


def test_the_annual_reports_chapter_needs_the_same_queries_for_one_measure_as_for_ten(client, rana, budget):
    publish_report(rana)
    budget.measures.exclude(number="T1").delete()

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/kommune/1833/arsrapport/{Y}/").status_code == 200
        return len(captured)

    one = count()
    for n in range(9):
        measure = make.climate_measure(budget, f"M{n}", HEATING, cuts={Y: 10}, effect_class="low")
        make.measure_report(measure, Y, MeasureStatus.DONE, workflow=ReportStatus.PUBLISHED)
    # The report's own (tests/test_reports.py), the budget for the year, and compose()'s 9: the same for ten.
    assert one == count()


def test_a_report_without_a_climate_budget_has_no_chapter(client, english, rana):
    publish_report(rana)
    page = client.get(f"/kommune/1833/arsrapport/{Y}/?lang=en").content.decode()
    assert 'id="klimabudsjett"' not in page


# --- the network's report ---------------------------------------------------------------------------------------


def test_the_network_report_compares_the_members_budgets(client, english, network, rana, oslo, budget, rana_planner):
    make.membership(network, rana)
    make.membership(network, oslo)
    make.population(rana, {Y - 1: 25800, Y: 26000})
    measure = budget.measures.get(number="T1")
    shared = GoodExample.objects.create(municipality=rana, year=Y, title="Lading for alle", text="x",
                                        status=ExampleStatus.PUBLISHED, published_at=timezone.now())  # fmt: skip
    unshared = GoodExample.objects.create(municipality=rana, year=Y, title="Hemmelig utkast", text="x")
    measure.good_examples.add(shared, unshared)
    page = text_of(client.get(f"/nettverk/{network.slug}/arsrapport/{Y}/"))
    section = page[page.index(f"Climate budgets {Y}") :]
    # Rana: frame 22 000 tonnes for 26 000 inhabitants, 9 600 to cut, 4 800 covered (50 %).
    assert (
        f"Rana Økonomiplan 22,000 0.85 26,000 inhabitants ({Y}) 9,600 4,800 50 % of the cut needed "
        "Road traffic: 2 Heating: 1"
    ) in section
    assert "Oslo" not in section[: section.index("Good examples of the measures")]
    assert "Lading for alle , Rana: measure T1, Ladepunkter i sentrum" in section
    assert "Hemmelig utkast" not in page


def test_the_network_report_needs_the_same_queries_however_many_members_and_measures(client, network, budget, rana):
    make.membership(network, rana)
    example = GoodExample.objects.create(municipality=rana, year=Y, title="Lading", text="x",
                                         status=ExampleStatus.PUBLISHED)  # fmt: skip
    budget.measures.get(number="T1").good_examples.add(example)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/nettverk/{network.slug}/arsrapport/{Y}/").status_code == 200
        return len(captured)

    count()  # the first read of the population makes its indicator
    few = count()
    for n in range(3):
        member = make.municipality(f"Kommune {n}", f"50{n:02d}")
        make.membership(network, member)
        plan = make.plan(member, PlanType.OKONOMIPLAN, first=Y, last=Y + 3)
        other = make.climate_budget(plan)
        make.climate_sector(other, ROAD, frames={Y: 50}, reference={Y: 70})
        make.emissions(member, ROAD, {2009: 1000 * (n + 1)})
        for m in range(5):
            measure = make.climate_measure(other, f"T{m}", ROAD, cuts={Y: 10})
            example = GoodExample.objects.create(municipality=member, year=Y, title=f"Eksempel {m}", text="x",
                                                 status=ExampleStatus.PUBLISHED)  # fmt: skip
            measure.good_examples.add(example)
    # The report's own 12 (tests/test_reports.py counts 13 with a member's published report: none is here), and the
    # budgets, their sectors, the sectors' years, the measures, their years, their published good examples, the
    # members' inventories and their populations (8).
    assert few == count() == 12 + 8


# --- the digest -------------------------------------------------------------------------------------------------


def test_the_digest_lists_measures_whose_status_changed(client, english, budget, rana_planner, rana_approver):
    measure = budget.measures.get(number="T1")
    MeasureReportRevision.objects.create(
        report=MeasureReport.objects.get(measure=measure), status=MeasureStatus.ON_TRACK,
        workflow=ReportStatus.PUBLISHED, changed_at=timezone.now() - datetime.timedelta(days=60),
    )  # fmt: skip
    since = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    report = climate.save_report(measure=measure, year=Y, status=MeasureStatus.DELAYED,
                                 explanation="Leveransen er forsinket", result_value=None, user=rana_planner)  # fmt: skip
    url = f"/kommune/1833/endringer/?siden={since}"
    assert "Climate measures whose status changed" not in text_of(client.get(url))  # a draft, for now
    for step in (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.PUBLISHED):
        climate.move_reports(reports=[report], to=step, user=rana_approver)
    page = text_of(client.get(url))
    assert "1 climate measure changed its status" in page
    assert f"T1 Ladepunkter i sentrum {Y} On track Delayed Rana municipality" in page
    assert "Leveransen er forsinket" in page


def test_readers_with_a_role_see_status_changes_before_they_are_published(client, english, budget, rana_planner):
    measure = budget.measures.get(number="T2")
    climate.save_report(measure=measure, year=Y, status=MeasureStatus.NOT_STARTED, explanation="",
                        result_value=None, user=rana_planner)  # fmt: skip
    client.force_login(rana_planner)
    page = text_of(client.get("/kommune/1833/endringer/"))
    assert f"T2 Fjernvarme i skolene {Y} First reported Not started Not published" in page


def test_the_digest_needs_the_same_queries_however_many_statuses_changed(client, budget, rana_planner, rana_approver):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/kommune/1833/endringer/").status_code == 200
        return len(captured)

    def publish(number, status):
        report = climate.save_report(measure=budget.measures.get(number=number), year=Y, status=status,
                                     explanation="Fordi", result_value=None, user=rana_planner)  # fmt: skip
        for step in (ReportStatus.SUBMITTED, ReportStatus.APPROVED, ReportStatus.PUBLISHED):
            climate.move_reports(reports=[report], to=step, user=rana_approver)

    publish("T1", MeasureStatus.DELAYED)
    one = count()
    publish("T2", MeasureStatus.CANCELLED)
    publish("T3", MeasureStatus.CHANGED)
    assert one == count()


# --- the dashboard ----------------------------------------------------------------------------------------------


def test_the_dashboard_links_to_this_years_climate_budget(client, english, budget):
    page = client.get("/kommune/1833/").content.decode()
    assert f'href="/kommune/1833/klimabudsjett/{Y + 1}/">Climate budget {Y + 1}</a>' in page


def test_the_dashboard_has_no_link_without_an_adopted_budget(client, english, rana):
    draft = make.plan(rana, PlanType.OKONOMIPLAN, first=Y, last=Y + 3, status=PlanStatus.DRAFT)
    make.climate_budget(draft)
    assert "klimabudsjett" not in client.get("/kommune/1833/").content.decode()
