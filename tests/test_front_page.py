"""The public's ways in: the front page and the menu lead to a municipality search, the comparison and the
downloads; the search finds a municipality by its name, today's number and the numbers and names it had."""

import datetime
import re

import pytest
from django.conf import settings

from indicators.models import Indicator
from tests import factories as make

pytestmark = pytest.mark.django_db


def get(client, url, language="nb"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


def links(html: str) -> set[str]:
    return set(re.findall(r'<a [^>]*href="([^"#?]*)', html))


def main(html: str) -> str:
    return re.search(r"<main\b.*?</main>", html, re.S).group(0)


def nav(html: str) -> str:
    return re.search(r"<nav\b.*?</nav>", html, re.S).group(0)


def results(html: str) -> list[str]:
    """The names of the municipalities found, in the order listed."""
    return re.findall(r'<li class="search-result">\s*<a href="[^"]*" class="fw-semibold">([^<]+)</a>', html)


@pytest.fixture
def fjord(db):
    """Fjord (1578, 2020), formed from Norddal (1524) and Stordal (1526)."""
    fjord = make.municipality("Fjord", codes=[("1578", 2020, None)], established=datetime.date(2020, 1, 1))
    for name, code in [("Norddal", "1524"), ("Stordal", "1526")]:
        make.municipality(name, codes=[(code, 1838, 2019)], dissolved=datetime.date(2020, 1, 1), successor=fjord)
    make.municipality("Masfjorden", codes=[("1266", 1838, 2019), ("4634", 2020, None)])
    return fjord


def test_the_front_page_leads_to_the_search_the_comparison_and_the_downloads(client, network, waste, lighthouses):
    html = get(client, "/").content.decode()
    page = main(html)
    assert '<form method="get" action="/kommuner/" role="search"' in page
    assert 'name="q"' in page and "Finn en kommune" in page
    assert {"/indikator/", "/data/"} <= links(page)
    # What is measured: every indicator, by bottom line, each leading to its comparison.
    measured = page[page.index('id="measured"') :]
    assert "Økologisk bunnlinje" in measured and "Økonomisk bunnlinje" in measured
    assert measured.index("Husholdningsavfall per innbygger") < measured.index("Økonomisk bunnlinje")
    assert {"/indikator/husholdningsavfall/", "/indikator/miljofyrtarn/"} <= links(measured)


def test_the_menu_has_the_search_the_comparison_and_the_downloads_in_every_language(client, network):
    for language, words in {
        "nb": ["Kommuner", "Sammenlign", "Last ned data"],
        "nn": ["Kommunar", "Samanlikn", "Last ned data"],
        "en": ["Municipalities", "Compare", "Download data"],
    }.items():
        menu = nav(get(client, "/kilder/", language).content.decode())
        assert {"/kommuner/", "/indikator/", "/data/"} <= links(menu)
        for word in words:
            assert f">{word}</a>" in menu, (language, word)


def test_the_comparison_page_lists_every_indicator_by_bottom_line(client, network, waste, lighthouses):
    Indicator.objects.population()
    response = get(client, "/indikator/", "en")
    assert response.status_code == 200
    page = main(response.content.decode())
    assert "Ecological bottom line" in page and "Economic bottom line" in page
    assert "Social bottom line" in page  # the population
    assert {"/indikator/husholdningsavfall/", "/indikator/miljofyrtarn/", "/indikator/folkemengde/"} <= links(page)
    assert "kg per inhabitant" in page


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Kongsberg", "Kongsberg"),
        ("kongs", "Kongsberg"),
        ("3303", "Kongsberg"),  # today's number
        ("0604", "Kongsberg"),  # the number until 2019
        ("3006", "Kongsberg"),  # the number 2020–2023
        ("604", "Kongsberg"),  # the zero in front is easy to forget
        ("Fjord", "Fjord"),  # the whole name before names that contain it (Masfjorden)
        ("1578", "Fjord"),
        ("1524", "Norddal"),
        ("1266", "Masfjorden"),
        ("301", "Oslo"),
    ],
)
def test_the_search_finds_by_name_by_todays_and_by_former_numbers(client, kongsberg, fjord, query, first):
    response = get(client, f"/kommuner/?q={query}")
    assert response.status_code == 200
    found = results(response.content.decode())
    assert found and found[0] == first, found


def test_a_former_number_says_what_it_was_and_leads_to_the_municipality_today(client, kongsberg):
    html = main(get(client, "/kommuner/?q=0604").content.decode())
    assert '<a href="/kommune/3303/" class="fw-semibold">Kongsberg</a>' in html
    assert "Funnet på tidligere nummer eller navn: 0604 Kongsberg (1964–2019)" in html
    assert "Tidligere numre: 0604 (1964–2019), 3006 (2020–2023)" in html


def test_a_merged_municipality_is_found_with_its_successor(client, fjord):
    html = main(get(client, "/kommuner/?q=Norddal", "en").content.decode())
    assert results(html) == ["Norddal"]
    assert "Merged into Fjord in 2020" in html
    assert '<a href="/kommune/1578/">Fjord 1578</a>' in html


def test_names_match_whatever_the_case_and_the_letters_aeo(client, db):
    make.municipality("Øvre Eiker", codes=[("0624", 1885, 2019), ("3048", 2020, 2023), ("3314", 2024, None)])
    assert results(main(get(client, "/kommuner/?q=%C3%B8vre").content.decode())) == ["Øvre Eiker"]  # øvre
    assert results(main(get(client, "/kommuner/?q=EIKER").content.decode())) == ["Øvre Eiker"]


def test_a_search_that_finds_nothing_says_so_and_how_to_search(client, kongsberg):
    html = main(get(client, "/kommuner/?q=Atlantis").content.decode())
    assert results(html) == []
    assert "Ingen kommune heter eller het «Atlantis» eller har hatt det nummeret" in html
    assert "Kommunenumre har fire sifre" in html


def test_the_search_page_without_a_query_shows_the_form_only(client, kongsberg):
    html = main(get(client, "/kommuner/").content.decode())
    assert 'name="q"' in html and results(html) == [] and "search-result" not in html


def test_the_search_takes_two_queries_however_many_municipalities(client, kongsberg, django_assert_num_queries):
    for number in range(40):
        make.municipality(
            f"Kommune {number}", codes=[(f"{1000 + number}", 1964, 2019), (f"{5000 + number}", 2020, None)]
        )
    # 1. every municipality (name, dissolved, successor)
    # 2. every number each has had
    with django_assert_num_queries(2):
        assert get(client, "/kommuner/?q=kommune").status_code == 200
