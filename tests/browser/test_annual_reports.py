"""The annual reports in real Chromium: charts drawn offline, three languages, print, safe texts, writing them.

The report pages are checked as a reader meets them (html lang, headings, charts with
their words and sources, axe-core) and as planners write them (the report editor and
the good-example form). UI wording is being translated while these tests are written,
so they find things by structure, roles, names and data attributes, and by the texts
the tests themselves create; only the login page is found by its (translated) labels.
"""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from indicators.models import (
    Indicator,
    Municipality,
    Role,
    ValueStatus,
)
from plans.models import (
    AnnualReport,
    ExampleStatus,
    FocusArea,
    GoodExample,
)
from plans.services import publish_report, save_report_texts
from tests import factories as make

YEAR = 2023
KONGSBERG_REPORT = f"/kommune/3303/arsrapport/{YEAR}/"
MASFJORDEN_REPORT = f"/kommune/4634/arsrapport/{YEAR}/"
INTRODUCTION = "Kongsberg kom godt i gang med avfallsplanen i 2023."
COMMENTARY = "Ny gjenvinningsstasjon på Jønnbu gjorde sorteringen enklere."
EXAMPLE_TITLE = "Ombruksbua på Jønnbu"


def png(width: int = 48, height: int = 32) -> bytes:
    """Return a small PNG image, made in memory."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 70)).save(buffer, format="PNG")
    return buffer.getvalue()


def _publish_values(municipality: Municipality, rows: dict) -> None:
    """rows: {indicator: {year: value}}, every value published."""
    for indicator, by_year in rows.items():
        make.published_values(indicator, municipality, by_year)


def _kommuneplan(municipality: Municipality, focus_areas: list[str]) -> list[FocusArea]:
    plan = make.plan(
        municipality, title="Kommuneplanens samfunnsdel", first=2019, last=2030, adopted_on=datetime.date(2019, 6, 13)
    )
    return [make.focus_area(plan, title, order=n) for n, title in enumerate(focus_areas)]


@pytest.fixture
def reports(settings, tmp_path, waste, lighthouses):
    """Kongsberg (bokmål) and Masfjorden (nynorsk), each with a kommuneplan, published figures and a published
    2023 report; the network both belong to; and one published good example with an image."""
    settings.MEDIA_ROOT = tmp_path / "media"  # uploads never land in the working tree
    population = Indicator.objects.population()

    kongsberg = make.municipality("Kongsberg", "3303", language_form="nb")
    years = range(2019, 2024)
    _publish_values(
        kongsberg,
        {
            population: {year: 27_000 + 200 * n for n, year in enumerate(years)},
            waste: {year: (430 - 10 * n) * 27 for n, year in enumerate(years)},
            lighthouses: {year: 20 + 3 * n for n, year in enumerate(years)},
        },
    )
    climate, _town, _health = _kommuneplan(kongsberg, ["Klima og miljø", "Levende sentrum", "Folkehelse"])
    for indicator, title, baseline, target in (
        (waste, "Mindre restavfall", 430, 350),
        (lighthouses, "Flere miljøfyrtårn", 20, 60),
    ):
        make.goal(climate, title, indicator=indicator, baseline=(2019, baseline), target=(2030, target))
    kongsberg_report = AnnualReport.objects.create(municipality=kongsberg, year=YEAR)
    save_report_texts(
        report=kongsberg_report,
        bodies={"introduction": INTRODUCTION, f"focus_area-{climate.pk}": COMMENTARY},
        user=None,
    )
    publish_report(report=kongsberg_report, user=None)

    masfjorden = make.municipality("Masfjorden", "4634", language_form="nn")
    _publish_values(masfjorden, {population: {2022: 1_640, 2023: 1_650}, waste: {2022: 700, 2023: 690}})
    # Submitted but not yet published: no report may show it.
    make.value(lighthouses, masfjorden, YEAR, 4, status=ValueStatus.SUBMITTED)
    _kommuneplan(masfjorden, ["Berekraftig næringsliv", "Gode bumiljø"])
    masfjorden_report = AnnualReport.objects.create(municipality=masfjorden, year=YEAR)
    save_report_texts(
        report=masfjorden_report, bodies={"introduction": "Masfjorden held fram med arbeidet."}, user=None
    )
    publish_report(report=masfjorden_report, user=None)

    make.network(members=[kongsberg, masfjorden])

    example = GoodExample(
        municipality=kongsberg,
        year=YEAR,
        title=EXAMPLE_TITLE,
        text="Innbyggerne leverer brukte ting **til ombruk** i stedet for å kaste dem.",
        image_alt="Hyller med brukte møbler og leker i ombruksbua",
        focus_area=climate,
        status=ExampleStatus.PUBLISHED,
        published_at=datetime.datetime(2024, 2, 1, 12, tzinfo=datetime.UTC),
    )
    example.image.save("ombruk.png", ContentFile(png()), save=False)
    example.save()
    example.indicators.add(waste)
    return {"kongsberg": kongsberg, "masfjorden": masfjorden, "climate": climate, "example": example}


@pytest.fixture
def kongsberg_planner(reports):
    return make.role(make.user("planlegger-kongsberg"), reports["kongsberg"], Role.PLANNER)


def html_lang(page) -> str | None:
    return page.locator("html").get_attribute("lang")


def open_ok(page, url: str):
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
    return response


def wait_for_charts(page) -> int:
    """Scroll to each chart and wait until plotly has drawn it (charts are drawn near the viewport); return how many
    there are."""
    charts = page.locator("[data-chart]")
    count = charts.count()
    for n in range(count):
        charts.nth(n).scroll_into_view_if_needed()
        expect(charts.nth(n).locator(".main-svg").first).to_be_attached()
    return count


def log_in(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/rapportering/")


def test_kongsberg_report_in_bokmal_draws_its_charts_offline_and_passes_axe(page, axe, reports, live_server):
    own = (live_server.url, "data:", "blob:")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    response = open_ok(page, KONGSBERG_REPORT)

    assert html_lang(page) == "nb"
    assert response.headers.get("content-language") == "nb"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("Kongsberg")
    expect(page.locator("h1")).to_contain_text(str(YEAR))
    expect(page.get_by_text(INTRODUCTION)).to_be_visible()
    expect(page.locator("#innsats-{}".format(reports["climate"].pk)).get_by_text(COMMENTARY)).to_be_visible()

    # Household waste and Eco-Lighthouse, both measuring goals of "Klima og miljø": two charts.
    assert wait_for_charts(page) == 2
    for chart in page.locator("[data-chart]").all():
        expect(chart).to_have_attribute("role", "img")
        label = chart.get_attribute("aria-label") or ""
        assert label.strip(), f"{chart.get_attribute('data-chart')} has no words for screen readers"
        source = chart.locator("xpath=ancestor::figure[1]/figcaption[contains(@class, 'chart-source')]")
        expect(source).to_be_visible()
        assert source.inner_text().strip()
    expect(page.locator("#indikator-husholdningsavfall figcaption.chart-source")).to_contain_text(
        "SSB, KOSTRA tabell 12241"
    )
    # The published example of the year is in the report, with its image served by the portal.
    image = page.locator(".good-example img.example-image")
    image.scroll_into_view_if_needed()
    expect(image).to_have_attribute("alt", reports["example"].image_alt)
    page.wait_for_function("img => img.complete && img.naturalWidth === 48", arg=image.element_handle())

    axe.assert_no_violations(page)
    # plotly.js comes from the portal itself, and nothing else comes from anywhere but the portal.
    assert f"{live_server.url}/static/vendor/plotly/plotly-basic.min.js" in requests
    assert f"{live_server.url}/static/vendor/plotly/plotly.min.js" not in requests
    outside = [url for url in requests if not url.startswith(own)]
    assert outside == [], f"the report loaded from outside the portal: {outside}"


def test_kongsberg_report_in_english_by_address_and_by_cookie(page, axe, reports, live_server):
    response = open_ok(page, KONGSBERG_REPORT + "?lang=en")
    # The report is in English; the site around it stays in the visitor's bokmål.
    expect(page.locator("article.annual-report")).to_have_attribute("lang", "en")
    assert html_lang(page) == "nb"
    assert response.headers.get("content-language") == "en"
    expect(page.locator("h1")).to_contain_text("Kongsberg")
    # The municipality's own texts stay in bokmål, and say so.
    expect(page.locator(".report-text", has_text=INTRODUCTION)).to_have_attribute("lang", "nb")
    assert wait_for_charts(page) == 2
    axe.assert_no_violations(page)

    # A reader who chose English for the portal gets the report in English without asking again.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    open_ok(page, KONGSBERG_REPORT)
    assert html_lang(page) == "en"
    expect(page.locator("article.annual-report")).to_have_attribute("lang", "en")


def test_masfjorden_report_is_in_nynorsk_for_a_bokmal_browser_and_in_english_on_request(page, axe, reports):
    assert page.evaluate("navigator.language") == "nb-NO"
    response = open_ok(page, MASFJORDEN_REPORT)
    # Only the report is in nynorsk: the header, menu and footer stay in the visitor's bokmål.
    expect(page.locator("article.annual-report")).to_have_attribute("lang", "nn")
    assert html_lang(page) == "nb"
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_contain_text("Forside")
    expect(page.get_by_label("Språk")).to_have_value("nb")
    assert response.headers.get("content-language") == "nn"
    expect(page.locator("h1")).to_contain_text("Masfjorden")
    expect(page.locator("section.report-section h2", has_text="Berekraftig næringsliv")).to_have_attribute("lang", "nn")
    # Household waste, which no goal measures, under "Other indicators"; Eco-Lighthouse is not published.
    assert wait_for_charts(page) == 1
    expect(page.locator("#andre-indikatorer #indikator-husholdningsavfall [data-chart]")).to_have_count(1)
    expect(page.locator("#indikator-miljofyrtarn")).to_have_count(0)
    axe.assert_no_violations(page)

    open_ok(page, MASFJORDEN_REPORT + "?lang=en")
    expect(page.locator("article.annual-report")).to_have_attribute("lang", "en")
    assert html_lang(page) == "nb"
    expect(page.locator("h1")).to_contain_text("Masfjorden")
    assert wait_for_charts(page) == 1
    axe.assert_no_violations(page)


def test_an_unpublished_report_is_not_public(page, reports, kongsberg_planner):
    report = AnnualReport.objects.create(municipality=reports["kongsberg"], year=2022)
    save_report_texts(report=report, bodies={"introduction": "Utkast som ingen skal lese ennå."}, user=None)
    assert page.goto("/kommune/3303/arsrapport/2022/").status == 404
    expect(page.get_by_text("Utkast som ingen skal lese ennå.")).to_have_count(0)
    # The municipality's own planner sees the preview.
    log_in(page, kongsberg_planner.username)
    open_ok(page, "/kommune/3303/arsrapport/2022/")
    expect(page.get_by_text("Utkast som ingen skal lese ennå.")).to_be_visible()


def test_printed_report_has_a_page_per_focus_area_at_most_and_paper_sized_charts(page, reports):
    open_ok(page, KONGSBERG_REPORT)
    assert wait_for_charts(page) == 2
    switcher = page.locator(".language-switcher")
    expect(page.locator("header nav .navbar-nav")).to_be_visible()
    expect(switcher).to_be_visible()

    page.emulate_media(media="print")
    # charts.js redraws each chart to its printed size when the print media query starts to match.
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-chart]')].every(chart => {
            const svg = chart.querySelector('.main-svg');
            return svg && svg.getAttribute('width') === chart.dataset.printWidth;
        })"""
    )
    expect(page.locator("header nav .navbar-nav")).to_be_hidden()
    expect(switcher).to_be_hidden()
    expect(page.locator(".report-tools")).to_be_hidden()
    for chart in page.locator("[data-chart]").all():
        width = chart.locator(".main-svg").first.evaluate("svg => svg.getBoundingClientRect().width")
        assert round(width) == int(chart.get_attribute("data-print-width"))

    sections = page.locator("section.report-section").count()
    assert sections == 3  # the three focus areas; every indicator belongs to one, so no "Other indicators"
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    pages = [p.extract_text() for p in pdf.pages]
    assert 2 <= len(pages) <= 1 + sections, f"{len(pages)} pages for a cover and {sections} sections"
    # The cover page has the title and the introduction; the first focus area starts on a page of its own.
    assert "Kongsberg" in pages[0] and INTRODUCTION[:30] in pages[0]
    assert "Klima og miljø" not in pages[0] and "Klima og miljø" in pages[1]

    # Back on screen, the charts take the width of the page again.
    page.emulate_media(media="screen")
    chart = page.locator("[data-chart]").first
    page.wait_for_function(
        "chart => chart.querySelector('.main-svg').getAttribute('width') !== chart.dataset.printWidth",
        arg=chart.element_handle(),
    )
    expect(page.locator("header nav .navbar-nav")).to_be_visible()


def test_html_and_scripts_in_a_report_text_are_shown_as_text_and_never_run(page, reports):
    report = AnnualReport.objects.get(municipality=reports["kongsberg"], year=YEAR)
    body = (
        "Før <script>window.injected = 1</script> etter "
        '<img src=x onerror="window.injected = 2"> [lenke](javascript:window.injected=3)'
    )
    save_report_texts(report=report, bodies={f"focus_area-{reports['climate'].pk}": body}, user=None)
    publish_report(report=report, user=None)

    open_ok(page, KONGSBERG_REPORT)
    commentary = page.locator(f"#innsats-{reports['climate'].pk} > .report-text")
    expect(commentary).to_contain_text("Før")
    expect(page.get_by_text("<script>window.injected = 1</script>")).to_be_visible()
    expect(commentary).to_contain_text('<img src=x onerror="window.injected = 2">')
    assert commentary.locator("script, img").count() == 0
    assert page.locator("a[href^='javascript' i]").count() == 0
    link = commentary.get_by_text("lenke")
    expect(link).to_be_visible()
    link.click()
    assert page.evaluate("window.injected") is None


def test_network_report_examples_and_accessibility_statement_pass_axe(page, axe, reports):
    example = reports["example"]
    pages = {
        f"/nettverk/livskraftige-kommuner/arsrapport/{YEAR}/": ["Livskraftige kommuner", str(YEAR)],
        "/gode-eksempler/": [],
        f"/gode-eksempler/{example.pk}/": [EXAMPLE_TITLE],
        "/tilgjengelighet/": [],
    }
    for url, in_h1 in pages.items():
        open_ok(page, url)
        expect(page.locator("h1")).to_have_count(1)
        assert page.locator("h1").inner_text().strip()
        for text in in_h1:
            expect(page.locator("h1")).to_contain_text(text)
        if url.startswith("/nettverk/"):
            main = page.locator("main")
            expect(main.get_by_role("link", name="Kongsberg", exact=True).first).to_be_visible()
            expect(main.get_by_role("link", name="Masfjorden", exact=True).first).to_be_visible()
            expect(main.get_by_role("link", name=EXAMPLE_TITLE)).to_be_visible()
        if url == "/gode-eksempler/":
            expect(page.get_by_role("link", name=EXAMPLE_TITLE)).to_be_visible()
        if url == f"/gode-eksempler/{example.pk}/":
            image = page.locator("main img")
            expect(image).to_have_attribute("alt", example.image_alt)
            page.wait_for_function("img => img.complete && img.naturalWidth === 48", arg=image.element_handle())
        axe.assert_no_violations(page)


def test_a_planner_writes_the_introduction_and_it_is_kept(page, axe, kongsberg_planner, reports):
    log_in(page, kongsberg_planner.username)
    open_ok(page, f"/rapportering/3303/{YEAR}/arsrapport/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("Kongsberg")
    axe.assert_no_violations(page)

    textarea = page.locator("textarea[name=introduction]")
    expect(textarea).to_have_value(INTRODUCTION)
    # The field is found by its label, as a screen reader finds it.
    label = page.locator(f"label[for='{textarea.get_attribute('id')}']").inner_text().strip()
    assert label
    field = page.get_by_label(label, exact=True)
    assert field.evaluate("element => element.name") == "introduction"
    # A planner saves; only an approver publishes.
    expect(page.locator("button[name=action][value=publish]")).to_have_count(0)

    new_introduction = "Kongsberg reduserte restavfallet for femte år på rad."
    field.fill(new_introduction)
    with page.expect_navigation():
        page.locator("button[name=action][value=save]").click()
    expect(page.locator(".messages .alert-success[role=status]")).to_be_visible()
    page.reload()
    expect(page.locator("textarea[name=introduction]")).to_have_value(new_introduction)
    axe.assert_no_violations(page)

    # The public still reads the published introduction; the preview shows the saved one.
    open_ok(page, KONGSBERG_REPORT)
    expect(page.get_by_text(INTRODUCTION)).to_be_visible()
    expect(page.get_by_text(new_introduction)).to_have_count(0)
    open_ok(page, KONGSBERG_REPORT + "?utkast=1")
    expect(page.get_by_text(new_introduction)).to_be_visible()


def test_a_planner_submits_a_good_example_that_stays_out_of_public_view(
    page, axe, browser, live_server, kongsberg_planner, reports, settings
):
    log_in(page, kongsberg_planner.username)
    open_ok(page, "/rapportering/3303/gode-eksempler/ny/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text("Kongsberg")
    axe.assert_no_violations(page)

    title = "Sykkelparkering ved Kongsberg stasjon"
    page.locator("input[name=title]").fill(title)
    page.locator("input[name=year]").fill(str(YEAR))
    page.locator("textarea[name=text]").fill("Kommunen bygde **200 nye plasser** under tak.")
    page.locator("input[name=image]").set_input_files(
        files=[{"name": "sykkel.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.locator("input[name=image_alt]").fill("Overbygd sykkelparkering full av sykler")
    with page.expect_navigation():
        page.locator("button[name=action][value=submit]").click()
    page.wait_for_url("**/rapportering/gode-eksempler/")
    expect(page.locator(".messages .alert-success[role=status]")).to_be_visible()
    expect(page.locator("main").get_by_text(title)).to_be_visible()

    example = GoodExample.objects.get(title=title)
    assert example.status == ExampleStatus.SUBMITTED
    assert example.municipality == reports["kongsberg"]
    assert example.created_by == kongsberg_planner
    assert example.image and (settings.MEDIA_ROOT / example.image.name).is_file()

    # Only published examples are listed, even for the planner who wrote this one.
    open_ok(page, "/gode-eksempler/")
    expect(page.get_by_role("link", name=EXAMPLE_TITLE)).to_be_visible()
    expect(page.get_by_text(title)).to_have_count(0)
    # A visitor who is not logged in cannot open it either.
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    try:
        visitor = context.new_page()
        assert visitor.goto(f"/gode-eksempler/{example.pk}/").status == 404
        assert visitor.goto(f"/gode-eksempler/{example.pk}/bilde/").status == 404
    finally:
        context.close()


def test_the_markdown_toolbar_formats_the_chosen_words_by_keyboard(page, kongsberg_planner, reports):
    log_in(page, kongsberg_planner.username)
    open_ok(page, f"/rapportering/3303/{YEAR}/arsrapport/")
    field = page.locator("textarea[name=introduction]")
    field.fill("Restavfallet gikk ned")
    field.evaluate("element => element.setSelectionRange(13, 21)")  # "gikk ned"
    # The toolbar (bold, italic, list, link) stands before the field; back four Tab stops is "bold".
    field.focus()
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    bold = page.locator(f"button[data-markdown-action=bold][aria-controls='{field.get_attribute('id')}']")
    expect(bold).to_be_focused()
    expect(bold).to_have_text("Fet")
    page.keyboard.press("Enter")
    expect(field).to_have_value("Restavfallet **gikk ned**")
    expect(field).to_be_focused()
    page.locator(f"button[data-markdown-action=list][aria-controls='{field.get_attribute('id')}']").click()
    expect(field).to_have_value("- Restavfallet **gikk ned**")
