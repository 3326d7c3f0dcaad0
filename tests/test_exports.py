"""Downloads in JSON-stat 2.0: valid, published figures only, and readable by our importer and by pyjstat."""

from decimal import Decimal

import pytest
from django.urls import reverse
from pyjstat import pyjstat

from indicators import jsonstat
from indicators.importers.ssb_jsonstat import apply_jsonstat, read_jsonstat
from indicators.models import (
    Indicator,
    IndicatorValue,
    ValueState,
    ValueStatus,
)
from tests import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(waste, rana, oslo):
    make.network(members=[rana, oslo])
    for m, people, tonnes in ((rana, 26000, 10400), (oslo, 700000, 266000)):
        for year, factor in ((2021, 1), (2022, 1), (2023, Decimal("0.97"))):
            make.population(m, {year: people})
            make.published_value(waste, m, year, Decimal(tonnes) * factor)
    IndicatorValue.objects.filter(indicator=waste, municipality=oslo, year=2022).update(
        value=None, state=ValueState.CONFIDENTIAL, published_value=None, published_state=ValueState.CONFIDENTIAL
    )
    make.value(waste, rana, 2024, 777123)  # a draft
    return {"rana": rana, "oslo": oslo}


def test_the_dashboard_download_is_valid_json_stat_with_published_figures_only(client, published):
    response = client.get("/kommune/1833/data.json")
    assert response["Content-Type"].startswith("application/json")
    assert 'filename="livskraft-1833.json"' in response["Content-Disposition"]
    assert b"777123" not in response.content
    dataset = jsonstat.parse(response.content)
    assert dataset.dimension_ids == ["Region", "ContentsCode", "Tid"]
    assert len(dataset) == len(list(dataset.cells()))
    cell = dataset.cell({"Region": "1833", "ContentsCode": "husholdningsavfall.per_innbygger", "Tid": "2021"})
    assert cell.value == pytest.approx(400)  # 10 400 tonnes / 26 000 inhabitants = 400 kg
    assert dataset.dimensions["ContentsCode"].units["husholdningsavfall"]["base"] == "tonn"
    assert "CC BY 4.0" in response.content.decode()


def test_a_revision_in_progress_changes_neither_the_figure_nor_the_source_the_public_downloads(
    client, published, waste
):
    rana_2021 = IndicatorValue.objects.filter(indicator=waste, municipality=published["rana"], year=2021)
    rana_2021.update(source="SSB, tabell 12241", published_source="SSB, tabell 12241")
    # A planner drafts a revision with a new figure and a new source; the published version stays.
    rana_2021.update(value=Decimal(5555), source="Egen telling (utkast)", status=ValueStatus.DRAFT)
    body = client.get("/kommune/1833/data.csv").content.decode()
    row = next(line for line in body.splitlines() if ";2021;" in line and "avfall" in line.lower())
    assert "SSB, tabell 12241" in row and "utkast" not in body
    assert "5555" not in body and "5\xa0555" not in body


def test_a_confidential_figure_carries_ssbs_symbol(client, published):
    dataset = jsonstat.parse(client.get("/indikator/husholdningsavfall/data.json").content)
    cell = dataset.cell({"Region": "0301", "ContentsCode": "husholdningsavfall", "Tid": "2022"})
    assert (cell.value, cell.status) == (None, ":")
    assert b"777123" not in client.get("/indikator/husholdningsavfall/data.json").content


def test_export_then_import_gives_the_same_values(client, published, waste):
    data = client.get("/indikator/husholdningsavfall/data.json").content
    copy = Indicator.objects.create(
        code="avfall-kopi",
        name_nb="Kopi",
        unit="kg",
        computation="per_inhabitant",
        amount_unit="tonnes",
        per_inhabitant_factor=1000,
        direction="lower",
        bottom_line="ecological",
    )
    checked = read_jsonstat(data, filename="export.json", indicator=copy, contents="husholdningsavfall")
    apply_jsonstat(checked, user=None)

    def stored(indicator, **status):
        return {
            (v.municipality_id, v.year): (v.value, v.state)
            for v in IndicatorValue.objects.filter(indicator=indicator, **status)
        }

    original = stored(waste, published_at__isnull=False)
    original[(published["oslo"].pk, 2022)] = (None, ValueState.CONFIDENTIAL)
    assert stored(copy) == original


@pytest.mark.filterwarnings("ignore:Shouldn't use this function anymore:DeprecationWarning")  # inside pyjstat
def test_pyjstat_reads_the_download_unchanged(client, published):
    text = client.get("/kommune/0301/data.json").content.decode()
    frame = pyjstat.Dataset.read(text).write("dataframe", naming="id")
    dataset = jsonstat.parse(text.encode())
    assert len(frame) == len(dataset)
    row = frame[(frame["ContentsCode"] == "husholdningsavfall") & (frame["Tid"] == "2023")]
    assert float(row["value"].iloc[0]) == pytest.approx(266000 * 0.97)


def test_the_bulk_download_has_every_published_figure_as_published_and_nothing_else(
    client, published, waste, django_assert_num_queries
):
    import csv
    import io

    from indicators.services import ProposedValue, apply_values

    rana = published["rana"]
    # A revision under way: the file keeps the published figure.
    apply_values(
        indicator=waste,
        proposed=[ProposedValue(municipality_id=rana.pk, year=2021, value=Decimal(88888888))],
        user=None,
        source="Utkast",
        reason="Retting",
    )
    # However many there are:
    # 1. the indicators
    # 2. the municipalities
    # 3. their numbers
    # 4. the published population
    # 5. the published values
    with django_assert_num_queries(5):
        response = client.get("/data/alle-publiserte-tall.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "88888888" not in body and "777123" not in body and "Utkast" not in body
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    published_count = IndicatorValue.objects.filter(published_at__isnull=False).count()
    assert len(rows) == 1 + published_count
    rana_2021 = next(r for r in rows if r[0] == "1833" and r[2] == "husholdningsavfall" and r[4] == "2021")
    assert rana_2021[5] == "10400" and rana_2021[7] == "400"  # tonnes, and kg per inhabitant
    population_row = next(r for r in rows if r[2] == "folkemengde")
    assert population_row[-2:] == ["SSB, tabell 07459", "CC BY 4.0. Kilde: Statistisk sentralbyrå"]
    assert rana_2021[-2] == "SSB, KOSTRA tabell 12241"  # no source of its own: the indicator's


def test_the_bulk_json_stat_file_holds_every_published_figure_and_reads_back(
    client, published, waste, django_assert_num_queries
):
    # The same as the CSV file's, however many there are:
    # 1. the indicators
    # 2. the municipalities
    # 3. their numbers
    # 4. the published population
    # 5. the published values
    with django_assert_num_queries(5):
        response = client.get(reverse("bulk_download_json"))
    assert 'filename="livskraft-alle-publiserte-tall.json"' in response["Content-Disposition"]
    assert b"777123" not in response.content  # a figure that was never published
    dataset = jsonstat.parse(response.content)
    assert len(dataset) == len(list(dataset.cells()))  # size matches the value count
    filled = [c for c in dataset.cells() if c.value is not None or c.status]
    per_inhabitant = sum(1 for c in filled if c.coordinates["ContentsCode"].endswith(".per_innbygger"))
    assert len(filled) - per_inhabitant == IndicatorValue.objects.filter(published_at__isnull=False).count()
    cell = dataset.cell({"Region": "1833", "ContentsCode": "husholdningsavfall", "Tid": "2021"})
    assert cell.value == 10400
    assert "CC BY 4.0" in response.content.decode()
    # Read back by the portal's own importer: the same published figures.
    checked = read_jsonstat(
        response.content, filename="alle.json", indicator=waste, contents="husholdningsavfall", table="alle"
    )
    assert {c.kind for c in checked.changes} == {"unchanged"}


def test_any_selection_downloads_as_csv_xlsx_and_json_stat(client, published, waste):
    import csv
    import io

    from openpyxl import load_workbook

    page = client.get("/data/")
    assert page.status_code == 200 and page.content.decode().count("<h1>") == 1
    selection = "/data/?kommune=1833&indikator=husholdningsavfall&fra=2022&til=2024"
    body = b"".join(client.get(selection + "&format=csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert [(r[0], r[2], r[4]) for r in rows[1:]] == [
        ("1833", "husholdningsavfall", "2022"),
        ("1833", "husholdningsavfall", "2023"),
    ]
    assert "777123" not in body  # Rana's 2024 draft
    sheet = load_workbook(io.BytesIO(client.get(selection + "&format=xlsx").content)).active
    assert len(list(sheet.iter_rows(values_only=True))) == 3
    dataset = jsonstat.parse(client.get(selection + "&format=json").content)
    assert dataset.dimensions["Region"].codes == ["1833"]
    assert dataset.dimensions["Tid"].codes == ["2022", "2023"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("fra=2024&til=2020", "The last year cannot come before the first year."),
        ("kommune=9999", "9999"),
        ("indikator=ukjent", "ukjent"),
        ("format=pdf", "pdf"),
    ],
)
def test_a_bad_selection_is_explained(client, published, query, message):
    client.cookies["django_language"] = "en"
    response = client.get(f"/data/?format=csv&{query}" if "format" not in query else f"/data/?{query}")
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_selections_queries_do_not_grow_with_its_size(client, published, django_assert_num_queries):
    # 1. the form's municipalities with published values
    # 2. their numbers
    # 3. the form's indicators
    # 4. the networks' members today, for the shortcut
    # then published_records():
    # 5. the indicators
    # 6. the municipalities
    # 7. their numbers
    # 8. the published population
    # 9. the published values
    with django_assert_num_queries(9):
        response = client.get("/data/?format=csv")
        b"".join(response.streaming_content)
