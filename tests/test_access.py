"""One permission lookup for every page of a municipality (indicators/access.py): what a former number does.

Every page whose address holds a municipality number is found by walking the URL conf, so a new page is
covered without being listed here.
"""

import pytest
from django.urls import resolve, reverse

from indicators.models import MunicipalityRole, Role, reporting_year
from tests.pages import Route, walk

pytestmark = pytest.mark.django_db


def routes_with_a_municipality_number() -> list[Route]:
    """Every named route whose address takes a municipality number (`<str:code>`; an indicator's is a slug)."""
    return [route for route in walk() if route.name and "<str:code>" in route.pattern]


def kwargs_for(route: Route, code: str) -> dict:
    """Fill the route's parameters: the number given, this reporting year, a CSV download, any id."""
    values = {"code": code, "year": reporting_year(), "fmt": "csv", "pk": 1}
    return {name: values[name] for name in route.converters}


ROUTES = routes_with_a_municipality_number()


def test_the_walk_finds_the_pages_of_a_municipality():
    names = {route.name for route in ROUTES}
    assert {"municipality", "annual_report", "entry", "review", "plan_chain", "budget_entry"} <= names


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_a_former_number_leads_to_the_same_page_under_the_current_number(client, kongsberg, admin_user, route):
    client.force_login(admin_user)
    old = reverse(route.name, kwargs=kwargs_for(route, "0604"))
    response = client.get(old, {"x": "1"})
    assert response.status_code in (301, 302)
    # A cached public page passes on only the parameters it reads (core/cache.py); x is none of them.
    kept = "" if hasattr(resolve(old).func, "public_query") else "?x=1"
    assert response["Location"] == reverse(route.name, kwargs=kwargs_for(route, "3303")) + kept


def test_a_public_page_moves_for_good_and_a_working_page_for_now(client, kongsberg, rana_planner):
    assert client.get("/kommune/3006/").status_code == 301
    MunicipalityRole.objects.create(user=rana_planner, municipality=kongsberg, role=Role.PLANNER)
    client.force_login(rana_planner)
    response = client.get(f"/rapportering/3006/{reporting_year()}/")
    assert response.status_code == 302
    assert response["Location"] == f"/rapportering/3303/{reporting_year()}/"


def test_a_former_number_tells_nothing_to_someone_without_a_role(client, kongsberg, oslo_planner):
    client.force_login(oslo_planner)
    assert client.get(f"/rapportering/0604/{reporting_year()}/").status_code == 404
    assert client.get(f"/rapportering/3303/{reporting_year()}/").status_code == 404


def test_a_number_no_municipality_had_is_not_found(client, kongsberg):
    response = client.get("/kommune/9999/")
    assert response.status_code == 404
