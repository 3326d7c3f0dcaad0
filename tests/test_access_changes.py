"""Who has which role where (issue 18): coordinators and administrators give and withdraw roles and manage a
network's members on the portal and in the admin, through one service that checks the rules, records who, when,
before and after, and tells the user whose role changed."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from indicators import grants
from indicators.grants import AccessRefused
from indicators.models import AccessChange, LanguageForm, MunicipalityRole, NetworkCoordinator, NetworkMembership, Role
from tests import factories as make
from tests.admin_pages import change_form
from tests.test_reporting import as_user

pytestmark = pytest.mark.django_db

PAGE = "/rapportering/tilganger/"
ADMIN = "/forvaltning/indicators/"
LOGIN_URL = "http://testserver/logg-inn/"


@pytest.fixture
def halden(db):
    """Halden: in none of the coordinator's networks."""
    return make.municipality("Halden", "3101")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Return a context that runs what waits for the commit (the e-mail) as it ends, as a request's commit would:
    the test's own transaction never commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def grant(client, municipality, role, user, **extra):
    return client.post(
        PAGE, {"action": "role", "role-municipality": municipality.pk, "role-role": role, "role-user": user, **extra}
    )


def text(response) -> str:
    """The page's text without tags, its white space collapsed: what a reader reads."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the record: who, when, before and after ---------------------------------------------------------------------


def test_a_role_given_on_the_portal_is_recorded_with_who_when_before_and_after(
    client, kongsberg, coordinator, politician
):
    before = timezone.now()
    response = grant(as_user(client, coordinator), kongsberg, Role.APPROVER, "politiker")
    assert response.status_code == 302
    assert set(MunicipalityRole.objects.filter(user=politician).values_list("role", flat=True)) == {
        "reader",
        "approver",
    }
    change = AccessChange.objects.get()
    assert (change.changed_by, change.user, change.municipality, change.what, change.action) == (
        coordinator,
        politician,
        kongsberg,
        Role.APPROVER,
        AccessChange.Action.GRANTED,
    )
    assert (change.before, change.after) == (["reader"], ["approver", "reader"])
    assert change.changed_at >= before
    page = text(client.get(PAGE))
    assert "politiker is now approver in Kongsberg." in page
    assert "Granted: approver politiker Kongsberg Reader Approver, Reader" in page


def test_a_role_withdrawn_on_the_portal_asks_first_then_is_recorded(client, kongsberg, coordinator, politician):
    role = MunicipalityRole.objects.get(user=politician)
    address = f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/"
    question = as_user(client, coordinator).get(address)
    assert "Withdraw the role reader from politiker in Kongsberg?" in text(question)
    assert MunicipalityRole.objects.filter(pk=role.pk).exists()
    client.post(address)
    assert not MunicipalityRole.objects.filter(pk=role.pk).exists()
    change = AccessChange.objects.get()
    assert (change.changed_by, change.user, change.action, change.before, change.after) == (
        coordinator,
        politician,
        AccessChange.Action.WITHDRAWN,
        ["reader"],
        [],
    )
    assert "Withdrawn: reader politiker Kongsberg Reader no role" in text(client.get(PAGE))


def test_a_withdrawal_asked_for_by_get_changes_nothing(client, kongsberg, coordinator, politician):
    role = MunicipalityRole.objects.get(user=politician)
    as_user(client, coordinator).get(f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/")
    assert MunicipalityRole.objects.filter(pk=role.pk).exists() and not AccessChange.objects.exists()


def test_a_role_given_and_withdrawn_in_the_admin_is_recorded(client, kongsberg, administrator, politician):
    as_user(client, administrator)
    response = client.post(
        f"{ADMIN}municipalityrole/add/", {"user": politician.pk, "municipality": kongsberg.pk, "role": Role.PLANNER}
    )
    assert response.status_code == 302
    role = MunicipalityRole.objects.get(user=politician, role=Role.PLANNER)
    granted = AccessChange.objects.get()
    assert (granted.changed_by, granted.user, granted.what, granted.before, granted.after) == (
        administrator,
        politician,
        Role.PLANNER,
        ["reader"],
        ["planner", "reader"],
    )
    response = client.post(f"{ADMIN}municipalityrole/{role.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    withdrawn = AccessChange.objects.first()
    assert (withdrawn.action, withdrawn.before, withdrawn.after) == (
        AccessChange.Action.WITHDRAWN,
        ["planner", "reader"],
        ["reader"],
    )


def test_roles_withdrawn_in_bulk_in_the_admin_are_each_recorded(client, kongsberg, rana, administrator, politician):
    make.role(politician, rana, Role.READER)
    as_user(client, administrator).post(
        f"{ADMIN}municipalityrole/",
        {
            "action": "delete_selected",
            "_selected_action": list(MunicipalityRole.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert not MunicipalityRole.objects.exists()
    assert sorted(AccessChange.objects.values_list("municipality__name", "action")) == [
        ("Kongsberg", "withdrawn"),
        ("Rana", "withdrawn"),
    ]


def test_an_existing_role_cannot_be_edited_in_the_admin_into_another(
    client, kongsberg, rana, administrator, politician
):
    role = MunicipalityRole.objects.get(user=politician)
    address = f"{ADMIN}municipalityrole/{role.pk}/change/"
    as_user(client, administrator).post(address, {"user": politician.pk, "municipality": rana.pk, "role": "approver"})
    role.refresh_from_db()
    assert (role.municipality, role.role) == (kongsberg, Role.READER)
    assert not AccessChange.objects.exists()


def test_a_coordinator_made_and_unmade_in_the_admin_is_recorded(client, network, administrator, rana_planner):
    as_user(client, administrator)
    client.post(f"{ADMIN}networkcoordinator/add/", {"user": rana_planner.pk, "network": network.pk})
    coordinator = NetworkCoordinator.objects.get(user=rana_planner)
    client.post(f"{ADMIN}networkcoordinator/{coordinator.pk}/delete/", {"post": "yes"})
    assert not NetworkCoordinator.objects.filter(user=rana_planner).exists()
    assert list(AccessChange.objects.values_list("what", "action", "network", "before", "after")) == [
        ("coordinator", "withdrawn", network.pk, ["coordinator"], []),
        ("coordinator", "granted", network.pk, [], ["coordinator"]),
    ]


def test_members_added_changed_and_removed_in_the_admin_are_recorded(client, network, kongsberg, rana, administrator):
    as_user(client, administrator)
    address = f"{ADMIN}network/{network.pk}/change/"
    data = change_form(client.get(address))
    data |= {
        "memberships-TOTAL_FORMS": "2",
        "memberships-1-municipality": rana.pk,
        "memberships-1-joined": "2024-01-01",
        "memberships-0-left": "2024-12-31",
    }
    assert client.post(address, data).status_code == 302
    assert list(AccessChange.objects.order_by("pk").values_list("municipality__name", "action", "before", "after")) == [
        ("Kongsberg", "withdrawn", [["2009-01-01", None]], [["2009-01-01", "2024-12-31"]]),
        ("Rana", "granted", [], [["2024-01-01", None]]),
    ]
    data = change_form(client.get(address)) | {"memberships-1-DELETE": "on"}
    assert client.post(address, data).status_code == 302
    assert not NetworkMembership.objects.filter(municipality=rana).exists()
    assert AccessChange.objects.first().before == [["2024-01-01", None]]


def test_overlapping_memberships_are_refused_in_the_admin_with_a_message(client, network, kongsberg, administrator):
    as_user(client, administrator)
    address = f"{ADMIN}network/{network.pk}/change/"
    data = change_form(client.get(address)) | {
        "memberships-TOTAL_FORMS": "2",
        "memberships-1-municipality": kongsberg.pk,
        "memberships-1-joined": "2020-01-01",
    }
    response = client.post(address, data)
    assert response.status_code == 200
    assert "Kongsberg is already a member of the network in that period." in response.content.decode()
    assert NetworkMembership.objects.count() == 1 and not AccessChange.objects.exists()


# --- the rules, on the server -------------------------------------------------------------------------------------


def test_a_coordinator_cannot_give_a_role_outside_her_networks(client, kongsberg, halden, coordinator, politician):
    response = grant(as_user(client, coordinator), halden, Role.APPROVER, "politiker")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with pytest.raises(AccessRefused, match="Halden is not one"):
        grants.grant_role(by=coordinator, user=politician, municipality=halden, role=Role.APPROVER, login_url="")
    assert not MunicipalityRole.objects.filter(municipality=halden).exists()
    assert not AccessChange.objects.exists()


def test_a_coordinator_sees_and_withdraws_no_role_outside_her_networks(client, kongsberg, halden, coordinator):
    stranger = make.role(make.user("planlegger-halden"), halden, Role.PLANNER)
    role = MunicipalityRole.objects.get(user=stranger)
    as_user(client, coordinator)
    assert "planlegger-halden" not in client.get(PAGE).content.decode()
    assert client.get(f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/").status_code == 404
    assert client.post(f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/").status_code == 404
    assert MunicipalityRole.objects.filter(pk=role.pk).exists()


def test_a_coordinator_cannot_give_herself_a_role(client, kongsberg, coordinator):
    response = grant(as_user(client, coordinator), kongsberg, Role.APPROVER, "koordinator")
    assert response.status_code == 200
    assert "You cannot change your own roles" in text(response)
    assert not MunicipalityRole.objects.filter(user=coordinator).exists()
    assert not AccessChange.objects.exists()


def test_a_coordinator_cannot_give_herself_a_role_by_her_e_mail_address(client, kongsberg, coordinator):
    coordinator.email = "koordinator@example.no"
    coordinator.save()
    response = grant(as_user(client, coordinator), kongsberg, Role.APPROVER, "KOORDINATOR@example.no")
    assert "You cannot change your own roles" in text(response)
    assert not MunicipalityRole.objects.filter(user=coordinator).exists()


def test_an_administrator_cannot_give_herself_a_role_in_the_admin(client, kongsberg, administrator):
    response = as_user(client, administrator).post(
        f"{ADMIN}municipalityrole/add/", {"user": administrator.pk, "municipality": kongsberg.pk, "role": "approver"}
    )
    assert response.status_code == 200
    assert "You cannot change your own roles" in response.content.decode()
    assert not MunicipalityRole.objects.exists()


def test_a_coordinator_cannot_make_a_coordinator(client, network, coordinator, rana_planner):
    response = as_user(client, coordinator).post(
        PAGE, {"action": "coordinator", "coordinator-network": network.pk, "coordinator-user": "planlegger-rana"}
    )
    assert response.status_code == 403
    with pytest.raises(AccessRefused, match="Only an administrator"):
        grants.grant_coordinator(by=coordinator, user=rana_planner, network=network, login_url="")
    assert list(NetworkCoordinator.objects.values_list("user__username", flat=True)) == ["koordinator"]


def test_a_coordinator_cannot_end_another_coordinators_role(client, network, coordinator):
    other = make.coordinator(make.user("koordinator-2"), network)
    row = NetworkCoordinator.objects.get(user=other)
    assert (
        as_user(client, coordinator).post(f"/rapportering/tilganger/koordinator/{row.pk}/trekk-tilbake/").status_code
        == 403
    )
    with pytest.raises(AccessRefused):
        grants.withdraw_coordinator(by=coordinator, coordinator=row, login_url="")
    assert NetworkCoordinator.objects.filter(pk=row.pk).exists()


def test_an_administrator_makes_a_coordinator_on_the_portal(client, network, administrator, rana_planner):
    response = as_user(client, administrator).post(
        PAGE, {"action": "coordinator", "coordinator-network": network.pk, "coordinator-user": "planlegger-rana"}
    )
    assert response.status_code == 302
    assert NetworkCoordinator.objects.filter(user=rana_planner, network=network).exists()
    assert AccessChange.objects.get().changed_by == administrator


def test_a_role_she_already_has_is_refused_with_a_message(client, kongsberg, coordinator, politician):
    response = grant(as_user(client, coordinator), kongsberg, Role.READER, "politiker")
    assert "politiker is already reader in Kongsberg." in text(response)
    assert not AccessChange.objects.exists()


def test_a_name_nobody_has_is_refused_with_a_message(client, kongsberg, coordinator):
    response = grant(as_user(client, coordinator), kongsberg, Role.READER, "ukjent")
    assert "No user has the user name ukjent. Give her e-mail address to make her an account." in text(response)
    assert get_user_model().objects.count() == 1


def test_a_former_member_keeps_no_grants_but_can_be_tidied_up(client, kongsberg, coordinator, politician, network):
    NetworkMembership.objects.filter(municipality=kongsberg).update(left=datetime.date(2020, 12, 31))
    with pytest.raises(AccessRefused):
        grants.grant_role(by=coordinator, user=politician, municipality=kongsberg, role=Role.PLANNER, login_url="")
    role = MunicipalityRole.objects.get(user=politician)
    grants.withdraw_role(by=coordinator, role=role, login_url="")
    assert not MunicipalityRole.objects.filter(user=politician).exists()


# --- telling her --------------------------------------------------------------------------------------------------


def test_she_is_told_by_e_mail_in_her_municipalitys_written_form(client, coordinator, network, committed):
    masfjorden = make.municipality("Masfjorden", "4634", language_form=LanguageForm.NYNORSK)
    make.membership(network, masfjorden)
    make.user("kari", email="kari@masfjorden.kommune.no", first_name="Kari", last_name="Nordmann")
    with committed():
        grant(as_user(client, coordinator, "nb"), masfjorden, Role.PLANNER, "kari")
    (message,) = mail.outbox
    assert message.to == ["kari@masfjorden.kommune.no"]
    assert message.subject == "Tilgangen din til Livskraft er endra"
    assert "Hei Kari Nordmann," in message.body
    assert "koordinator gav deg rolla som planleggjar i Masfjorden." in message.body
    assert LOGIN_URL in message.body
    assert "passord" not in message.body  # she has one already


def test_a_bokmal_municipality_tells_her_in_bokmal(client, kongsberg, coordinator, politician, committed):
    politician.email = "politiker@kongsberg.kommune.no"
    politician.save()
    role = MunicipalityRole.objects.get(user=politician)
    with committed():
        as_user(client, coordinator, "en").post(f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/")
    (message,) = mail.outbox
    assert message.subject == "Tilgangen din til Livskraft er endret"
    assert "koordinator trakk tilbake rollen din som leser i Kongsberg." in message.body


def test_an_e_mail_address_nobody_has_gets_an_account_and_is_told_to_choose_a_password(
    client, kongsberg, coordinator, committed
):
    with committed():
        response = grant(as_user(client, coordinator), kongsberg, Role.READER, "Ny.Politiker@Kongsberg.kommune.no")
    assert response.status_code == 302
    user = get_user_model().objects.get(email="Ny.Politiker@Kongsberg.kommune.no")
    assert user.username == "ny.politiker@kongsberg.kommune.no"
    assert not user.has_usable_password()
    assert MunicipalityRole.objects.filter(user=user, municipality=kongsberg, role=Role.READER).exists()
    (message,) = mail.outbox
    assert message.to == ["Ny.Politiker@Kongsberg.kommune.no"]
    assert "«Glemt passordet?»" in message.body and LOGIN_URL in message.body
    assert "ny.politiker@kongsberg.kommune.no" in message.body

    # She does as the mail says: "Glemt passordet?" sends her a link, and the password she chooses logs her in.
    mail.outbox.clear()
    visitor = Client()
    assert visitor.post("/passord/glemt/", {"email": "ny.politiker@kongsberg.kommune.no"}).status_code == 302
    (reset,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/passord/nytt/[^/\s]+/[^/\s]+/)", reset.body).group(1)
    form = visitor.get(link).url
    chosen = visitor.post(form, {"new_password1": "Multe-og-tyttebær-2026", "new_password2": "Multe-og-tyttebær-2026"})
    assert chosen.status_code == 302 and chosen.url == "/passord/nytt/ferdig/"
    assert Client().login(username="ny.politiker@kongsberg.kommune.no", password="Multe-og-tyttebær-2026")


def test_a_mail_server_that_is_down_does_not_undo_the_change(
    client, kongsberg, coordinator, politician, committed, settings, caplog
):
    # A real SMTP client against a port nobody listens on: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    politician.email = "politiker@kongsberg.kommune.no"
    politician.save()
    with committed():
        response = grant(as_user(client, coordinator), kongsberg, Role.APPROVER, "politiker")
    assert response.status_code == 302
    assert MunicipalityRole.objects.filter(user=politician, role=Role.APPROVER).exists()
    assert "Could not e-mail politiker about access change" in caplog.text
    assert "Your access has changed" in text(as_user(client, politician).get("/rapportering/"))


def test_no_account_is_made_for_an_address_that_is_not_one(client, kongsberg, coordinator, committed):
    with committed():
        response = grant(as_user(client, coordinator), kongsberg, Role.READER, "ikke-en-adresse@")
    assert "“ikke-en-adresse@” is not an e-mail address." in text(response)
    assert get_user_model().objects.count() == 1 and mail.outbox == []


def test_no_account_is_made_when_the_grant_is_refused(client, kongsberg, coordinator, committed):
    with committed():
        response = grant(
            as_user(client, coordinator), kongsberg, Role.PLANNER, "koordinator@example.no", **{"role-municipality": 0}
        )
    assert response.status_code == 200
    assert get_user_model().objects.count() == 1 and mail.outbox == []


def test_her_start_page_tells_her_until_she_has_read_it(client, kongsberg, rana, coordinator, rana_planner):
    make.membership(NetworkCoordinator.objects.get().network, rana)
    grants.grant_role(by=coordinator, user=rana_planner, municipality=kongsberg, role=Role.READER, login_url="")
    page = text(as_user(client, rana_planner).get("/rapportering/"))
    assert "Your access has changed" in page
    assert "koordinator gave you the role reader in Kongsberg. Your roles there now: reader." in page
    response = client.post("/rapportering/tilganger/sett/", {"next": "/rapportering/"})
    assert response.status_code == 302 and response.url == "/rapportering/"
    assert "Your access has changed" not in text(client.get("/rapportering/"))
    assert AccessChange.objects.get().seen_at is not None


def test_a_politician_whose_role_changed_is_told_before_her_dashboard(client, kongsberg, coordinator, politician):
    other = make.role(make.user("annen"), kongsberg, Role.READER)  # someone else's change is not hers to read
    grants.withdraw_role(by=coordinator, role=MunicipalityRole.objects.get(user=other), login_url="")
    as_user(client, politician)
    assert client.get("/start/").url == "/kommune/3303/"
    grants.grant_role(by=coordinator, user=politician, municipality=kongsberg, role=Role.APPROVER, login_url="")
    grants.withdraw_role(
        by=coordinator, role=MunicipalityRole.objects.get(user=politician, role=Role.APPROVER), login_url=""
    )
    response = client.get("/start/")
    assert response.status_code == 200
    page = text(response)
    assert "koordinator withdrew your role approver in Kongsberg. Your roles there now: reader." in page
    assert "koordinator gave you the role approver in Kongsberg." in page
    assert 'href="/kommune/3303/"' in response.content.decode()
    client.post("/rapportering/tilganger/sett/", {"next": "/start/"})
    assert client.get("/start/").url == "/kommune/3303/"


def test_marking_seen_never_sends_her_off_the_site(client, politician):
    response = as_user(client, politician).post("/rapportering/tilganger/sett/", {"next": "https://angriper.example/"})
    assert response.url == "/rapportering/"
    assert client.get("/rapportering/tilganger/sett/").status_code == 405


# --- the network's members ----------------------------------------------------------------------------------------


def test_a_coordinator_ends_memberships_of_her_network_but_only_an_administrator_adds_one(
    client, network, kongsberg, rana, coordinator, administrator
):
    as_user(client, coordinator)
    address = f"/rapportering/tilganger/nettverk/{network.slug}/"
    # A new member would widen what she may do: she would give roles there and read its drafts.
    assert 'name="municipality"' not in text(client.get(address))
    refused = client.post(address, {"municipality": rana.pk, "joined": "2025-01-01"})
    assert "Only an administrator adds a municipality to a network" in text(refused)
    assert not NetworkMembership.objects.filter(municipality=rana).exists()
    kongsberg_membership = NetworkMembership.objects.get(municipality=kongsberg)
    client.post(f"/rapportering/tilganger/medlemskap/{kongsberg_membership.pk}/avslutt/", {"left": "2025-06-30"})
    kongsberg_membership.refresh_from_db()
    assert kongsberg_membership.left == datetime.date(2025, 6, 30)
    # Ended, it is not hers to open again.
    with pytest.raises(AccessRefused, match="Only an administrator makes a membership longer"):
        grants.change_membership(
            by=coordinator, membership=kongsberg_membership, joined=kongsberg_membership.joined, left=None
        )

    as_user(client, administrator)
    response = client.post(address, {"municipality": rana.pk, "joined": "2025-01-01"})
    assert response.status_code == 302
    assert NetworkMembership.objects.get(municipality=rana).joined == datetime.date(2025, 1, 1)
    assert list(AccessChange.objects.order_by("pk").values_list("municipality__name", "action", "after")) == [
        ("Kongsberg", "withdrawn", [["2009-01-01", "2025-06-30"]]),
        ("Rana", "granted", [["2025-01-01", None]]),
    ]
    page = text(client.get(address))
    assert "Granted: network membership – Rana – Livskraftige kommuner not a member from 1.1.2025" in page


def test_a_membership_cannot_end_before_it_began(client, network, kongsberg, coordinator):
    membership = NetworkMembership.objects.get(municipality=kongsberg)
    response = as_user(client, coordinator).post(
        f"/rapportering/tilganger/medlemskap/{membership.pk}/avslutt/", {"left": "2000-01-01"}
    )
    assert "A municipality cannot leave a network before it joined." in text(response)
    membership.refresh_from_db()
    assert membership.left is None and not AccessChange.objects.exists()


def test_a_coordinator_cannot_change_another_networks_members(client, network, coordinator, rana):
    other = make.network("Andre kommuner", slug="andre", members=[rana])
    membership = NetworkMembership.objects.get(network=other)
    as_user(client, coordinator)
    assert client.get("/rapportering/tilganger/nettverk/andre/").status_code == 404
    assert (
        client.post(f"/rapportering/tilganger/medlemskap/{membership.pk}/avslutt/", {"left": "2025-01-01"}).status_code
        == 404
    )
    with pytest.raises(AccessRefused, match="Andre kommuner is not one"):
        grants.add_member(by=coordinator, network=other, municipality=rana, joined=datetime.date(2025, 1, 1))
    assert not AccessChange.objects.exists()


# --- who sees what ------------------------------------------------------------------------------------------------


@pytest.fixture
def everyone(network, kongsberg, oslo, rana, coordinator, politician, rana_planner, rana_approver, oslo_planner):
    """Rana and Kongsberg in the network, Oslo outside it; a planner, an approver and a politician."""
    make.membership(network, rana)


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        (None, 302),
        ("rana_planner", 403),
        ("rana_approver", 403),
        ("politician", 403),
        ("coordinator", 200),
        ("administrator", 200),
    ],
)
def test_only_coordinators_and_administrators_open_the_access_pages(client, everyone, request, persona, status):
    user = request.getfixturevalue(persona) if persona else None
    as_user(client, user)
    role = MunicipalityRole.objects.get(user__username="planlegger-rana")
    membership = NetworkMembership.objects.get(municipality__name="Rana")
    for address in [
        PAGE,
        f"/rapportering/tilganger/rolle/{role.pk}/trekk-tilbake/",
        "/rapportering/tilganger/nettverk/livskraftige-kommuner/",
        f"/rapportering/tilganger/medlemskap/{membership.pk}/avslutt/",
    ]:
        response = client.get(address)
        assert response.status_code == status, address
        if status == 302:
            assert response.url.startswith("/logg-inn/?next=")
        if status != 200:
            assert client.post(address, {}).status_code == status, address
    assert MunicipalityRole.objects.filter(pk=role.pk).exists()
    assert NetworkMembership.objects.get(pk=membership.pk).left is None


@pytest.mark.parametrize(("persona", "status"), [("coordinator", 403), ("administrator", 200), ("rana_planner", 403)])
def test_only_administrators_end_a_coordinators_role(client, everyone, request, persona, status):
    row = NetworkCoordinator.objects.get()
    as_user(client, request.getfixturevalue(persona))
    assert client.get(f"/rapportering/tilganger/koordinator/{row.pk}/trekk-tilbake/").status_code == status


def test_the_coordinator_sees_her_networks_roles_and_the_administrator_all(
    client, everyone, coordinator, administrator
):
    mine = text(as_user(client, coordinator).get(PAGE))
    assert "planlegger-rana" in mine and "politiker" in mine and "planlegger-oslo" not in mine
    assert "Make someone a network coordinator" not in mine
    every = text(as_user(client, administrator).get(PAGE))
    assert "planlegger-rana" in every and "planlegger-oslo" in every
    assert "Make someone a network coordinator" in every


def test_the_start_page_leads_coordinators_to_the_access_page_and_nobody_else(
    client, everyone, coordinator, rana_planner
):
    assert f'href="{PAGE}"' in as_user(client, coordinator).get("/rapportering/").content.decode()
    assert f'href="{PAGE}"' not in as_user(client, rana_planner).get("/rapportering/").content.decode()


def test_the_access_page_takes_a_fixed_number_of_queries(
    client, everyone, coordinator, kongsberg, django_assert_num_queries
):
    for extra in range(3):
        make.role(make.user(f"leser-{extra}"), kongsberg, Role.READER)
        grants.grant_role(
            by=coordinator,
            user=make.user(f"planlegger-{extra}"),
            municipality=kongsberg,
            role=Role.PLANNER,
            login_url="",
        )
    as_user(client, coordinator)
    # The session and the user; her roles and her networks' members (access_for); the roles shown and their
    # municipalities' numbers; the municipalities she may give roles in and their numbers; the members nobody has
    # a role in; the coordinators; her networks; the record's count and its first page.
    with django_assert_num_queries(13):
        assert client.get(PAGE).status_code == 200
