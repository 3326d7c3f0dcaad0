"""Writes sent at the same moment, and a database that fails halfway: a message or a 503, never a 500 or a half-write.

Real concurrency on PostgreSQL (see tests/concurrency.py): two requests from two threads with their own connections,
both past their first look at the database before either writes.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from indicators.models import Indicator, IndicatorValue, Role, ValueImport, ValueRevision, reporting_year
from plans.models import BudgetImport, BudgetLine, PlanType
from tests import factories as make
from tests.concurrency import at_once, postgresql_only, table_locked

pytestmark = [pytest.mark.django_db(transaction=True), postgresql_only]

YEAR = reporting_year()
ENTRY = f"/rapportering/1833/{YEAR}/"


@pytest.fixture
def world(rana, oslo, waste, lighthouses):
    make.network(members=[rana, oslo])
    make.population(rana, dict.fromkeys((YEAR - 1, YEAR), 26000))


@pytest.fixture
def colleague(rana):
    return make.role(make.user("kollega-rana"), rana, Role.PLANNER)


def logged_in(client, user):
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def entry_form(client, **values) -> dict:
    """The entry form as the page sends it, with figures typed for some indicators (code: figure)."""
    page = client.get(ENTRY)
    data = {"action": "save"}
    for group in page.context["groups"]:
        for row in group.rows:
            form = row.form
            fields = {name: form.initial.get(name, "") for name in form.fields}
            if row.indicator.code in values:
                fields["value"] = values[row.indicator.code]
            data.update({form.add_prefix(name): value for name, value in fields.items()})
    return data


def html(response) -> str:
    assert not isinstance(response, Exception), f"the request raised {response!r}"
    if response.status_code == 302:
        return ""
    return response.content.decode()


def test_two_first_saves_of_one_value_at_once_keep_one_and_tell_the_other(
    client, world, rana_planner, colleague, lighthouses
):
    """Both open the empty form and save at once: one figure is stored, the other planner is told, nothing is a 500."""
    mine = entry_form(logged_in(client, rana_planner), miljofyrtarn="12")
    theirs = entry_form(logged_in(client, colleague), miljofyrtarn="13")

    responses = at_once(
        lambda c: logged_in(c, rana_planner).post(ENTRY, mine),
        lambda c: logged_in(c, colleague).post(ENTRY, theirs),
        lock=IndicatorValue,
        waiting=2,
    )

    pages = [html(response) for response in responses]
    stored = IndicatorValue.objects.get(indicator=lighthouses, year=YEAR)
    assert stored.value in (Decimal(12), Decimal(13)) and stored.version == 1
    assert sum("Someone else saved this value while you were editing it" in page for page in pages) == 1
    assert [r.status_code for r in responses].count(302) == 1  # the one that was stored
    assert ValueRevision.objects.filter(indicator_value=stored).count() == 1


def csv(rows: list[str]) -> SimpleUploadedFile:
    text = "kommunenummer;indikator;år;verdi\n" + "".join(f"{row}\n" for row in rows)
    return SimpleUploadedFile("verdier.csv", text.encode(), content_type="text/csv")


def uploaded(client, planner, rows: list[str]) -> ValueImport:
    logged_in(client, planner)
    response = client.post(f"{ENTRY}import/", {"file": csv(rows)})
    assert response.status_code == 302
    return ValueImport.objects.latest("pk")


def test_two_confirmations_of_one_upload_at_once_import_it_once(client, world, rana_planner, lighthouses, waste):
    stored = uploaded(client, rana_planner, [f"1833;miljofyrtarn;{YEAR};12", f"1833;husholdningsavfall;{YEAR};9000"])
    confirm = f"/rapportering/import/{stored.pk}/"

    responses = at_once(
        lambda c: logged_in(c, rana_planner).post(confirm, follow=True),
        lambda c: logged_in(c, rana_planner).post(confirm, follow=True),
        lock=IndicatorValue,
        waiting=2,
    )

    pages = [html(response) for response in responses]
    assert sum("Imported verdier.csv: 2 new values" in page for page in pages) == 1
    assert sum("This file has already been imported; nothing was changed." in page for page in pages) == 1
    assert IndicatorValue.objects.filter(year=YEAR, indicator__in=[lighthouses, waste]).count() == 2
    assert ValueRevision.objects.filter(indicator_value__year=YEAR).exclude(
        indicator_value__indicator__is_population=True
    ).count() == 2  # fmt: skip


def test_a_database_error_during_copy_answers_503_and_writes_nothing(client, world, rana_planner, lighthouses):
    """A file of more than a thousand new figures is written with COPY; the revisions' table is locked and the wait
    for it times out halfway: the planner gets the page that says to try again, and nothing is half-written."""
    counts = [lighthouses] + [
        Indicator.objects.create(code=f"telling-{n}", name_nb=f"Telling {n}", unit="count", direction="higher")
        for n in range(17)
    ]  # Rana has had its number since 1964: 18 indicators × 60 years
    rows = [f"1833;{indicator.code};{year};{year % 50}" for indicator in counts for year in range(YEAR - 59, YEAR + 1)]
    stored = uploaded(client, rana_planner, rows)
    values_before = IndicatorValue.objects.count()

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    try:
        with table_locked(ValueRevision):
            response = client.post(f"/rapportering/import/{stored.pk}/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert response.status_code == 503
    assert "The portal is temporarily unavailable" in response.content.decode()
    assert IndicatorValue.objects.count() == values_before
    stored.refresh_from_db()
    assert stored.confirmed_at is None  # she can confirm it again
    assert client.post(f"/rapportering/import/{stored.pk}/").status_code == 302
    assert IndicatorValue.objects.count() == values_before + len(rows)


def test_two_confirmations_of_one_budget_file_at_once_import_it_once(client, rana, rana_planner):
    budget = make.plan(rana, PlanType.ARSBUDSJETT, first=YEAR, last=YEAR)
    make.focus_area(budget, "Drift")
    logged_in(client, rana_planner)
    text = "Type;Navn;Vedtatt budsjett;Revidert budsjett;Regnskap\nInnsatsområde;Drift;1 234;;\n"
    upload = SimpleUploadedFile("budsjett.csv", text.encode(), content_type="text/csv")
    assert client.post(f"/rapportering/1833/budsjett/{YEAR}/import/", {"file": upload}).status_code == 302
    confirm = f"/rapportering/budsjett/import/{BudgetImport.objects.get().pk}/"

    responses = at_once(
        lambda c: logged_in(c, rana_planner).post(confirm, follow=True),
        lambda c: logged_in(c, rana_planner).post(confirm, follow=True),
        lock=BudgetImport,
        waiting=2,
    )

    pages = [html(response) for response in responses]
    assert sum("Imported budsjett.csv: 1 new budget lines" in page for page in pages) == 1
    assert sum("This file has already been imported; nothing was changed." in page for page in pages) == 1
    assert BudgetLine.objects.get().adopted == 1234
