"""The public's journeys in real Chromium: finding a municipality from the front page, choosing data on a phone by
keyboard, charts that break at missing years with a legend for every pattern and units that are never cut off,
and the printed report without the browser's header and footer, made exactly as the README says."""

import datetime
import io
import re
import shlex
import subprocess

import pytest
from django.conf import settings
from playwright.sync_api import expect
from pypdf import PdfReader

from indicators.models import Indicator, Role, ValueStatus
from plans.models import AnnualReport
from plans.services import publish_report, save_report_texts
from tests import factories as make

YEAR = 2023
THIS_YEAR = datetime.date.today().year
# What Chromium prints in its header and footer when asked to: the date, the address and "page of pages".
BROWSER_HEADER_OR_FOOTER = re.compile(r"https?://|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}\.\d{1,2}\.\d{4}, \d|\b1/\d\b")


@pytest.fixture
def kongsberg(waste, lighthouses):
    """Kongsberg (0604 until 2019) with waste and lighthouses for 2019–2021 and 2023 (none in 2022), Eco-Lighthouse
    figures as sample data, a goal for waste, and a published report for 2023; in the network with Rana and Oslo,
    who have published their population for 2023."""
    kongsberg = make.municipality("Kongsberg", codes=[("0604", 1964, 2019), ("3006", 2020, 2023), ("3303", 2024, None)])
    population = Indicator.objects.population()
    for n, year in enumerate((2019, 2020, 2021, 2023)):
        make.published_value(population, kongsberg, year, 27_000)
        make.published_value(waste, kongsberg, year, (430 - 10 * n) * 27)
        make.published_value(lighthouses, kongsberg, year, 20 + 3 * n, is_sample=True)
    plan = make.plan(
        kongsberg,
        title="Kommuneplanens samfunnsdel",
        first=2019,
        last=THIS_YEAR + 5,
        adopted_on=datetime.date(2019, 6, 1),
    )
    make.goal(
        make.focus_area(plan, "Klima og miljø"),
        "Mindre restavfall",
        indicator=waste,
        baseline=(2019, 430),
        target=(THIS_YEAR + 4, 350),
    )
    report = AnnualReport.objects.create(municipality=kongsberg, year=YEAR)
    save_report_texts(report=report, bodies={"introduction": "Et godt år for avfallsplanen."}, user=None)
    publish_report(report=report, user=None)
    others = [make.municipality("Rana", "1833"), make.municipality("Oslo", "0301")]
    for other in others:
        make.published_value(population, other, 2023, 26_000)
    make.network(members=[kongsberg, *others])
    return kongsberg


def test_a_visitor_finds_kongsberg_by_its_old_number_from_the_front_page_by_keyboard(page, axe, kongsberg):
    page.goto("/")
    search = page.get_by_role("searchbox", name="Finn en kommune")
    expect(page.get_by_role("link", name="Sammenlign", exact=True)).to_have_attribute("href", "/indikator/")
    expect(page.get_by_role("link", name="Last ned data", exact=True)).to_have_attribute("href", "/data/")
    search.focus()
    page.keyboard.type("0604")
    page.keyboard.press("Enter")
    page.wait_for_url("**/kommuner/?q=0604")
    expect(page.locator("#results-heading")).to_have_text("1 kommune passer til «0604»")
    axe.assert_no_violations(page)
    result = page.get_by_role("link", name="Kongsberg", exact=True)
    result.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/kommune/3303/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kongsberg")


@pytest.mark.parametrize("width", [320, 375])
def test_data_is_chosen_on_a_phone_by_keyboard_and_downloaded(page, axe, kongsberg, width):
    page.set_viewport_size({"width": width, "height": 740})
    page.goto("/data/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing sideways
    axe.assert_no_violations(page)
    every = page.locator("#kommune-list .form-check")
    expect(every).to_have_count(3)
    # The filter narrows the list; a screen reader hears how many are shown.
    page.get_by_label("Vis bare kommuner der navnet eller nummeret inneholder").fill("kong")
    expect(page.locator("[data-filter-status]")).to_have_text("Viser 1 av 3 kommuner.")
    expect(every.filter(has_text="Kongsberg")).to_be_visible()
    expect(every.filter(has_text="Rana")).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kongsberg (3303)")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Kongsberg (3303)")).to_be_checked()
    expect(page.locator("[data-filter-status]")).to_have_text("Viser 1 av 3 kommuner. 1 valgt.")
    # Enter in the filter filters; it does not send the form.
    page.get_by_label("Vis bare kommuner der navnet eller nummeret inneholder").press("Enter")
    assert page.url.endswith("/data/")
    # Only years with figures are offered: 2022 has none.
    years = page.get_by_label("Fra år").locator("option").all_inner_texts()
    assert years == ["Første år med tall", "2019", "2020", "2021", "2023"]
    page.get_by_label("Fra år").select_option("2021")
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned").press("Enter")
    body = download.value.path().read_bytes().decode("utf-8-sig")
    assert {line.split(";")[1] for line in body.splitlines()[1:]} == {"Kongsberg"}
    assert {line.split(";")[4] for line in body.splitlines()[1:]} == {"2021", "2023"}


def test_the_network_shortcut_chooses_every_member_in_one_action(page, kongsberg):
    page.goto("/data/")
    shortcut = page.get_by_label("Alle medlemmene i Livskraftige kommuner i dag (3 kommuner)")
    shortcut.focus()
    page.keyboard.press("Space")
    expect(shortcut).to_be_checked()
    with page.expect_download() as download:
        page.get_by_role("button", name="Last ned").click()
    body = download.value.path().read_bytes().decode("utf-8-sig")
    assert {line.split(";")[1] for line in body.splitlines()[1:]} == {"Kongsberg", "Oslo", "Rana"}


def legend_entries(chart) -> list[str]:
    return chart.evaluate("element => [...element.querySelectorAll('.legend .traces')].map(t => t.textContent)")


def test_lines_break_at_a_missing_year_and_every_pattern_has_a_legend_entry(page, kongsberg, waste):
    make.value(Indicator.objects.population(), kongsberg, 2024, 27_000, status=ValueStatus.APPROVED)
    make.value(waste, kongsberg, 2024, 10_800, status=ValueStatus.APPROVED)  # approved, not yet published
    make.role(make.user("leser-kongsberg"), kongsberg, Role.READER)
    log_in(page, "leser-kongsberg")  # a reader of the municipality also sees approved figures, as open markers
    page.goto("/kommune/3303/")
    waste_chart = page.locator("#indicator-husholdningsavfall [data-chart]")
    expect(waste_chart.locator(".main-svg").first).to_be_attached()
    assert legend_entries(waste_chart) == [
        "Tall",
        "Åpen markør: godkjent, ikke publisert ennå",
        "Mål: rett linje fra utgangspunktet",
        "Trend fram til målåret",
    ]
    # 2022 is missing: plotly draws the figures' line in two pieces, 2019–2021 and 2023–2024.
    expect(waste_chart.locator(".scatterlayer .trace").first.locator("path.js-line")).to_have_count(2)
    lighthouses = page.locator("#indicator-miljofyrtarn [data-chart]")
    lighthouses.scroll_into_view_if_needed()  # a chart is drawn when it comes near the viewport
    expect(lighthouses.locator(".main-svg").first).to_be_attached()
    assert legend_entries(lighthouses) == ["Eksempeldata, ikke ekte tall"]


def log_in(page, username: str) -> None:
    page.goto("/logg-inn/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(make.PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url(lambda url: "/logg-inn/" not in url)


def unit_labels_inside(page) -> list[tuple[str, bool]]:
    """Every chart's unit label above its axis, and whether it lies wholly inside the chart's drawing."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-chart]')].flatMap(chart => {
            const svg = chart.querySelector('.main-svg').getBoundingClientRect();
            return [...chart.querySelectorAll('.annotation-text')].map(text => {
                const box = text.getBoundingClientRect();
                const inside = box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5
                    && box.top >= svg.top - 0.5 && box.bottom <= svg.bottom + 0.5 && box.width > 0;
                return [text.textContent, inside];
            });
        })"""
    )


def test_axis_units_are_whole_on_screen_on_a_phone_and_on_paper(page, kongsberg):
    page.goto(f"/kommune/3303/arsrapport/{YEAR}/")
    for chart in page.locator("[data-chart]").all():  # a chart is drawn when it comes near the viewport
        chart.scroll_into_view_if_needed()
        expect(chart.locator(".main-svg").first).to_be_attached()
    expected = [["kg per innbygger", True], ["antall", True]]
    assert unit_labels_inside(page) == expected
    page.set_viewport_size({"width": 320, "height": 700})
    page.wait_for_timeout(300)  # plotly redraws a responsive chart on resize
    assert unit_labels_inside(page) == expected
    page.emulate_media(media="print")
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-chart]')].every(chart =>
            chart.querySelector('.main-svg').getAttribute('width') === chart.dataset.printWidth)"""
    )
    assert unit_labels_inside(page) == expected


def first_page_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_the_printed_report_has_no_browser_header_or_footer(page, kongsberg, live_server, tmp_path):
    """The PDF as the README makes it (Chromium's own printing) and as the print button gives it (Playwright's
    page.pdf, which prints like the browser's dialogue): the report's words only, axis units included."""
    url = f"{live_server.url}/kommune/3303/arsrapport/{YEAR}/"
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if line.startswith("chromium --headless"))
    arguments = shlex.split(command)
    assert "--no-pdf-header-footer" in arguments
    target = tmp_path / "rapport.pdf"
    arguments = [
        "/usr/bin/chromium",
        "--no-sandbox",  # the tests may run as root
        *[a for a in arguments[1:] if not a.startswith(("--print-to-pdf", "http"))],
        f"--print-to-pdf={target}",
        url,
    ]
    subprocess.run(arguments, check=True, capture_output=True, timeout=120)
    from_readme = first_page_text(target.read_bytes())
    assert "Årsrapport 2023 – Kongsberg" in from_readme
    assert not BROWSER_HEADER_OR_FOOTER.search(from_readme), from_readme

    page.goto(url)
    expect(page.locator("[data-chart] .main-svg").first).to_be_attached()
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", display_header_footer=False)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert not BROWSER_HEADER_OR_FOOTER.search(first_page_text(pdf))
    # The units above the charts' axes are printed (each also heads its table's column: two or more).
    assert text.count("kg per innbygger") >= 2 and re.search(r"^antall", text, re.M)
    # Without display_header_footer=False Chromium prints the address: the check above can fail.
    assert BROWSER_HEADER_OR_FOOTER.search(first_page_text(page.pdf(format="A4", display_header_footer=True)))
