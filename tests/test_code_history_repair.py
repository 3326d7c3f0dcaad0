"""A database loaded by the earlier loader is repaired by loading again (load_municipalities, load_demo, migrate)."""

import datetime
import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from indicators.importers.klass import CodeHistoryRefused, CodeRow, build_identities, load_code_history
from indicators.models import Municipality, MunicipalityCode, Role
from plans import read_model
from tests import factories as make

pytestmark = pytest.mark.django_db
JAN_2020 = datetime.date(2020, 1, 1)


@pytest.fixture
def history():
    return load_code_history()


@pytest.fixture(autouse=True)
def _english():
    """The messages are read in English here; the Norwegian ones are checked by test_translations."""
    with translation.override("en"):
        yield


def as_the_earlier_loader_left_trondheim():
    """Split Trondheim as the earlier loader did: 1601 until 2017, and a second Trondheim holding 5001 from 2020."""
    trondheim = Municipality.objects.by_code("5001", 2020)
    orphan = make.municipality("Trondheim", established=JAN_2020)
    trondheim.codes.filter(code="5001").update(municipality=orphan, valid_from=JAN_2020)
    Municipality.objects.filter(pk=trondheim.pk).update(dissolved=datetime.date(2018, 1, 1), successor=orphan)
    Municipality.objects.filter(codes__code="5030").update(successor=orphan)
    return Municipality.objects.get(pk=trondheim.pk), orphan


def snapshot():
    return sorted(MunicipalityCode.objects.values_list("municipality_id", "code", "valid_from", "valid_to"))


def test_an_orphan_trondheim_is_merged_with_its_values_memberships_roles_and_plans(history, waste):
    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    network = make.network()
    make.value(waste, trondheim, 2015, 60_000)
    make.value(waste, orphan, 2021, 55_000)
    make.membership(network, orphan, joined=JAN_2020)
    make.role(make.user("planlegger-trondheim"), orphan, Role.PLANNER)
    plan = make.plan(orphan, title="Kommuneplanens samfunnsdel 2020–2032")
    municipalities = Municipality.objects.count()
    assert read_model.build({trondheim.pk, orphan.pk}) == 2  # both have stored pages: loading forgets them first

    result = load_code_history()

    assert Municipality.objects.count() == municipalities - 1
    # The one holding today's number stays (its address and pk are what users have), the other is merged into it.
    assert list(Municipality.objects.filter(pk__in=[trondheim.pk, orphan.pk])) == [orphan]
    merged = Municipality.objects.by_code("1601", 2015)
    assert merged == Municipality.objects.by_code("5001", 2018) == Municipality.objects.by_code("5001", 2021)
    assert (merged.dissolved, merged.successor) == (None, None)
    assert sorted(merged.values.values_list("year", flat=True)) == [2015, 2021]
    assert [m.network for m in merged.memberships.all()] == [network]
    assert merged.roles.get().user.username == "planlegger-trondheim"
    plan.refresh_from_db()
    assert plan.municipality == merged
    assert Municipality.objects.by_code("5030", 2019).successor == merged
    assert result.municipalities_merged == 1
    merge = next(m for m in result.messages if m.startswith("Merged"))
    assert merge == (
        f"Merged Trondheim (id {trondheim.pk}, 1601 1838–2017) into Trondheim (id {orphan.pk}): 1 indicator values."
    )


def test_two_values_for_the_same_year_stop_the_merge_and_nothing_changes(history, waste):
    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    make.value(waste, trondheim, 2021, 60_000)
    make.value(waste, orphan, 2021, 55_000)
    before = snapshot()

    with pytest.raises(CodeHistoryRefused) as refused:
        load_code_history()

    (message,) = refused.value.messages
    assert "Cannot merge Trondheim" in message
    assert "both have a row in “indicator values” for indicator Household waste per inhabitant, year 2021" in message
    assert "Nothing was changed" in message
    assert snapshot() == before
    assert Municipality.objects.filter(pk=orphan.pk).exists()


def test_the_command_says_what_it_merged_and_refuses_a_collision_in_words(history, waste):
    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    out = StringIO()
    call_command("load_municipalities", stdout=out)
    assert "Merged Trondheim" in out.getvalue()
    assert "merged: 1" in out.getvalue()

    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    make.value(waste, trondheim, 2021, 60_000)
    make.value(waste, orphan, 2021, 55_000)
    with pytest.raises(CommandError, match="Cannot merge Trondheim"):
        call_command("load_municipalities", stdout=StringIO())


def test_stavanger_held_only_from_2020_gets_its_earlier_years_and_keeps_its_values(history, waste):
    stavanger = Municipality.objects.by_code("1103", 2024)
    stavanger.codes.update(valid_from=JAN_2020)
    Municipality.objects.filter(pk=stavanger.pk).update(established=JAN_2020)
    make.value(waste, stavanger, 2014, 40_000)

    load_code_history()

    assert Municipality.objects.by_code("1103", 2014) == stavanger
    stavanger.refresh_from_db()
    assert stavanger.established == datetime.date(1838, 1, 1)
    assert list(stavanger.values.values_list("year", flat=True)) == [2014]


def test_a_number_held_twice_at_once_is_refused_naming_number_and_years(history):
    make.municipality("Nye Stavanger", codes=[("1103", 2030, None)])
    before = snapshot()
    with pytest.raises(CodeHistoryRefused) as refused:
        load_code_history()
    assert refused.value.messages == [
        "The number 1103 would be held by Stavanger (1838–) and Nye Stavanger (2030–) at once; nothing was changed."
    ]
    assert snapshot() == before


def test_a_source_that_holds_one_number_twice_is_refused():
    rows = [CodeRow("1103", "Stavanger", 1838, None, ()), CodeRow("1103", "Hundvåg", 1900, 1964, ())]
    with pytest.raises(CodeHistoryRefused) as refused:
        build_identities(rows)
    assert refused.value.messages == ["The number 1103 is held by Stavanger (1838–) and Hundvåg (1900–1964) at once."]


def test_a_later_reform_is_kept_when_loading_again(history):
    kongsberg = Municipality.objects.by_code("3303", 2024)
    kongsberg.codes.filter(code="3303").update(valid_to=datetime.date(2025, 12, 31))
    make.municipality_code(kongsberg, "3399", 2026)
    before = snapshot()

    again = load_code_history()

    assert snapshot() == before
    assert (again.municipalities_created, again.codes_created, again.codes_updated, again.codes_deleted) == (0, 0, 0, 0)
    assert Municipality.objects.by_code("3399", 2026) == kongsberg


def test_the_migration_repairs_a_loaded_database_and_leaves_an_empty_one_alone(history):
    repair = importlib.import_module("indicators.migrations.0008_repair_code_history").repair
    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    repair(apps, None)
    assert Municipality.objects.by_code("5001", 2018) == Municipality.objects.by_code("1601", 2017)
    assert Municipality.objects.filter(pk__in=[trondheim.pk, orphan.pk]).count() == 1

    MunicipalityCode.objects.all().delete()
    Municipality.objects.update(successor=None)
    Municipality.objects.all().delete()
    make.municipality("Rana", "1833")
    repair(apps, None)
    assert Municipality.objects.count() == 1


def test_two_orphans_with_a_value_for_the_same_year_are_refused_too(history, waste):
    trondheim, orphan = as_the_earlier_loader_left_trondheim()
    second = make.municipality("Trondheim", codes=[("5001", 2018, 2019)])
    make.value(waste, trondheim, 2017, 60_000)
    make.value(waste, second, 2017, 55_000)
    before = snapshot()
    with pytest.raises(CodeHistoryRefused) as refused:
        load_code_history()
    assert "for indicator Household waste per inhabitant, year 2017" in refused.value.messages[0]
    assert snapshot() == before
