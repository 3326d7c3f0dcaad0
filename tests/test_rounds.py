"""The reporting round's deadline (issue 20): a coordinator opens a round, planners see what is due, the matrix shows
who is late, reminders go out once by e-mail, and closing the round freezes its figures behind a reason."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from indicators.models import (
    IndicatorValue,
    LanguageForm,
    Reminder,
    ReminderKind,
    ReminderSetting,
    ReportingRound,
    Role,
    ValueRevision,
    ValueStatus,
)
from indicators.rounds import send_reminders
from indicators.services import ClosedRoundError, ProposedValue, apply_values, close_round, save_round
from tests import factories as make
from tests.concurrency import at_once, postgresql_only
from tests.test_reporting import YEAR, as_user, csv_file, entry_url, full_form, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CREATE = "/rapportering/runder/ny/"


@pytest.fixture
def members(network, rana, kongsberg, waste, lighthouses, rana_planner):
    """Kongsberg and Rana in the network, each with a planner who has an e-mail address; Rana plans in bokmål."""
    make.membership(network, rana)
    rana_planner.email = "rana@example.org"
    rana_planner.save()
    kongsberg_planner = make.role(
        make.user("planlegger-kongsberg", email="kongsberg@example.org"), kongsberg, Role.PLANNER
    )
    return {"rana": rana_planner, "kongsberg": kongsberg_planner}


def open_round(network, coordinator, indicators, *, deadline, reporters=None) -> ReportingRound:
    return save_round(
        round=ReportingRound(network=network, year=YEAR, deadline=deadline),
        indicators=indicators,
        reporters=reporters or {},
        user=coordinator,
    )


@pytest.fixture
def due_in_a_week(network, coordinator, waste, lighthouses, members):
    """A round whose deadline is in five days: the week before it has begun."""
    return open_round(network, coordinator, [waste, lighthouses], deadline=TODAY + datetime.timedelta(days=5))


@pytest.fixture
def overdue(network, coordinator, waste, lighthouses, members):
    """A round whose deadline was yesterday."""
    return open_round(network, coordinator, [waste, lighthouses], deadline=TODAY - datetime.timedelta(days=1))


def submit_all(municipality, *indicators):
    for number, indicator in enumerate(indicators):
        make.value(indicator, municipality, YEAR, 100 + number, status=ValueStatus.SUBMITTED)


def text(response) -> str:
    return response.content.decode()


# --- opening a round ---------------------------------------------------------------------------------------------


def test_coordinator_opens_a_round(client, coordinator, network, waste, lighthouses):
    as_user(client, coordinator, "nb")
    assert "Åpne en rapporteringsrunde" in text(client.get(CREATE))
    deadline = datetime.date(YEAR + 1, 3, 15)
    response = client.post(
        CREATE,
        {
            "network": network.pk,
            "year": YEAR,
            "deadline": deadline.isoformat(),
            "indicators": [waste.pk, lighthouses.pk],
        },
        follow=True,
    )
    round = ReportingRound.objects.get()
    assert (round.year, round.deadline, round.opened_by) == (YEAR, deadline, coordinator)
    assert set(round.indicators.all()) == {waste, lighthouses}
    assert f"Rapporteringsrunden {YEAR} er åpnet, med frist 15. mars {YEAR + 1}." in text(response)


def test_the_round_form_says_in_bokmal_what_is_wrong(client, coordinator, network, waste):
    as_user(client, coordinator, "nb")
    page = text(client.post(CREATE, {"network": network.pk, "year": YEAR, "deadline": f"{YEAR}-12-01"}))
    assert "Runden ble ikke lagret" in page
    assert "Velg minst én indikator." in page
    assert f"Fristen må være etter {YEAR}: tallene for et år rapporteres når året er over." in page
    page = text(
        client.post(CREATE, {"network": network.pk, "year": 1700, "deadline": "i morgen", "indicators": [waste.pk]})
    )
    assert "Skriv fristen som en dato, for eksempel 15.03.2027." in page
    assert f"Velg et år fra 1800 til {YEAR + 1}." in page
    open_round(network, coordinator, [waste], deadline=datetime.date(YEAR + 1, 3, 1))
    page = text(
        client.post(
            CREATE, {"network": network.pk, "year": YEAR, "deadline": f"{YEAR + 1}-03-15", "indicators": [waste.pk]}
        )
    )
    assert f"Livskraftige kommuner har allerede en rapporteringsrunde for {YEAR}: endre den i stedet." in page
    assert ReportingRound.objects.count() == 1


def test_coordinator_names_who_reports_for_a_member(client, coordinator, due_in_a_week, members, rana, kongsberg):
    as_user(client, coordinator, "nb")
    url = f"/rapportering/runder/{due_in_a_week.pk}/endre/"
    page = text(client.get(url))
    assert "Hvem som rapporterer for hvert medlem" in page
    assert "Ingen valgt: alle planleggerne i Rana rapporterer." in page
    other = make.role(make.user("planlegger-rana-2", email="rana2@example.org"), rana, Role.PLANNER)
    response = client.post(
        url,
        {
            "deadline": due_in_a_week.deadline.isoformat(),
            "indicators": [i.pk for i in due_in_a_week.indicators.all()],
            f"reporters_{rana.pk}": [other.pk],
        },
        follow=True,
    )
    assert "Runden er lagret." in text(response)
    send_reminders()
    assert sorted(m.to[0] for m in mail.outbox) == ["kongsberg@example.org", "rana2@example.org"]


# --- what the planner sees ---------------------------------------------------------------------------------------


def test_planner_sees_what_is_due_and_by_when(client, network, coordinator, waste, lighthouses, members, rana):
    deadline = datetime.date(TODAY.year + 1, 3, 15)
    open_round(network, coordinator, [waste, lighthouses], deadline=deadline)
    submit_all(rana, waste)
    page = text(as_user(client, members["rana"], "nb").get("/rapportering/"))
    assert "Skal leveres i rapporteringsrunden" in page
    assert f"Frist 15. mars {deadline.year}: 1 av 2 indikatorer levert." in page
    assert f'href="{entry_url()}"' in page
    assert "Forsinket" not in page
    page = text(as_user(client, members["rana"], "nn").get("/rapportering/"))
    assert f"Frist 15. mars {deadline.year}: 1 av 2 indikatorar leverte." in page


def test_planner_sees_she_is_late_and_no_other_municipality(client, overdue, members, oslo_planner):
    page = text(as_user(client, members["rana"], "nb").get("/rapportering/"))
    assert "Forsinket" in page and "0 av 2 indikatorer levert" in page
    assert "Kongsberg" not in page
    # Oslo is no member: its planner has nothing due.
    assert "Skal leveres i rapporteringsrunden" not in text(as_user(client, oslo_planner, "nb").get("/rapportering/"))


# --- the coordinator's matrix ------------------------------------------------------------------------------------


def test_matrix_names_the_late_member_in_words(client, coordinator, overdue, rana, kongsberg, waste, lighthouses):
    submit_all(kongsberg, waste, lighthouses)
    make.value(waste, rana, YEAR, 10, status=ValueStatus.DRAFT)
    send_reminders()
    page = text(as_user(client, coordinator, "nb").get(f"/rapportering/runder/{overdue.pk}/"))
    late = page[page.index("1 medlem er forsinket:") :]
    late = late[: late.index("</ul>")]
    assert "Forsinket</span> <strong>Rana</strong>: 0 av 2 levert; sist påminnet" in late
    assert "Kongsberg" not in late
    assert "1 av 2 medlemmer har levert alle rundens 2 indikatorer." in page
    assert "Utkast" in page and "Ikke registrert" in page and "Sendt inn" in page and "Komplett" in page
    assert f"{TODAY:%-d.%-m.%Y}: planlegger-rana (etter fristen)" in page


def test_matrix_shows_who_turned_reminders_off(client, coordinator, due_in_a_week, members):
    ReminderSetting.objects.create(user=members["rana"], enabled=False)
    page = text(as_user(client, coordinator, "nb").get(f"/rapportering/runder/{due_in_a_week.pk}/"))
    assert "(påminnelser slått av)" in page


# --- reminders ---------------------------------------------------------------------------------------------------


def test_reminder_before_the_deadline_is_sent_once(due_in_a_week, members):
    assert send_reminders() == 2
    rana_mail = next(m for m in mail.outbox if m.to == ["rana@example.org"])
    day = due_in_a_week.deadline
    assert rana_mail.subject == (
        f"Påminnelse: tallene for {YEAR} fra Rana skal leveres innen {day.day}. {_month_nb(day)} {day.year}"
    )
    assert "0 av 2 indikatorer er levert." in rana_mail.body
    assert f"http://127.0.0.1:8000{entry_url()}" in rana_mail.body
    assert "http://127.0.0.1:8000/rapportering/paminnelser/" in rana_mail.body
    # Run again, or twice: the record keeps anyone from being reminded twice.
    assert send_reminders() == 0
    call_command("send_reminders", "--now", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(kind=ReminderKind.BEFORE).count() == 2


def _month_nb(day: datetime.date) -> str:
    return ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
            "november", "desember"][day.month - 1]  # fmt: skip


def test_no_reminder_long_before_the_deadline(network, coordinator, waste, members):
    open_round(network, coordinator, [waste], deadline=TODAY + datetime.timedelta(days=30))
    assert send_reminders() == 0
    assert mail.outbox == []


def test_no_reminder_to_a_user_who_turned_them_off(client, due_in_a_week, members):
    as_user(client, members["rana"], "nb")
    response = client.post("/rapportering/paminnelser/", {"reminders": "off"}, follow=True)
    assert "Du får ikke flere påminnelser." in text(response)
    assert ReminderSetting.objects.get(user=members["rana"]).enabled is False
    send_reminders()
    assert [m.to for m in mail.outbox] == [["kongsberg@example.org"]]


def test_no_reminder_to_a_member_that_has_submitted(due_in_a_week, rana, waste, lighthouses):
    submit_all(rana, waste, lighthouses)
    send_reminders()
    assert [m.to for m in mail.outbox] == [["kongsberg@example.org"]]


def test_after_the_deadline_the_late_reminder_is_sent_once(overdue, members, kongsberg, waste, lighthouses):
    submit_all(kongsberg, waste, lighthouses)
    assert send_reminders() == 1
    (late,) = mail.outbox
    assert late.to == ["rana@example.org"]
    assert late.subject == f"Fristen er ute: tallene for {YEAR} fra Rana"
    assert f"Fristen for tallene for {YEAR} fra Rana til Livskraftige kommuner var" in late.body
    assert Reminder.objects.get().kind == ReminderKind.LATE
    assert send_reminders() == 0


def test_reminder_speaks_the_municipality_s_written_form(overdue, members, kongsberg):
    kongsberg.language_form = LanguageForm.NYNORSK
    kongsberg.save()
    send_reminders()
    nynorsk = next(m for m in mail.outbox if m.to == ["kongsberg@example.org"])
    assert nynorsk.subject == f"Fristen er ute: tala for {YEAR} frå Kongsberg"
    assert "0 av 2 indikatorar er leverte." in nynorsk.body


def test_the_command_enqueues_the_task_for_the_worker(due_in_a_week, members):
    call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DBTaskResult.objects.filter(task_path="indicators.tasks.send_round_reminders").count() == 1
    assert mail.outbox == []


# --- closing freezes the round -----------------------------------------------------------------------------------


def test_closing_freezes_the_figures_behind_a_reason(client, coordinator, overdue, members, rana, waste):
    make.value(waste, rana, YEAR, 10, status=ValueStatus.DRAFT)
    as_user(client, coordinator, "nb")
    response = client.post(f"/rapportering/runder/{overdue.pk}/lukk/", follow=True)
    assert "Runden er lukket." in text(response)
    overdue.refresh_from_db()
    assert overdue.closed_by == coordinator
    # The service refuses a change without a reason, whatever path calls it.
    proposal = ProposedValue(indicator_id=waste.pk, municipality_id=rana.pk, year=YEAR, value=Decimal(12))
    with pytest.raises(ClosedRoundError):
        apply_values(proposed=[proposal], user=members["rana"], source="test", reason="Entered")
    assert IndicatorValue.objects.get(indicator=waste, municipality=rana, year=YEAR).value == 10
    # The entry page asks for the reason, and keeps it in the figure's history.
    as_user(client, members["rana"], "nb")
    assert "Nettverkets rapporteringsrunde" in text(client.get(entry_url()))
    data = full_form(client, husholdningsavfall={"value": "12"})
    page = text(client.post(entry_url(), data))
    assert "Rapporteringsrunden er lukket: skriv hvorfor tallet endres." in page
    assert IndicatorValue.objects.get(indicator=waste, municipality=rana, year=YEAR).value == 10
    data = full_form(client, husholdningsavfall={"value": "12", "reason": "Rettet en tastefeil"})
    assert client.post(entry_url(), data).status_code == 302
    value = IndicatorValue.objects.get(indicator=waste, municipality=rana, year=YEAR)
    assert value.value == 12
    assert ValueRevision.objects.filter(indicator_value=value).latest("changed_at").reason == "Rettet en tastefeil"
    # A closed round can no longer be changed.
    as_user(client, coordinator, "nb")
    response = client.get(f"/rapportering/runder/{overdue.pk}/endre/", follow=True)
    assert "Runden er lukket og kan ikke lenger endres." in text(response)


def test_an_open_round_leaves_the_figures_free(overdue, members, rana, waste):
    proposal = ProposedValue(indicator_id=waste.pk, municipality_id=rana.pk, year=YEAR, value=Decimal(12))
    assert apply_values(proposed=[proposal], user=members["rana"], source="test", reason="Entered").created == 1


# --- who may ---------------------------------------------------------------------------------------------------


def test_planner_cannot_open_or_see_a_round(client, overdue, members, network, waste):
    as_user(client, members["rana"], "nb")
    assert client.get(CREATE).status_code == 404
    data = {"network": network.pk, "year": YEAR, "deadline": f"{YEAR + 1}-03-15", "indicators": [waste.pk]}
    assert client.post(CREATE, data).status_code == 404
    assert client.get(f"/rapportering/runder/{overdue.pk}/").status_code == 404
    assert client.post(f"/rapportering/runder/{overdue.pk}/lukk/").status_code == 404
    overdue.refresh_from_db()
    assert not overdue.is_closed


def test_coordinator_of_another_network_gets_404(client, overdue, members):
    other = make.coordinator(make.user("koordinator-annet"), make.network("Et annet nettverk", slug="annet"))
    as_user(client, other, "nb")
    for path in ("", "endre/"):
        assert client.get(f"/rapportering/runder/{overdue.pk}/{path}").status_code == 404
    assert client.post(f"/rapportering/runder/{overdue.pk}/lukk/").status_code == 404
    overdue.refresh_from_db()
    assert not overdue.is_closed


def test_anonymous_is_sent_to_log_in(client, overdue):
    response = client.get(f"/rapportering/runder/{overdue.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- query counts ------------------------------------------------------------------------------------------------


def _more_members(network, count, *, start=0):
    for number in range(start, start + count):
        municipality = make.municipality(f"Kommune {number}", f"{5001 + number}")
        make.membership(network, municipality)
        make.role(make.user(f"planlegger-{number}", email=f"p{number}@example.org"), municipality, Role.PLANNER)


def test_query_counts_of_the_matrix_and_the_planner_page_do_not_grow_with_members(
    client, coordinator, overdue, members, network, django_assert_num_queries
):
    def pages():
        as_user(client, coordinator, "nb")
        # 1. the session  2. the user
        # 3. the round with its network  4. whether the user coordinates its network
        # 5. the round's indicators
        # 6. the members in the year  7. their numbers
        # 8. the named reporters  9. the members' planners
        # 10. the reminders sent, with their users  11. who of the reporters turned reminders off
        # 12. the members' figures for the year
        with django_assert_num_queries(12):
            assert client.get(f"/rapportering/runder/{overdue.pk}/").status_code == 200
        as_user(client, members["rana"], "nb")
        # 1. the session  2. the user  3. the user's roles  4. the networks the user coordinates
        # 5. whether the user coordinates any network  6. the municipalities with their status counts
        # 7. their numbers  8. the indicators counted  9. the unseen access changes
        # 10. the open rounds of her municipalities' networks  11. their indicators
        # 12. the named reporters  13. her municipalities' memberships  14. their delivered figures
        # 15. which of her municipalities have a climate budget for the year
        with django_assert_num_queries(15):
            assert client.get("/rapportering/").status_code == 200

    _more_members(network, 1)  # three members
    pages()
    _more_members(network, 7, start=1)  # ten members
    pages()


@pytest.mark.django_db(transaction=True)
@postgresql_only
def test_two_runs_at_once_remind_each_reporter_once(due_in_a_week, members):
    results = at_once(lambda _client: send_reminders(), lambda _client: send_reminders(), lock=Reminder, waiting=2)
    assert sum(results) == 2  # each reporter once, whichever run reminded her
    assert sorted(m.to[0] for m in mail.outbox) == ["kongsberg@example.org", "rana@example.org"]
    assert Reminder.objects.count() == 2


def test_a_spreadsheet_cannot_change_a_closed_round_s_figures(client, coordinator, overdue, members, rana, waste):
    close_round(round=overdue, user=coordinator)
    as_user(client, members["rana"], "nb")
    preview = upload(client, csv_file(f"kommunenummer;indikator;år;verdi\n1833;miljofyrtarn;{YEAR};12\n"))
    assert "hører til en lukket rapporteringsrunde og kan ikke endres fra et regneark" in text(preview)
    client.post(preview.request["PATH_INFO"])
    assert not IndicatorValue.objects.filter(municipality=rana, year=YEAR).exists()
