"""The demo command: real population and real figures as their sources published them, the network, Kongsberg's
whole plan chain from the seed article, sample values only where there are no real ones and marked, safe to rerun."""

import csv
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Q

from demo.data import REAL_SERIES
from indicators.models import (
    SOURCE_LENGTH,
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    ReportingRound,
    ValueRevision,
    ValueStatus,
    reporting_year,
)
from indicators.rounds import matrix
from plans import chain
from plans.models import BudgetLine, FocusArea, Goal, GoalIndicator, Plan, PlanType

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
REAL_FILE = BASE_DIR / "demo" / "real" / "figures.csv"
# How long load_demo may take on an empty database: under 30 s on a developer's machine, with room for a busy CI
# runner.
SECONDS_ALLOWED = 180
SSB = "Kilde: Statistisk sentralbyrå"
MILJODIR = "Kilde: Miljødirektoratet"
User = get_user_model()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for this module and empty the database afterwards; yield how many seconds it took."""
    with django_db_blocker.unblock():
        started = time.monotonic()
        call_command("load_demo", verbosity=0)
        seconds = time.monotonic() - started
    print(f"\nload_demo on an empty database: {seconds:.1f} s")  # noqa: T201  (the time is worth seeing in CI)
    yield seconds
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def value(code: str, kommunenummer: str, year: int) -> IndicatorValue:
    return (
        IndicatorValue.objects.with_population(published=True)
        .select_related("indicator")
        .get(indicator__code=code, municipality=Municipality.objects.by_code(kommunenummer), year=year)
    )


def real_rows() -> list[dict]:
    with REAL_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


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


@pytest.mark.parametrize(
    ("code", "kommunenummer", "year", "figure", "credit"),
    [
        ("klimagassutslipp", "0301", 2024, "944853.2", MILJODIR),  # Oslo's total, tonnes CO₂-eq.
        ("klimagassutslipp", "0301", 2009, "1388245.6", MILJODIR),
        ("arealbruk", "1833", 2022, "37.49", SSB),  # Rana's built-up area, km²
        ("arealbruk", "3303", 2017, "30.73", SSB),  # Kongsberg (3303 today, 0604 then)
        ("arealbruk", "4634", 2021, "5.65", SSB),  # Masfjorden
        ("arealbruk", "4222", 2020, "10.07", SSB),  # Bykle, not a member: every municipality is loaded
    ],
)
def test_real_figure_is_published_as_the_source_published_it(demo, code, kommunenummer, year, figure, credit):
    stored = value(code, kommunenummer, year)
    assert stored.published_value == Decimal(figure)
    assert stored.status == ValueStatus.PUBLISHED
    assert not stored.is_sample and not stored.published_is_sample
    assert credit in stored.published_source
    assert len(stored.published_source) <= SOURCE_LENGTH


def test_oslos_household_waste_shows_ssbs_own_kilograms_per_inhabitant(demo):
    # SSB published kg per inhabitant; the portal stores tonnes and divides them by the population again.
    for year, kilograms in [(2005, 403), (2009, 381), (2010, 379)]:
        stored = value("husholdningsavfall", "0301", year)
        assert stored.per_inhabitant == Decimal(kilograms)
        assert not stored.is_sample and SSB in stored.source and "07459" in stored.source
    # 1995–2004 have no population in the shipped files, so they cannot be stored as totals.
    assert not IndicatorValue.objects.filter(indicator__code="husholdningsavfall", year__lt=2005, is_sample=False)


def test_every_real_figure_of_the_shipped_file_is_in_the_portal_unchanged(demo):
    municipalities, loaded, left_out = {}, 0, Counter()
    for row in real_rows():
        code, year = row["kommunenummer"], int(row["year"])
        municipality = municipalities.setdefault(code, Municipality.objects.by_code(code))
        stored = (
            IndicatorValue.objects.with_population(published=True)
            .select_related("indicator")
            .filter(indicator__code=REAL_SERIES[row["indicator"]]["indicator"], municipality=municipality, year=year)
            .first()
        )
        if stored is None:
            # Only three kinds of row are left out: a year before the municipality existed or before it absorbed
            # others (the 2024 borders are summed back to 2017: Stavanger's 2017 figure includes Finnøy and
            # Rennesøy), and kilograms per inhabitant in a year without a population to make tonnes of.
            before = municipality.established is not None and municipality.established.year > year
            absorbed = any(p.dissolved and p.dissolved.year > year for p in municipality.predecessors.all())
            assert before or absorbed or (row["unit"] == "kg per innbygger" and year < 2005), row
            left_out["absorbed" if absorbed and not before else "other"] += 1
            continue
        loaded += 1
        assert not stored.is_sample, row
        shown = stored.per_inhabitant if row["unit"] == "kg per innbygger" else stored.published_value
        assert shown == Decimal(row["value"]), row
    # 62 rows are for years before the municipality existed and 5 for Oslo's waste before 2005; 73 for years before
    # a municipality absorbed others.
    assert left_out == {"absorbed": 73, "other": 67}
    assert loaded == 2296 - 73 - 67


def test_real_figures_are_marked_official(demo):
    real = IndicatorValue.objects.filter(is_sample=False).exclude(indicator__is_population=True)
    assert real.count() == 2156  # 2 026 before Oslo's 130 figures by sector
    assert not real.filter(is_official=False).exists()
    # Official figures are read-only to municipalities: the revision says the coordinator loaded them.
    assert set(
        ValueRevision.objects.filter(indicator_value__in=real).values_list("changed_by__username", flat=True)
    ) == {"koordinator"}


def test_sample_values_fill_only_the_series_without_real_figures_and_are_marked(demo):
    # The open reporting round's figures for the reporting year are sample data too, submitted and never published
    # (test_the_open_round_has_one_late_member).
    samples = IndicatorValue.objects.filter(is_sample=True).exclude(year=reporting_year())
    assert set(samples.values_list("published_source", flat=True).distinct()) == {
        "Eksempeldata (oppdiktet for demonstrasjon)"
    }
    assert not samples.exclude(status=ValueStatus.PUBLISHED).exists()
    codes = ["arealbruk", "klimagassutslipp", "husholdningsavfall", "miljofyrtarn", "skoler-naer-friluftsomrade"]
    counts = {
        code: (samples.filter(indicator__code=code).count(),
               IndicatorValue.objects.filter(indicator__code=code, is_sample=False).count())
        for code in codes
    }  # fmt: skip
    assert counts == {
        "arealbruk": (0, 2007),  # every member has SSB's built-up area (and so do 350 other municipalities)
        "klimagassutslipp": (53, 13),  # Oslo's is Miljødirektoratet's; the other members' are invented
        "husholdningsavfall": (53, 6),  # Oslo 2005–2010 is SSB's
        "miljofyrtarn": (61, 0),
        "skoler-naer-friluftsomrade": (61, 0),
    }
    oslo = Municipality.objects.by_code("0301")
    assert not samples.filter(municipality=oslo, indicator__code__in=["klimagassutslipp", "husholdningsavfall"])
    waste = (
        samples.with_population(published=True).select_related("indicator").filter(indicator__code="husholdningsavfall")
    )
    figures = [v.per_inhabitant for v in waste]
    assert figures and all(Decimal(150) < f < Decimal(700) for f in figures)


def test_oslos_page_shows_the_real_figures_unmarked(demo, client):
    page = client.get("/kommune/0301/").content.decode().replace("\xa0", " ")  # numbers keep their units close
    # Emissions 2023: 982 428,1 tonnes ÷ 709 037 inhabitants = 1,4 tonnes per inhabitant; waste 2010: 379 kg.
    assert "982 428,1" in page
    assert "Klimagassutslipp per innbygger falt fra 2,4 tonn CO₂-ekv. per innbygger i 2009 til 1,4" in page
    assert "379 kg per innbygger i 2010" in page


def test_kongsberg_has_its_kommuneplan_with_three_focus_areas_and_the_articles_two_goals(demo):
    plan = Plan.objects.get(municipality=Municipality.objects.by_code("3303"), plan_type="kommuneplan_samfunn")
    areas = list(plan.focus_areas.all())
    assert [a.title.split(",")[0] for a in areas] == [
        "Natur",
        "Vekst",
        "Kommunale tjenester / livskvalitet og levekår",
    ]
    goals = list(areas[0].goals.all())
    assert [g.title for g in goals] == [
        "Kongsberg skal ha et næringsliv og innbyggere som er miljøbevisste i forhold til egen praksis og egne "
        "handlinger",
        "Arealforbruk pr. innbygger til utbyggingsformål skal reduseres",
    ]
    assert goals[0].measures.get().indicator.code == "miljofyrtarn"
    land = goals[1].measures.get()
    assert land.indicator.code == "arealbruk"
    # The baseline is SSB's: 30,11 km² built up ÷ 27 723 inhabitants in 2020. The article gives no target figure.
    assert (land.baseline_year, land.baseline_value, land.target_value) == (2020, Decimal("1086.1"), None)
    okonomiplan = plan.children.get(plan_type=PlanType.OKONOMIPLAN)
    assert okonomiplan.strategic_projects.get().title == "Indikatorer i hele styringssystemet"


def test_kongsbergs_chain_shows_every_level_carrying_the_kommuneplans_focus_areas(demo):
    kongsberg = Municipality.objects.by_code("3303")
    result = chain.chain(kongsberg, 2009, can_read_drafts=False)
    assert [level.label for level in result.levels] == [str(label) for label, _types in chain.LEVELS]
    in_force = {p.plan_type for level in result.levels for p in level.in_force}
    assert in_force == {
        PlanType.KOMMUNEPLAN_SAMFUNN,
        PlanType.OKONOMIPLAN,
        PlanType.ARSBUDSJETT,
        PlanType.TEMAPLAN,
        PlanType.OMRADEPLAN,
        PlanType.ARSRAPPORT,
    }  # not the planstrategi: the first one under the 2008 planning act followed the 2011 election
    assert result.uncarried == []  # the økonomiplan and the budget for 2009 carry all three focus areas
    carriers = {p.plan_type for plans in result.carried_in.values() for p in plans}
    assert {PlanType.OKONOMIPLAN, PlanType.ARSBUDSJETT, PlanType.ARSRAPPORT} <= carriers
    # The økonomiplan measures the kommuneplan's goal by the indicator introduced there in 2009.
    business = Goal.objects.get(
        focus_area__plan__plan_type=PlanType.OKONOMIPLAN, focus_area__plan__municipality=kongsberg, order=1
    )
    assert business.carries.title.startswith("Kongsberg skal ha et næringsliv")
    assert business.measures.get().indicator.code == "miljofyrtarn"
    assert BudgetLine.objects.filter(municipality=kongsberg, year=2009).count() == 3
    # Whatever the article does not give is said to be illustrative.
    for plan in Plan.objects.filter(municipality=kongsberg):
        assert "Illustrativ" in plan.decision_reference, plan
    assert kongsberg.annual_reports.get(year=2020).is_published


def test_kongsbergs_chain_page_lists_every_level(demo, client):
    page = client.get("/kommune/3303/planer/?ar=2009").content.decode()
    for title in [
        "Kommunal planstrategi 2012–2015 (illustrativ)",
        "Kommuneplan for Kongsberg – samfunnsdelen",
        "Økonomiplan/handlingsprogram 2009–2012",
        "Årsbudsjett 2009",
        "Miljøplan for Kongsberg (illustrativ periode)",
        "Områdeplan for et nytt boligområde (illustrativ)",
        "Årsrapport 2009",
    ]:
        assert title in page
    assert "Alle innsatsområdene i kommuneplanen videreføres" in page


def test_demo_accounts_can_log_in(demo):
    for username in ["planlegger-rana", "planlegger-oslo", "politiker", "koordinator"]:
        assert authenticate(username=username, password="livskraft-demo") is not None, username


def test_load_demo_takes_reasonable_time(demo):
    assert demo < SECONDS_ALLOWED


def test_the_open_round_has_one_late_member(demo, client):
    round = ReportingRound.objects.get(year=reporting_year())
    assert not round.is_closed and round.is_past_deadline()
    late = [row.municipality.name for row in matrix(round, list(round.indicators.all())) if row.late]
    assert late == ["Rana - Raane"]
    figures = IndicatorValue.objects.filter(year=reporting_year(), indicator__in=round.indicators.all())
    assert not figures.filter(Q(is_sample=False) | Q(published_at__isnull=False)).exists()
    client.force_login(User.objects.get(username="koordinator"))
    page = client.get(f"/rapportering/runder/{round.pk}/", HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "1 medlem er forsinket:" in page


def test_running_the_demo_again_changes_nothing(demo):
    def snapshot():
        return (
            list(IndicatorValue.objects.order_by("pk").values_list("pk", "value", "status", "version", "source")),
            ValueRevision.objects.count(),
            [model.objects.count() for model in (Plan, FocusArea, Goal, GoalIndicator, BudgetLine)],
        )

    before = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == before


def test_migrations_are_complete():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_oslo_climate_budget_rests_on_real_emissions_and_is_marked_as_example(demo):
    from plans import climate
    from plans.models import ClimateBudget, MeasureReport, PlanStatus

    oslo = Municipality.objects.by_code("0301")
    old, new = ClimateBudget.objects.filter(plan__municipality=oslo).order_by("plan__period_start")
    # The 2025–2028 version was rolled into 2026–2029 with its budget; the new one is in force.
    assert (old.plan.status, new.plan.status) == (PlanStatus.REPLACED, PlanStatus.ADOPTED)
    assert new.plan.previous_version == old.plan
    assert [m.previous_id for m in new.measures.order_by("number")] == list(
        old.measures.order_by("number").values_list("pk", flat=True)
    )
    assert all(m.is_example for m in new.measures.all())
    view = climate.compose(new, 2026)
    # The reference year's tonnes are Miljødirektoratet's own: the sum of the 8 sectors the budget covers (aviation's
    # 0,2 tonnes and agriculture's 0 are left out).
    sectors = {row["indicator"]: Decimal(row["value"]) for row in real_rows() if row["year"] == "2009"}
    covered = [
        k for k in sectors if k.startswith("ghg_emissions_by_sector") and not k.endswith(("Luftfart", "Jordbruk"))
    ]
    assert len(covered) == 8
    assert view.reference_total == sum(sectors[k] for k in covered)
    assert view.headline.latest_year == 2024
    assert abs(view.headline.latest - Decimal("944853.2")) < 1
    # Five statuses for 2025 are published; the sixth waits for approval and the public does not see it.
    assert MeasureReport.objects.filter(measure__budget=old, year=2025, published_at__isnull=False).count() == 5
    shown = {row.measure.number: row.status for row in climate.compose(old, 2025).measures}
    assert shown["T3"] == "delayed" and shown["T6"] == ""
