"""The admin is for administrators (active superusers) only, and even they change a publication state only through
the same services as the portal: one path per state change.

(Publishing values through the admin's action: tests/test_reporting.py, "admin". Here: who gets in, and that no
form publishes, moves a published object or answers 500.)
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from indicators.models import (
    IndicatorValue,
    MunicipalityRole,
    NetworkCoordinator,
    Role,
    ValueStatus,
)
from indicators.services import change_status
from plans.models import AnnualReport, ExampleStatus, GoodExample, Plan, PlanStatus, PlanType
from plans.services import publish_report, save_report_texts
from tests import factories as make
from tests.admin_pages import change_form
from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ADMIN = "/forvaltning/"
YEAR = 2024


def example(municipality, status=ExampleStatus.SUBMITTED, title="Sykkelparkering ved skolene"):
    return GoodExample.objects.create(municipality=municipality, year=2024, title=title, text="Tekst.", status=status)


@pytest.fixture
def halden(db):
    """Halden, in none of the coordinator's networks."""
    return make.municipality("Halden", "3101")


@pytest.fixture
def staff_coordinator(coordinator):
    """The coordinator as the demo made her before: staff, with every permission on indicators and plans."""
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["indicators", "plans"]))
    return coordinator


@pytest.fixture
def halden_figures(halden, waste, administrator):
    """Halden's draft for the year, and an approved figure for the year before (waiting for Halden's approver)."""
    draft = make.value(waste, halden, YEAR, 4400)
    approved = make.value(waste, halden, YEAR - 1, 4300, status=ValueStatus.SUBMITTED)
    change_status(values=[approved], status=ValueStatus.APPROVED, user=administrator, reason="ok")
    return draft, approved


def refused(response) -> bool:
    """Whether the admin sent the visitor to its login instead of answering."""
    return response.status_code == 302 and response["Location"].startswith(f"{ADMIN}login/")


def admin_addresses(objects: dict) -> list[str]:
    """Every kind of admin page: the index, each app, and for each model its list, add form, change form, history
    and delete page (for the object given, else the first) and the autocomplete. (The admin's password change is the
    portal's own page, for anyone logged in: see test_accounts.py.)"""
    addresses = [ADMIN, f"{ADMIN}indicators/", f"{ADMIN}plans/"]
    addresses.append(
        f"{ADMIN}autocomplete/?app_label=indicators&model_name=indicatorvalue&field_name=municipality&term=Hal"
    )
    for model in admin.site._registry:
        base = f"{ADMIN}{model._meta.app_label}/{model._meta.model_name}/"
        addresses += [base, f"{base}add/"]
        obj = objects.get(model) or model.objects.first()
        if obj is not None:
            addresses += [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/", f"{base}{obj.pk}/delete/"]
    return addresses


# --- who gets in ------------------------------------------------------------------------------------------------


def test_the_staff_coordinator_is_refused_on_every_admin_page(client, staff_coordinator, halden_figures):
    draft, _approved = halden_figures
    client.force_login(staff_coordinator)
    addresses = admin_addresses({IndicatorValue: draft})
    assert len(addresses) >= 50
    for address in addresses:
        response = client.get(address)
        assert refused(response), address
    listed = client.get(f"{ADMIN}indicators/indicatorvalue/", follow=True).content.decode()
    assert "Halden" not in listed and "4,400" not in listed


def test_the_staff_coordinator_cannot_log_in_to_the_admin(client, staff_coordinator):
    response = client.post(reverse("admin:login"), {"username": "koordinator", "password": PASSWORD})
    assert response.status_code == 200
    assert "Planners, approvers and coordinators work in the portal" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_logs_in_and_the_staff_flag_alone_is_not_enough(client, django_user_model):
    make.user("forvalter", is_superuser=True)  # not staff: the superuser flag is what counts
    make.user("tidligere", is_staff=True, is_superuser=True, is_active=False)
    response = client.post(reverse("admin:login"), {"username": "forvalter", "password": PASSWORD})
    assert response.status_code == 302 and client.get(ADMIN).status_code == 200
    client.logout()
    client.post(reverse("admin:login"), {"username": "tidligere", "password": PASSWORD})
    assert refused(client.get(ADMIN))


def test_the_staff_coordinator_cannot_grant_herself_an_approver_role_in_halden(client, staff_coordinator, halden):
    client.force_login(staff_coordinator)
    data = {"user": staff_coordinator.pk, "municipality": halden.pk, "role": Role.APPROVER}
    assert refused(client.post(f"{ADMIN}indicators/municipalityrole/add/", data))
    assert not MunicipalityRole.objects.exists()


def test_the_staff_coordinator_cannot_publish_haldens_figure(client, staff_coordinator, halden, halden_figures):
    """Even as Halden's approver (a role only an administrator can give her), the admin publishes nothing for her."""
    _draft, approved = halden_figures
    make.role(staff_coordinator, halden, Role.APPROVER)
    client.force_login(staff_coordinator)
    data = {"action": "publish", "_selected_action": [approved.pk]}
    assert refused(client.post(f"{ADMIN}indicators/indicatorvalue/", data))
    approved.refresh_from_db()
    assert (approved.status, approved.published_at) == (ValueStatus.APPROVED, None)
    assert client.get("/api/v1/values/?kommune=3101").json()["count"] == 0


def test_the_staff_coordinator_cannot_add_network_coordinators(client, staff_coordinator, network, oslo_planner):
    client.force_login(staff_coordinator)
    data = {"user": oslo_planner.pk, "network": network.pk}
    assert refused(client.post(f"{ADMIN}indicators/networkcoordinator/add/", data))
    assert list(NetworkCoordinator.objects.values_list("user__username", flat=True)) == ["koordinator"]


def test_the_staff_coordinator_cannot_set_a_value_to_published_through_the_form(
    client, staff_coordinator, halden_figures
):
    draft, _approved = halden_figures
    client.force_login(staff_coordinator)
    address = f"{ADMIN}indicators/indicatorvalue/{draft.pk}/change/"
    data = {"indicator": draft.indicator_id, "municipality": draft.municipality_id, "year": YEAR, "value": "4400",
            "state": "reported", "status": ValueStatus.PUBLISHED, "comment": "x", "reason": "x"}  # fmt: skip
    assert refused(client.post(address, data))
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.comment) == (ValueStatus.DRAFT, None, "")
    assert client.get("/api/v1/values/?kommune=3101").json()["count"] == 0


# --- no form publishes, even an administrator's -------------------------------------------------------------------


def test_a_published_figure_cannot_be_moved_to_another_municipality_or_year(client, administrator, rana, halden, waste):
    """Moved, a published figure of Rana would be published as Halden's without anyone approving it."""
    published = make.published_value(waste, rana, YEAR, 10150)
    client.force_login(administrator)
    address = f"{ADMIN}indicators/indicatorvalue/{published.pk}/change/"
    data = change_form(client.get(address)) | {
        "municipality": halden.pk, "indicator": waste.pk, "year": YEAR + 1, "comment": "Flyttet", "reason": "x"
    }  # fmt: skip
    assert client.post(address, data).status_code == 302
    published.refresh_from_db()
    assert (published.municipality, published.year, published.comment) == (rana, YEAR, "Flyttet")
    assert client.get("/api/v1/values/?kommune=3101").json()["count"] == 0


def test_a_published_report_cannot_be_moved(client, administrator, rana, halden, rana_planner):
    report = AnnualReport.objects.create(municipality=rana, year=YEAR)
    save_report_texts(report=report, bodies={"introduction": "Et godt år."}, user=rana_planner)
    publish_report(report=report, user=rana_planner)
    client.force_login(administrator)
    address = f"{ADMIN}plans/annualreport/{report.pk}/change/"
    data = change_form(client.get(address)) | {"municipality": halden.pk, "year": YEAR - 1}
    client.post(address, data)
    report.refresh_from_db()
    assert (report.municipality, report.year) == (rana, YEAR)
    client.logout()
    assert "Et godt år." not in client.get(f"/kommune/3101/arsrapport/{YEAR - 1}/").content.decode()


def test_a_published_or_submitted_example_is_read_only_in_the_admin(client, administrator, kongsberg, halden):
    published = example(kongsberg, ExampleStatus.PUBLISHED, "Bruktbua")
    submitted = example(kongsberg)
    client.force_login(administrator)
    for shown in (published, submitted):
        address = f"{ADMIN}plans/goodexample/{shown.pk}/change/"
        page = client.get(address)
        assert page.status_code == 200 and 'name="title"' not in page.content.decode()
        data = {"title": "Endret", "text": "Ny tekst.", "year": 2024, "municipality": halden.pk}
        assert client.post(address, data).status_code == 403
    assert set(GoodExample.objects.values_list("title", "municipality__name")) == {
        ("Bruktbua", "Kongsberg"),
        ("Sykkelparkering ved skolene", "Kongsberg"),
    }


def test_a_draft_examples_change_form_cannot_publish_it(client, kongsberg, administrator):
    draft = example(kongsberg, ExampleStatus.DRAFT)
    client.force_login(administrator)
    address = f"{ADMIN}plans/goodexample/{draft.pk}/change/"
    data = change_form(client.get(address)) | {"status": ExampleStatus.PUBLISHED, "title": "Ny tittel"}
    assert client.post(address, data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.published_at) == ("Ny tittel", ExampleStatus.DRAFT, None)


def test_the_plans_change_form_cannot_adopt_or_move_it(client, kongsberg, halden, administrator):
    plan = Plan.objects.create(
        municipality=kongsberg,
        plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
        title="Kommuneplan 2024–2036",
        period_start=2024,
        period_end=2036,
    )
    client.force_login(administrator)
    address = f"{ADMIN}plans/plan/{plan.pk}/change/"
    data = change_form(client.get(address)) | {
        "status": PlanStatus.ADOPTED,
        "adopted_on": datetime.date(2024, 6, 20),
        "decision_reference": "K-sak 45/24",
        "title": "Kommuneplan for Kongsberg 2024–2036",
        "municipality": halden.pk,
    }
    response = client.post(address, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.title == "Kommuneplan for Kongsberg 2024–2036"
    assert (plan.status, plan.adopted_on, plan.decision_reference, plan.municipality) == (
        PlanStatus.DRAFT,
        None,
        "",
        kongsberg,
    )


# The fields of each model that say whether, when and what was published (or adopted).
PUBLICATION_FIELDS = {
    IndicatorValue: ["status", "published_at", "first_published_at", "published_value", "municipality_id", "year"],
    GoodExample: ["status", "published_at", "municipality_id"],
    AnnualReport: ["published_at", "first_published_at", "municipality_id", "year"],
    Plan: ["status", "adopted_on", "municipality_id"],
}
# What a hostile form adds to every change form it sends back.
HOSTILE = {
    "status": "published",
    "published_at": "2024-01-01 00:00",
    "first_published_at": "2024-01-01 00:00",
    "published_value": "1",
    "adopted_on": "2024-01-01",
}


def test_no_admin_form_answers_500_or_changes_a_publication(client, administrator, site, halden):
    """Every change form, sent back as shown (with a reason) and with publication fields added, never answers 500
    and never changes what is published: a never-published draft, a published figure, examples, reports, plans."""
    never_published = make.value(site.indicator, halden, YEAR, 4400)
    client.force_login(administrator)
    opened = 0
    for model in admin.site._registry:
        base = f"{ADMIN}{model._meta.app_label}/{model._meta.model_name}/"
        objects = [never_published] if model is IndicatorValue else []
        objects += list(model.objects.order_by("pk")[:3])
        for obj in objects:
            address = f"{base}{obj.pk}/change/"
            page = client.get(address)
            assert page.status_code == 200, address
            if "adminform" not in page.context or not page.context["has_change_permission"]:
                continue
            before = {f: getattr(obj, f) for f in PUBLICATION_FIELDS.get(model, [])}
            for data in (change_form(page), change_form(page) | HOSTILE | {"comment": "Endret", "reason": "x"}):
                response = client.post(address, data | {"reason": "x"})
                assert response.status_code in (200, 302), (address, response.status_code)
                obj.refresh_from_db()
                assert {f: getattr(obj, f) for f in before} == before, address
            opened += 1
        assert client.post(f"{base}add/", {}).status_code in (200, 403), f"{base}add/"
    assert opened >= 10
    assert client.get("/api/v1/values/?kommune=3101").json()["count"] == 0


def test_every_admin_page_opens_for_an_administrator(client, administrator, site):
    """Every model's list, add form and (for a row that exists) change form answers 200 to a superuser."""
    client.force_login(administrator)
    opened = 0
    for model, model_admin in admin.site._registry.items():
        info = f"{ADMIN}{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(info).status_code == 200, info
        if model_admin.has_add_permission(_request(administrator)):
            assert client.get(f"{info}add/").status_code == 200, f"{info}add/"
        first = model.objects.first()
        if first is not None:
            assert client.get(f"{info}{first.pk}/change/").status_code == 200, f"{info}{first.pk}/change/"
        opened += 1
    assert opened >= 10


def test_the_admin_publishes_only_submitted_examples(client, kongsberg, oslo, administrator):
    submitted, draft = example(kongsberg), example(oslo, ExampleStatus.DRAFT, "Utkast")
    client.force_login(administrator)
    response = client.post(
        f"{ADMIN}plans/goodexample/", {"action": "publish", "_selected_action": [submitted.pk, draft.pk]}, follow=True
    )
    page = response.content.decode()
    assert "Published 1 example." in page and "1 chosen example was not published" in page
    submitted.refresh_from_db()
    assert submitted.status == ExampleStatus.PUBLISHED
    assert submitted.published_at is not None and submitted.changed_by == administrator
    assert GoodExample.objects.get(pk=draft.pk).status == ExampleStatus.DRAFT
    client.logout()
    assert "Sykkelparkering ved skolene" in client.get("/gode-eksempler/").content.decode()


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request
