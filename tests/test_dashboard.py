"""The municipality dashboard: goals with their progress, a chart, a table and a sentence per indicator."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Indicator, Role
from indicators.models import ValueStatus as S
from tests import factories as make

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def population(rana):
    return make.population(rana, dict.fromkeys(range(2019, 2025), 26000))


@pytest.fixture
def plan(rana, waste):
    plan = make.plan(
        rana, title="Kommuneplanens samfunnsdel 2020–2032", last=THIS_YEAR + 6, adopted_on=datetime.date(2020, 6, 18)
    )
    area = make.focus_area(plan, "Natur, miljø og bærekraftig utvikling")
    make.goal(
        area, "Mindre avfall fra husholdningene", indicator=waste, baseline=(2019, 412), target=(THIS_YEAR + 2, 350)
    )
    return plan


def add_waste(rana, waste, figures, status=S.PUBLISHED, **fields):
    """Store waste as tonnes for 26 000 inhabitants, given in kg per inhabitant."""
    for year, kg in figures.items():
        make.value(waste, rana, year, Decimal(kg) * 26, status=status, **fields)


def page(client, language="en", url="/kommune/1833/"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def chart_data(html, code):
    return json.loads(re.search(rf'<script id="chart-{code}" type="application/json">(.*?)</script>', html, re.S)[1])


def test_a_goal_shows_baseline_target_latest_and_progress(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2020: 400, 2021: 390, 2022: 379, 2023: 368, 2024: 357})
    html = page(client)
    goals = re.search(r'<h2 id="goals">.*?<h2 id="indicators">', html, re.S)[0]
    assert "Mindre avfall fra husholdningene" in goals
    assert "412\xa0kg per inhabitant (2019)" in goals
    assert f"350\xa0kg per inhabitant ({THIS_YEAR + 2})" in goals
    assert "357\xa0kg per inhabitant (2024)" in goals
    assert "On track" in goals
    assert "How progress is assessed" in html


def test_progress_that_goes_the_wrong_way_is_said_so(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2022: 430, 2024: 445})
    assert "Moving the wrong way" in page(client)


def test_the_sentence_says_how_the_figure_moved_and_what_the_target_is(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2023: 380})
    html = page(client)
    assert (
        "Household waste per inhabitant fell from 412\xa0kg per inhabitant in 2019 to 380\xa0kg per inhabitant "
        f"in 2023. The target is 350\xa0kg per inhabitant in {THIS_YEAR + 2}."
    ) in html
    nynorsk = page(client, "nn")
    assert "Hushaldsavfall per innbyggjar fall frå 412" in nynorsk


def test_the_chart_holds_the_figures_the_target_and_the_trend(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2021: 400, 2023: 380})
    figure = chart_data(page(client), "husholdningsavfall")
    traces = {trace["name"]: trace for trace in figure["data"]}
    # Every year from the first to the last; the line breaks at a year without a figure.
    assert traces["Figures"]["x"] == [2019, 2020, 2021, 2022, 2023]
    assert traces["Figures"]["y"][::2] == pytest.approx([412, 400, 380])
    assert traces["Figures"]["y"][1::2] == [None, None]
    assert traces["Figures"]["connectgaps"] is False
    assert traces["Target: straight path from the baseline"]["x"] == [2019, THIS_YEAR + 2]
    assert traces["Target: straight path from the baseline"]["line"]["dash"] == "dash"
    assert traces["Trend projected to the target year"]["x"] == [2023, THIS_YEAR + 2]
    assert traces["Trend projected to the target year"]["line"]["dash"] == "dot"
    # The unit above the axis, reading across: it needs one line of height, however short a printed chart is.
    assert [a["text"] for a in figure["layout"]["annotations"]] == ["kg per inhabitant"]
    assert figure["layout"]["yaxis"]["automargin"] is True  # room for the tick labels


def test_sample_data_is_its_own_series_in_the_chart(client, population, waste, rana):
    add_waste(rana, waste, {2020: 400, 2021: 390}, is_sample=True)
    html = page(client)
    figure = chart_data(html, "husholdningsavfall")
    assert [trace["name"] for trace in figure["data"]] == ["Sample data, not real figures"]
    assert figure["data"][0]["marker"]["symbol"] == ["diamond", "diamond"]


def test_an_open_marker_for_a_figure_not_yet_published_has_its_legend_entry(
    client, population, waste, rana, politician
):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 390}, status=S.APPROVED)
    client.force_login(make.role(politician, rana, Role.READER))
    figure = chart_data(page(client), "husholdningsavfall")
    traces = {trace["name"]: trace for trace in figure["data"]}
    assert traces["Figures"]["marker"]["symbol"] == ["circle", "circle-open"]
    legend = traces["Open marker: approved, not yet published"]
    assert legend["marker"]["symbol"] == "circle-open" and legend["x"] == [None]
    client.logout()
    public = chart_data(page(client), "husholdningsavfall")
    assert [trace["name"] for trace in public["data"]] == ["Figures"]  # the public sees no open markers


def test_the_public_sees_published_values_only(client, population, waste, rana):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    add_waste(rana, waste, {2024: 888}, status=S.SUBMITTED)
    html = page(client)
    assert "777" not in html and "888" not in html
    assert "not published" not in html


def test_readers_of_the_municipality_also_see_approved_values_marked(client, population, waste, rana, oslo, politician):
    add_waste(rana, waste, {2022: 400})
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    add_waste(rana, waste, {2024: 888}, status=S.DRAFT)
    client.force_login(make.role(politician, rana, Role.READER))
    section = re.search(r'<section[^>]*id="indicator-husholdningsavfall".*?</section>', page(client), re.S)[0]
    assert "777\xa0kg" in section
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td[^>]*>(.*?)</td>', section, re.S)
    assert [year for year, _cell in rows] == ["2023", "2022"]  # newest first
    assert "not published" in rows[0][1] and "not published" not in rows[1][1]
    assert "888" not in section  # drafts are not for the dashboard
    # A reader in Rana is a member of the public elsewhere.
    make.value(waste, oslo, 2023, 5555, status=S.APPROVED)
    assert "5\xa0555" not in page(client, url="/kommune/0301/")


def test_without_a_plan_in_force_the_latest_adopted_plan_is_shown(client, population, waste, plan, rana):
    plan.period_end = THIS_YEAR - 1
    plan.save()
    assert "No kommuneplan is in force this year; this is the latest adopted one." in page(client)


def test_dashboard_queries_do_not_grow_with_indicators_years_or_municipalities(client, population, waste, plan, rana):
    add_waste(rana, waste, {2019: 412, 2020: 400})

    def count():
        with CaptureQueriesContext(connection) as queries:
            page(client)
        return len(queries)

    before = count()
    for number in range(50):
        make.municipality(f"Kommune {number}", f"{5000 + number}", since=2020)
    for number in range(5):
        indicator = Indicator.objects.create(
            code=f"ekstra-{number}", name_nb=f"Ekstra {number}", unit="count", direction="higher", bottom_line="social"
        )
        make.published_values(indicator, rana, {year: year for year in range(2010, 2025)})
    assert count() == before


def test_the_dashboard_figures_download_with_units_sources_and_nothing_unpublished(client, population, waste, rana):
    import csv
    import io

    add_waste(rana, waste, {2022: 400}, source="Kommunens avfallsselskap")
    add_waste(rana, waste, {2023: 777}, status=S.APPROVED)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/kommune/1833/data.csv")
    assert response["Content-Disposition"] == 'attachment; filename="livskraft-1833.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:6] == ["1833", "Rana", "Household waste per inhabitant", "2022", "400", "kg per inhabitant"]
    assert rows[1][-2:] == ["Kommunens avfallsselskap", ""]  # no licence known for the municipality's own figure
    assert len(rows) == 2  # the approved 2023 figure is not public
    assert client.get("/kommune/1833/data.xlsx").status_code == 200
    assert client.get("/kommune/1833/data.pdf").status_code == 404


def figures_table(html, code):
    section = re.search(rf'<section[^>]*id="indicator-{code}".*?</section>', html, re.S)[0]
    return re.search(r"<table.*?</table>", section, re.S)[0]


def test_the_figures_table_has_its_units_in_the_headers_and_the_total_in_a_column_of_its_own(
    client, population, waste, rana
):
    add_waste(rana, waste, {2022: 400, 2023: 380})
    table = figures_table(page(client, "nb"), "husholdningsavfall")
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', table)
    assert headers == ["År", "kg per innbygger", "tonn i alt"]
    rows = re.findall(r'<th scope="row">(\d+)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>', table, re.S)
    # 380 kg for 26 000 people is 9 880 tonnes: each figure once, without its unit after it.
    assert [(year, re.sub(r"<[^>]+>", "", figure), total) for year, figure, total in rows] == [
        ("2023", "380", "9\xa0880,0"),
        ("2022", "400", "10\xa0400,0"),
    ]
    assert "kg per innbygger" not in table.split("</thead>")[1]


def test_sample_data_is_explained_once_per_table_and_marked_in_each_cell(client, population, waste, rana):
    add_waste(rana, waste, {2021: 410}, is_sample=True)
    add_waste(rana, waste, {2022: 400, 2023: 380})
    table = figures_table(page(client, "nb"), "husholdningsavfall")
    assert table.count("Eksempeldata: oppdiktede tall, ikke ekte tall.") == 1
    assert "<caption" in table and table.index("Eksempeldata") < table.index("</caption>")
    assert table.count('class="sample-mark"') == 1 and "sample-badge" not in table
    sample_row = re.search(r'<th scope="row">2021</th>.*?</tr>', table, re.S)[0]
    assert '<span class="sample-mark" aria-hidden="true">*</span>' in sample_row and "(eksempeldata)" in sample_row
    rana.values.filter(is_sample=True).delete()
    real = figures_table(page(client, "nb"), "husholdningsavfall")
    assert "Eksempeldata" not in real and "sample-mark" not in real


# --- what a politician reads first ----------------------------------------------------------------------------


LONG_AGO = datetime.datetime(2020, 3, 1, 12, tzinfo=datetime.UTC)
REPORT_DAY = datetime.datetime(2024, 5, 2, 10, tzinfo=datetime.UTC)


def summary_of(html: str) -> str:
    found = re.search(r'<section class="dashboard-summary".*?</section>', html, re.S)
    assert found, "no summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found[0]))


@pytest.fixture
def reported(rana, waste, lighthouses, plan, population):
    """Figures published before and after the annual report for 2023, one of them revised since; a second goal."""
    from plans.models import AnnualReport

    long_ago = {"published_at": LONG_AGO, "first_published_at": LONG_AGO}
    add_waste(rana, waste, {2019: 412, 2020: 400, 2021: 390}, **long_ago)
    add_waste(rana, waste, {2022: 380}, **long_ago, revised_at=REPORT_DAY + datetime.timedelta(days=3))
    waste.values.filter(year=2022).update(published_at=REPORT_DAY + datetime.timedelta(days=3))
    add_waste(rana, waste, {2023: 370, 2024: 362})  # published now
    add_waste(rana, waste, {2025: 355}, status=S.APPROVED)
    make.published_value(population, rana, 2025, 26000, published_at=LONG_AGO, first_published_at=LONG_AGO)
    make.published_values(lighthouses, rana, {2019: 10, 2023: 8}, **long_ago)
    area = plan.focus_areas.get()
    make.goal(area, "Flere miljøfyrtårn", indicator=lighthouses, baseline=(2019, 10), target=(THIS_YEAR + 2, 30))
    AnnualReport.objects.create(municipality=rana, year=2023, published_at=REPORT_DAY, first_published_at=REPORT_DAY)
    return rana


def test_the_dashboard_opens_with_how_the_goals_stand_and_what_is_new(client, reported):
    html = page(client)
    assert html.index('id="summary"') < html.index('id="goals"')
    text = summary_of(html)
    assert "Progress on 2 measured targets:" in text
    assert "1 on track" in text and "1 moving the wrong way" in text
    # 2023 and 2024 are new since the report of 2.5.2024, 2022 was revised; the approved 2025 is not public.
    assert "3 figures published since the annual report for 2023 came out on 2.5.2024 (2 new, 1 revised)." in text
    assert 'href="/kommune/1833/endringer/"' in html
    assert "approved" not in text


def test_readers_with_a_role_also_read_how_many_figures_wait_to_be_published(client, reported, politician):
    client.force_login(make.role(politician, reported, Role.READER))
    html = page(client)
    assert "1 figure is approved and waits to be published." in summary_of(html)
    # The goal's latest figure is that approved one, and says so.
    goals = re.search(r'<h2 id="goals">.*?<h2 id="indicators">', html, re.S)[0]
    assert '355\xa0kg per inhabitant (2025) <span class="badge text-bg-secondary">not published</span>' in goals


def test_the_summary_in_bokmal_and_nynorsk(client, reported):
    assert "3 tall publisert siden årsrapporten for 2023 kom ut 2.5.2024 (2 nye, 1 reviderte)." in summary_of(
        page(client, "nb")
    )
    assert "Framdrift for 2 talfeste mål:" in summary_of(page(client, "nn"))


def test_without_an_annual_report_the_summary_counts_the_last_year(client, population, waste, rana):
    add_waste(rana, waste, {2023: 370})
    add_waste(rana, waste, {2022: 380}, published_at=LONG_AGO, first_published_at=LONG_AGO)
    text = summary_of(page(client))
    assert "1 figure published in the last year." in text
    assert "measured target" not in text  # no plan, no goals to sum up


def test_progress_is_a_chip_with_an_icon_and_words(client, reported):
    html = page(client)
    chips = re.findall(
        r'<span class="progress-chip progress-([a-z_]+)"><svg [^>]*aria-hidden="true"[^>]*>.*?</svg>(.*?)</span>',
        html,
        re.S,
    )
    assert ("on_track", "On track") in chips
    assert ("wrong_way", "Moving the wrong way") in chips
    assert ("on_track", "1 on track") in chips  # the summary's counts are chips too


def test_a_goal_past_its_deadline_says_whether_it_was_reached_by_it(client, population, waste, rana):
    plan = make.plan(rana, first=2016, last=THIS_YEAR + 6)
    area = make.focus_area(plan, "Natur")
    make.goal(area, "Mindre avfall", indicator=waste, baseline=(2019, 412), target=(2021, 395))
    add_waste(rana, waste, {2019: 412, 2021: 400, 2023: 390})
    html = page(client)
    assert "Reached in 2023, after the 2021 deadline" in html
    assert "the figure of the target year decides" in html  # the method says how
    bokmal = page(client, "nb")
    assert "</svg>Nådd i 2023, etter fristen i 2021</span>" in bokmal and "</svg>Målet nådd</span>" not in bokmal


def test_links_to_the_comparison_keep_the_municipality(client, reported):
    html = page(client)
    assert '<a href="/indikator/husholdningsavfall/?kommune=1833">Household waste per inhabitant</a>' in html
