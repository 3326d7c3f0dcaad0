"""The public pages: front page, municipality page, indicator page, login, and how numbers are shown."""

import datetime
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import translation

from indicators.models import (
    Computation,
    Indicator,
    Municipality,
    Network,
    PeerGroup,
    PeerGroupMembership,
    Unit,
    ValueState,
    ValueStatus,
)
from indicators.numbers import field_text, format_number, read_field
from plans import read_model
from plans.models import PlanStatus
from tests import factories as make

NBSP = "\xa0"


# --- test data -------------------------------------------------------------------------------------------------


def add_plan(municipality, indicator, *, title="Kommuneplanens samfunnsdel", goals=1):
    """An adopted kommuneplan 2015–2027, its goals each taking waste from 431,2 (2021) to 350 (2030)."""
    plan = make.plan(municipality, title=title, first=2015, last=2027, adopted_on=datetime.date(2014, 12, 10))
    focus_area = make.focus_area(plan, f"Natur, miljø og bærekraftig utvikling ({title})")
    for number in range(goals):
        make.goal(
            focus_area,
            f"Mindre avfall, mål {number}",
            order=number,
            indicator=indicator,
            baseline=(2021, Decimal("431.2")),
            target=(2030, 350),
        )
    return plan


def indicator_section(html, code):
    """Return the dashboard's section for one indicator: its sentence, chart and table."""
    return re.search(rf'<section[^>]*id="indicator-{code}".*?</section>', html, re.S).group(0)


def visible_text(html):
    """Drop the chart data (machine-readable JSON in <script> elements) and keep what a reader sees."""
    return re.sub(r"<script\b.*?</script>", "", html, flags=re.S)


def get(client, url, language="nb"):
    """Fetch the page as a visitor who chose the language with the language switcher."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.fixture
def network(db):
    """The network with its description and no members yet."""
    return make.network(description="Kommunenettverk for miljø og samfunnsutvikling.")


@pytest.fixture
def population():
    return Indicator.objects.create(
        code="folkemengde",
        name_nb="Folkemengde",
        name_en="Population",
        unit=Unit.PERSONS,
        direction="neutral",
        bottom_line="social",
        is_population=True,
    )


@pytest.fixture
def emissions():
    return Indicator.objects.create(
        code="klimagassutslipp",
        name_nb="Klimagassutslipp per innbygger",
        name_en="Greenhouse-gas emissions per inhabitant",
        unit=Unit.TONNES_CO2E,
        computation=Computation.PER_INHABITANT,
        amount_unit=Unit.TONNES_CO2E,
        direction="lower",
        bottom_line="ecological",
        order=2,
    )


@pytest.fixture
def kongsberg(network):
    municipality = make.municipality(
        "Kongsberg", codes=[("0604", 1838, 2019), ("3006", 2020, 2023), ("3303", 2024, None)]
    )
    make.membership(network, municipality, joined=datetime.date(2008, 1, 1))
    return municipality


@pytest.fixture
def oslo(network, population):
    municipality = make.municipality("Oslo", codes=[("0301", 1838, None)])
    make.membership(network, municipality, joined=datetime.date(2008, 1, 1))
    make.published_value(population, municipality, 2024, 709037)
    return municipality


@pytest.fixture
def fjord(network):
    """Fjord, formed in 2020 from Norddal (a network member) and Stordal."""
    fjord = make.municipality(
        "Fjord", codes=[("1578", 2020, None)], language_form="nn", established=datetime.date(2020, 1, 1)
    )
    for name, code in [("Norddal", "1524"), ("Stordal", "1526")]:
        make.municipality(
            name,
            codes=[(code, 1838, 2019)],
            language_form="nn",
            dissolved=datetime.date(2020, 1, 1),
            successor=fjord,
        )
    return fjord


def h1_count(response):
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


# --- addresses and old municipality numbers -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("old_code", ["0604", "3006"])
def test_old_municipality_number_redirects_permanently_to_the_current_one(client, kongsberg, old_code):
    response = get(client, f"/kommune/{old_code}/")
    assert response.status_code == 301
    assert response["Location"] == "/kommune/3303/"


@pytest.mark.django_db
def test_current_municipality_number_shows_the_page(client, kongsberg):
    response = get(client, "/kommune/3303/", "en")
    assert response.status_code == 200
    assert "<h1>Kongsberg</h1>" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["9999", "abcd", "12"])
def test_unknown_municipality_number_is_not_found(client, kongsberg, code):
    response = get(client, f"/kommune/{code}/")
    assert response.status_code == 404
    assert h1_count(response) == 1
    assert '<a class="skip-link" href="#main">' in response.content.decode()


@pytest.mark.django_db
def test_dissolved_municipality_says_what_it_was_merged_into(client, fjord):
    response = get(client, "/kommune/1524/", "en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Norddal</h1>" in html
    assert 'was merged into <a href="/kommune/1578/">Fjord</a> in 2020.' in html


@pytest.mark.django_db
def test_merged_municipality_lists_what_it_was_formed_from(client, fjord):
    html = get(client, "/kommune/1578/", "en").content.decode()
    assert "Formed in 2020 by merging" in html
    assert '<a href="/kommune/1524/">Norddal</a>' in html
    assert '<a href="/kommune/1526/">Stordal</a>' in html


@pytest.mark.django_db
def test_municipality_page_shows_code_history(client, kongsberg):
    html = get(client, "/kommune/3303/", "en").content.decode()
    for code in ["0604", "3006", "3303"]:
        assert f'<th scope="row">{code}</th>' in html
    # Years are years, not numbers with a thousands separator.
    assert "<td>2020</td>" in html
    assert f"2{NBSP}020" not in html


# --- only published values reach the public ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ValueStatus.DRAFT, ValueStatus.SUBMITTED, ValueStatus.APPROVED])
def test_unpublished_values_never_reach_the_public(client, kongsberg, population, waste, status):
    make.published_value(population, kongsberg, 2023, 28142)
    make.value(population, kongsberg, 2024, 28404, status=status)
    make.published_value(waste, kongsberg, 2023, 10650)
    make.value(waste, kongsberg, 2024, 99999, status=status)

    municipality_page = get(client, "/kommune/3303/", "en").content.decode()
    assert "28,142" in municipality_page
    assert "28,404" not in municipality_page
    # 10 650 tonnes for 28 142 people is 378 kg each (2023); the unpublished 2024 figures never show.
    assert f"378{NBSP}kg per inhabitant" in municipality_page
    assert "99,999" not in municipality_page
    assert "3,520" not in municipality_page  # 99 999 tonnes ÷ 28 404 would be 3 520 kg

    front_page = get(client, "/", "en").content.decode()
    assert "28,142" in front_page
    assert "28,404" not in front_page

    indicator_page = get(client, "/indikator/husholdningsavfall/", "en").content.decode()
    ranking = re.search(r'<h2 id="ranking">.*?</table>', indicator_page, re.S)[0]
    assert '<th scope="col" class="text-end">kg per inhabitant</th>' in ranking
    assert ">378<" in ranking
    assert "99,999" not in indicator_page
    assert "3,520" not in indicator_page


@pytest.mark.django_db
def test_per_inhabitant_figure_needs_a_published_population(client, kongsberg, population, waste):
    make.value(population, kongsberg, 2024, 28404, status=ValueStatus.APPROVED)
    make.published_value(waste, kongsberg, 2024, 10650)
    html = get(client, "/kommune/3303/", "en").content.decode()
    assert "no published population for the year" in html
    assert "375" not in html  # 10 650 t ÷ 28 404 = 375 kg, but that population is not published


# --- numbers as the page's language writes them ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["nb", "nn"])
def test_numbers_are_norwegian_on_norwegian_pages(client, oslo, emissions, language):
    # 1 234 567,8 tonnes for 709 037 people: 1,74 tonnes each, shown with one decimal.
    make.published_value(emissions, oslo, 2024, "1234567.8")

    response = get(client, "/kommune/0301/", language)
    html = visible_text(response.content.decode())
    assert f'<html lang="{language}">' in html
    assert f"709{NBSP}037" in html
    assert ">1,7<" in html  # the figure per inhabitant, its unit in the column header
    assert f">1{NBSP}234{NBSP}567,8<" in html  # the total beside it
    assert "709,037" not in html and "709.037" not in html and "1.7" not in html

    front_page = get(client, "/", language).content.decode()
    assert f"709{NBSP}037" in front_page
    # The charts' axes and hover text follow the page too.
    chart = json.loads(re.search(r'id="chart-klimagassutslipp"[^>]*>(.*?)</script>', response.content.decode())[1])
    assert chart["layout"]["separators"] == ", "
    assert chart["data"][0]["text"] == ["1,7"]


@pytest.mark.django_db
def test_numbers_are_english_on_english_pages(client, oslo, emissions):
    make.published_value(emissions, oslo, 2024, "1234567.8")

    response = get(client, "/kommune/0301/", "en")
    html = visible_text(response.content.decode())
    assert "709,037" in html
    assert f"was 1.7{NBSP}tonnes" in html  # the sentence under the chart
    assert ">1,234,567.8<" in html  # the total, in a column of its own
    assert f"709{NBSP}037" not in html and "1,7" not in html

    front_page = get(client, "/", "en").content.decode()
    assert "709,037" in front_page
    chart = json.loads(re.search(r'id="chart-klimagassutslipp"[^>]*>(.*?)</script>', response.content.decode())[1])
    assert chart["layout"]["separators"] == ".,"
    assert chart["data"][0]["text"] == ["1.7"]


@pytest.mark.parametrize(
    ("value", "decimals", "shown"),
    [
        (Decimal("1234.5"), 1, f"1{NBSP}234,5"),
        (709037, 0, f"709{NBSP}037"),
        (1234567.891, 2, f"1{NBSP}234{NBSP}567,89"),
        (Decimal("0.05"), 1, "0,1"),  # rounded half up, not cut off
        (Decimal("2.5"), 0, "3"),
        (Decimal("-1234.56"), 1, f"-1{NBSP}234,6"),
        (Decimal("-0.01"), 1, "0,0"),  # no negative zero
        (Decimal("375.000000"), 0, "375"),
        (None, 1, "–"),
    ],
)
def test_number_format(value, decimals, shown):
    assert format_number(value, decimals, "nb") == shown
    english = shown.replace(",", ".").replace(NBSP, ",")
    assert format_number(value, decimals, "en") == english


@pytest.mark.parametrize(
    ("language", "shown"),
    [("nb", f"1{NBSP}234,5 709{NBSP}037 –"), ("nn", f"1{NBSP}234,5 709{NBSP}037 –"), ("en", "1,234.5 709,037 –")],
)
def test_number_filter_follows_the_language(language, shown):
    template = Template("{% load figures %}{{ a|number:1 }} {{ b|number }} {{ c|number }}")
    with translation.override(language):
        assert template.render(Context({"a": Decimal("1234.5"), "b": 709037, "c": None})) == shown


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
@pytest.mark.parametrize("stored", [Decimal("26100"), Decimal("1234.5"), Decimal("0.125"), Decimal("-1234567.25")])
def test_a_figure_written_into_a_form_reads_back_the_same_in_every_language(language, stored):
    """A form shows a stored figure as the page writes figures, and saving it unchanged stores the same figure:
    on an English page "26,100" is read back as 26100, on a Norwegian one "26 100"."""
    with translation.override(language):
        assert read_field(field_text(stored)) == stored
        assert read_field(field_text(stored, 0)) == stored.quantize(Decimal(1), ROUND_HALF_UP)


# --- values: states and sample data ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_sample_data_is_marked_with_text(client, kongsberg, population, waste, emissions):
    make.published_value(population, kongsberg, 2024, 28404)
    make.published_value(waste, kongsberg, 2024, 10650, is_sample=True)
    make.published_value(emissions, kongsberg, 2024, 95000)

    html = get(client, "/kommune/3303/", "en").content.decode()
    assert "Sample data" in indicator_section(html, "husholdningsavfall")
    assert "Sample data" not in indicator_section(html, "klimagassutslipp")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "label"),
    [
        (ValueState.MISSING, "Missing"),
        (ValueState.NOT_APPLICABLE, "Not applicable"),
        (ValueState.CONFIDENTIAL, "Confidential"),
    ],
)
def test_value_without_a_number_shows_its_state(client, kongsberg, population, waste, state, label):
    make.published_value(population, kongsberg, 2024, 28404)
    make.published_value(waste, kongsberg, 2024, None, state=state)
    html = get(client, "/kommune/3303/", "en").content.decode()
    assert label in indicator_section(html, "husholdningsavfall")


# --- the front page ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_front_page_lists_members_with_number_and_population(client, kongsberg, oslo, population):
    make.published_value(population, kongsberg, 2023, 28142)
    html = get(client, "/", "en").content.decode()
    assert "<h1>Livskraftige kommuner</h1>" in html
    assert '<a href="/kommune/3303/">Kongsberg</a>' in html
    assert "<td>3303</td>" in html
    assert '<td class="text-end">2023</td>' in html
    assert '<a href="/kommune/0301/">Oslo</a>' in html


@pytest.mark.django_db
def test_front_page_without_the_network_tells_how_to_load_it(client):
    response = get(client, "/", "en")
    assert response.status_code == 200
    assert "python manage.py load_demo" in response.content.decode()
    assert h1_count(response) == 1


@pytest.mark.django_db
def test_front_page_lists_other_networks(client, network):
    Network.objects.create(name="Klimanettverket", slug="klima")
    html = get(client, "/", "en").content.decode()
    assert "Other networks" in html
    assert "Klimanettverket" in html


@pytest.mark.django_db
def test_front_page_separates_former_members(client, network, fjord):
    norddal = Municipality.objects.get(name="Norddal")
    make.membership(network, norddal, joined=datetime.date(2008, 1, 1))
    html = get(client, "/", "en").content.decode()
    assert "Former members" in html
    assert "(merged into Fjord)" in html


# --- empty states ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_municipality_without_any_data_has_empty_states(client, rana):
    response = get(client, "/kommune/1833/", "en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No population figures have been published yet." in html
    assert "No indicators have been defined yet." in html
    assert "No adopted plans are registered for Rana." in html
    assert "Rana is not a member of any network." in html


@pytest.mark.django_db
def test_municipality_page_shows_adopted_plans_only(client, kongsberg, waste):
    add_plan(kongsberg, waste, title="Vedtatt kommuneplan")
    draft = add_plan(kongsberg, waste, title="Utkast til kommuneplan")
    draft.status = PlanStatus.DRAFT
    draft.save()
    html = get(client, "/kommune/3303/", "en").content.decode()
    assert "Vedtatt kommuneplan" in html
    assert "Utkast til kommuneplan" not in html
    assert f"431{NBSP}kg per inhabitant (2021)" in html
    assert f"350{NBSP}kg per inhabitant (2030)" in html


# --- the language switcher (every page's frame is checked in tests/test_every_page.py) -------------------------


@pytest.mark.django_db
def test_language_switcher_lists_languages_in_their_own_names(client):
    html = get(client, "/kommuner/?side=2&q=Rana", "en").content.decode()
    assert 'action="/i18n/setlang/"' in html
    assert '<option value="nb" lang="nb">Norsk bokmål</option>' in html
    assert '<option value="nn" lang="nn">Norsk nynorsk</option>' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    # The page comes back with what it reads (the search), not with what it ignores (side): it is stored so.
    assert '<input type="hidden" name="next" value="/kommuner/?q=Rana">' in html


@pytest.mark.django_db
def test_choosing_a_language_keeps_the_page(client):
    response = client.post("/i18n/setlang/", {"language": "nn", "next": "/kilder/"})
    assert response.status_code == 302
    assert response["Location"] == "/kilder/"
    assert '<html lang="nn">' in client.get("/kilder/").content.decode()


# --- logging in and out -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_and_logout(client):
    get_user_model().objects.create_user("planlegger", password="hemmelig-passord-42")
    login_page = get(client, "/logg-inn/", "en").content.decode()
    assert 'name="username"' in login_page and 'name="password"' in login_page

    response = client.post("/logg-inn/", {"username": "planlegger", "password": "hemmelig-passord-42"})
    assert response.status_code == 302
    html = get(client, "/", "en").content.decode()
    assert "Logged in as planlegger" in html
    assert 'action="/logg-ut/"' in html

    assert client.get("/logg-ut/").status_code == 405  # logging out takes a POST
    assert client.post("/logg-ut/").status_code == 302
    assert "Log in" in get(client, "/", "en").content.decode()


# --- query counts do not grow with the data ---------------------------------------------------------------------


def add_members(network, population, count, start):
    for number in range(start, start + count):
        municipality = make.municipality(
            f"Kommune {number}", codes=[(f"{number:04d}", 2000, 2019), (f"{number + 5000:04d}", 2020, None)]
        )
        make.membership(network, municipality, joined=datetime.date(2010, 1, 1))
        for year in (2022, 2023, 2024):
            make.published_value(population, municipality, year, 1000 + number)


@pytest.mark.django_db
def test_front_page_query_count_is_constant(client, network, population, django_assert_num_queries):
    def front_page():
        # 1. the networks with their member counts
        # 2. the network's municipalities
        # 3. their numbers
        # 4. each one's latest published population
        # 5. the indicators, for what is measured
        with django_assert_num_queries(5):
            response = get(client, "/")
        assert response.status_code == 200
        return response

    add_members(network, population, 2, start=1000)
    Network.objects.create(name="Klimanettverket", slug="klima")
    front_page()
    add_members(network, population, 10, start=2000)
    assert front_page().content.decode().count('<th scope="row">') == 12


@pytest.mark.django_db
def test_municipality_page_query_count_is_constant(
    client, kongsberg, population, waste, emissions, django_assert_num_queries, settings
):
    settings.LIVSKRAFT_PAGE_CACHE_SECONDS = 0  # the read model stores pages without retiring the cached one

    def dashboard():
        # 1. the number with its municipality
        # 2. the municipality's numbers
        # 3. the dashboard as the read model stored it (none is stored: it is composed from what follows)
        # 4. the municipalities it was formed from (their numbers are not fetched when there are none)
        # 5. its network memberships with their networks
        # 6. its published population by year
        # 7. the indicators
        # 8. its published values
        # 9. its adopted kommuneplans
        # 10. their focus areas
        # 11. their goals
        # 12. the goals' indicators, with the indicator
        # 13. the focus areas carrying the plan's
        # 14. their budget lines, and their projects', for the years shown
        # 15. its published annual reports: the years, and when each was published
        # 16. its climate budget for this year, for the link to it
        # 17. its KOSTRA group, with the group
        # 18. the group's members
        # 19–23. their comparison (indicators/peers.py): the members, their numbers, their predecessors, the
        #     population indicator, their published values of the dashboard's indicators and the population
        # (the summary at the top counts goals, new figures and figures waiting from what these read: no query)
        with django_assert_num_queries(23):
            assert get(client, "/kommune/3303/").status_code == 200
        # Stored by the read model: the number with its municipality, its numbers, the stored dashboard.
        read_model.build({kongsberg.pk})
        with django_assert_num_queries(3):
            assert get(client, "/kommune/3303/").status_code == 200
        read_model.forget({kongsberg.pk})

    group = PeerGroup.objects.create(code="EKG13", name="KOSTRA-gruppe 13", valid_from=datetime.date(2024, 1, 1))
    for peer in (kongsberg, make.municipality("Drammen", "3301")):
        PeerGroupMembership.objects.create(group=group, municipality=peer, valid_from=group.valid_from)
    make.published_value(population, kongsberg, 2024, 28404)
    make.published_value(waste, kongsberg, 2024, 10650)
    add_plan(kongsberg, waste)
    dashboard()
    for number in range(10):  # more peers, with figures
        peer = make.municipality(f"Peer {number}", f"39{number:02d}")
        PeerGroupMembership.objects.create(group=group, municipality=peer, valid_from=group.valid_from)
        make.published_value(population, peer, 2024, 20000 + number)
        make.published_value(waste, peer, 2024, 9000 + number)
    for year in range(2000, 2024):
        make.published_value(population, kongsberg, year, 25000 + year)
        make.published_value(waste, kongsberg, year, 10000 + year)
        make.published_value(emissions, kongsberg, year, 90000 + year)
    for number in range(3):
        add_plan(kongsberg, emissions, title=f"Klima- og energiplan {number}", goals=3)
    make.network("Klimanettverket", slug="klima", members=[kongsberg], joined=datetime.date(2015, 1, 1))
    dashboard()


@pytest.mark.django_db
def test_municipality_page_query_count_is_constant_for_a_reader_with_a_role(
    client, kongsberg, politician, population, waste, django_assert_num_queries
):
    """The politician's dashboard: the same page and summary, with the figures waiting for publication counted."""

    def dashboard():
        # 1. her session
        # 2. her user
        # 3. the number with its municipality
        # 4. her roles in municipalities
        # 5. the municipalities of the networks she coordinates (none)
        # 6. whether she coordinates any network (she does not)
        # 7. the municipality's numbers
        # 8. the municipalities it was formed from (their numbers are not fetched when there are none)
        # 9. its network memberships with their networks
        # 10. its population by year, published or approved
        # 11. the indicators
        # 12. its values, published or approved
        # 13. its adopted kommuneplans
        # 14. their focus areas
        # 15. their goals
        # 16. the goals' indicators, with the indicator
        # 17. the focus areas carrying the plan's
        # 18. their budget lines, and their projects', for the years shown
        # 19. its published annual reports: the years, and when each was published
        # 20. its climate budget for this year, drafts included, for the link to it
        # 21. its KOSTRA group (it has none, so nothing more)
        # (the figures waiting for publication are counted from 10 and 12: no query of their own)
        with django_assert_num_queries(21):
            response = get(client, "/kommune/3303/")
        assert response.status_code == 200
        return response.content.decode()

    client.force_login(politician)
    make.published_value(population, kongsberg, 2024, 28404)
    make.published_value(waste, kongsberg, 2024, 10650)
    add_plan(kongsberg, waste)
    assert "0 tall er godkjent og venter på å bli publisert." in dashboard()
    for year in range(2000, 2024):
        make.value(population, kongsberg, year, 25000 + year, status=ValueStatus.APPROVED)
        make.value(waste, kongsberg, year, 10000 + year, status=ValueStatus.APPROVED)
    assert "48 tall er godkjent og venter på å bli publisert." in dashboard()


@pytest.mark.django_db
def test_merged_municipality_page_query_count_is_constant(client, fjord, django_assert_num_queries):
    def dashboard():
        # 1. the number with its municipality
        # 2. the municipality's numbers
        # 3. the dashboard as the read model stored it (none is stored)
        # 4. the municipalities it was formed from
        # 5. their numbers
        # 6. its network memberships with their networks
        # 7. its published population by year
        # 8. the indicators (there are none)
        # 9. its published values
        # 10. its adopted kommuneplans (none, so no focus areas, goals or money)
        # 11. its published annual reports
        # 12. its climate budget for this year (none)
        # 13. its KOSTRA group (none)
        with django_assert_num_queries(13):
            assert get(client, "/kommune/1578/").status_code == 200

    dashboard()
    make.municipality("Sylte", codes=[("1527", 1838, 1964)], dissolved=datetime.date(2020, 1, 1), successor=fjord)
    dashboard()


@pytest.mark.django_db
def test_old_code_redirect_takes_two_queries(client, kongsberg, django_assert_num_queries):
    # 1. the number with its municipality
    # 2. the municipality's numbers, to find the current one
    with django_assert_num_queries(2):
        assert get(client, "/kommune/0604/").status_code == 301


@pytest.mark.django_db
def test_indicator_page_query_count_is_constant(client, network, population, waste, django_assert_num_queries):
    def indicator_page():
        # 1. the indicator by its code
        # 2. the comparison as the read model stored it (none is: it is composed from what follows)
        # 3. the network
        # 4. its members
        # 5. their numbers
        # 6. their predecessors
        # 7. the population indicator
        # 8. the members' published values of both
        # 9–17. each member beside its county and KOSTRA group (indicators/peers.members_table()): the comparison of
        #     every municipality (the years shown, the municipalities, their numbers, their predecessors, the
        #     population indicator, their figures of the year), the register, its numbers that year, the groups
        with django_assert_num_queries(17):
            response = get(client, "/indikator/husholdningsavfall/")
        assert response.status_code == 200
        return response

    add_members(network, population, 2, start=1000)
    for municipality in Municipality.objects.all():
        make.published_value(waste, municipality, 2024, 500)
    indicator_page()
    add_members(network, population, 48, start=2000)  # 2 members, then 50
    for municipality in Municipality.objects.exclude(values__indicator=waste):
        make.published_value(waste, municipality, 2023, 400)
        make.published_value(waste, municipality, 2024, 450)
    response = indicator_page()
    ranking = re.search(r'<h2 id="ranking">.*?</tbody>', response.content.decode(), re.S)[0]
    assert ranking.count("<tr") - 1 == Municipality.objects.count() == 50  # every member is ranked


@pytest.mark.django_db
def test_bokmal_is_the_default_when_the_browser_asks_for_no_language_the_portal_speaks(client):
    response = client.get("/", headers={"accept-language": "de-DE,de;q=0.9,sv;q=0.8"})
    assert '<html lang="nb">' in response.content.decode()
    assert response.headers["Content-Language"] == "nb"


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_bokmal(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert '<html lang="nb">' in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_server_error_shows_a_page_in_the_visitors_language(client, settings):
    """The 500 page renders without a request context, so it must not depend on one."""
    from django.template.loader import render_to_string

    with translation.override("nn"):
        html = render_to_string("500.html")
    assert '<html lang="nn">' in html
    assert "<h1>" in html and html.count("<h1>") == 1
    assert "Noko gjekk gale" in html
