"""Loading a municipal reform from KLASS in the browser: administrators only, the events shown before anything is
written, and nothing written from an answer with problems."""

import datetime
import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import DataImport, Municipality, MunicipalityCode
from tests import factories as make
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

FJORD = {
    "codeChanges": [
        {
            "oldCode": "1524",
            "oldName": "Norddal",
            "newCode": "1578",
            "newName": "Fjord",
            "changeOccurred": "2020-01-01",
        },
        {
            "oldCode": "1526",
            "oldName": "Stordal",
            "newCode": "1578",
            "newName": "Fjord",
            "changeOccurred": "2020-01-01",
        },
    ]
}


@pytest.fixture
def norddal_and_stordal(db):
    for name, number in (("Norddal", "1524"), ("Stordal", "1526")):
        make.municipality(name, number, established=datetime.date(1838, 1, 1))


def upload(client, changes, codes=None):
    files = {"file": SimpleUploadedFile("changes.json", json.dumps(changes).encode(), "application/json")}
    if codes is not None:
        files["codes"] = SimpleUploadedFile("codes.json", json.dumps(codes).encode(), "application/json")
    return client.post(reverse("reform_upload"), files)


@uses_worker
def test_an_administrator_sees_the_merger_then_loads_it(client, administrator, norddal_and_stordal):
    client.force_login(administrator)
    location = upload(client, FJORD)["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "1524 Norddal + 1526 Stordal → 1578 Fjord" in page
    assert "New municipalities: 1" in page
    assert not Municipality.objects.filter(name="Fjord").exists()  # nothing before the confirmation
    client.post(location)
    run_worker()
    fjord = Municipality.objects.get(name="Fjord")
    assert fjord.established == datetime.date(2020, 1, 1)
    assert set(Municipality.objects.filter(successor=fjord).values_list("name", flat=True)) == {"Norddal", "Stordal"}
    assert Municipality.objects.by_code("1524", 2019).name == "Norddal"  # old figures still land on Norddal
    assert Municipality.objects.by_code("1578", 2024) == fjord
    assert DataImport.objects.get().confirmed_at is not None
    page = html.unescape(client.get(location).content.decode())
    assert "new rows" in page and "Load the reform" not in page
    client.post(location)  # confirming again changes nothing more
    run_worker()
    assert Municipality.objects.filter(name="Fjord").count() == 1


@uses_worker
def test_an_answer_that_disagrees_with_the_numbers_in_force_is_refused(client, administrator, norddal_and_stordal):
    client.force_login(administrator)
    codes = {"codes": [{"code": "1577", "name": "Volda", "validFromInRequestedRange": "2020-01-01"}]}
    location = upload(client, FJORD, codes)["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "Nothing is imported from this file" in page
    client.post(location)
    run_worker()
    assert not Municipality.objects.filter(name="Fjord").exists()


@uses_worker
def test_a_broken_answer_is_refused_with_a_clear_message(client, administrator, norddal_and_stordal):
    client.force_login(administrator)
    file = SimpleUploadedFile("changes.json", b'{"codeChanges": [', "application/json")
    location = client.post(reverse("reform_upload"), {"file": file})["Location"]
    run_worker()
    page = html.unescape(client.get(location).content.decode())
    assert "Nothing is imported from this file" in page
    assert MunicipalityCode.objects.count() == 2


def test_coordinators_and_planners_cannot_load_reforms(client, coordinator, rana_planner):
    for user in (coordinator, rana_planner):
        client.force_login(user)
        assert client.get(reverse("reform_upload")).status_code == 404
        assert upload(client, FJORD).status_code == 404
    assert not DataImport.objects.exists()
    client.force_login(coordinator)
    assert reverse("reform_upload") not in client.get(reverse("reporting_start")).content.decode()
