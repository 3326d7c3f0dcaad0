"""Annual reports, the network's report and good examples: what the public, planners and approvers see and do."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from indicators.models import (
    Indicator,
    IndicatorValue,
    LanguageForm,
    Municipality,
    Role,
    ValueStatus,
)
from indicators.services import ProposedValue, apply_values, change_status
from plans.models import (
    AnnualReport,
    BudgetLine,
    ExampleStatus,
    FocusArea,
    Goal,
    GoalIndicator,
    GoodExample,
    Plan,
    ReportText,
    ReportTextRevision,
    StrategicProject,
)
from plans.services import publish_report, save_report_texts
from tests import factories as make

YEAR = 2023


# --- test data -------------------------------------------------------------------------------------------------


def publish(indicator, m, year, value, **fields):
    """Store a value as published a month ago."""
    a_month_ago = timezone.now() - datetime.timedelta(days=30)
    return make.published_value(indicator, m, year, value, first_published_at=a_month_ago, **fields)


def kommuneplan(m, indicator, *, focus_areas=2):
    """An adopted kommuneplan 2020–2032; its first focus area's goal takes the indicator from 420 (2020) to 350."""
    plan = make.plan(m, title=f"Kommuneplanens samfunnsdel for {m.name}", adopted_on=datetime.date(2020, 6, 1))
    areas = [make.focus_area(plan, f"Innsatsområde {n}", order=n) for n in range(focus_areas)]
    make.goal(areas[0], "Mindre avfall per innbygger", indicator=indicator, baseline=(2020, 420), target=(2030, 350))
    return plan


def report_with(m, user, bodies, *, published=True):
    report = AnnualReport.objects.create(municipality=m, year=YEAR)
    save_report_texts(report=report, bodies=bodies, user=user)
    if published:
        publish_report(report=report, user=user)
    return report


def text_of(response) -> str:
    """What a reader sees: the page without the charts' JSON data."""
    return re.sub(r"<script\b.*?</script>", "", response.content.decode(), flags=re.S)


@pytest.fixture
def kongsberg(waste, lighthouses):
    k = make.municipality("Kongsberg", "3303", since=2020)
    population = Indicator.objects.population()
    for year, people, tonnes, count in ((2020, 27000, 11340, 10), (2021, 27200, 11152, 14), (2023, 27900, 10881, 19)):
        publish(population, k, year, people, source="SSB 07459")
        publish(waste, k, year, tonnes)
        publish(lighthouses, k, year, count, is_sample=True)
    kommuneplan(k, waste)
    return k


@pytest.fixture
def planner(kongsberg):
    """Kongsberg's planner: this module's reports are Kongsberg's."""
    return make.role(make.user("planlegger-kongsberg"), kongsberg, Role.PLANNER)


@pytest.fixture
def approver(kongsberg):
    return make.role(make.user("godkjenner-kongsberg"), kongsberg, Role.APPROVER)


def report_url(code="3303", year=YEAR):
    return f"/kommune/{code}/arsrapport/{year}/"


# --- the municipality's report ----------------------------------------------------------------------------------


def test_the_public_reads_a_published_report_with_its_texts_goals_and_sources(client, kongsberg, planner):
    waste = Indicator.objects.get(code="husholdningsavfall")
    report_with(
        kongsberg,
        planner,
        {"introduction": "Vi har **nådd** mye i år.", f"indicator-{waste.pk}": "Restavfallet gikk ned."},
    )
    response = client.get(report_url())
    assert response.status_code == 200
    html = text_of(response)
    assert "<strong>nådd</strong>" in html
    assert "Restavfallet gikk ned." in html
    assert "Mindre avfall per innbygger" in html  # the goal, with its progress
    assert "Innsatsområde 0" in html and "Innsatsområde 1" in html
    # 10 881 tonnes / 27 900 inhabitants = 390 kg per inhabitant, in Norwegian format.
    assert "390\xa0kg per innbygger" in html
    assert "SSB, KOSTRA tabell 12241" in html  # the source under the chart
    assert html.count("Eksempeldata") >= 1  # the sample series is marked


def test_only_published_figures_and_none_after_the_report_year(client, kongsberg, planner):
    waste = Indicator.objects.get(code="husholdningsavfall")
    IndicatorValue.objects.filter(indicator=waste, year=2023).update(  # approved, never published
        status=ValueStatus.APPROVED, published_at=None, published_value=None, published_state=""
    )
    publish(waste, kongsberg, 2024, 9000)
    publish(Indicator.objects.population(), kongsberg, 2024, 28000)
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    html = text_of(client.get(report_url()))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S).group(0)
    assert "2021" in section
    assert "2023" not in section  # approved, not published
    assert "2024" not in section  # after the report's year
    assert "321\xa0kg" not in section


def test_the_table_under_a_chart_lists_the_six_latest_years_newest_first(client, kongsberg, planner):
    waste = Indicator.objects.get(code="husholdningsavfall")
    for year in range(2012, 2020):  # eight more years before the fixture's 2020, 2021 and 2023
        publish(waste, kongsberg, year, 10000 + year)
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    html = text_of(client.get(report_url()))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S).group(0)
    table = re.search(r"<tbody>.*?</tbody>", section, re.S).group(0)
    assert re.findall(r'<th scope="row">(\d+)</th>', table) == ["2023", "2021", "2020", "2019", "2018", "2017"]
    # 2023: 10 881 tonnes, the total beside the figure per inhabitant
    assert re.search(r'<th scope="row">2023</th>\s*<td[^>]*>.*?10\xa0881', table, re.S)


def test_an_unpublished_report_is_hidden_from_the_public_and_previewed_by_the_municipality(client, kongsberg, planner):
    report_with(kongsberg, planner, {"introduction": "Utkast til innledning."}, published=False)
    assert client.get(report_url()).status_code == 404
    client.force_login(planner)
    response = client.get(report_url())
    assert response.status_code == 200
    assert "Utkast til innledning." in text_of(response)


def test_an_edited_text_reaches_the_public_only_when_the_report_is_published_again(
    client, kongsberg, planner, approver
):
    report = report_with(kongsberg, planner, {"introduction": "Første versjon."})
    save_report_texts(report=report, bodies={"introduction": "Andre versjon."}, user=planner)
    assert "Første versjon." in text_of(client.get(report_url()))
    assert "Andre versjon." not in text_of(client.get(report_url()))
    client.force_login(planner)
    assert "Andre versjon." in text_of(client.get(report_url() + "?utkast=1"))
    client.logout()
    publish_report(report=report, user=approver)
    assert "Andre versjon." in text_of(client.get(report_url()))
    # Every version is kept: written, written again, published twice.
    bodies = list(ReportTextRevision.objects.order_by("pk").values_list("body", "published"))
    assert bodies == [
        ("Første versjon.", False),
        ("Første versjon.", True),
        ("Andre versjon.", False),
        ("Andre versjon.", True),
    ]


def test_a_script_in_a_commentary_is_shown_as_text(client, kongsberg, planner):
    report_with(
        kongsberg,
        planner,
        {
            "introduction": 'Før <script>alert("x")</script> <img src=x onerror="alert(1)"> '
            "[lenke](javascript:alert(2)) [SSB](https://www.ssb.no/)"
        },
    )
    html = client.get(report_url()).content.decode()
    assert '&lt;script&gt;alert("x")&lt;/script&gt;' in html  # shown as text
    assert '<script>alert("x")' not in html
    assert "&lt;img src=x onerror=" in html and not re.search(r"<img[^>]*onerror", html)
    assert "javascript:" not in html
    assert '<a href="https://www.ssb.no/" rel="noopener noreferrer nofollow">SSB</a>' in html


def test_a_link_defined_in_one_text_does_not_reach_the_next(client, kongsberg, planner):
    """Texts are rendered one after another by the same Markdown converter: each starts afresh."""
    focus_area = FocusArea.objects.get(order=0)
    report_with(
        kongsberg,
        planner,
        {
            "introduction": "Se [planen][plan].\n\n[plan]: https://example.org/plan",
            f"focus_area-{focus_area.pk}": "Også [planen][plan].",
        },
    )
    html = text_of(client.get(report_url()))
    assert html.count('<a href="https://example.org/plan"') == 1
    assert "Også [planen][plan]." in html


def test_a_revised_value_carries_the_date_and_the_reason(client, kongsberg, planner, approver):
    waste = Indicator.objects.get(code="husholdningsavfall")
    apply_values(
        indicator=waste,
        proposed=[ProposedValue(municipality_id=kongsberg.pk, year=2023, value=Decimal(11000))],
        user=planner,
        source="Korrigert fil",
        reason="Feil i tonnasjen fra renovasjonsselskapet",
    )
    change_status(
        values=IndicatorValue.objects.filter(indicator=waste, year=2023),
        status=ValueStatus.PUBLISHED,
        user=approver,
        reason="Publisert",
    )
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', text_of(client.get(report_url())), re.S)
    today = datetime.date.today()
    assert (
        f"Revidert {today.day}.{today.month}.{today.year}: Feil i tonnasjen fra renovasjonsselskapet"
        in section.group(0)
    )


def test_an_old_municipality_number_leads_to_the_report_under_todays_number(client, kongsberg, planner):
    make.municipality_code(kongsberg, "0604", 1964, 2019)
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    response = client.get("/kommune/0604/arsrapport/2023/?lang=en")
    assert response.status_code == 301
    assert response["Location"] == "/kommune/3303/arsrapport/2023/?lang=en"


def test_a_nynorsk_municipalitys_report_is_in_nynorsk_and_can_be_read_in_english(client, waste):
    masfjorden = make.municipality("Masfjorden", "4634", since=2020, language_form=LanguageForm.NYNORSK)
    publish(Indicator.objects.population(), masfjorden, YEAR, 1650)
    publish(waste, masfjorden, YEAR, 700)
    kommuneplan(masfjorden, waste)
    AnnualReport.objects.create(municipality=masfjorden, year=YEAR, published_at=datetime.datetime.now(datetime.UTC))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"  # a visitor who reads bokmål elsewhere
    response = client.get(report_url("4634"))
    html = response.content.decode()
    assert response["Content-Language"] == "nn"
    # The report is in nynorsk, and says so; the site around it stays in the visitor's bokmål.
    report = re.search(r'<article class="annual-report" lang="nn">.*</article>', html, re.S)[0]
    assert "<h1>Årsrapport 2023 – Masfjorden</h1>" in report
    chrome = html.replace(report, "")
    assert (
        '<html lang="nb">' in chrome and "Hopp til hovedinnholdet" in chrome and "Hopp til hovudinnhaldet" not in html
    )
    assert "<title>Årsrapport 2023 – Masfjorden – Livskraft</title>" in chrome
    # The language menu changes the site's language, as on every page, and comes back to the report.
    assert '<form method="post" action="/i18n/setlang/"' in chrome and 'name="lang"' not in chrome
    assert '<input type="hidden" name="next" value="/kommune/4634/arsrapport/2023/">' in chrome
    english = client.get(report_url("4634") + "?lang=en").content.decode()
    assert '<html lang="nb">' in english and '<article class="annual-report" lang="en">' in english
    assert "Annual report 2023 – Masfjorden" in english
    # The municipality's own texts keep their language mark in the English report.
    assert 'lang="nn"' in english
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    both_english = client.get(report_url("4634")).content.decode()
    assert '<html lang="en">' in both_english and '<article class="annual-report" lang="en">' in both_english


@pytest.mark.parametrize("year", [1799, 2999])
def test_a_year_out_of_range_is_not_found(client, kongsberg, year):
    assert client.get(report_url(year=year)).status_code == 404


def _report_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(report_url()).status_code == 200
    return len(queries)


def test_the_report_needs_the_same_queries_however_much_data_there_is(client, kongsberg, planner, lighthouses):
    waste = Indicator.objects.get(code="husholdningsavfall")
    report = report_with(kongsberg, planner, {"introduction": "Innledning."})
    project = StrategicProject.objects.create(plan=Plan.objects.get(), title="Prosjekt", first_budget_year=2020)
    project.focus_areas.add(FocusArea.objects.first())
    BudgetLine.objects.create(municipality=kongsberg, year=YEAR, project=project, adopted=100, accounts=90)
    GoodExample.objects.create(
        municipality=kongsberg, year=YEAR, title="Eksempel", text="Tekst", status=ExampleStatus.PUBLISHED
    )
    few = _report_queries(client)
    # Twelve more indicators with ten years each, more goals, texts, projects and examples.
    focus_area = FocusArea.objects.first()
    for n in range(12):
        indicator = Indicator.objects.create(
            code=f"ekstra-{n}", name_nb=f"Ekstra {n}", unit="count", direction="higher", bottom_line="social"
        )
        for year in range(2014, 2024):
            publish(indicator, kongsberg, year, n + year)
        goal = Goal.objects.create(focus_area=focus_area, title=f"Mål {n}")
        GoalIndicator.objects.create(goal=goal, indicator=indicator, baseline_year=2015, baseline_value=1)
        more = StrategicProject.objects.create(plan=Plan.objects.get(), title=f"Prosjekt {n}")
        more.focus_areas.add(focus_area)
        BudgetLine.objects.create(municipality=kongsberg, year=YEAR, project=more, adopted=n)
        GoodExample.objects.create(
            municipality=kongsberg, year=YEAR, title=f"Eksempel {n}", text="Tekst", status=ExampleStatus.PUBLISHED
        )
        save_report_texts(report=report, bodies={f"indicator-{indicator.pk}": f"Kommentar {n}"}, user=planner)
    publish_report(report=report, user=planner)
    assert waste.pk
    many = _report_queries(client)
    assert few == many
    # municipality by code, its codes, the report as the read model stored it (none is), the report, its texts,
    # indicators, values, revisions of revised values (none here), the plan with focus areas, goals and measures
    # (4), projects and their focus areas (2), examples and their indicators (2), the year's population, the other
    # published years, the money: the plan's focus areas, the ones carrying them, the year's budget lines and
    # their projects' focus areas (4), and the climate budget for the year (none here, so no chapter and nothing
    # more: tests/test_climate_pages.py counts the chapter's).
    assert many == 22


# --- writing and publishing the report --------------------------------------------------------------------------


def edit_url(code="3303", year=YEAR):
    return f"/rapportering/{code}/{year}/arsrapport/"


def test_a_planner_writes_the_texts_and_each_save_is_recorded(client, kongsberg, planner):
    client.force_login(planner)
    page = client.get(edit_url())
    assert page.status_code == 200
    focus_area = FocusArea.objects.get(order=0)
    response = client.post(
        edit_url(),
        {"introduction": "Innledning", f"focus_area-{focus_area.pk}": "Om innsatsområdet", "action": "save"},
    )
    assert response.status_code == 302
    report = AnnualReport.objects.get()
    assert not report.is_published
    texts = {t.key: t.body for t in ReportText.objects.all()}
    assert texts == {"introduction": "Innledning", f"focus_area-{focus_area.pk}": "Om innsatsområdet"}
    assert all(t.changed_by == planner for t in ReportText.objects.all())
    assert ReportTextRevision.objects.count() == 2


def test_two_writers_at_once_lose_nothing(client, kongsberg, planner, approver):
    client.force_login(planner)
    form = client.get(edit_url()).content.decode()
    loaded_at = re.search(r'name="loaded_at" value="([^"]+)"', form).group(1)
    # The approver saves the introduction while the planner is still writing hers.
    report = AnnualReport.objects.create(municipality=kongsberg, year=YEAR)
    save_report_texts(report=report, bodies={"introduction": "Godkjennerens tekst"}, user=approver)
    response = client.post(edit_url(), {"introduction": "Planleggerens tekst", "loaded_at": loaded_at})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ingenting ble lagret" in page
    assert "Godkjennerens tekst" in page and "Planleggerens tekst" in page  # both, side by side
    assert ReportText.objects.get().body == "Godkjennerens tekst"
    # Saving again from the page she now has keeps hers, and both versions stay in the history.
    loaded_at = re.search(r'name="loaded_at" value="([^"]+)"', page).group(1)
    response = client.post(edit_url(), {"introduction": "Planleggerens tekst", "loaded_at": loaded_at})
    assert response.status_code == 302
    assert ReportText.objects.get().body == "Planleggerens tekst"
    assert list(ReportTextRevision.objects.order_by("pk").values_list("body", flat=True)) == [
        "Godkjennerens tekst",
        "Planleggerens tekst",
    ]


def test_a_planner_cannot_publish_the_report(client, kongsberg, planner):
    client.force_login(planner)
    response = client.post(edit_url(), {"introduction": "Innledning", "action": "publish"})
    assert response.status_code == 404
    assert not AnnualReport.objects.filter(published_at__isnull=False).exists()


def test_an_approver_publishes_the_report(client, kongsberg, approver):
    client.force_login(approver)
    client.post(edit_url(), {"introduction": "Godkjent innledning", "action": "publish"})
    report = AnnualReport.objects.get()
    assert report.is_published and report.published_by == approver
    client.logout()
    assert "Godkjent innledning" in text_of(client.get(report_url()))


def test_a_text_that_is_too_long_saves_nothing(client, kongsberg, planner):
    client.force_login(planner)
    response = client.post(edit_url(), {"introduction": "x" * 10_001, "action": "save"})
    assert response.status_code == 200
    assert "Ingenting ble lagret" in response.content.decode()
    assert not ReportText.objects.exists()


def test_a_planner_cannot_write_another_municipalitys_report(client, kongsberg, oslo_planner):
    client.force_login(oslo_planner)
    assert client.get(edit_url()).status_code == 404
    assert client.post(edit_url(), {"introduction": "Innbrudd", "action": "save"}).status_code == 404
    assert not ReportText.objects.exists()


def test_a_reader_previews_but_cannot_write(client, kongsberg, politician):
    client.force_login(politician)
    assert client.get(edit_url()).status_code == 404
    assert client.get(report_url()).status_code == 200  # the preview of an unpublished report


def test_the_public_cannot_reach_the_editor(client, kongsberg):
    response = client.get(edit_url())
    assert response.status_code == 302 and response["Location"].startswith("/logg-inn/")


# --- the network's report ---------------------------------------------------------------------------------------


@pytest.fixture
def network(kongsberg, rana, waste):
    """The network of Kongsberg and Rana, with Rana's figures for 2021 and 2023."""
    network = make.network()
    population = Indicator.objects.population()
    for year, people, tonnes in ((2021, 26000, 10400), (2023, 26500, 10070)):
        publish(population, rana, year, people)
        publish(waste, rana, year, tonnes)
    for member in (kongsberg, rana):
        make.membership(network, member)
    return network


def test_the_network_report_sets_the_members_side_by_side_with_the_change_and_the_median(client, network, waste):
    kongsberg, rana = Municipality.objects.get(name="Kongsberg"), Municipality.objects.get(name="Rana")
    # 2022 for both, so that the change since the year before can be computed.
    population = Indicator.objects.population()
    for m, people, tonnes in ((kongsberg, 27500, 11000), (rana, 26200, 10480)):
        publish(population, m, 2022, people)
        publish(waste, m, 2022, tonnes)
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="miljofyrtarn"),
        municipality=rana,
        year=YEAR,
        value=Decimal(999),
        status=ValueStatus.APPROVED,
    )
    response = client.get(f"/nettverk/livskraftige-kommuner/arsrapport/{YEAR}/")
    assert response.status_code == 200
    html = text_of(response)
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", section, re.S)
    # Rana: 10 070 t / 26 500 = 380 kg in 2023, 400 kg in 2022: −20 (−5 %); Kongsberg 390 and 400: −10 (−3 %).
    rana_row = next(r for r in rows if "Rana" in r)
    assert "<td>1</td>" in rana_row and ">380</td>" in rana_row and ">400</td>" in rana_row
    assert "\u221220 (\u22125\xa0%)" in rana_row
    kongsberg_row = next(r for r in rows if "Kongsberg" in r)
    assert "\u221210" in kongsberg_row
    # A median of two figures would be only their mean: it needs at least 3 (and at least half the members).
    assert "385" not in section
    assert "Det vises ingen median: en median trenger tall fra minst 3 kommuner, og 2 sammenlignes." in section
    assert "999" not in html  # approved, not published


def test_the_network_report_shows_the_years_good_examples(client, network):
    rana = Municipality.objects.get(name="Rana")
    GoodExample.objects.create(municipality=rana, year=YEAR, title="Gjenbruk", text="x", status="published")
    GoodExample.objects.create(municipality=rana, year=YEAR, title="Hemmelig", text="x", status="submitted")
    GoodExample.objects.create(municipality=rana, year=YEAR - 1, title="I fjor", text="x", status="published")
    html = text_of(client.get(f"/nettverk/livskraftige-kommuner/arsrapport/{YEAR}/"))
    assert "Gjenbruk" in html
    assert "Hemmelig" not in html and "I fjor" not in html


def test_the_network_report_needs_the_same_queries_for_more_indicators(client, network):
    url = f"/nettverk/livskraftige-kommuner/arsrapport/{YEAR}/"
    rana = Municipality.objects.get(name="Rana")
    GoodExample.objects.create(municipality=rana, year=YEAR, title="Gjenbruk", text="x", status="published")
    AnnualReport.objects.create(municipality=rana, year=YEAR, published_at=timezone.now())
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(10):
        indicator = Indicator.objects.create(
            code=f"ekstra-{n}", name_nb=f"Ekstra {n}", unit="count", direction="higher", bottom_line="social"
        )
        for m in Municipality.objects.all():
            publish(indicator, m, YEAR, n)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(few) == len(many)
    # 1 the network, 2 indicators; the comparison: 3 the network, 4 members, 5 their codes, 6 their predecessors,
    # 7 the population indicator, 8 the values; 9 the year's good examples, 10 their indicators, 11 their
    # municipalities' codes; 12 the members' climate budgets for the year (none here, so nothing more: see
    # tests/test_climate_pages.py); 13 the members' published reports, 14 their municipalities' codes.
    assert len(many) == 14


@pytest.fixture
def four_members(network, waste, oslo):
    """The network of Kongsberg and Rana (2023: 390 and 380 kg) with Oslo and Masfjorden (2023: 360 and 435 kg),
    their figures with sources of their own; and Rana's 2024 figures, published before anyone else's."""
    population = Indicator.objects.population()
    masfjorden = make.municipality("Masfjorden", "4634")
    for m, tonnes, source in ((oslo, 9000, "SSB 13136"), (masfjorden, 10875, "Kommunens vektregistrering")):
        make.membership(network, m)
        publish(population, m, 2023, 25000, source="SSB 07459, 2023")
        publish(waste, m, 2023, tonnes, source=source)
    rana = network.members.get(name="Rana")
    publish(population, rana, 2024, 26600, source="SSB 07459, 2024")
    publish(waste, rana, 2024, 10000, source="SSB 13136")
    return network


def test_the_latest_network_report_is_the_year_most_members_have_published(client, four_members):
    response = client.get("/nettverk/livskraftige-kommuner/arsrapport/")
    assert response.status_code == 302
    assert response["Location"] == "/nettverk/livskraftige-kommuner/arsrapport/2023/"  # not Rana's early 2024


def test_the_latest_network_report_falls_back_on_the_latest_year_with_any_figure(client, network):
    # Two members, only Rana has figures: no year has most of them, so the last year with any.
    assert client.get("/nettverk/livskraftige-kommuner/arsrapport/")["Location"].endswith("/2023/")


def test_the_network_report_links_only_to_years_with_figures(client, four_members):
    html = text_of(client.get("/nettverk/livskraftige-kommuner/arsrapport/2023/"))
    years = re.search(r'<nav class="[^"]*report-years".*?</nav>', html, re.S)[0]
    assert re.findall(r"/arsrapport/(\d{4})/", years) == ["2024", "2023", "2021", "2020"]  # Rana is early in 2024
    assert "/arsrapport/2022/" not in html


def test_the_network_report_shows_a_median_of_enough_members_only(client, four_members):
    html = text_of(client.get("/nettverk/livskraftige-kommuner/arsrapport/2023/"))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S)[0]
    median = re.search(r"Nettverkets median</th>\s*<td[^>]*>(.*?)</td>", section, re.S)[1]
    assert median == "385"  # of 360, 380, 390 and 435 kg: four of four members
    early = text_of(client.get("/nettverk/livskraftige-kommuner/arsrapport/2024/"))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', early, re.S)[0]
    assert re.search(r"Nettverkets median</th>\s*<td[^>]*>–", section)
    assert "Det vises ingen median for et år der færre enn 3 av de 4 kommunene som sammenlignes, har tall" in section


def test_the_network_report_names_the_sources_of_its_figures(client, four_members):
    html = text_of(client.get("/nettverk/livskraftige-kommuner/arsrapport/2023/"))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S)[0]
    sources = re.search(r'<div class="chart-source figure-sources">.*?</div>', section, re.S)[0]
    plain = re.sub(r"<[^>]+>|\s+", " ", sources)
    assert "Kilde: SSB, KOSTRA tabell 12241" in plain  # the indicator's
    # Each source the figures were published with, and whose: a value without one has the indicator's.
    assert "SSB, KOSTRA tabell 12241 (Kongsberg, Rana)" in plain
    assert "SSB 13136 (Oslo)" in plain and "Kommunens vektregistrering (Masfjorden)" in plain
    # The population the figures per inhabitant are divided by, for 2023 and the year before (Rana's 2022: none).
    assert "SSB 07459, 2023 (Masfjorden, Oslo)" in plain and "SSB 07459 (Kongsberg)" in plain
    assert "SSB, tabell 07459 (Rana)" in plain  # the population indicator's own source
    assert "2024" not in plain  # sources of the years shown only


def test_a_sample_figure_is_marked_in_its_cell_and_explained_once_per_table(client, four_members, waste):
    IndicatorValue.objects.filter(indicator=waste, municipality__name="Oslo").update(published_is_sample=True)
    html = text_of(client.get("/nettverk/livskraftige-kommuner/arsrapport/2023/"))
    section = re.search(r'id="indikator-husholdningsavfall".*?</section>', html, re.S)[0]
    assert section.count("Eksempeldata: oppdiktede tall, ikke ekte tall.") == 1
    assert section.count('<span class="sample-mark" aria-hidden="true">*</span>') == 1  # Oslo's cell
    assert "sample-badge" not in section
    oslo = next(row for row in re.findall(r"<tr>(.*?)</tr>", section, re.S) if "Oslo" in row)
    assert "(eksempeldata)" in oslo


def test_an_unknown_network_is_not_found(client, network):
    assert client.get(f"/nettverk/ukjent/arsrapport/{YEAR}/").status_code == 404


# --- good examples ----------------------------------------------------------------------------------------------


def png(size=(80, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1b4d36").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def new_example(client, code="3303", **fields):
    data = {"title": "Bruktbu", "year": YEAR, "text": "Vi åpnet en **bruktbu**.", "action": "save", **fields}
    return client.post(f"/rapportering/{code}/gode-eksempler/ny/", data)


def test_a_planner_writes_an_example_with_an_image_and_submits_it(client, planner, media):
    client.force_login(planner)
    image = SimpleUploadedFile("bilde.png", png(), content_type="image/png")
    response = new_example(client, image=image, image_alt="Bruktbua sett utenfra", action="submit")
    assert response.status_code == 302
    example = GoodExample.objects.get()
    assert example.status == ExampleStatus.SUBMITTED
    assert example.created_by == planner and example.image_alt == "Bruktbua sett utenfra"
    assert example.image.name.startswith(f"gode-eksempler/{example.municipality_id}/")
    assert not example.image.name.endswith("bilde.png")  # stored under a name of the portal's choosing
    assert example.image.name.endswith(".png")


def test_an_image_is_stored_and_served_as_what_it_is_whatever_its_name(client, planner, media):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#a4262c").save(buffer, format="JPEG")
    client.force_login(planner)
    image = SimpleUploadedFile("kart.png", buffer.getvalue(), content_type="image/png")
    new_example(client, image=image, image_alt="Et kart")
    example = GoodExample.objects.get()
    assert example.image.name.endswith(".jpg")
    assert client.get(f"/gode-eksempler/{example.pk}/bilde/")["Content-Type"] == "image/jpeg"


def test_an_image_without_alternative_text_is_refused(client, planner, media):
    client.force_login(planner)
    response = new_example(client, image=SimpleUploadedFile("bilde.png", png(), content_type="image/png"))
    assert response.status_code == 200
    assert "Beskriv bildet" in response.content.decode()
    assert not GoodExample.objects.exists()
    assert not any(media.rglob("*.png"))


def test_a_file_that_is_not_an_image_is_refused(client, planner, media):
    client.force_login(planner)
    fake = SimpleUploadedFile("bilde.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = new_example(client, image=fake, image_alt="Et bilde")
    assert response.status_code == 200
    assert not GoodExample.objects.exists()


def test_an_unpublished_example_and_its_image_are_hidden_from_the_public(client, planner, media):
    client.force_login(planner)
    new_example(client, image=SimpleUploadedFile("b.png", png(), content_type="image/png"), image_alt="Bilde")
    example = GoodExample.objects.get()
    assert client.get(f"/gode-eksempler/{example.pk}/bilde/").status_code == 200
    client.logout()
    assert client.get(f"/gode-eksempler/{example.pk}/").status_code == 404
    assert client.get(f"/gode-eksempler/{example.pk}/bilde/").status_code == 404
    assert "Bruktbu" not in text_of(client.get("/gode-eksempler/"))


def test_the_coordinator_publishes_an_example_and_the_public_sees_it(client, planner, media, coordinator):
    client.force_login(planner)
    new_example(
        client,
        image=SimpleUploadedFile("b.png", png(), content_type="image/png"),
        image_alt="Bilde",
        action="submit",
    )
    example = GoodExample.objects.get()
    client.force_login(coordinator)
    assert "Bruktbu" in text_of(client.get("/rapportering/gode-eksempler/"))
    client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "publish"})
    example.refresh_from_db()
    assert example.status == ExampleStatus.PUBLISHED and example.published_at is not None
    client.logout()
    assert "Bruktbu" in text_of(client.get("/gode-eksempler/"))
    image = client.get(f"/gode-eksempler/{example.pk}/bilde/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == png()


def test_a_returned_example_goes_back_to_the_planner_with_the_reason(client, planner, coordinator):
    client.force_login(planner)
    new_example(client, action="submit")
    example = GoodExample.objects.get()
    client.force_login(coordinator)
    client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "return", "reason": ""})
    example.refresh_from_db()
    assert example.status == ExampleStatus.SUBMITTED  # no reason, no return
    client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "return", "reason": "Mer tall"})
    example.refresh_from_db()
    assert example.status == ExampleStatus.DRAFT and example.review_comment == "Mer tall"
    client.force_login(planner)
    assert "Mer tall" in text_of(client.get(f"/rapportering/gode-eksempler/{example.pk}/"))


def test_a_planner_cannot_publish_or_edit_elsewhere(client, planner, oslo, waste):
    example = GoodExample.objects.create(municipality=oslo, year=YEAR, title="Oslo", text="x", status="submitted")
    draft = GoodExample.objects.create(municipality=oslo, year=YEAR, title="Utkast", text="x")
    client.force_login(planner)
    assert (
        client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "publish"}).status_code == 404
    )
    assert client.get(f"/rapportering/gode-eksempler/{draft.pk}/").status_code == 404
    assert new_example(client, code="0301").status_code == 404
    example.refresh_from_db()
    assert example.status == ExampleStatus.SUBMITTED


def test_a_coordinator_of_another_network_cannot_publish(client, network):
    coordinator = make.coordinator(make.user("koordinator-annet"), make.network("Annet nettverk", slug="annet"))
    example = GoodExample.objects.create(
        municipality=Municipality.objects.get(name="Rana"), year=YEAR, title="Rana", text="x", status="submitted"
    )
    client.force_login(coordinator)
    assert (
        client.post(f"/rapportering/gode-eksempler/{example.pk}/vurdering/", {"action": "publish"}).status_code == 404
    )


def test_a_published_example_appears_in_its_municipalitys_report_under_its_focus_area(client, kongsberg, planner):
    focus_area = FocusArea.objects.get(order=1)
    GoodExample.objects.create(
        municipality=kongsberg, year=YEAR, title="Sykkelby", text="x", status="published", focus_area=focus_area
    )
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    html = text_of(client.get(report_url()))
    section = re.search(rf'id="innsats-{focus_area.pk}".*?</section>', html, re.S).group(0)
    assert "Sykkelby" in section


def test_the_indicators_of_a_report_and_its_examples_lead_to_the_comparison_with_the_municipality_marked(
    client, kongsberg, planner, lighthouses
):
    example = GoodExample.objects.create(
        municipality=kongsberg, year=YEAR, title="Miljøfyrtårn", text="x", status="published"
    )
    example.indicators.add(lighthouses)
    report_with(kongsberg, planner, {"introduction": "Innledning."})
    report = client.get(report_url()).content.decode()
    assert 'href="/indikator/husholdningsavfall/?kommune=3303">Husholdningsavfall' in report  # the goal table
    comparison = f'href="/indikator/{lighthouses.code}/?kommune=3303"'
    assert comparison in report  # the example's indicator
    assert comparison in client.get(f"/gode-eksempler/{example.pk}/").content.decode()


# --- the accessibility statement --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_accessibility_statement_lists_every_page_the_browser_tests_check(client):
    from livskraft.accessibility import DEVIATIONS, TESTED_PAGES

    html = text_of(client.get("/tilgjengelighet/"))
    for tested in TESTED_PAGES:
        assert _nb(tested.label) in html
    for deviation in DEVIATIONS:
        assert re.fullmatch(r"[1-4]\.[1-9]\.[1-9][0-9]?", deviation.criterion)
        assert deviation.criterion in html
    assert settings.LIVSKRAFT_ACCESSIBILITY_CONTACT in html


def _nb(text) -> str:
    from django.utils import translation

    with translation.override("nb"):
        return str(text)


@pytest.mark.django_db
def test_every_page_links_to_the_accessibility_statement(client):
    assert 'href="/tilgjengelighet/"' in client.get("/kilder/").content.decode()
