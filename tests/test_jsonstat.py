"""The JSON-stat 2.0 reader and writer, on the shapes Statistics Norway's PxWebApi v2 returns and on files it must refuse.

No database: the module is pure Python.
"""

import copy
import itertools
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from indicators.jsonstat import (
    MAX_EXAMPLES,
    Cell,
    Dataset,
    Dimension,
    JsonStatError,
    dumps,
    parse,
    write,
)


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages in English, the source language."""
    with translation.override("en"):
        yield


# Table 07459 (population) as PxWebApi v2 answers ?outputFormat=json-stat2: the layout, ids, roles and
# extension of a real response; the figures other than Oslo 2023 are made up for the test.
TABLE_07459 = """{
  "version": "2.0",
  "class": "dataset",
  "label": "07459: Befolkning, etter region, statistikkvariabel og år",
  "source": "Statistisk sentralbyrå",
  "updated": "2024-02-21T07:00:00Z",
  "note": ["Tallene gjelder 1. januar."],
  "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
  "id": ["Region", "ContentsCode", "Tid"],
  "size": [3, 1, 2],
  "dimension": {
    "Region": {
      "label": "region",
      "category": {
        "index": {"0301": 0, "3301": 1, "3303": 2},
        "label": {"0301": "Oslo - Oslove", "3301": "Drammen", "3303": "Kongsberg"}
      },
      "extension": {"elimination": true, "show": "value"}
    },
    "ContentsCode": {
      "label": "statistikkvariabel",
      "category": {
        "index": {"Personer1": 0},
        "label": {"Personer1": "Personer"},
        "unit": {"Personer1": {"base": "personer", "decimals": 0}}
      }
    },
    "Tid": {
      "label": "år",
      "category": {"index": {"2023": 0, "2024": 1}, "label": {"2023": "2023", "2024": "2024"}}
    }
  },
  "extension": {
    "px": {"tableid": "07459", "decimals": 0, "official-statistics": true, "language": "no"},
    "contact": [{"name": "Statistisk sentralbyrå", "mail": "statistikk@ssb.no"}]
  },
  "value": [709037, 717710, 102273, null, null, 28104],
  "status": {"3": ".."}
}
"""

# A KOSTRA table (12241-style): the region dimension has its own id and holds "EAK" (the whole country)
# beside municipality numbers; the cells SSB holds back carry "." or ":". Figures made up.
KOSTRA_12241 = """{
  "version": "2.0",
  "class": "dataset",
  "label": "12241: Barnehager - nøkkeltall (K)",
  "source": "Statistisk sentralbyrå",
  "updated": "2024-06-14T06:00:00Z",
  "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["KOKkommuneregion0000"]},
  "id": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
  "size": [3, 2, 1],
  "dimension": {
    "KOKkommuneregion0000": {
      "label": "region",
      "category": {
        "index": {"EAK": 0, "1833": 1, "1151": 2},
        "label": {"EAK": "Landet", "1833": "Rana", "1151": "Utsira"}
      }
    },
    "ContentsCode": {
      "label": "statistikkvariabel",
      "category": {
        "index": {"KOSAG110000": 0, "KOSAG120000": 1},
        "label": {"KOSAG110000": "Andel barn 1-5 år med barnehageplass", "KOSAG120000": "Antall barn i barnehage"},
        "unit": {
          "KOSAG110000": {"base": "prosent", "decimals": 1},
          "KOSAG120000": {"base": "barn", "decimals": 0}
        }
      }
    },
    "Tid": {"label": "år", "category": {"index": {"2023": 0}, "label": {"2023": "2023"}}}
  },
  "value": [93.4, 271013, 94.1, 1150, null, null],
  "status": {"4": ".", "5": ":"}
}
"""


def dataset_dict(**changes) -> dict:
    """Return a small valid dataset: A (2) × B (3) × C (2), values 0 to 11; keyword arguments replace keys."""
    document = {
        "version": "2.0",
        "class": "dataset",
        "id": ["A", "B", "C"],
        "size": [2, 3, 2],
        "dimension": {
            "A": {"label": "a", "category": {"index": {"a0": 0, "a1": 1}}},
            "B": {"label": "b", "category": {"index": ["b0", "b1", "b2"]}},
            "C": {"label": "c", "category": {"index": {"c0": 0, "c1": 1}, "label": {"c0": "C0", "c1": "C1"}}},
        },
        "value": list(range(12)),
    }
    document.update(changes)
    return document


def encode(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(JsonStatError) as caught:
        parse(data)
    assert caught.value.problems, "a refusal names at least one problem"
    return caught.value.problems


def summary(dataset: Dataset) -> list[tuple[tuple[str, ...], object, object]]:
    return [(tuple(cell.coordinates.values()), cell.value, cell.status) for cell in dataset.cells()]


# The SSB shapes


def test_table_07459_is_read_with_its_metadata():
    dataset = parse(TABLE_07459.encode("utf-8"))
    assert dataset.label == "07459: Befolkning, etter region, statistikkvariabel og år"
    assert dataset.source == "Statistisk sentralbyrå"
    assert dataset.updated == "2024-02-21T07:00:00Z"
    assert dataset.updated_at.isoformat() == "2024-02-21T07:00:00+00:00"
    assert dataset.dimension_ids == ["Region", "ContentsCode", "Tid"]
    assert dataset.sizes == [3, 1, 2]
    assert len(dataset) == 6
    assert dataset.category_codes == {
        "Region": ["0301", "3301", "3303"],
        "ContentsCode": ["Personer1"],
        "Tid": ["2023", "2024"],
    }
    assert dataset.category_labels["Region"]["0301"] == "Oslo - Oslove"
    assert dataset.dimensions["Tid"].label == "år"
    assert dataset.dimensions["ContentsCode"].units == {"Personer1": {"base": "personer", "decimals": 0}}
    assert dataset.roles == {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]}
    assert (dataset.dimension_for_role("time"), dataset.dimension_for_role("geo")) == ("Tid", "Region")
    assert dataset.dimension_for_role("metric") == "ContentsCode"
    assert dataset.extension["px"]["tableid"] == "07459"
    assert dataset.notes == ["Tallene gjelder 1. januar."]


def test_table_07459_cells_carry_nulls_and_the_status_of_position_3():
    dataset = parse(TABLE_07459.encode("utf-8"))
    assert summary(dataset) == [
        (("0301", "Personer1", "2023"), 709037, None),
        (("0301", "Personer1", "2024"), 717710, None),
        (("3301", "Personer1", "2023"), 102273, None),
        (("3301", "Personer1", "2024"), None, ".."),
        (("3303", "Personer1", "2023"), None, None),
        (("3303", "Personer1", "2024"), 28104, None),
    ]
    assert [cell.position for cell in dataset.cells()] == [0, 1, 2, 3, 4, 5]
    missing = dataset.cell({"Region": "3301", "ContentsCode": "Personer1", "Tid": "2024"})
    assert (missing.position, missing.value, missing.status) == (3, None, "..")
    assert type(dataset.cell({"Region": "0301", "ContentsCode": "Personer1", "Tid": "2023"}).value) is int


def test_kostra_table_with_its_own_region_dimension_and_status_symbols():
    dataset = parse(KOSTRA_12241.encode("utf-8"))
    assert dataset.dimension_for_role("geo") == "KOKkommuneregion0000"
    assert dataset.category_codes["KOKkommuneregion0000"] == ["EAK", "1833", "1151"]
    assert dataset.dimensions["ContentsCode"].units["KOSAG110000"] == {"base": "prosent", "decimals": 1}
    states = {
        (cell.coordinates["KOKkommuneregion0000"], cell.coordinates["ContentsCode"]): (cell.value, cell.status)
        for cell in dataset.cells()
    }
    assert states == {
        ("EAK", "KOSAG110000"): (93.4, None),
        ("EAK", "KOSAG120000"): (271013, None),
        ("1833", "KOSAG110000"): (94.1, None),
        ("1833", "KOSAG120000"): (1150, None),
        ("1151", "KOSAG110000"): (None, "."),
        ("1151", "KOSAG120000"): (None, ":"),
    }


def test_sparse_value_object_gives_the_same_cells_as_the_dense_list():
    dense = dataset_dict(value=[1.5, None, None, None, None, None, None, None, None, None, None, 7])
    sparse = dataset_dict(value={"0": 1.5, "11": 7})
    assert summary(parse(encode(sparse))) == summary(parse(encode(dense)))
    cells = list(parse(encode(sparse)).cells())
    assert [(cell.position, cell.value) for cell in cells if cell.value is not None] == [(0, 1.5), (11, 7)]
    assert cells[11].coordinates == {"A": "a1", "B": "b2", "C": "c1"}


def test_sparse_value_object_may_hold_an_explicit_null():
    dataset = parse(encode(dataset_dict(value={"3": None, "4": 2})))
    assert [cell.value for cell in dataset.cells()][3:5] == [None, 2]


def test_category_index_as_a_list_keeps_its_order_and_labels_default_to_codes():
    dataset = parse(encode(dataset_dict()))
    assert dataset.dimensions["B"].categories == [("b0", "b0"), ("b1", "b1"), ("b2", "b2")]
    assert dataset.dimensions["C"].categories == [("c0", "C0"), ("c1", "C1")]


def test_category_index_object_is_ordered_by_position_not_by_key_order():
    dimension = {"label": "c", "category": {"index": {"c1": 1, "c0": 0}}}
    document = dataset_dict()
    document["dimension"]["C"] = dimension
    dataset = parse(encode(document))
    assert dataset.category_codes["C"] == ["c0", "c1"]
    assert [cell.coordinates["C"] for cell in dataset.cells()][:2] == ["c0", "c1"]


def test_a_single_category_dimension_may_have_only_a_label():
    document = {
        "version": "2.0",
        "class": "dataset",
        "id": ["ContentsCode", "Tid"],
        "size": [1, 2],
        "dimension": {
            "ContentsCode": {"label": "statistikkvariabel", "category": {"label": {"Personer1": "Personer"}}},
            "Tid": {"label": "år", "category": {"index": ["2023", "2024"]}},
        },
        "value": [5, 6],
    }
    dataset = parse(encode(document))
    assert dataset.dimensions["ContentsCode"].categories == [("Personer1", "Personer")]
    assert summary(dataset) == [(("Personer1", "2023"), 5, None), (("Personer1", "2024"), 6, None)]


def test_cells_come_in_row_major_order_the_last_dimension_fastest():
    dataset = parse(encode(dataset_dict()))
    assert [(cell.coordinates, cell.value) for cell in dataset.cells()] == [
        ({"A": "a0", "B": "b0", "C": "c0"}, 0),
        ({"A": "a0", "B": "b0", "C": "c1"}, 1),
        ({"A": "a0", "B": "b1", "C": "c0"}, 2),
        ({"A": "a0", "B": "b1", "C": "c1"}, 3),
        ({"A": "a0", "B": "b2", "C": "c0"}, 4),
        ({"A": "a0", "B": "b2", "C": "c1"}, 5),
        ({"A": "a1", "B": "b0", "C": "c0"}, 6),
        ({"A": "a1", "B": "b0", "C": "c1"}, 7),
        ({"A": "a1", "B": "b1", "C": "c0"}, 8),
        ({"A": "a1", "B": "b1", "C": "c1"}, 9),
        ({"A": "a1", "B": "b2", "C": "c0"}, 10),
        ({"A": "a1", "B": "b2", "C": "c1"}, 11),
    ]
    assert len(dataset) == 12


@pytest.mark.parametrize(
    "fixture", [TABLE_07459, KOSTRA_12241, encode(dataset_dict()).decode()], ids=["07459", "12241", "2x3x2"]
)
def test_flat_index_agrees_with_numpy_c_order(fixture):
    """numpy's C order is row-major: value[i, j, k] of the reshaped list is the cell at those category places."""
    numpy = pytest.importorskip("numpy")
    document = json.loads(fixture)
    cube = numpy.array(document["value"], dtype=object).reshape(document["size"])
    dataset = parse(fixture.encode("utf-8"))
    for cell in dataset.cells():
        places = tuple(dataset.category_codes[d].index(cell.coordinates[d]) for d in dataset.dimension_ids)
        assert cube[places] == cell.value
        assert dataset.position(cell.coordinates) == cell.position


def test_position_of_an_unknown_category_is_a_key_error():
    dataset = parse(TABLE_07459.encode("utf-8"))
    with pytest.raises(KeyError):
        dataset.position({"Region": "9999", "ContentsCode": "Personer1", "Tid": "2023"})


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (None, [None] * 12),
        ("..", [".."] * 12),
        ([None, ".", None, None, None, None, None, None, None, None, None, ":"], [None, "."] + [None] * 9 + [":"]),
        ({"1": ".", "11": ":"}, [None, "."] + [None] * 9 + [":"]),
    ],
    ids=["absent", "one text for all", "list", "object"],
)
def test_status_in_each_of_its_forms(status, expected):
    document = dataset_dict() if status is None else dataset_dict(status=status)
    assert [cell.status for cell in parse(encode(document)).cells()] == expected


def test_a_utf8_byte_order_mark_is_accepted():
    assert len(parse(b"\xef\xbb\xbf" + TABLE_07459.encode("utf-8"))) == 6


# Refusals


def without(key: str, document: dict | None = None) -> dict:
    document = copy.deepcopy(document or dataset_dict())
    del document[key]
    return document


def with_dimension(name: str, entry: dict | None) -> dict:
    document = dataset_dict()
    if entry is None:
        del document["dimension"][name]
    else:
        document["dimension"][name] = entry
    return document


def big_index(name: str) -> dict:
    return {"label": name, "category": {"index": [f"{name}{n}" for n in range(4000)]}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (dataset_dict(version="1.0"), "The file is not JSON-stat 2.0: version is “1.0”, expected “2.0”."),
        (without("version"), "it has no version, expected “2.0”"),
        (dataset_dict(**{"class": "collection"}), "is a JSON-stat collection, not a dataset"),
        (dataset_dict(**{"class": "bundle"}), "is a JSON-stat bundle"),
        ({"ds": without("class", without("version"))}, "is a JSON-stat bundle"),
        (dataset_dict(**{"class": "dimension"}), "a single JSON-stat dimension, not a dataset"),
        (dataset_dict(**{"class": "table"}), "class is “table”, expected “dataset”"),
        (
            {
                "type": "https://tools.ietf.org/html/rfc9110",
                "title": "Bad Request",
                "status": 400,
                "detail": "Too many cells",
            },
            'an error message from the server, not data: "Too many cells"',
        ),
        (dataset_dict(value=list(range(11))), "“value” holds 11 cells but the sizes (2 × 3 × 2) make 12."),
        (dataset_dict(size=[2, 3]), "“id” names 3 dimensions but “size” gives 2 sizes."),
        (dataset_dict(size=[2, 3, 0]), "“size” must be a list of whole numbers, each 1 or more."),
        (dataset_dict(size=[2, 3, True]), "“size” must be a list of whole numbers, each 1 or more."),
        (dataset_dict(size=[2, 4, 2], value=list(range(16))), "Dimension “B” has 3 categories but “size” says 4."),
        (dataset_dict(id=["A", "B", "B"]), "Dimension “B” is listed more than once in “id”."),
        (dataset_dict(id="A"), "“id” must be a list of dimension ids"),
        (with_dimension("C", None), "Dimension “C” is listed in “id” but has no entry in “dimension”."),
        (
            dataset_dict(id=["A", "B"], size=[2, 3], value=list(range(6))),
            "“dimension” describes “C”, which is not listed in “id”.",
        ),
        (without("value"), "The dataset has no “value”."),
        (without("dimension"), "The dataset has no “dimension”."),
        (
            with_dimension("B", {"category": {"index": ["b0", "b1", "b1"]}}),
            "Dimension “B”: category “b1” appears more than once.",
        ),
        (
            with_dimension("B", {"category": {"index": {"b0": 0, "b1": 1, "b2": 3}}}),
            "Dimension “B”: category “b2” has position 3, but its 3 categories need the positions 0 to 2, each once, without gaps.",
        ),
        (
            with_dimension("B", {"category": {"index": {"b0": 0, "b1": 1, "b2": 1}}}),
            "Dimension “B”: position 1 is given to more than one category (b1, b2).",
        ),
        (
            with_dimension("B", {"category": {"index": {"b0": 0, "b1": "1", "b2": 2}}}),
            'the position of category “b1” must be a whole number, not "1".',
        ),
        (with_dimension("B", {"category": {"index": ["b0", 1, "b2"]}}), "category codes must be texts, not 1."),
        (with_dimension("B", {"category": {"index": "b0"}}), "“category.index” must be a list or an object"),
        (with_dimension("B", {"label": "b"}), "Dimension “B” has no “category” object."),
        (
            with_dimension("B", {"category": {"label": {"b0": "0", "b1": "1", "b2": "2"}}}),
            "only a dimension with a single category may leave it out",
        ),
        (with_dimension("B", {"category": {}}), "has neither “category.index” nor “category.label”"),
        (
            with_dimension("B", {"category": {"index": ["b0", "b1", "b2"], "label": {"b9": "nine"}}}),
            "“category.label” names “b9”, which is not one of its categories.",
        ),
        (
            dataset_dict(value={"0": 1, "12": 2}),
            "“value” has an entry at position “12”, which is not a whole number from 0 to 11.",
        ),
        (dataset_dict(value={"-1": 1}), "“value” has an entry at position “-1”"),
        (dataset_dict(value={"01": 1}), "“value” has an entry at position “01”"),
        (dataset_dict(value={"x": 1}), "“value” has an entry at position “x”"),
        (
            dataset_dict(value=[0, 1, 2, 3, "4", 5, 6, 7, 8, 9, 10, 11]),
            'Cell 4 of “value” is "4", not a number or null.',
        ),
        (dataset_dict(value=[True] + list(range(11))), "Cell 0 of “value” is true, not a number or null."),
        (dataset_dict(value={"5": [5]}), "Cell 5 of “value” is [5], not a number or null."),
        (dataset_dict(value="0"), "“value” must be a list or an object."),
        (dataset_dict(status=["."]), "“status” holds 1 entries but the dataset has 12 cells."),
        (dataset_dict(status={"1": 5}), "Cell 1 of “status” is 5, not a text or null."),
        (
            dataset_dict(status={"12": "."}),
            "“status” has an entry at position “12”, which is not a whole number from 0 to 11.",
        ),
        (dataset_dict(status=5), "“status” must be a text, a list or an object."),
        (dataset_dict(role={"time": ["Year"]}), "Role “time” names dimension “Year”, which is not listed in “id”."),
        (dataset_dict(role={"time": "C"}), "“role” must map role names"),
        (dataset_dict(updated="yesterday"), '“updated” is "yesterday", which is not an ISO 8601 date and time.'),
        (dataset_dict(label=7), "“label” must be a text."),
        (dataset_dict(extension=[1]), "“extension” must be an object."),
        (
            {
                "version": "2.0",
                "class": "dataset",
                "id": ["X", "Y"],
                "size": [4000, 4000],
                "dimension": {"X": big_index("X"), "Y": big_index("Y")},
                "value": {"0": 1},
            },
            "The table has 16000000 cells; at most 1000000 can be read at once (LIVSKRAFT_MAX_JSONSTAT_CELLS).",
        ),
    ],
)
def test_malformed_dataset_is_refused_with_a_message_naming_the_problem(document, expected):
    problems = problems_of(encode(document))
    assert any(expected in problem for problem in problems), problems


def test_every_problem_is_reported_at_once():
    document = dataset_dict(updated="soon", value=[0, 1, "2"] + list(range(3, 12)))
    del document["dimension"]["C"]
    problems = problems_of(encode(document))
    assert len(problems) == 3, problems
    assert "“updated”" in problems[0]
    assert "Dimension “C”" in problems[1]
    assert "Cell 2 of “value”" in problems[2]


def test_a_problem_on_many_cells_is_listed_a_few_times_then_counted():
    problems = problems_of(encode(dataset_dict(value=["x"] * 12)))
    assert problems[:MAX_EXAMPLES] == [
        f'Cell {n} of “value” is "x", not a number or null.' for n in range(MAX_EXAMPLES)
    ]
    assert problems[MAX_EXAMPLES:] == [f"…and {12 - MAX_EXAMPLES} more problems like the one above."]


def test_the_count_of_unlisted_problems_follows_their_kind():
    problems = problems_of(encode(dataset_dict(value=["x"] * 12, status=[5] * 12)))
    more = "…and 7 more problems like the one above."
    assert problems[MAX_EXAMPLES] == more
    assert problems[MAX_EXAMPLES + 1].startswith("Cell 0 of “status”")
    assert problems[-1] == more
    assert len(problems) == 2 * (MAX_EXAMPLES + 1)


def test_a_key_repeated_in_an_object_is_refused_rather_than_one_value_silently_kept():
    text = encode(dataset_dict()).decode().replace('"index": {"a0": 0, "a1": 1}', '"index": {"a0": 0, "a0": 1}')
    assert '"a0": 1' in text
    problems = problems_of(text.encode())
    assert "The key “a0” appears more than once in the same JSON object." in problems


def test_a_file_cut_in_half_is_reported_as_cut_off():
    data = TABLE_07459.encode("utf-8")
    (problem,) = problems_of(data[: len(data) // 2])
    assert problem.startswith("The file ends too early (line ")
    assert "it was probably cut off" in problem


def test_a_file_cut_anywhere_is_refused_as_cut_off():
    """Every prefix of a real file, including one that ends inside “å” or “true”, reads as a cut-off download."""
    data = TABLE_07459.encode("utf-8").rstrip()
    for end in range(1, len(data)):
        with pytest.raises(JsonStatError) as caught:
            parse(data[:end])
        assert caught.value.problems[0].startswith("The file ends too early"), (end, caught.value.problems)


def test_a_cut_off_file_names_the_line_it_stops_on():
    data = TABLE_07459.encode("utf-8")
    cut = data.index(b'"Tid": {')
    (problem,) = problems_of(data[:cut])
    line = data[:cut].count(b"\n") + 1
    assert f"(line {line}, column " in problem


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"<html><body>Service Unavailable</body></html>",
            "The file is not valid JSON: Expecting value at line 1, column 1 (character 0).",
        ),
        (
            b'{"version": "2.0",\n "class": "dataset" "id": []}',
            "The file is not valid JSON: Expecting ',' delimiter at line 2, column 21",
        ),
        (b'{"version": "2.0", "value": [NaN]}', "it contains “NaN”, which JSON does not allow."),
        (b"[1, 2, 3]", "it holds a JSON list or value, not an object."),
        (b"", "The file is empty."),
        (b" \r\n\t", "The file is empty."),
        (TABLE_07459.encode("utf-16"), "The file is saved as UTF-16 (or UTF-32); JSON-stat must be UTF-8."),
        (TABLE_07459.encode("utf-16-le"), "The file is saved as UTF-16 (or UTF-32); JSON-stat must be UTF-8."),
        (
            TABLE_07459.encode("latin-1"),
            f"The file is not UTF-8: byte {TABLE_07459.index('å')} (0xe5) cannot be read.",  # one byte per character
        ),
    ],
    ids=["html", "missing comma", "NaN", "list", "empty", "blank", "utf-16", "utf-16 without bom", "latin-1"],
)
def test_input_that_is_not_json_is_refused(data, expected):
    problems = problems_of(data)
    assert len(problems) == 1
    assert expected in problems[0], problems


def test_an_infinite_number_is_refused():
    problems = problems_of(encode(dataset_dict()).replace(b"[0, 1, 2,", b"[0, 1e400, 2,"))
    assert "Cell 1 of “value” is Infinity, not a number or null." in problems


def test_input_over_the_size_limit_is_refused_before_it_is_read():
    limit = settings.LIVSKRAFT_MAX_JSONSTAT_BYTES
    assert limit == 100 * 1024 * 1024
    problems = problems_of(b" " * (limit + 1))
    assert problems == ["The file is larger than 100 MB. Ask for fewer regions, contents or years at a time."]


def test_parse_reads_bytes_only():
    with pytest.raises(TypeError):
        parse(TABLE_07459)


def test_messages_are_translated():
    with translation.override("nb"), pytest.raises(JsonStatError) as caught:
        parse(b"")
    assert caught.value.problems == ["Filen er tom."]


# Writing

MUNICIPALITIES = Dimension(
    "Region",
    "region",
    [("0301", "Oslo - Oslove"), ("5501", "Tromsø - Romsa - Tromssa"), ("1833", "Rana")],
)
CONTENTS = Dimension(
    "ContentsCode",
    "statistikkvariabel",
    [("Personer1", "Personer")],
    units={"Personer1": {"base": "personer", "decimals": 0}},
)
YEARS = Dimension("Tid", "år", [("2023", "2023"), ("2024", "2024")])
VALUES = {
    ("0301", "Personer1", "2023"): 709037,
    ("0301", "Personer1", "2024"): 717710,
    ("5501", "Personer1", "2024"): 78745.5,
    ("1833", "Personer1", "2023"): None,
}
STATUS = {("1833", "Personer1", "2023"): "..", ("1833", "Personer1", "2024"): ":"}


def written(**changes) -> dict:
    arguments = {
        "dimensions": [MUNICIPALITIES, CONTENTS, YEARS],
        "values": VALUES,
        "status": STATUS,
        "label": "Befolkning",
        "source": "Statistisk sentralbyrå",
        "updated": "2024-02-21T07:00:00Z",
        "roles": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
        "extension": {"px": {"tableid": "07459"}},
    }
    arguments.update(changes)
    return write(**arguments)


def test_written_dataset_round_trips_to_the_same_cells():
    dataset = parse(dumps(written()))
    expected = [
        Cell(
            dict(zip(["Region", "ContentsCode", "Tid"], key, strict=True)),
            VALUES.get(key),
            STATUS.get(key),
        )
        for key in itertools.product(["0301", "5501", "1833"], ["Personer1"], ["2023", "2024"])
    ]
    assert list(dataset.cells()) == expected
    assert dataset.dimensions == {"Region": MUNICIPALITIES, "ContentsCode": CONTENTS, "Tid": YEARS}
    assert (dataset.label, dataset.source, dataset.updated) == (
        "Befolkning",
        "Statistisk sentralbyrå",
        "2024-02-21T07:00:00Z",
    )
    assert dataset.roles == {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}
    assert dataset.extension == {"px": {"tableid": "07459"}}


def test_written_dataset_has_a_dense_value_list_and_status_by_position():
    document = written()
    assert (document["version"], document["class"]) == ("2.0", "dataset")
    assert document["id"] == ["Region", "ContentsCode", "Tid"]
    assert document["size"] == [3, 1, 2]
    assert len(document["value"]) == 3 * 1 * 2
    assert document["value"] == [709037, 717710, None, 78745.5, None, None]
    assert document["status"] == {"4": "..", "5": ":"}
    assert document["dimension"]["Region"]["category"] == {
        "index": {"0301": 0, "5501": 1, "1833": 2},
        "label": {"0301": "Oslo - Oslove", "5501": "Tromsø - Romsa - Tromssa", "1833": "Rana"},
    }
    assert document["dimension"]["ContentsCode"]["category"]["unit"] == {
        "Personer1": {"base": "personer", "decimals": 0}
    }


def test_written_dataset_leaves_out_what_is_not_given():
    document = write(dimensions=[YEARS], values={})
    assert document == {
        "version": "2.0",
        "class": "dataset",
        "id": ["Tid"],
        "size": [2],
        "dimension": {
            "Tid": {
                "label": "år",
                "category": {"index": {"2023": 0, "2024": 1}, "label": {"2023": "2023", "2024": "2024"}},
            }
        },
        "value": [None, None],
    }
    assert [cell.value for cell in parse(dumps(document)).cells()] == [None, None]


def test_dumps_writes_utf8_without_escapes():
    data = dumps(written())
    assert "Tromsø - Romsa - Tromssa".encode() in data
    assert b"\\u" not in data
    assert json.loads(data.decode("utf-8")) == written()


def test_decimals_are_written_as_numbers():
    document = written(
        values={("0301", "Personer1", "2023"): Decimal("709037.000000"), ("0301", "Personer1", "2024"): Decimal("12.5")}
    )
    assert document["value"][:2] == [709037, 12.5]
    assert type(document["value"][0]) is int


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"values": {("9999", "Personer1", "2023"): 1}}, "'9999' is not a category of dimension Region"),
        ({"values": {("0301", "2023"): 1}}, "must be a tuple of 3 category codes"),
        ({"values": {("0301", "Personer1", "2023"): "1"}}, "is not a number or None"),
        ({"values": {("0301", "Personer1", "2023"): True}}, "is not a number or None"),
        ({"values": {("0301", "Personer1", "2023"): float("nan")}}, "is not finite"),
        ({"values": {("0301", "Personer1", "2023"): Decimal("Infinity")}}, "is not finite"),
        ({"status": {("0301", "Personer1", "2025"): "."}}, "'2025' is not a category of dimension Tid"),
        ({"status": {("0301", "Personer1", "2023"): 1}}, "is not a text"),
        ({"roles": {"time": ["Year"]}}, "role time names Year"),
        ({"updated": "in a while"}, "updated is not an ISO 8601 date and time"),
        ({"dimensions": []}, "at least one dimension"),
        ({"dimensions": [MUNICIPALITIES, MUNICIPALITIES, YEARS]}, "dimension ids repeat"),
        ({"dimensions": [MUNICIPALITIES, Dimension("ContentsCode", "", []), YEARS]}, "has no categories"),
        (
            {"dimensions": [MUNICIPALITIES, CONTENTS, Dimension("Tid", "", [("2023", "a"), ("2023", "b")])]},
            "repeats a category",
        ),
    ],
)
def test_write_refuses_what_it_cannot_write(changes, expected):
    with pytest.raises(ValueError, match=expected.replace("(", r"\(")):
        written(**changes)


def test_a_parsed_ssb_table_written_again_reads_the_same():
    original = parse(KOSTRA_12241.encode("utf-8"))
    keys = [tuple(cell.coordinates.values()) for cell in original.cells()]
    document = write(
        dimensions=list(original.dimensions.values()),
        values={key: cell.value for key, cell in zip(keys, original.cells(), strict=True)},
        status={key: cell.status for key, cell in zip(keys, original.cells(), strict=True)},
        label=original.label,
        source=original.source,
        updated=original.updated,
        roles=original.roles,
        extension=original.extension,
    )
    again = parse(dumps(document))
    assert list(again.cells()) == list(original.cells())
    assert again.dimensions == original.dimensions
    assert (again.label, again.updated, again.roles) == (original.label, original.updated, original.roles)


def test_pandas_reads_the_written_cells_unchanged():
    """pyjstat is not a dependency: build a frame from cells() and compare it with one built from the input."""
    pandas = pytest.importorskip("pandas")
    dataset = parse(dumps(written()))
    frame = pandas.DataFrame(
        [{**cell.coordinates, "value": cell.value, "status": cell.status} for cell in dataset.cells()]
    ).set_index(["Region", "ContentsCode", "Tid"])
    index = pandas.MultiIndex.from_product(
        [MUNICIPALITIES.codes, CONTENTS.codes, YEARS.codes], names=["Region", "ContentsCode", "Tid"]
    )
    expected = pandas.DataFrame(
        {
            "value": pandas.Series(VALUES, dtype="float64").reindex(index),
            "status": pandas.Series(STATUS).reindex(index),
        }
    )
    pandas.testing.assert_frame_equal(frame, expected)
    assert frame.loc[("5501", "Personer1", "2024"), "value"] == 78745.5
    assert frame["value"].isna().sum() == 3
