"""Indicator values: one per year, explicit states, per-inhabitant figures computed, every change traced."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from indicators.models import (
    Computation,
    Indicator,
    IndicatorValue,
    ValueState,
    ValueStatus,
)
from indicators.services import ProposedValue, apply_values, change_status, save_value
from tests import factories as make


@pytest.fixture(autouse=True)
def _english():
    """These tests read the messages in English, the source language; other tests cover the translations."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def test_one_value_per_indicator_municipality_and_year(rana, waste):
    make.value(waste, rana, 2023, Decimal(10))
    with pytest.raises(IntegrityError), transaction.atomic():
        make.value(waste, rana, 2023, Decimal(11))


def test_the_form_rule_matches_the_database_rule(rana, waste):
    make.value(waste, rana, 2023, Decimal(10))
    duplicate = IndicatorValue(indicator=waste, municipality=rana, year=2023, value=Decimal(11))
    with pytest.raises(ValidationError, match="already has a value"):
        duplicate.full_clean()


def test_a_reported_value_needs_a_number_and_a_state_has_none(rana, waste):
    with pytest.raises(IntegrityError), transaction.atomic():
        make.value(waste, rana, 2023, None)
    with pytest.raises(IntegrityError), transaction.atomic():
        make.value(waste, rana, 2022, Decimal(1), state=ValueState.MISSING)
    make.value(waste, rana, 2021, None, state=ValueState.CONFIDENTIAL)
    blank = IndicatorValue(indicator=waste, municipality=rana, year=2020, value=None)
    with pytest.raises(ValidationError, match="choose missing, not applicable or confidential"):
        blank.full_clean()


def test_per_inhabitant_is_computed_from_the_population(rana, waste):
    population = Indicator.objects.population()
    make.value(population, rana, 2023, Decimal(25980))
    make.value(waste, rana, 2023, Decimal("9829.767"))
    stored = IndicatorValue.objects.with_population().get(indicator=waste)
    assert stored.population == Decimal(25980)
    assert round(stored.per_inhabitant, 1) == Decimal("378.4")  # kg per inhabitant


def test_per_inhabitant_is_unknown_without_a_population(rana, waste):
    make.value(waste, rana, 2023, Decimal("9829.767"))
    assert IndicatorValue.objects.with_population().get(indicator=waste).per_inhabitant is None


def test_public_per_inhabitant_never_rests_on_an_unpublished_population(rana, waste):
    make.value(Indicator.objects.population(), rana, 2023, Decimal(25980), status=ValueStatus.DRAFT)
    make.value(waste, rana, 2023, Decimal(9829), status=ValueStatus.PUBLISHED)
    public = IndicatorValue.objects.published().with_population(published=True).get()
    assert public.per_inhabitant is None


def test_the_population_indicator_is_created_once_and_found_again():
    first = Indicator.objects.population()
    assert first.code == "folkemengde" and first.source == "SSB, tabell 07459"
    assert Indicator.objects.population() == first


def test_a_per_inhabitant_indicator_needs_the_unit_of_its_amount():
    indicator = Indicator(
        code="x",
        name_nb="X",
        unit="kg",
        computation=Computation.PER_INHABITANT,
        direction="lower",
        bottom_line="ecological",
    )
    with pytest.raises(ValidationError, match="unit of the amount"):
        indicator.full_clean()


def test_names_follow_the_language_and_fall_back_to_bokmal(waste, settings):
    from django.utils import translation

    with translation.override("nn"):
        assert waste.name == "Hushaldsavfall per innbyggjar"
    with translation.override("en"):
        assert waste.name == "Household waste per inhabitant"
    waste.name_en = ""
    with translation.override("en"):
        assert waste.name == "Husholdningsavfall per innbygger"


def test_apply_values_writes_drafts_with_a_revision_each(rana, waste, rana_planner):
    result = apply_values(
        indicator=waste,
        proposed=[ProposedValue(rana.pk, 2022, Decimal(10)), ProposedValue(rana.pk, 2023, None, ValueState.MISSING)],
        user=rana_planner,
        source="avfall.csv",
        reason="Import",
    )
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    missing = IndicatorValue.objects.get(year=2023)
    assert missing.state == ValueState.MISSING and missing.status == ValueStatus.DRAFT
    revision = missing.revisions.get()
    assert (revision.changed_by, revision.old_state, revision.new_state, revision.source, revision.reason) == (
        rana_planner,
        "",
        ValueState.MISSING,
        "avfall.csv",
        "Import",
    )


def test_change_status_records_who_published(rana, waste, coordinator):
    stored = make.value(waste, rana, 2023, Decimal(10))
    moved = change_status(values=[stored], status=ValueStatus.PUBLISHED, user=coordinator, reason="Publisert")
    assert moved == 1
    assert (
        change_status(values=IndicatorValue.objects.all(), status=ValueStatus.PUBLISHED, user=coordinator, reason="x")
        == 0
    )
    stored.refresh_from_db()
    assert stored.status == ValueStatus.PUBLISHED and stored.changed_by == coordinator and stored.version == 2
    revision = stored.revisions.get()
    assert (revision.old_status, revision.new_status, revision.old_value, revision.new_value) == (
        "draft",
        "published",
        Decimal(10),
        Decimal(10),
    )


def test_saving_never_publishes_a_value(rana, waste):
    """Publishing is change_status()'s alone: neither save() nor save_value() makes a figure public."""
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorValue.objects.create(
            indicator=waste, municipality=rana, year=2023, value=Decimal(10), status=ValueStatus.PUBLISHED
        )
    stored = make.value(waste, rana, 2023, Decimal(10), status=ValueStatus.APPROVED)
    stored.status = ValueStatus.PUBLISHED
    with pytest.raises(ValueError, match="change_status"):
        save_value(stored, user=None, reason="Publisert")
    assert not IndicatorValue.objects.published().exists()
    assert IndicatorValue.objects.get().status == ValueStatus.APPROVED


def test_marking_a_published_figure_as_sample_data_waits_for_publication(rana, waste, administrator):
    """An edit that only changes the sample flag is saved, not silently dropped, and the public keeps the
    published version until the change is published."""
    stored = make.published_value(waste, rana, 2023, Decimal(10))
    stored.is_sample = True
    assert save_value(stored, user=administrator, reason="Tallet var oppdiktet") is True
    stored.refresh_from_db()
    assert (stored.is_sample, stored.status) == (True, ValueStatus.DRAFT)
    assert stored.visible_to(can_read_unpublished=False).is_sample is False
    assert stored.revisions.get().reason == "Tallet var oppdiktet"


def test_save_value_records_old_and_new(rana, waste, rana_planner):
    stored = make.value(waste, rana, 2023, Decimal(10))
    stored.value = Decimal("12.5")
    assert save_value(stored, user=rana_planner, reason="Rettet etter ny rapport") is True
    assert save_value(stored, user=rana_planner, reason="Ingen endring") is False
    revision = stored.revisions.get()
    assert (revision.old_value, revision.new_value, revision.reason, revision.changed_by) == (
        Decimal(10),
        Decimal("12.5"),
        "Rettet etter ny rapport",
        rana_planner,
    )
