"""The municipality code history: one identity through renumberings, mergers kept honest."""

import datetime

import pytest

from indicators.importers.klass import load_code_history
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
    norddal = Municipality.objects.by_code("1524", 2010)
    assert norddal.successor == fjord
    assert norddal.dissolved == datetime.date(2020, 1, 1)
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
