"""Real-browser checks of the public pages: WCAG 2.1 AA by axe, headings, keyboard use and language."""

import re

import pytest
from django.urls import reverse

from indicators.models import BottomLine, Direction, Indicator, Unit
from tests import factories as make

# (url name, args): the pages the public reaches first. Every page is checked by axe in test_axe_on_every_page.py.
PUBLIC_PAGES = [
    pytest.param("home", [], id="home"),
    pytest.param("municipality", ["3303"], id="municipality-kongsberg"),
    pytest.param("login", [], id="login"),
]


@pytest.fixture
def network():
    """Create the Livskraftige kommuner network with Kongsberg, Rana and Oslo and their published population."""
    kongsberg = make.municipality("Kongsberg", codes=[("0604", 1964, 2019), ("3006", 2020, 2023), ("3303", 2024, None)])
    rana = make.municipality("Rana - Raane", codes=[("1833", 1964, 2023, "Rana"), ("1833", 2024, None)])
    oslo = make.municipality("Oslo - Oslove", codes=[("0301", 1838, 2023, "Oslo"), ("0301", 2024, None)])
    network = make.network(
        description="Kommunenettverk for miljø og samfunnsutvikling.", members=[kongsberg, rana, oslo]
    )
    population = Indicator.objects.create(
        code="folkemengde",
        name_nb="Folkemengde",
        name_nn="Folketal",
        name_en="Population",
        unit=Unit.PERSONS,
        direction=Direction.NEUTRAL,
        bottom_line=BottomLine.SOCIAL,
        source="SSB, tabell 07459",
        is_population=True,
    )
    figures = {
        kongsberg: {2022: 27_680, 2023: 27_900, 2024: 28_180},
        rana: {2022: 26_440, 2023: 26_520, 2024: 26_570},
        oslo: {2022: 699_827, 2023: 709_037, 2024: 717_710},
    }
    for municipality, by_year in figures.items():
        make.published_values(population, municipality, by_year, source="SSB 07459")
    return network


def _open(page, name: str, args: list[str]):
    response = page.goto(reverse(name, args=args))
    status = response.status if response else None
    assert status == 200, f"{page.url} answered {status}, not 200"
    return page


@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_page_has_no_wcag_violations(page, axe, network, name, args):
    _open(page, name, args)
    axe.assert_no_violations(page)


@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_page_has_exactly_one_h1(page, network, name, args):
    _open(page, name, args)
    headings = page.locator("h1").all_inner_texts()
    assert len(headings) == 1, f"expected one <h1>, found {len(headings)}: {headings}"
    assert headings[0].strip(), "the <h1> is empty"


@pytest.mark.parametrize(("name", "args"), PUBLIC_PAGES)
def test_first_tab_focuses_skip_link_which_moves_focus_to_main(page, network, name, args):
    _open(page, name, args)

    page.keyboard.press("Tab")
    first = page.evaluate(
        "() => { const el = document.activeElement;"
        " return {tag: el.tagName, href: el.getAttribute('href') || '', text: el.innerText.trim(),"
        " visible: el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0}; }"
    )
    assert first["tag"] == "A" and first["href"].startswith("#"), f"the first Tab stop is not a skip link: {first}"
    assert first["text"], "the skip link has no text"
    assert first["visible"], "the skip link stays invisible when it has focus"

    page.keyboard.press("Enter")
    focused_in_main = page.evaluate(
        "() => { const el = document.activeElement; return el !== document.body && el.closest('main') !== null; }"
    )
    assert focused_in_main, f"activating the skip link ({first['href']}) did not move focus into <main>"


def _switch_language(page, code: str) -> None:
    """Choose a language with the page's language switcher (Django's set_language form) and wait for the page."""
    offers = f"select[name='language'] option[value='{code}'], [name='language'][value='{code}']"
    forms = page.locator("form[action*='setlang']").filter(has=page.locator(offers))
    assert forms.count() >= 1, f"no language switcher on {page.url} offers {code!r}"
    form = forms.first
    select = form.locator("select[name='language']")
    if select.count():
        select.select_option(code)
        submit = form.locator("button[type='submit'], input[type='submit'], button:not([type])").first
    else:
        # A button per language, or a form per language with a hidden input and one button.
        button = form.locator(f"button[name='language'][value='{code}']")
        submit = button if button.count() else form.locator("button, input[type='submit']").first
    with page.expect_navigation():
        submit.click()


def test_language_switcher_changes_html_lang(page, network):
    _open(page, "municipality", ["3303"])
    assert page.locator("html").get_attribute("lang") == "nb"

    _switch_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert re.search(r"/kommune/3303/$", page.url), f"switching language left the page: {page.url}"

    _switch_language(page, "nn")
    assert page.locator("html").get_attribute("lang") == "nn"
    assert re.search(r"/kommune/3303/$", page.url), f"switching language left the page: {page.url}"
