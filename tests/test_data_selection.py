"""/data/: choosing municipalities (one by one, or a network's members at once), indicators and years with figures,
in the visitor's language; and the plain addresses that download a selection."""

import csv
import datetime
import io
import re

import pytest
from django.conf import settings

from tests import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(waste, rana, oslo, kongsberg):
    """Rana and Oslo in the network with waste for 2021 and 2023; Kongsberg outside it, and Agdenes, which ended
    in 2019, with figures of its own; a member that left the network in 2022 (Bodø)."""
    network = make.network(members=[rana, oslo])
    bodo = make.municipality("Bodø", "1804")
    make.membership(network, bodo, left=datetime.date(2022, 12, 31))
    agdenes = make.municipality("Agdenes", codes=[("1622", 1964, 2017), ("5016", 2018, 2019)])
    agdenes.dissolved = datetime.date(2020, 1, 1)
    agdenes.save()
    for m in (rana, oslo, kongsberg, bodo):
        for year in (2021, 2023):
            make.population(m, {year: 1000})
            make.published_value(waste, m, year, 400)
    make.population(agdenes, {2019: 1700})
    return network


def page(client, language="nb", query=""):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(f"/data/{query}")


def rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body), delimiter=";"))


def test_a_networks_members_today_are_chosen_in_one_action(client, figures):
    html = page(client).content.decode()
    assert 'name="nettverk" value="livskraftige-kommuner"' in html
    assert "Alle medlemmene i Livskraftige kommuner i dag (2 kommuner)" in html
    downloaded = rows(page(client, query="?nettverk=livskraftige-kommuner&format=csv"))
    assert sorted({row[1] for row in downloaded[1:]}) == ["Oslo", "Rana"]  # not Bodø, who left; not Kongsberg
    # Together with municipalities chosen one by one.
    both = rows(page(client, query="?nettverk=livskraftige-kommuner&kommune=3303&format=csv"))
    assert sorted({row[1] for row in both[1:]}) == ["Kongsberg", "Oslo", "Rana"]


def test_the_municipalities_are_checkboxes_with_their_numbers_in_the_visitors_language(client, figures):
    html = page(client).content.decode()
    assert re.search(r'<input type="checkbox" name="kommune" value="1833" class="form-check-input"[^>]*>', html)
    assert ">Rana (1833)</label>" in html
    assert ">Agdenes (5016, til 2019)</label>" in html
    assert ">Agdenes (5016, til 2019)</label>" in page(client, "nn").content.decode()
    assert ">Agdenes (5016, until 2019)</label>" in page(client, "en").content.decode()
    # The filter above the list is for JavaScript to show; without it every municipality is listed.
    assert re.search(r'<div class="choice-filter mb-2" data-filter-for="kommune-list" hidden>', html)
    assert '<script src="/static/js/selection.js" defer></script>' in html


def test_only_years_with_published_figures_are_offered(client, figures):
    html = page(client).content.decode()
    offered = re.findall(r'<option value="(\d{4})">([^<]*)<', html.split('name="fra"')[1].split("</select>")[0])
    assert offered == [("2019", "2019"), ("2021", "2021"), ("2023", "2023")]  # a year, not "2 019"
    offered = re.findall(r'<option value="(\d{4})"', html.split('name="til"')[1].split("</select>")[0])
    assert offered == ["2023", "2021", "2019"]
    assert "Første år med tall" in html and "Siste år med tall" in html


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_no_english_on_the_norwegian_pages(client, figures, language):
    html = page(client, language).content.decode()
    form = re.search(r"<form.*?</form>", html, re.S)[0]
    text = re.sub(r"<[^>]+>", " ", form)
    for english in ("until", "Every member", "The first year", "The last year", "a table for", "Choose none",
                    "Show only", "Networks", "Municipalities", "Indicators", "spreadsheets", "programs"):  # fmt: skip
        assert english not in text, english


def test_a_year_without_figures_still_works_in_a_plain_address(client, figures):
    downloaded = rows(page(client, query="?kommune=1833&fra=2020&til=2022&format=csv"))
    assert [(row[1], row[4]) for row in downloaded[1:]] == [("Rana", "2021")] * 2  # population and waste
