"""The admin changes a state only through the same service as the portal: one path per state change.

(Values: tests/test_reporting.py, "admin". Here: good examples and plans.)
"""

import datetime

import pytest
from django.contrib.auth.models import Permission

from plans.models import ExampleStatus, GoodExample, Plan, PlanStatus, PlanType
from tests.admin_pages import change_form

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ADMIN = "/forvaltning/plans/"


def example(municipality, status=ExampleStatus.SUBMITTED, title="Sykkelparkering ved skolene"):
    return GoodExample.objects.create(municipality=municipality, year=2024, title=title, text="Tekst.", status=status)


@pytest.fixture
def coordinator_in_admin(coordinator):
    """The network's coordinator (Kongsberg is a member, Oslo is not), with the admin's permission to change good
    examples and no more."""
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_goodexample", "change_goodexample"])
    )
    return coordinator


def test_an_example_published_in_the_admin_is_published_as_on_the_portal(client, kongsberg, coordinator_in_admin):
    submitted = example(kongsberg)
    client.force_login(coordinator_in_admin)
    response = client.post(
        f"{ADMIN}goodexample/", {"action": "publish", "_selected_action": [submitted.pk]}, follow=True
    )
    assert "Published 1 example." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ExampleStatus.PUBLISHED
    assert submitted.published_at is not None and submitted.changed_by == coordinator_in_admin
    client.logout()
    assert "Sykkelparkering ved skolene" in client.get("/gode-eksempler/").content.decode()


def test_the_admin_publishes_only_submitted_examples_of_the_coordinators_network(
    client, kongsberg, oslo, coordinator_in_admin
):
    draft, elsewhere = example(kongsberg, ExampleStatus.DRAFT, "Utkast"), example(oslo, title="Oslo sitt")
    client.force_login(coordinator_in_admin)
    response = client.post(
        f"{ADMIN}goodexample/", {"action": "publish", "_selected_action": [draft.pk, elsewhere.pk]}, follow=True
    )
    assert "2 chosen examples were not published" in response.content.decode()
    assert set(GoodExample.objects.values_list("status", flat=True)) == {ExampleStatus.DRAFT, ExampleStatus.SUBMITTED}


def test_the_examples_change_form_cannot_publish(client, kongsberg, admin_user):
    submitted = example(kongsberg)
    client.force_login(admin_user)
    address = f"{ADMIN}goodexample/{submitted.pk}/change/"
    data = change_form(client.get(address)) | {"status": ExampleStatus.PUBLISHED, "title": "Ny tittel"}
    assert client.post(address, data).status_code == 302
    submitted.refresh_from_db()
    assert (submitted.title, submitted.status, submitted.published_at) == ("Ny tittel", ExampleStatus.SUBMITTED, None)


def test_the_plans_change_form_cannot_adopt(client, kongsberg, admin_user):
    plan = Plan.objects.create(
        municipality=kongsberg,
        plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
        title="Kommuneplan 2024–2036",
        period_start=2024,
        period_end=2036,
    )
    client.force_login(admin_user)
    address = f"{ADMIN}plan/{plan.pk}/change/"
    data = change_form(client.get(address)) | {
        "status": PlanStatus.ADOPTED,
        "adopted_on": datetime.date(2024, 6, 20),
        "decision_reference": "K-sak 45/24",
        "title": "Kommuneplan for Kongsberg 2024–2036",
    }
    response = client.post(address, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Kommuneplan for Kongsberg 2024–2036"
    assert (plan.status, plan.adopted_on, plan.decision_reference) == (PlanStatus.DRAFT, None, "")


def test_every_admin_page_opens(client, admin_user, kongsberg):
    """Every model's list, add form and (for a row that exists) change form answers 200 to a superuser."""
    from django.contrib import admin

    example(kongsberg)
    client.force_login(admin_user)
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = f"/forvaltning/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(info).status_code == 200, info
        if model_admin.has_add_permission(_request(admin_user)):
            assert client.get(f"{info}add/").status_code == 200, f"{info}add/"
        first = model.objects.first()
        if first is not None:
            assert client.get(f"{info}{first.pk}/change/").status_code == 200, f"{info}{first.pk}/change/"
        opened += 1
    assert opened >= 10


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
