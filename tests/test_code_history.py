"""The municipality code history: one identity through renumberings, absorptions, mergers and splits."""

import datetime
from collections import defaultdict

import pytest

from indicators.importers.klass import load_code_history, read_rows
from indicators.models import Municipality, MunicipalityCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return load_code_history()


def codes_of(municipality):
    return [(c.code, c.valid_from.year, c.valid_to.year if c.valid_to else None) for c in municipality.codes.all()]


def test_every_municipality_of_2024_is_loaded(history):
    in_force = MunicipalityCode.objects.in_force(2024).values("municipality").distinct()
    assert in_force.count() == 357


@pytest.mark.parametrize(
    ("code", "year"),
    [("0604", 2005), ("0604", 2019), ("3006", 2020), ("3006", 2023), ("3303", 2024), ("3303", 2030)],
)
def test_kongsberg_is_one_municipality_under_all_its_numbers(history, code, year):
    kongsberg = Municipality.objects.by_code(code, year)
    assert kongsberg.name == "Kongsberg"
    assert codes_of(kongsberg) == [("0604", 1838, 2019), ("3006", 2020, 2023), ("3303", 2024, None)]


def holders_by_year(first_year: int, last_year: int) -> dict[tuple[str, int], set[int]]:
    """Return (number, year) → the municipalities the database says held the number on 1 January."""
    holders = defaultdict(set)
    for code, valid_from, valid_to, municipality_id in MunicipalityCode.objects.values_list(
        "code", "valid_from", "valid_to", "municipality_id"
    ):
        last = valid_to.year if valid_to else last_year
        for year in range(max(valid_from.year, first_year), min(last, last_year) + 1):
            holders[(code, year)].add(municipality_id)
    return holders


def test_every_number_in_every_year_is_held_by_the_municipality_the_source_says(history):
    """Compare the loaded history with the spreadsheet for every number and every year it was in force."""
    rows = read_rows()
    last_year = max(max(r.start, r.end or 0) for r in rows)
    first_year = min(r.start for r in rows)
    holders = holders_by_year(first_year, last_year)
    municipalities = {m.pk: m for m in Municipality.objects.all()}
    differences = []
    holder_of_row = {}
    checked = 0
    source_count, loaded = defaultdict(int), defaultdict(set)
    for row in rows:
        found = set()
        for year in range(row.start, (row.end if row.end is not None else last_year) + 1):
            checked += 1
            source_count[year] += 1
            held = holders.get((row.code, year), set())
            loaded[year] |= held
            if len(held) != 1:
                differences.append(f"{row.code} {row.name} in {year}: held by {len(held)} municipalities")
            found |= held
        if len(found) == 1:
            holder_of_row[row] = municipalities[found.pop()]
        elif found:
            differences.append(f"{row.code} {row.name} ({row.years}) is split between {len(found)} municipalities")
    for year in sorted(source_count):
        if len(loaded[year]) != source_count[year]:
            differences.append(f"{year}: {source_count[year]} in the source, {len(loaded[year])} loaded")

    # How each number that ended carried on: the continuing municipality, as the source tells it.
    by_code = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)

    def in_force(code, year):
        return next(r for r in by_code[code] if r.in_force(year))

    entering = defaultdict(list)
    for row in rows:
        if row.end is not None:
            for code in row.successors:
                successor = in_force(code, row.end + 1)
                if successor.start == row.end + 1:
                    entering[successor].append(row)
    for row in (r for r in rows if r.end is not None and r in holder_of_row):
        municipality = holder_of_row[row]
        successors = [in_force(code, row.end + 1) for code in row.successors]
        parts = {holder_of_row.get(s) for s in successors}
        if len(successors) > 1:
            expected = ("split", datetime.date(row.end + 1, 1, 1), None)
            actual = ("split", municipality.dissolved, municipality.successor)
            if expected != actual or municipality in parts:
                differences.append(f"{row.code} {row.name} split in {row.end + 1}: not ended without a successor")
            continue
        successor = successors[0]
        wholes = [p for p in entering[successor] if len(p.successors) == 1]
        continues = successor.start == row.end + 1 and (
            entering[successor] == [row] or [p for p in wholes if p.name == successor.name] == [row]
        )
        if continues and holder_of_row.get(successor) != municipality:
            differences.append(f"{row.code} {row.name} does not continue as {successor.code} in {row.end + 1}")
        elif not continues and (
            municipality.dissolved != datetime.date(row.end + 1, 1, 1)
            or municipality.successor != holder_of_row.get(successor)
            or holder_of_row.get(successor) == municipality
        ):
            differences.append(
                f"{row.code} {row.name} is not dissolved into {successor.code} {successor.name} in {row.end + 1}"
            )
    assert not differences, (
        f"{len(differences)} differences in {checked} numbers × years of {len(rows)} numbers, "
        f"{first_year}–{last_year}: " + "; ".join(differences[:20])
    )
    assert checked > 50_000


@pytest.mark.parametrize(
    ("year", "count"), [(2000, 428), (2018, 422), (2019, 422), (2020, 356), (2023, 356), (2024, 357)]
)
def test_the_number_of_municipalities_each_year_is_the_source_s(history, year, count):
    assert Municipality.objects.filter(codes__in=MunicipalityCode.objects.in_force(year)).distinct().count() == count


def test_stavanger_kept_its_number_and_absorbed_finnoy_and_rennesoy_in_2020(history):
    stavanger = Municipality.objects.by_code("1103", 2014)
    assert stavanger == Municipality.objects.by_code("1103", 2024)
    assert codes_of(stavanger) == [("1103", 1838, None)]
    assert stavanger.dissolved is None
    for code in ("1141", "1142"):
        absorbed = Municipality.objects.by_code(code, 2019)
        assert (absorbed.successor, absorbed.dissolved) == (stavanger, datetime.date(2020, 1, 1))
    assert sorted(m.name for m in stavanger.predecessors.all()) == ["Finnøy", "Rennesøy"]


def test_alesund_was_1504_became_1507_absorbing_four_and_split_in_2024(history):
    alesund = Municipality.objects.by_code("1504", 2019)
    assert alesund == Municipality.objects.by_code("1507", 2020)
    assert codes_of(alesund) == [("1504", 1977, 2019), ("1507", 2020, 2023)]
    assert sorted(m.name for m in alesund.predecessors.all()) == ["Haram", "Sandøy", "Skodje", "Ørskog"]
    # 2024: the whole ends without a single successor; both parts are new municipalities.
    assert (alesund.dissolved, alesund.successor) == (datetime.date(2024, 1, 1), None)
    new_alesund, new_haram = Municipality.objects.by_code("1508", 2024), Municipality.objects.by_code("1580", 2024)
    assert alesund not in (new_alesund, new_haram)
    assert codes_of(new_alesund) == [("1508", 2024, None)]
    assert new_alesund.name == "Ålesund"
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("1508", 2023)


def test_haram_was_absorbed_by_alesund_in_2020_and_is_a_new_municipality_from_2024(history):
    old_haram = Municipality.objects.by_code("1534", 2019)
    assert old_haram.successor == Municipality.objects.by_code("1504", 2019)
    assert old_haram.dissolved == datetime.date(2020, 1, 1)
    new_haram = Municipality.objects.by_code("1580", 2024)
    assert new_haram != old_haram
    assert codes_of(new_haram) == [("1580", 2024, None)]
    assert (new_haram.name, new_haram.established) == ("Haram", datetime.date(2024, 1, 1))


def test_trondheim_became_5001_in_2018_and_absorbed_klaebu_in_2020(history):
    trondheim = Municipality.objects.by_code("1601", 2017)
    for year in (2018, 2019, 2020, 2024):
        assert Municipality.objects.by_code("5001", year) == trondheim
    assert codes_of(trondheim) == [("1601", 1838, 2017), ("5001", 2018, None)]
    klaebu = Municipality.objects.by_code("5030", 2019)
    assert (klaebu.successor, klaebu.dissolved) == (trondheim, datetime.date(2020, 1, 1))


@pytest.mark.parametrize(
    ("name", "history_codes"),
    [
        ("Øvre Eiker", [("0624", 1885, 2019), ("3048", 2020, 2023), ("3314", 2024, None)]),
        ("Nittedal", [("0233", 1838, 2019), ("3031", 2020, 2023), ("3232", 2024, None)]),
        ("Masfjorden", [("1266", 1947, 2019), ("4634", 2020, None)]),
        ("Oslo-Oslove", [("0301", 1838, None)]),
    ],
)
def test_network_members_follow_the_reforms_of_2020_and_2024(history, name, history_codes):
    municipality = Municipality.objects.get(name=name, dissolved__isnull=True)
    assert codes_of(municipality) == history_codes


def test_a_number_is_looked_up_in_the_year_it_was_valid(history):
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("3303", 2019)
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("0604", 2020)
    assert Municipality.objects.by_code("3303").name == "Kongsberg"


def test_unknown_number_is_not_found(history):
    with pytest.raises(Municipality.DoesNotExist, match="9999"):
        Municipality.objects.by_code("9999")


def test_fjord_was_formed_from_norddal_and_stordal_in_2020(history):
    fjord = Municipality.objects.by_code("1578", 2020)
    assert fjord.name == "Fjord"
    assert sorted(m.name for m in fjord.predecessors.all()) == ["Norddal", "Stordal"]
    assert fjord.is_merger
    for code in ("1524", "1526"):
        merged = Municipality.objects.by_code(code, 2019)
        assert merged.successor == fjord
        assert merged.dissolved == datetime.date(2020, 1, 1)
        assert merged != fjord
    assert codes_of(Municipality.objects.by_code("1524", 2010)) == [("1524", 1838, 2019)]
    assert codes_of(fjord) == [("1578", 2020, None)]
    with pytest.raises(Municipality.DoesNotExist):
        Municipality.objects.by_code("1578", 2019)


def test_rana_took_its_sami_name_in_2024_under_the_same_number(history):
    assert Municipality.objects.by_code("1833", 2023).code_in(2023).name == "Rana"
    rana = Municipality.objects.by_code("1833", 2024)
    assert rana.code_in(2024).name == "Rana - Raane"
    assert rana.name == "Rana - Raane"
    assert rana.codes.count() == 2


def test_loading_again_changes_nothing(history):
    before = list(MunicipalityCode.objects.values_list("pk", "municipality_id", "code", "valid_from", "valid_to"))
    again = load_code_history()
    assert (again.municipalities_created, again.codes_created, again.codes_updated) == (0, 0, 0)
    after = list(MunicipalityCode.objects.values_list("pk", "municipality_id", "code", "valid_from", "valid_to"))
    assert before == after


def test_a_split_municipality_has_no_single_successor(history):
    # Snillfjord was split between Orkland, Heim and Hitra in 2020.
    snillfjord = Municipality.objects.by_code("5012", 2019)
    assert snillfjord.successor is None
    assert snillfjord.dissolved == datetime.date(2020, 1, 1)
