"""Loading a municipal reform from SSB KLASS's JSON answers (classification 131) without code changes."""

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from indicators.importers.base import ImportRejected
from indicators.importers.klass_json import (
    apply_plan,
    import_reform,
    plan_changes,
    read_changes,
    read_codes,
)
from indicators.models import Municipality, MunicipalityCode
from tests import factories as make

# Messages are compared in English, the source language, whatever the catalogs hold.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

D = datetime.date
FIRST_DAY = D(1838, 1, 1)


def change(old, old_name, new, new_name, occurred):
    """One codeChanges entry as KLASS writes it."""
    return {
        "oldCode": old,
        "oldName": old_name,
        "oldShortName": None,
        "newCode": new,
        "newName": new_name,
        "newShortName": None,
        "changeOccurred": occurred,
    }


def answer(*entries) -> bytes:
    return json.dumps({"codeChanges": list(entries)}, ensure_ascii=False).encode()


def code(number, name, valid_from="2024-01-01"):
    """One codes entry as KLASS writes it."""
    return {
        "code": number,
        "parentCode": None,
        "level": "1",
        "name": name,
        "shortName": "",
        "presentationName": "",
        "validFrom": None,
        "validTo": None,
        "validFromInRequestedRange": valid_from,
        "validToInRequestedRange": None,
    }


def codes_answer(*entries) -> bytes:
    return json.dumps({"codes": list(entries)}, ensure_ascii=False).encode()


KONGSBERG = answer(
    change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"),
    change("3006", "Kongsberg", "3303", "Kongsberg", "2024-01-01"),
)
FJORD = answer(
    change("1524", "Norddal", "1578", "Fjord", "2020-01-01"),
    change("1526", "Stordal", "1578", "Fjord", "2020-01-01"),
)
RANA = answer(change("1833", "Rana", "1833", "Rana - Raane", "2024-01-01"))


@pytest.fixture
def before_2020():
    return {
        "Kongsberg": make.municipality("Kongsberg", "0604", established=FIRST_DAY),
        "Norddal": make.municipality("Norddal", "1524", established=FIRST_DAY),
        "Stordal": make.municipality("Stordal", "1526", established=FIRST_DAY),
        "Rana": make.municipality("Rana", "1833", established=FIRST_DAY),
    }


def snapshot():
    return (
        list(Municipality.objects.order_by("pk").values_list("pk", "name", "established", "dissolved", "successor")),
        list(
            MunicipalityCode.objects.order_by("pk").values_list(
                "pk", "municipality", "code", "name", "valid_from", "valid_to"
            )
        ),
    )


def codes_of(m):
    return [(c.code, c.name, c.valid_from, c.valid_to) for c in m.codes.order_by("valid_from")]


def test_a_renumbering_keeps_one_municipality_through_three_numbers(before_2020):
    plan, result = import_reform(KONGSBERG)
    assert [str(e) for e in plan.events] == [
        "2020-01-01: 0604 Kongsberg → 3006 Kongsberg (new number)",
        "2024-01-01: 3006 Kongsberg → 3303 Kongsberg (new number)",
    ]
    assert (result.municipalities_created, result.codes_created, result.codes_ended) == (0, 2, 2)
    kongsberg = before_2020["Kongsberg"]
    assert codes_of(kongsberg) == [
        ("0604", "Kongsberg", D(1838, 1, 1), D(2019, 12, 31)),
        ("3006", "Kongsberg", D(2020, 1, 1), D(2023, 12, 31)),
        ("3303", "Kongsberg", D(2024, 1, 1), None),
    ]
    assert Municipality.objects.by_code("0604", 2019) == kongsberg
    assert Municipality.objects.by_code("3006", 2023) == kongsberg
    assert Municipality.objects.by_code("3303", 2024) == kongsberg
    assert Municipality.objects.count() == 4
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("0604", 2020)


def test_a_merger_creates_a_new_municipality_that_the_merged_ones_point_to(before_2020):
    plan, result = import_reform(FJORD)
    assert [str(e) for e in plan.events] == ["2020-01-01: 1524 Norddal + 1526 Stordal → 1578 Fjord (merger)"]
    assert (result.municipalities_created, result.municipalities_updated, result.codes_created) == (1, 2, 1)
    fjord = Municipality.objects.by_code("1578", 2020)
    assert fjord.name == "Fjord"
    assert fjord.established == D(2020, 1, 1)
    assert fjord.dissolved is None
    assert fjord not in before_2020.values()
    assert codes_of(fjord) == [("1578", "Fjord", D(2020, 1, 1), None)]
    assert sorted(m.name for m in fjord.predecessors.all()) == ["Norddal", "Stordal"]
    for name, number in (("Norddal", "1524"), ("Stordal", "1526")):
        merged = Municipality.objects.get(pk=before_2020[name].pk)
        assert merged.dissolved == D(2020, 1, 1)
        assert merged.successor == fjord
        assert codes_of(merged) == [(number, name, D(1838, 1, 1), D(2019, 12, 31))]
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("1524", 2020)


def test_a_rename_without_a_new_number_starts_a_new_row_under_the_same_number(before_2020):
    plan, _result = import_reform(RANA)
    assert [str(e) for e in plan.events] == ["2024-01-01: 1833 Rana → 1833 Rana - Raane (new name)"]
    rana = Municipality.objects.get(pk=before_2020["Rana"].pk)
    assert rana.name == "Rana - Raane"
    assert codes_of(rana) == [
        ("1833", "Rana", D(1838, 1, 1), D(2023, 12, 31)),
        ("1833", "Rana - Raane", D(2024, 1, 1), None),
    ]
    assert Municipality.objects.by_code("1833", 2023).code_in(2023).name == "Rana"
    assert Municipality.objects.by_code("1833", 2024).code_in(2024).name == "Rana - Raane"


def test_applying_the_same_answer_again_changes_nothing(before_2020):
    everything = answer(*json.loads(KONGSBERG)["codeChanges"], *json.loads(FJORD)["codeChanges"])
    import_reform(everything)
    import_reform(RANA)
    before = snapshot()
    plan, result = import_reform(everything)
    assert all(event.unchanged for event in plan.events)
    assert len(plan.events) == 3
    assert "already in the database" in str(plan.events[0])
    assert (result.municipalities_created, result.municipalities_updated, result.codes_created, result.codes_ended) == (
        0,
        0,
        0,
        0,
    )
    _plan, again = import_reform(RANA)
    assert again.codes_created == again.codes_ended == again.municipalities_updated == 0
    assert snapshot() == before


def test_a_half_applied_renumbering_is_completed(before_2020):
    # The new row is there but the old row was never ended: only the missing part is planned.
    kongsberg = before_2020["Kongsberg"]
    MunicipalityCode.objects.create(municipality=kongsberg, code="3006", name="Kongsberg", valid_from=D(2020, 1, 1))
    plan = plan_changes(read_changes(answer(change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"))))
    assert plan.counts["codes_created"] == 0
    assert plan.counts["codes_ended"] == 1
    apply_plan(plan)
    assert MunicipalityCode.objects.get(code="0604").valid_to == D(2019, 12, 31)


def test_a_codes_answer_that_agrees_with_the_result_is_accepted(before_2020):
    everything = answer(*json.loads(KONGSBERG)["codeChanges"], *json.loads(FJORD)["codeChanges"])
    codes = codes_answer(
        code("3303", "Kongsberg"),
        code("1578", "Fjord"),
        code("1833", "Rana"),
    )
    plan, result = import_reform(everything, codes)
    assert plan.problems == []
    assert plan.checked_on == D(2024, 1, 1)
    assert result.codes_created == 3


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        # Fjord is missing from the answer: the database would have a number KLASS does not.
        ([code("3303", "Kongsberg"), code("1833", "Rana")], "1578 (Fjord) is in force on 2024-01-01 but not in"),
        # A number KLASS has that no municipality would have.
        (
            [code("3303", "Kongsberg"), code("1578", "Fjord"), code("1833", "Rana"), code("1580", "Haram")],
            "1580 Haram is in force on 2024-01-01, but no municipality has it",
        ),
    ],
)
def test_a_codes_answer_that_disagrees_is_refused_before_anything_is_written(before_2020, codes, expected):
    everything = answer(*json.loads(KONGSBERG)["codeChanges"], *json.loads(FJORD)["codeChanges"])
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        import_reform(everything, codes_answer(*codes))
    assert any(expected in str(p) for p in rejected.value.problems), rejected.value.problems
    assert snapshot() == before


def test_a_codes_answer_without_range_fields_is_checked_on_the_last_change(before_2020):
    entries = [{"code": c, "name": n} for c, n in (("3006", "Kongsberg"), ("1524", "Norddal"), ("1526", "Stordal"))]
    codes = read_codes(json.dumps({"codes": entries + [{"code": "1833", "name": "Rana"}]}).encode())
    assert codes[0].valid_from is None
    plan = plan_changes(read_changes(answer(change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"))), codes)
    assert plan.checked_on == D(2020, 1, 1)
    assert plan.problems == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"<html>Service unavailable</html>", "not valid JSON"),
        (KONGSBERG[:-20], "truncated"),
        (KONGSBERG[:-3], "truncated"),
        (b'{"codes": []}', "no “codeChanges” list"),
        (b'{"codeChanges": {"oldCode": "0604"}}', "“codeChanges” is a dict, not a list"),
        (b"[]", "not an object with “codeChanges”"),
        (
            answer(change("604", "Kongsberg", "3006", "Kongsberg", "2020-01-01")),
            'codeChanges[0].oldCode: "604" is not a four-digit municipality number',
        ),
        (
            answer(change("0604", "Kongsberg", 3006, "Kongsberg", "2020-01-01")),
            "codeChanges[0].newCode: 3006 is not a four-digit",
        ),
        (
            answer(change("0604", "Kongsberg", "3006", "Kongsberg", "2020-13-01")),
            'codeChanges[0].changeOccurred: "2020-13-01" is not a date',
        ),
        (
            answer(change("0604", "Kongsberg", "3006", "Kongsberg", "01.01.2020")),
            'codeChanges[0].changeOccurred: "01.01.2020" is not a date',
        ),
        (answer(change("0604", "", "3006", "Kongsberg", "2020-01-01")), "codeChanges[0].oldName: missing or empty"),
        (answer({"oldCode": "0604"}), "codeChanges[0].newCode: missing"),
        ('{"codeChanges": []}'.encode("utf-16"), "not UTF-8"),
    ],
    ids=[
        "empty",
        "not-json",
        "truncated-in-a-string",
        "truncated-between-entries",
        "no-codeChanges",
        "codeChanges-not-a-list",
        "not-an-object",
        "three-digit-code",
        "code-as-number",
        "month-13",
        "norwegian-date",
        "empty-name",
        "missing-fields",
        "utf-16",
    ],
)
def test_a_malformed_changes_answer_is_refused_with_a_clear_message(before_2020, data, expected):
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        import_reform(data)
    assert any(expected in str(p) for p in rejected.value.problems), rejected.value.problems
    assert snapshot() == before


def test_every_bad_entry_is_listed(before_2020):
    data = answer(
        change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"),
        change("123", "Kongsberg", "3006", "Kongsberg", "2020-01-01"),
        change("1524", "Norddal", "1578", "Fjord", "yesterday"),
        "not an entry",
    )
    with pytest.raises(ImportRejected) as rejected:
        read_changes(data)
    assert [str(p).split(":")[0] for p in rejected.value.problems] == [
        "codeChanges[1].oldCode",
        "codeChanges[2].changeOccurred",
        "codeChanges[3]",
    ]


def test_a_malformed_codes_answer_is_refused(before_2020):
    with pytest.raises(ImportRejected, match=r"codes\[1\]\.code: \"33\" is not a four-digit"):
        read_codes(codes_answer(code("3303", "Kongsberg"), code("33", "Kongsberg")))
    with pytest.raises(ImportRejected, match=r"codes\[0\]\.validFromInRequestedRange"):
        read_codes(codes_answer(code("3303", "Kongsberg", valid_from="1. januar")))


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (
            [change("9999", "Atlantis", "3006", "Kongsberg", "2020-01-01")],
            "no municipality had the number 9999 on 2019-12-31",
        ),
        # 3006 did not exist until 2020, so it cannot be renumbered in 2019.
        ([change("3006", "Kongsberg", "3303", "Kongsberg", "2019-01-01")], "no municipality had the number 3006"),
        (
            [
                change("1507", "Ålesund", "1507", "Ålesund", "2024-01-01"),
                change("1507", "Ålesund", "1580", "Haram", "2024-01-01"),
            ],
            "a split in which the old number stays is not supported",
        ),
        (
            # Several numbers becoming several, with a good entry first: refused as a whole.
            [
                change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"),
                change("1524", "Norddal", "1578", "Fjord", "2020-01-01"),
                change("1526", "Stordal", "1578", "Fjord", "2020-01-01"),
                change("1526", "Stordal", "1579", "Fjell", "2020-01-01"),
            ],
            "several numbers become several numbers",
        ),
        (
            # 1833 is Rana's; Kongsberg cannot take it while Rana keeps it.
            [change("0604", "Kongsberg", "1833", "Kongsberg", "2020-01-01")],
            "1833 is in use by Rana",
        ),
    ],
)
def test_changes_that_do_not_fit_the_database_are_refused_and_nothing_is_written(before_2020, entries, expected):
    if entries[0]["oldCode"] == "1507":
        make.municipality("Ålesund", "1507", established=D(2020, 1, 1))
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        import_reform(answer(*entries))
    assert any(expected in str(p) for p in rejected.value.problems), rejected.value.problems
    assert snapshot() == before


def test_a_renumbering_onto_a_number_that_belongs_to_someone_else_is_refused(before_2020):
    MunicipalityCode.objects.create(
        municipality=before_2020["Rana"], code="3006", name="Rana", valid_from=D(2020, 1, 1)
    )
    plan = plan_changes(read_changes(answer(change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"))))
    assert any("3006 from 2020-01-01 already belongs to Rana" in str(p) for p in plan.problems)
    with pytest.raises(ImportRejected):
        apply_plan(plan)


def test_the_command_dry_run_lists_the_events_and_writes_nothing(before_2020, tmp_path, capsys):
    changes = tmp_path / "changes.json"
    changes.write_bytes(answer(*json.loads(KONGSBERG)["codeChanges"], *json.loads(FJORD)["codeChanges"]))
    codes = tmp_path / "codes.json"
    codes.write_bytes(codes_answer(code("3303", "Kongsberg"), code("1578", "Fjord"), code("1833", "Rana")))
    before = snapshot()
    call_command("import_klass", changes=changes, codes=codes, dry_run=True)
    out = capsys.readouterr().out
    assert "2020-01-01: 0604 Kongsberg → 3006 Kongsberg (new number)" in out
    assert "2020-01-01: 1524 Norddal + 1526 Stordal → 1578 Fjord (merger)" in out
    assert "2024-01-01: 3006 Kongsberg → 3303 Kongsberg (new number)" in out
    assert "Municipalities would be created: 1" in out
    assert "Dry run: nothing was written." in out
    assert snapshot() == before

    call_command("import_klass", changes=changes, codes=codes)
    out = capsys.readouterr().out
    assert "Municipalities were created: 1, updated: 2; number rows were created: 3, ended: 4." in out
    assert Municipality.objects.by_code("1578", 2020).name == "Fjord"


def test_the_command_refuses_an_answer_with_problems(before_2020, tmp_path, capsys):
    changes = tmp_path / "changes.json"
    changes.write_bytes(
        answer(
            change("0604", "Kongsberg", "3006", "Kongsberg", "2020-01-01"),
            change("9999", "Atlantis", "1578", "Fjord", "2020-01-01"),
        )
    )
    before = snapshot()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_klass", changes=changes)
    assert "no municipality had the number 9999" in capsys.readouterr().err
    assert snapshot() == before
    with pytest.raises(CommandError, match="is not a file"):
        call_command("import_klass", changes=tmp_path / "missing.json")


def test_the_reforms_already_in_the_shipped_history_are_unchanged():
    from indicators.importers.klass import load_code_history

    load_code_history()
    before = snapshot()
    everything = answer(
        *json.loads(KONGSBERG)["codeChanges"], *json.loads(FJORD)["codeChanges"], *json.loads(RANA)["codeChanges"]
    )
    plan, result = import_reform(everything)
    assert [e.unchanged for e in plan.events] == [True, True, True, True], [str(e) for e in plan.events]
    assert result.codes_created == result.codes_ended == result.municipalities_updated == 0
    assert snapshot() == before


STAVANGER = answer(
    change("1141", "Finnøy", "1103", "Stavanger", "2020-01-01"),
    change("1142", "Rennesøy", "1103", "Stavanger", "2020-01-01"),
)
ALESUND_2020 = answer(
    change("1504", "Ålesund", "1507", "Ålesund", "2020-01-01"),
    change("1534", "Haram", "1507", "Ålesund", "2020-01-01"),
)
ALESUND_2024 = answer(
    change("1507", "Ålesund", "1508", "Ålesund", "2024-01-01"),
    change("1507", "Ålesund", "1580", "Haram", "2024-01-01"),
)
TRONDHEIM = answer(
    change("1601", "Trondheim", "5001", "Trondheim", "2018-01-01"),
    change("5030", "Klæbu", "5001", "Trondheim", "2020-01-01"),
)


def test_an_absorption_keeps_the_municipality_that_keeps_its_number():
    stavanger = make.municipality("Stavanger", "1103", established=FIRST_DAY)
    finnoy = make.municipality("Finnøy", "1141", established=FIRST_DAY)
    make.municipality("Rennesøy", "1142", established=FIRST_DAY)
    plan, result = import_reform(STAVANGER)
    assert [str(e) for e in plan.events] == ["2020-01-01: 1141 Finnøy + 1142 Rennesøy → 1103 Stavanger (absorbed)"]
    assert (result.municipalities_created, result.codes_created, result.codes_ended) == (0, 0, 2)
    assert codes_of(stavanger) == [("1103", "Stavanger", FIRST_DAY, None)]
    finnoy.refresh_from_db()
    assert (finnoy.dissolved, finnoy.successor) == (D(2020, 1, 1), stavanger)
    again, _result = import_reform(STAVANGER)
    assert [e.unchanged for e in again.events] == [True]


def test_a_merger_continues_the_merged_municipality_with_the_new_name():
    alesund = make.municipality("Ålesund", "1504", established=D(1977, 1, 1))
    haram = make.municipality("Haram", "1534", established=FIRST_DAY)
    plan, result = import_reform(ALESUND_2020)
    assert [str(e) for e in plan.events] == ["2020-01-01: 1504 Ålesund + 1534 Haram → 1507 Ålesund (merger)"]
    assert result.municipalities_created == 0
    assert codes_of(alesund) == [
        ("1504", "Ålesund", D(1977, 1, 1), D(2019, 12, 31)),
        ("1507", "Ålesund", D(2020, 1, 1), None),
    ]
    haram.refresh_from_db()
    assert (haram.dissolved, haram.successor) == (D(2020, 1, 1), alesund)
    alesund.refresh_from_db()
    assert alesund.dissolved is None


def test_a_split_ends_the_whole_without_a_successor_and_its_parts_are_new_municipalities():
    alesund = make.municipality("Ålesund", codes=[("1504", 1977, 2019), ("1507", 2020, None)])
    plan, result = import_reform(ALESUND_2024)
    assert [str(e) for e in plan.events] == ["2024-01-01: 1507 Ålesund → 1508 Ålesund + 1580 Haram (split)"]
    assert (result.municipalities_created, result.codes_created, result.codes_ended) == (2, 2, 1)
    alesund.refresh_from_db()
    assert (alesund.dissolved, alesund.successor) == (D(2024, 1, 1), None)
    new_alesund, haram = Municipality.objects.by_code("1508", 2024), Municipality.objects.by_code("1580", 2024)
    assert alesund not in (new_alesund, haram)
    assert (haram.name, haram.established) == ("Haram", D(2024, 1, 1))
    again, _result = import_reform(ALESUND_2024)
    assert [e.unchanged for e in again.events] == [True]


def test_the_shipped_absorptions_mergers_and_splits_read_as_the_klass_answers_say():
    from indicators.importers.klass import load_code_history

    load_code_history()
    before = snapshot()
    everything = answer(
        *json.loads(STAVANGER)["codeChanges"],
        *json.loads(ALESUND_2020)["codeChanges"],
        *json.loads(ALESUND_2024)["codeChanges"],
        *json.loads(TRONDHEIM)["codeChanges"],
    )
    plan, result = import_reform(everything)
    assert [e.unchanged for e in plan.events] == [True] * 5, [(str(e), e.actions) for e in plan.events]
    assert snapshot() == before


def test_a_failure_while_writing_leaves_nothing_written(before_2020, monkeypatch):
    from django.core.exceptions import ValidationError

    plan = plan_changes(read_changes(FJORD))
    calls = []
    original = MunicipalityCode.full_clean

    def fail_on_the_third(self, *args, **kwargs):
        calls.append(self.code)
        if len(calls) == 3:
            raise ValidationError("disk on fire")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MunicipalityCode, "full_clean", fail_on_the_third)
    before = snapshot()
    with pytest.raises(ValidationError):
        apply_plan(plan)
    assert len(calls) == 3
    assert snapshot() == before


# --- Fetching from the KLASS API -------------------------------------------------------------------------------

# Classification 131 as KLASS holds it, for the local stand-in: (number, name, valid from, valid to exclusive).
KLASS_CODES = [
    ("0604", "Kongsberg", "1838-01-01", "2020-01-01"),
    ("3006", "Kongsberg", "2020-01-01", "2024-01-01"),
    ("3303", "Kongsberg", "2024-01-01", None),
    ("1524", "Norddal", "1838-01-01", "2020-01-01"),
    ("1526", "Stordal", "1838-01-01", "2020-01-01"),
    ("1578", "Fjord", "2020-01-01", None),
    ("1833", "Rana", "1838-01-01", "2024-01-01"),
    ("1833", "Rana - Raane", "2024-01-01", None),
]
KLASS_CHANGES = [
    *json.loads(KONGSBERG)["codeChanges"],
    *json.loads(FJORD)["codeChanges"],
    *json.loads(RANA)["codeChanges"],
]


def fake_klass(path: str) -> tuple[int, bytes]:
    """A local stand-in for KLASS v1: classification 131's changes and codes within [from, to)."""
    parts = urlsplit(path)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    start, end = query["from"], query.get("to", "9999-12-31")
    if parts.path.endswith("/changes"):
        found = [c for c in KLASS_CHANGES if start <= c["changeOccurred"] < end]
        return 200, answer(*found)
    found = [
        code(number, name, valid_from=max(first, start))
        | {"validToInRequestedRange": min(last, end) if last else query.get("to")}
        for number, name, first, last in KLASS_CODES
        if first < end and (last is None or start < last)
    ]
    return 200, codes_answer(*found)


@pytest.fixture
def klass(local_server, settings):
    """KLASS v1 on a local HTTP server; returns the server, whose .requests are the requests it received."""
    settings.SSB_KLASS_URL = local_server.start(fake_klass) + "/api/klass/v1"
    return local_server


def test_the_command_fetches_the_changes_and_the_numbers_in_force_and_imports_them(before_2020, klass, capsys):
    call_command("import_klass", "--fetch", "--from", "2020-01-01", "--to", "2023-12-31")
    out = capsys.readouterr().out
    assert "2020-01-01: 0604 Kongsberg → 3006 Kongsberg (new number)" in out
    assert "2020-01-01: 1524 Norddal + 1526 Stordal → 1578 Fjord (merger)" in out
    assert "Checked against the numbers in force on 2023-12-31: they agree." in out
    assert "Municipalities were created: 1, updated: 2; number rows were created: 2, ended: 3." in out
    assert codes_of(before_2020["Kongsberg"]) == [
        ("0604", "Kongsberg", D(1838, 1, 1), D(2019, 12, 31)),
        ("3006", "Kongsberg", D(2020, 1, 1), None),
    ]
    fjord = Municipality.objects.by_code("1578", 2020)
    assert sorted(m.name for m in fjord.predecessors.all()) == ["Norddal", "Stordal"]
    # The reform of 2024 comes after the range.
    assert Municipality.objects.get(pk=before_2020["Rana"].pk).name == "Rana"

    call_command("import_klass", "--fetch", "--from", "2024-01-01")
    out = capsys.readouterr().out
    assert "2024-01-01: 3006 Kongsberg → 3303 Kongsberg (new number)" in out
    assert "2024-01-01: 1833 Rana → 1833 Rana - Raane (new name)" in out
    assert f"Checked against the numbers in force on {timezone.localdate()}: they agree." in out
    assert Municipality.objects.by_code("3303", 2024) == before_2020["Kongsberg"]
    assert Municipality.objects.by_code("1833", 2024).name == "Rana - Raane"


def test_the_command_asks_klass_with_the_documented_parameters(before_2020, klass):
    call_command("import_klass", "--fetch", "--from", "2020-01-01", "--to", "2024-01-01", "--dry-run")
    call_command("import_klass", "--fetch", "--from", "2020-01-01", "--dry-run")
    today = timezone.localdate()
    # KLASS's `to` is exclusive: the last day, 2024-01-01, is asked for as to=2024-01-02.
    assert [(r.path, r.query) for r in klass.requests] == [
        (
            "/api/klass/v1/classifications/131/changes",
            {"from": ["2020-01-01"], "to": ["2024-01-02"], "language": ["nb"]},
        ),
        (
            "/api/klass/v1/classifications/131/codes",
            {"from": ["2024-01-01"], "to": ["2024-01-02"], "language": ["nb"]},
        ),
        ("/api/klass/v1/classifications/131/changes", {"from": ["2020-01-01"], "language": ["nb"]}),
        (
            "/api/klass/v1/classifications/131/codes",
            {"from": [str(today)], "to": [str(today + datetime.timedelta(days=1))], "language": ["nb"]},
        ),
    ]
    # JSON is asked for in the Accept header; the `.json` suffix is deprecated.
    assert {r.accept for r in klass.requests} == {"application/json"}


@pytest.mark.parametrize(
    "error",
    [
        # KLASS today: an RFC 9457 problem detail.
        {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "Classification not found with id = 131",
            "instance": "/api/klass/v1/classifications/131/changes",
        },
        # Earlier versions of KLASS.
        {"timestamp": 1, "status": 404, "error": "Not Found", "message": "Classification not found with id = 131"},
    ],
    ids=["problem-detail", "spring-error"],
)
def test_an_error_answer_from_klass_is_reported_and_nothing_is_written(before_2020, local_server, settings, error):
    settings.SSB_KLASS_URL = local_server.start(lambda path: (404, json.dumps(error).encode()))
    before = snapshot()
    with pytest.raises(CommandError, match="KLASS answered 404: Classification not found with id = 131"):
        call_command("import_klass", "--fetch", "--from", "2020-01-01")
    assert snapshot() == before


def test_an_unreachable_klass_says_so_and_nothing_is_written(before_2020, settings):
    settings.SSB_KLASS_URL = "http://127.0.0.1:9/api/klass/v1"  # the discard port: nothing listens
    before = snapshot()
    with pytest.raises(CommandError, match="KLASS API could not be reached"):
        call_command("import_klass", "--fetch", "--from", "2020-01-01")
    assert snapshot() == before


def test_a_fetched_answer_that_is_not_json_is_refused(before_2020, local_server, settings, capsys):
    settings.SSB_KLASS_URL = local_server.start(lambda path: (200, b"<html>Service unavailable</html>"))
    before = snapshot()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_klass", "--fetch", "--from", "2020-01-01")
    err = capsys.readouterr().err
    assert "/classifications/131/changes?from=2020-01-01" in err
    assert "The file is not valid JSON" in err
    assert snapshot() == before


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], "one of the arguments --changes --fetch is required"),
        (["--fetch"], "--fetch needs --from"),
        (["--fetch", "--from", "1. januar 2020"], "“1. januar 2020” is not a date"),
        (
            ["--fetch", "--from", "2024-01-01", "--to", "2020-01-01"],
            r"The last day \(2020-01-01\) is before the first day \(2024-01-01\)",
        ),
        (["--fetch", "--from", "2020-01-01", "--codes", "codes.json"], "--codes goes with --changes"),
        (["--changes", "changes.json", "--fetch"], "not allowed with argument"),
        (["--changes", "changes.json", "--from", "2020-01-01"], "--from and --to go with --fetch"),
    ],
)
def test_the_command_says_how_to_ask_for_a_reform(klass, arguments, expected):
    with pytest.raises(CommandError, match=expected):
        call_command("import_klass", *arguments)
    assert klass.requests == []
