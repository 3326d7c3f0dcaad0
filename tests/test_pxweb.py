"""Fetching from SSB's PxWebApi v2: the request limits, error titles and a real HTTP exchange on loopback."""

import json
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command

from indicators import jsonstat
from indicators.importers import pxweb
from indicators.models import Indicator, IndicatorValue
from tests import factories as make

pytestmark = pytest.mark.usefixtures("english")


def test_a_query_within_the_limit_is_one_request():
    query = pxweb.Query("07459", {"Region": ["0301", "3303"], "ContentsCode": ["Personer1"], "Tid": ["2023", "2024"]})
    assert pxweb.split(query) == [query]
    url = query.url("https://data.ssb.no/api/pxwebapi/v2")
    parts = urlsplit(url)
    assert parts.path == "/api/pxwebapi/v2/tables/07459/data"
    assert parse_qs(parts.query) == {
        "lang": ["no"],
        "outputFormat": ["json-stat2"],
        "valueCodes[Region]": ["0301,3303"],
        "valueCodes[ContentsCode]": ["Personer1"],
        "valueCodes[Tid]": ["2023,2024"],
    }


def test_a_large_query_is_split_along_its_longest_list_within_the_cell_limit():
    regions = [f"{n:04d}" for n in range(1, 358)]
    years = [str(y) for y in range(2000, 2025)]
    query = pxweb.Query("07459", {"Region": regions, "Tid": years, "Alder": [f"{a:03d}" for a in range(100)]})
    parts = pxweb.split(query, max_cells=100_000)
    assert all(len(p.value_codes["Region"]) * 25 * 100 <= 100_000 for p in parts)
    assert [code for p in parts for code in p.value_codes["Region"]] == regions  # every region once, in order
    assert len(parts) == 9  # 40 regions a request


def test_a_query_that_cannot_be_split_small_enough_is_refused():
    query = pxweb.Query("x", {"A": [str(n) for n in range(1000)], "B": [str(n) for n in range(1000)]})
    with pytest.raises(pxweb.PxWebError, match="1000000 cells"):
        pxweb.split(query, max_cells=500)


def test_value_codes_are_read_from_the_command_line():
    assert pxweb.parse_value_codes(["Region=3303, 0301", "Tid=top(5)"]) == {
        "Region": ["3303", "0301"],
        "Tid": ["top(5)"],
    }
    with pytest.raises(ValueError, match="Dimension=code"):
        pxweb.parse_value_codes(["Region"])


def fake_ssb(path: str) -> tuple[int, bytes]:
    """A local stand-in for PxWebApi v2: answers with a JSON-stat table, or with SSB's JSON error."""
    if "/tables/99999/" in path:
        return 404, json.dumps({"title": "Tabellen 99999 finnes ikke", "status": 404}).encode()
    regions = parse_qs(urlsplit(path).query)["valueCodes[Region]"][0].split(",")
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("Region", "region", [(r, r) for r in regions]),
            jsonstat.Dimension("ContentsCode", "x", [("Personer1", "Personer")]),
            jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
        ],
        values={(r, "Personer1", "2024"): 1000 + int(r) for r in regions},
        roles={"geo": ["Region"], "time": ["Tid"], "metric": ["ContentsCode"]},
        extension={"px": {"tableid": "07459"}},
    )
    return 200, jsonstat.dumps(document)


@pytest.fixture
def ssb(local_server, settings):
    """PxWebApi v2 on a local HTTP server; returns the server, whose .requests are the requests it received."""
    settings.SSB_API_URL = local_server.start(fake_ssb) + "/api/pxwebapi/v2"
    return local_server


def test_requests_are_spaced_to_respect_thirty_a_minute(ssb):
    waits, now = [], [0.0]

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    query = pxweb.Query("07459", {"Region": ["0301", "3303", "1833", "4634"], "Tid": ["2024"]})
    answers = pxweb.fetch(query, max_cells=2, sleep=sleep, clock=lambda: now[0])
    assert len(answers) == len(ssb.requests) == 2
    assert waits == [pytest.approx(2.0)]
    assert all(jsonstat.parse(answer) for answer in answers)


def test_an_error_answer_reports_ssbs_title(ssb):
    with pytest.raises(pxweb.PxWebError, match="SSB answered 404: Tabellen 99999 finnes ikke"):
        pxweb.fetch(pxweb.Query("99999", {"Region": ["0301"]}))


def test_an_unreachable_api_says_so(settings):
    settings.SSB_API_URL = "http://127.0.0.1:9/api"  # the discard port: nothing listens
    with pytest.raises(pxweb.PxWebError, match="could not be reached"):
        pxweb.fetch(pxweb.Query("07459", {"Region": ["0301"]}))


@pytest.mark.django_db
def test_the_command_fetches_checks_and_imports_in_one_go(ssb):
    for name, code in (("Oslo", "0301"), ("Kongsberg", "3303")):
        make.municipality(name, code, since=2020)
    Indicator.objects.population()
    out = StringIO()
    call_command(
        "import_jsonstat",
        "--indicator",
        "folkemengde",
        "--fetch",
        "07459",
        "--value-codes",
        "Region=0301,3303",
        "--value-codes",
        "ContentsCode=Personer1",
        "--value-codes",
        "Tid=2024",
        stdout=out,
    )
    assert "were created: 2" in out.getvalue()
    assert sorted(IndicatorValue.objects.values_list("value", flat=True)) == [1301, 4303]
    with pytest.raises(CommandError, match="Tabellen 99999 finnes ikke"):
        call_command("import_jsonstat", "--indicator", "folkemengde", "--fetch", "99999", "--value-codes", "Region=1")
