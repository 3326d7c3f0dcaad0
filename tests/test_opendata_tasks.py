"""Open-data imports run in the background worker (indicators/tasks.py), never in a request.

The tests queue tasks through the real database backend and run them with the backend's own worker in batch
mode (tests/worker.py); between the two, the page shows what a visitor sees while the worker is busy.
"""

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from indicators.importers.miljodir import read_emissions
from indicators.models import DataImport, Indicator, IndicatorValue, NetworkCoordinator, ValueRevision
from tests import factories as make
from tests.test_emissions_import import ROWS, emissions_indicator, figures, workbook
from tests.test_jsonstat_import import table_07459
from tests.worker import run_worker, uses_worker

pytestmark = [uses_worker, pytest.mark.usefixtures("english")]
Status = DataImport.Status


def upload_table(client, value=28180):
    population = Indicator.objects.population()
    data = table_07459({("3303", "Personer1", "2024"): value}, regions=[("3303", "Kongsberg")], years=("2024",))
    file = SimpleUploadedFile("07459.json", data, content_type="application/json")
    response = client.post(reverse("opendata_upload"), {"file": file, "indicator": population.pk})
    assert response.status_code == 302
    return response["Location"]


def status_of(client, location):
    response = client.get(location + "status/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


def page_text(client, location) -> str:
    return html.unescape(client.get(location).content.decode())


def test_the_upload_is_checked_by_the_worker_while_the_page_shows_progress(client, coordinator, kongsberg):
    client.force_login(coordinator)
    location = upload_table(client)
    # Queued, not checked: the request only stored the file.
    page = page_text(client, location)
    assert "Waiting for the check to start" in page and "<progress" in page and 'role="status"' in page
    assert f'href="{location}">Refresh</a>' in page  # without JavaScript
    assert "js/opendata-progress.js" in page and "New values" not in page
    assert status_of(client, location) == {
        "status": "uploaded",
        "progress": 0,
        "working": True,
        "text": "Waiting for the check to start …",
    }
    run_worker()
    assert status_of(client, location)["status"] == "checked"
    assert status_of(client, location)["working"] is False
    page = page_text(client, location)
    assert "New values: 1" in page and "Publish the source's figures" in page and "<progress" not in page
    assert "<td>2024</td>" in page and "28,180" in page and "07459 · Personer1" in page


def test_the_preview_comes_from_what_the_worker_stored_not_from_the_file(client, coordinator, kongsberg):
    client.force_login(coordinator)
    location = upload_table(client)
    run_worker()
    DataImport.objects.update(content=b"no longer a table")  # the page never parses the file again
    assert "New values: 1" in page_text(client, location)


def test_confirming_queues_the_import_and_the_page_shows_the_result(client, coordinator, kongsberg):
    client.force_login(coordinator)
    location = upload_table(client)
    run_worker()
    client.post(location)
    client.post(location)  # a second click queues nothing more
    assert DBTaskResult.objects.filter(task_path="indicators.tasks.apply_import").count() == 1
    page = page_text(client, location)
    assert "Importing … 0 %" in page and "<progress" in page and "Publish the source's figures" not in page
    assert not IndicatorValue.objects.exists()
    run_worker()
    assert "Imported" in page_text(client, location) and "1 new values, 0 changed, 0 unchanged" in page_text(
        client, location
    )
    assert IndicatorValue.objects.get().value == 28180
    assert ValueRevision.objects.count() == 1


def test_the_import_counts_what_is_there_when_it_runs(client, coordinator, kongsberg):
    """The figures may change between the preview and the confirmation: the import checks the file again."""
    client.force_login(coordinator)
    location = upload_table(client)
    run_worker()
    assert "New values: 1" in page_text(client, location)
    make.value(Indicator.objects.population(), kongsberg, 2024, 28000)
    client.post(location)
    run_worker()
    assert "0 new values, 1 changed, 0 unchanged" in page_text(client, location)
    assert IndicatorValue.objects.get().value == 28180


def test_a_file_that_no_longer_passes_its_check_fails_with_the_reason_and_writes_nothing(
    client, coordinator, kongsberg
):
    total = emissions_indicator()
    client.force_login(coordinator)
    file = SimpleUploadedFile("klimagassutslipp.xlsx", workbook(), content_type="application/vnd.ms-excel")
    location = client.post(reverse("emissions_upload"), {"file": file, "indicator": total.pk})["Location"]
    run_worker()
    Indicator.objects.filter(pk=total.pk).update(amount_unit="kg")  # changed in the admin after the preview
    client.post(location)
    run_worker()
    page = page_text(client, location)
    assert "Nothing is imported from this file" in page and "does not hold tonnes CO₂-eq." in page
    assert DataImport.objects.get().status == Status.FAILED
    assert not IndicatorValue.objects.exists()


@pytest.fixture
def refuse_values_of():
    """Make the database refuse any new value of an indicator, as a failing disk or a constraint would."""

    def refuse(indicator):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.indicator_id = {indicator.pk} THEN RAISE EXCEPTION 'refused by the test'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT ON indicators_indicatorvalue "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT ON indicators_indicatorvalue "
                    f"WHEN NEW.indicator_id = {indicator.pk} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )

    yield refuse
    # The test's data is flushed, but a trigger would stay for the next test.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS refuse ON indicators_indicatorvalue")
            cursor.execute("DROP FUNCTION IF EXISTS refuse()")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS refuse")


def test_an_error_in_the_middle_of_the_import_leaves_nothing_half_written(
    client, coordinator, kongsberg, refuse_values_of
):
    total = emissions_indicator()
    sea = emissions_indicator("klimagassutslipp-sjofart", name_nb="Sjøfart")
    client.force_login(coordinator)
    file = SimpleUploadedFile("klimagassutslipp.xlsx", workbook(), content_type="application/vnd.ms-excel")
    location = client.post(reverse("emissions_upload"), {"file": file, "indicator": total.pk})["Location"]
    run_worker()
    refuse_values_of(sea)  # the total is written first, then the sea transport fails
    client.post(location)
    run_worker()
    page = page_text(client, location)
    assert "Nothing is imported from this file" in page and "Nothing was written; tell an administrator" in page
    assert figures(total) == {} and figures(sea) == {}
    stored = DataImport.objects.get()
    assert (stored.status, stored.confirmed_at) == (Status.FAILED, None)
    assert DBTaskResult.objects.get(task_path="indicators.tasks.apply_import").status == "FAILED"


def test_the_emissions_reader_reports_its_progress(kongsberg):
    # 2 100 rows: each of ROWS from 300 sources.
    rows = [[*row[:5], f"{row[5]} {number}", *row[6:]] for number in range(300) for row in ROWS]
    shares = []
    read_emissions(workbook(rows), filename="k.xlsx", indicator=emissions_indicator(), on_progress=shares.append)
    assert shares == sorted(shares) and shares[-1] == 1
    assert len(shares) > 50  # the reading and the summing report as they go, not only at the end


def test_only_the_uploader_with_her_role_sees_the_upload_and_its_status(client, coordinator, kongsberg, oslo):
    client.force_login(coordinator)
    location = upload_table(client)
    status = location + "status/"
    other = make.coordinator(make.user("annen-koordinator"), make.network("Andre", slug="andre", members=[oslo]))
    planner = make.role(make.user("planlegger-kongsberg"), kongsberg, "planner")
    for user in (other, planner):
        client.force_login(user)
        assert client.get(location).status_code == 404
        assert client.get(status).status_code == 404
        assert client.post(location).status_code == 404
    client.logout()
    assert client.get(status).status_code == 302  # to the login page
    # A coordinator who no longer coordinates a network can no longer follow or import her upload.
    NetworkCoordinator.objects.filter(user=coordinator).delete()
    client.force_login(coordinator)
    assert client.get(location).status_code == 404
    assert client.get(status).status_code == 404
    assert not DBTaskResult.objects.filter(task_path="indicators.tasks.apply_import").exists()


def test_a_rejected_upload_shows_its_problems_on_every_visit(client, coordinator, kongsberg):
    client.force_login(coordinator)
    file = SimpleUploadedFile("07459.json", b'{"version": "1.0", "class": "dataset"}')
    population = Indicator.objects.population()
    location = client.post(reverse("opendata_upload"), {"file": file, "indicator": population.pk})["Location"]
    run_worker()
    for _visit in range(2):
        page = page_text(client, location)
        assert "Nothing is imported from this file" in page and "expected “2.0”" in page
    assert status_of(client, location) == {"status": "rejected", "progress": 100, "working": False, "text": "Refused"}
    client.post(location)  # a refused file cannot be confirmed
    assert not DBTaskResult.objects.filter(task_path="indicators.tasks.apply_import").exists()
    assert not IndicatorValue.objects.exists()
