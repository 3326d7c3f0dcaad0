"""The demo command: real population, the network, Kongsberg's plan, sample values marked, safe to rerun."""

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from indicators.models import Indicator, IndicatorValue, Municipality, Network, ValueRevision, ValueStatus
from plans.models import Plan

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for this module (it takes seconds) and empty the database afterwards."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def test_network_has_its_seven_members_today(demo):
    network = Network.objects.get(slug="livskraftige-kommuner")
    names = sorted(m.name for m in network.members_in(2024))
    assert names == ["Fjord", "Kongsberg", "Masfjorden", "Nittedal", "Oslo-Oslove", "Rana - Raane", "Øvre Eiker"]
    assert "Norddal" in {m.name for m in network.members_in(2019)}
    assert "Norddal" not in {m.name for m in network.members_in(2020)}


def test_nynorsk_municipalities_are_marked(demo):
    assert Municipality.objects.by_code("4634").language_form == "nn"
    assert Municipality.objects.by_code("1578").language_form == "nn"
    assert Municipality.objects.by_code("0301").language_form == "nb"


def test_real_population_is_published(demo):
    oslo = IndicatorValue.objects.get(
        indicator=Indicator.objects.population(), municipality=Municipality.objects.by_code("0301"), year=2023
    )
    assert oslo.value == Decimal(709_037)
    assert oslo.status == ValueStatus.PUBLISHED
    assert not oslo.is_sample
    assert "07459" in oslo.source


def test_sample_values_are_marked_and_per_inhabitant_is_computed(demo):
    samples = IndicatorValue.objects.exclude(indicator__is_population=True)
    assert samples.exists()
    assert not samples.filter(is_sample=False).exists()
    assert all("Eksempeldata" in source for source in samples.values_list("source", flat=True).distinct())
    waste = (
        samples.with_population(published=True).select_related("indicator").filter(indicator__code="husholdningsavfall")
    )
    figures = [v.per_inhabitant for v in waste]
    assert figures and all(Decimal(150) < f < Decimal(700) for f in figures)


def test_kongsberg_has_its_kommuneplan_with_three_focus_areas_and_two_goals(demo):
    plan = Plan.objects.get(municipality=Municipality.objects.by_code("3303"), plan_type="kommuneplan_samfunn")
    areas = list(plan.focus_areas.all())
    assert [a.title.split(",")[0] for a in areas] == [
        "Natur",
        "Vekst",
        "Kommunale tjenester / livskvalitet og levekår",
    ]
    goals = list(areas[0].goals.all())
    assert len(goals) == 2
    assert goals[0].measures.get().indicator.code == "miljofyrtarn"
    assert goals[1].measures.get().indicator.code == "arealbruk"
    assert plan.children.get().strategic_projects.count() == 1


def test_demo_accounts_can_log_in(demo):
    for username in ["planlegger-rana", "planlegger-oslo", "politiker", "koordinator"]:
        assert authenticate(username=username, password="livskraft-demo") is not None, username


def test_running_the_demo_again_changes_nothing(demo):
    values = list(IndicatorValue.objects.order_by("pk").values_list("pk", "value", "status", "version"))
    revisions = ValueRevision.objects.count()
    plans = Plan.objects.count()
    call_command("load_demo", verbosity=0)
    assert list(IndicatorValue.objects.order_by("pk").values_list("pk", "value", "status", "version")) == values
    assert ValueRevision.objects.count() == revisions
    assert Plan.objects.count() == plans


def test_migrations_are_complete():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
