"""Importing SSB tables saved as JSON-stat 2.0: code history, status symbols, checks before any write."""

import datetime
import html
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators import jsonstat
from indicators.importers.base import ImportRejected
from indicators.importers.ssb_jsonstat import apply_jsonstat, read_jsonstat
from indicators.models import Indicator, IndicatorValue, ValueRevision, ValueState
from tests import factories as make
from tests.worker import run_worker, uses_worker

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def table_07459(values, *, status=None, regions=None, years=("2019", "2020", "2024"), updated="2024-02-21T07:00:00Z"):
    """A 07459-shaped response: Region × ContentsCode × Tid, as PxWebApi v2 sends it."""
    regions = regions or [("0301", "Oslo"), ("0604", "Kongsberg (-2019)"), ("3006", "Kongsberg (2020-2023)"),
                          ("3303", "Kongsberg"), ("0", "Hele landet")]  # fmt: skip
    return jsonstat.dumps(
        jsonstat.write(
            dimensions=[
                jsonstat.Dimension("Region", "region", regions),
                jsonstat.Dimension("ContentsCode", "statistikkvariabel", [("Personer1", "Personer")]),
                jsonstat.Dimension("Tid", "år", [(y, y) for y in years]),
            ],
            values=values,
            status=status,
            label="07459: Befolkning, etter region, statistikkvariabel og år",
            source="Statistisk sentralbyrå",
            updated=updated,
            roles={"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
            extension={"px": {"tableid": "07459"}},
        )
    )


def figures(indicator):
    return {
        (v.municipality.name, v.year): (v.value, v.state)
        for v in IndicatorValue.objects.filter(indicator=indicator).select_related("municipality")
    }


def test_old_numbers_land_on_the_right_municipality_and_year(kongsberg):
    population = Indicator.objects.population()
    data = table_07459(
        {
            ("0301", "Personer1", "2019"): 693494,
            ("0301", "Personer1", "2020"): 697010,
            ("0301", "Personer1", "2024"): 717710,
            ("0604", "Personer1", "2019"): 27416,
            ("3006", "Personer1", "2020"): 27694,
            ("3303", "Personer1", "2024"): 28180,
            ("0", "Personer1", "2024"): 5550203,
        }
    )
    checked = read_jsonstat(data, filename="07459.json", indicator=population)
    assert (checked.counts.created, checked.counts.updated, checked.counts.unchanged) == (6, 0, 0)
    assert ("0 Hele landet", "not a municipality", 3) in checked.skipped_regions()
    apply_jsonstat(checked, user=None)
    assert figures(population) == {
        ("Oslo", 2019): (Decimal(693494), "reported"),
        ("Oslo", 2020): (Decimal(697010), "reported"),
        ("Oslo", 2024): (Decimal(717710), "reported"),
        ("Kongsberg", 2019): (Decimal(27416), "reported"),
        ("Kongsberg", 2020): (Decimal(27694), "reported"),
        ("Kongsberg", 2024): (Decimal(28180), "reported"),
    }
    value = IndicatorValue.objects.get(municipality=kongsberg, year=2024)
    assert (value.status, value.is_official) == ("published", True)
    assert value.source == "SSB, table 07459 (Personer1), updated 2024-02-21, file 07459.json"


def test_importing_the_same_file_again_changes_nothing(kongsberg):
    population = Indicator.objects.population()
    data = table_07459({("0301", "Personer1", "2024"): 717710, ("3303", "Personer1", "2024"): 28180})
    first = apply_jsonstat(read_jsonstat(data, filename="a.json", indicator=population), user=None)
    # Oslo's three years (two of them empty, so missing), and Kongsberg's 2019, 2020 and 2024 under the number in
    # force each year; the empty cells of numbers not in force are SSB's padding, and the country is no municipality.
    assert first.created == 6
    revisions = ValueRevision.objects.count()
    again = read_jsonstat(data, filename="a.json", indicator=population)
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, first.created)
    result = apply_jsonstat(again, user=None)
    assert result.written == 0 and ValueRevision.objects.count() == revisions


def test_status_symbols_become_explicit_states(kongsberg):
    population = Indicator.objects.population()
    data = table_07459(
        {("0301", "Personer1", "2024"): None, ("3303", "Personer1", "2024"): None, ("3303", "Personer1", "2020"): 1},
        status={("0301", "Personer1", "2024"): ":", ("3303", "Personer1", "2024"): ".."},
        regions=[("0301", "Oslo"), ("3303", "Kongsberg")],
        years=("2020", "2024"),
    )
    apply_jsonstat(read_jsonstat(data, filename="s.json", indicator=population), user=None)
    states = {k: state for k, (_v, state) in figures(population).items()}
    assert states[("Oslo", 2024)] == ValueState.CONFIDENTIAL
    assert states[("Kongsberg", 2024)] == ValueState.MISSING
    # A null without a symbol is missing too, never a zero.
    assert states[("Oslo", 2020)] == ValueState.MISSING
    assert figures(population)[("Kongsberg", 2020)] == (Decimal(1), "reported")


def test_a_kostra_region_dimension_is_understood(kongsberg):
    waste = Indicator.objects.create(
        code="husholdningsavfall-tonn", name_nb="Husholdningsavfall", unit="tonnes", direction="lower",
        bottom_line="ecological",
    )  # fmt: skip
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("KOKkommuneregion0000", "region", [("EAK", "Landet"), ("3303", "Kongsberg")]),
            jsonstat.Dimension("ContentsCode", "statistikkvariabel", [("KOSAG110000", "Husholdningsavfall (tonn)")]),
            jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
        ],
        values={("EAK", "KOSAG110000", "2024"): 2100000, ("3303", "KOSAG110000", "2024"): 10881.5},
        roles={"time": ["Tid"], "geo": ["KOKkommuneregion0000"], "metric": ["ContentsCode"]},
    )
    checked = read_jsonstat(jsonstat.dumps(document), filename="12241.json", indicator=waste, table="13136")
    apply_jsonstat(checked, user=None)
    assert figures(waste) == {("Kongsberg", 2024): (Decimal("10881.5"), "reported")}
    assert "13136" in IndicatorValue.objects.get().source


def test_a_table_with_several_contents_needs_a_choice(kongsberg):
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("Region", "region", [("3303", "Kongsberg")]),
            jsonstat.Dimension("ContentsCode", "x", [("Personer1", "Personer"), ("Endring", "Endring")]),
            jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
        ],
        values={("3303", "Personer1", "2024"): 28180, ("3303", "Endring", "2024"): 200},
    )
    data = jsonstat.dumps(document)
    population = Indicator.objects.population()
    with pytest.raises(ImportRejected) as rejected:
        read_jsonstat(data, filename="x.json", indicator=population)
    assert "Personer1, Endring" in str(rejected.value)
    checked = read_jsonstat(data, filename="x.json", indicator=population, contents="Personer1")
    assert [c.proposed.value for c in checked.changes] == [Decimal(28180)]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"version": "1.0", "class": "dataset"}', "2.0"),
        (b'{"version": "2.0", "class": "dataset", "id": ["Region"', "ends too early"),
        (b"", "empty"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_written(kongsberg, data, message):
    with pytest.raises(ImportRejected) as rejected:
        read_jsonstat(data, filename="bad.json", indicator=Indicator.objects.population())
    assert message in str(rejected.value)
    assert not IndicatorValue.objects.exists()


def test_a_table_broken_down_by_age_is_refused(kongsberg):
    document = jsonstat.write(
        dimensions=[
            jsonstat.Dimension("Region", "region", [("3303", "Kongsberg")]),
            jsonstat.Dimension("Alder", "alder", [("000", "0 år"), ("001", "1 år")]),
            jsonstat.Dimension("Tid", "år", [("2024", "2024")]),
        ],
        values={("3303", "000", "2024"): 250, ("3303", "001", "2024"): 260},
    )
    with pytest.raises(ImportRejected) as rejected:
        read_jsonstat(jsonstat.dumps(document), filename="a.json", indicator=Indicator.objects.population())
    assert "“Alder”" in str(rejected.value)


def test_one_bad_figure_stops_the_whole_file(kongsberg):
    lighthouses = Indicator.objects.create(
        code="miljofyrtarn", name_nb="Miljøfyrtårn", unit="count", direction="higher", bottom_line="economic"
    )
    data = table_07459(
        {("0301", "Personer1", "2024"): 12, ("3303", "Personer1", "2024"): -3},
        regions=[("0301", "Oslo"), ("3303", "Kongsberg")],
        years=("2024",),
    )
    with pytest.raises(ImportRejected) as rejected:
        read_jsonstat(data, filename="m.json", indicator=lighthouses)
    assert "3303 2024" in str(rejected.value)
    assert not IndicatorValue.objects.exists()


def test_quarters_are_refused(kongsberg):
    data = table_07459({("3303", "Personer1", "2024K1"): 1}, regions=[("3303", "Kongsberg")], years=("2024K1",))
    with pytest.raises(ImportRejected) as rejected:
        read_jsonstat(data, filename="q.json", indicator=Indicator.objects.population())
    assert "2024K1" in str(rejected.value)


def test_the_command_shows_a_dry_run_then_imports(kongsberg, tmp_path):
    path = tmp_path / "07459.json"
    path.write_bytes(table_07459({("3303", "Personer1", "2024"): 28180}, regions=[("3303", "Kongsberg")]))
    Indicator.objects.population()
    out = StringIO()
    call_command("import_jsonstat", str(path), "--indicator", "folkemengde", "--dry-run", stdout=out)
    assert "would be created: 1" in out.getvalue()
    assert not IndicatorValue.objects.exists()
    call_command("import_jsonstat", str(path), "--indicator", "folkemengde", stdout=StringIO())
    assert IndicatorValue.objects.get().value == 28180
    broken = tmp_path / "broken.json"
    broken.write_bytes(json.dumps({"version": "2.0"}).encode())
    with pytest.raises(CommandError):
        call_command("import_jsonstat", str(broken), "--indicator", "folkemengde", stdout=StringIO(), stderr=StringIO())


# --- in the browser, for network coordinators -------------------------------------------------------------------


def upload(client, data, **fields):
    population = Indicator.objects.population()
    file = SimpleUploadedFile("07459.json", data, content_type="application/json")
    return client.post(reverse("opendata_upload"), {"file": file, "indicator": population.pk, **fields})


@uses_worker
def test_a_coordinator_publishes_ssbs_figures_for_every_municipality_in_the_file(client, coordinator, kongsberg):
    client.force_login(coordinator)
    data = table_07459(
        {("0301", "Personer1", "2024"): 717710, ("3303", "Personer1", "2024"): 28180},
        regions=[("0301", "Oslo"), ("3303", "Kongsberg")],
        years=("2024",),
    )
    response = upload(client, data)
    assert response.status_code == 302
    assert "Waiting for the check to start" in client.get(response["Location"]).content.decode()
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    # Oslo is not in her network, but SSB's figures are SSB's for every municipality.
    assert "New values: 2" in page
    assert "published at once as the source's official statistics" in page
    assert not IndicatorValue.objects.exists()  # nothing before the confirmation
    client.post(response["Location"])
    assert not IndicatorValue.objects.exists()  # the worker imports it
    run_worker()
    value = IndicatorValue.objects.get(municipality=kongsberg)
    assert (value.value, value.status, value.is_official) == (28180, "published", True)
    assert value.changed_by == coordinator
    assert value.data_import.filename == "07459.json"
    assert value.data_import.vintage == datetime.date(2024, 2, 21)  # the table's own "updated"
    assert IndicatorValue.objects.get(municipality__name="Oslo").published_value == 717710
    assert "2 new values, 0 changed, 0 unchanged" in client.get(response["Location"]).content.decode()
    # Confirming again imports nothing more.
    client.post(response["Location"])
    run_worker()
    assert ValueRevision.objects.count() == 2


@uses_worker
def test_figures_under_a_later_number_are_filed_and_listed_in_the_preview(client, coordinator, kongsberg):
    client.force_login(coordinator)
    data = table_07459(
        {("3303", "Personer1", "2019"): 27416, ("3303", "Personer1", "2020"): 27694, ("3303", "Personer1", "2024"): 1},
        regions=[("3303", "Kongsberg")],
    )
    response = upload(client, data)
    run_worker()
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Filed under another number" in page
    assert "3303 in 2019 filed under Kongsberg (0604)" in page
    assert "3303 in 2020 filed under Kongsberg (3006)" in page
    assert "3303 in 2024" not in page


def test_a_number_is_not_filed_on_a_municipality_that_did_not_exist_that_year(kongsberg):
    make.municipality("Norddal", codes=[("1524", 1838, 2019)])
    make.municipality("Fjord", codes=[("1578", 2020, None)])
    data = table_07459(
        {("1578", "Personer1", "2019"): 2500, ("1578", "Personer1", "2020"): 2540},
        regions=[("1578", "Fjord")],
        years=("2019", "2020"),
    )
    checked = read_jsonstat(data, filename="07459.json", indicator=Indicator.objects.population())
    assert checked.skipped_regions() == [
        ("1578 Fjord", "no municipality had the number 1578 in 2019; Fjord, which had it, did not exist then", 1)
    ]
    assert [(c.proposed.year, c.proposed.value) for c in checked.changes] == [(2020, 2540)]
    assert checked.filed_elsewhere() == []


@uses_worker
def test_a_file_with_problems_lists_them_and_imports_nothing(client, coordinator):
    client.force_login(coordinator)
    response = upload(client, b'{"version": "1.0", "class": "dataset"}')
    run_worker()
    page = client.get(response["Location"]).content.decode()
    assert "Nothing is imported from this file" in page and "2.0" in page
    client.post(response["Location"])
    run_worker()
    assert not IndicatorValue.objects.exists()
    assert "Nothing is imported from this file" in client.get(response["Location"]).content.decode()


def test_planners_and_the_public_cannot_import_open_data(client, kongsberg):
    planner = make.role(make.user("planlegger-kongsberg"), kongsberg, "planner")
    assert client.get("/rapportering/ssb/").status_code == 302  # to the login page
    client.force_login(planner)
    assert client.get("/rapportering/ssb/").status_code == 404
    assert upload(client, table_07459({})).status_code == 404


def test_someone_elses_upload_is_not_found(client, coordinator, administrator):
    client.force_login(coordinator)
    location = upload(client, table_07459({("3303", "Personer1", "2024"): 1}))["Location"]
    client.force_login(administrator)
    assert client.get(location).status_code == 404
