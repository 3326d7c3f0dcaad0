"""Where a user lands after logging in: a politician on her municipality's dashboard, the rest where they work."""

import re

import pytest

from indicators.models import Role
from tests import factories as make
from tests.factories import PASSWORD


def log_in(client, user, **query):
    """Log in through the login form, as a person does, and return where she lands (after every redirect)."""
    data = {"username": user.username, "password": PASSWORD}
    url = "/logg-inn/"
    if "next" in query:
        url += f"?next={query['next']}"
        data["next"] = query["next"]
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    return response.redirect_chain[-1][0] if response.redirect_chain else None


def test_a_politician_lands_on_her_municipalitys_dashboard(client, politician, kongsberg):
    assert log_in(client, politician) == "/kommune/3303/"


def test_a_planner_lands_on_my_reporting(client, rana_planner):
    assert log_in(client, rana_planner) == "/rapportering/"


def test_an_approver_and_a_coordinator_land_on_my_reporting(client, rana_approver, coordinator):
    assert log_in(client, rana_approver) == "/rapportering/"
    client.logout()
    assert log_in(client, coordinator) == "/rapportering/"


def test_a_reader_who_also_plans_lands_on_my_reporting(client, politician, kongsberg):
    make.role(politician, kongsberg, Role.PLANNER)
    assert log_in(client, politician) == "/rapportering/"


def test_the_page_she_came_from_wins(client, politician, rana):
    assert log_in(client, politician, next="/kommune/1833/") == "/kommune/1833/"


def test_an_address_on_another_site_is_not_followed(client, politician, kongsberg):
    assert log_in(client, politician, next="https://angriper.example/") == "/kommune/3303/"


def test_a_reader_of_several_municipalities_chooses_among_them(client, politician, kongsberg, rana):
    make.role(politician, rana, Role.READER)
    assert log_in(client, politician) == "/start/"
    html = client.get("/start/").content.decode()
    assert '<a href="/kommune/3303/">Kongsberg</a>' in html and '<a href="/kommune/1833/">Rana</a>' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1


@pytest.mark.django_db
def test_the_landing_page_is_for_the_logged_in(client):
    response = client.get("/start/")
    assert response.status_code == 302 and response["Location"] == "/logg-inn/?next=/start/"


@pytest.mark.django_db
def test_logging_in_from_the_front_page_leads_to_ones_work_and_from_any_other_page_back_to_it(client, kongsberg):
    assert 'href="/logg-inn/"' in client.get("/").content.decode()
    assert 'href="/logg-inn/?next=/kommune/3303/"' in client.get("/kommune/3303/").content.decode()
