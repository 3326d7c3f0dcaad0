"""Test data: plain functions that each create one thing with sensible defaults, and return it.

Tests import the module, not its names (`from tests import factories as make`, then `make.municipality(...)`),
so that a factory never clashes with a fixture of the same name (`rana`, `network`, `plan`).
"""

import datetime
import functools
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from indicators.models import (
    NETWORK_SLUG,
    Indicator,
    IndicatorValue,
    LanguageForm,
    Municipality,
    MunicipalityCode,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    ValueStatus,
)
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    ClimateSector,
    FocusArea,
    Goal,
    GoalIndicator,
    MeasureReport,
    MeasureYear,
    Plan,
    PlanStatus,
    PlanType,
    ReportStatus,
    SectorYear,
)

PASSWORD = "livskraft-test"
# Most members joined the network when it started.
JOINED = datetime.date(2009, 1, 1)
# Statuses a plan reaches only by being adopted, so they carry the date it was.
ADOPTED_ONCE = {PlanStatus.ADOPTED, PlanStatus.REPLACED, PlanStatus.REPEALED}


def _day(year_or_date, *, last: bool = False) -> datetime.date | None:
    """Return the date as it is, or the first (last) day of the year; None stays None."""
    if year_or_date is None or isinstance(year_or_date, datetime.date):
        return year_or_date
    return datetime.date(year_or_date, 12, 31) if last else datetime.date(year_or_date, 1, 1)


# --- municipalities and networks -------------------------------------------------------------------------------


def municipality_code(municipality, code, first, last=None, *, name=None) -> MunicipalityCode:
    """Give the municipality a number from the first year (or day) to the last (None: still in force)."""
    return MunicipalityCode.objects.create(
        municipality=municipality,
        code=code,
        name=name or municipality.name,
        valid_from=_day(first),
        valid_to=_day(last, last=True),
    )


def municipality(
    name,
    code=None,
    *,
    codes=(),
    since=1964,
    language_form=LanguageForm.BOKMAL,
    established=None,
    dissolved=None,
    successor=None,
) -> Municipality:
    """Create a municipality with its numbers.

    code: one number, in force from `established` (or 1 January of `since`, a year or a date) until the day
    before `dissolved`. codes: the history instead, as (code, first, last or None[, the name it had then]).
    """
    created = Municipality.objects.create(
        name=name, language_form=language_form, established=established, dissolved=dissolved, successor=successor
    )
    if code is not None:
        end = dissolved - datetime.timedelta(days=1) if dissolved else None
        municipality_code(created, code, established or _day(since), end)
    for entry in codes:
        number, first, last, *code_name = entry
        municipality_code(created, number, first, last, name=code_name[0] if code_name else None)
    return created


def membership(network, municipality, *, joined=JOINED, left=None) -> NetworkMembership:
    return NetworkMembership.objects.create(network=network, municipality=municipality, joined=joined, left=left)


def network(name="Livskraftige kommuner", *, slug=NETWORK_SLUG, members=(), joined=JOINED, **fields) -> Network:
    """Create a network whose members all joined on the same day."""
    created = Network.objects.create(name=name, slug=slug, **fields)
    for member in members:
        membership(created, member, joined=joined)
    return created


# --- people ----------------------------------------------------------------------------------------------------


@functools.cache
def _hashed(password: str, hashers: tuple) -> str:
    """Return the password hashed, once per password and hashers: hashing is slow on purpose."""
    return make_password(password)


def user(username, *, password=PASSWORD, **fields):
    """Create a user who can log in with the password (PASSWORD unless told)."""
    hashed = _hashed(password, tuple(settings.PASSWORD_HASHERS))
    return get_user_model().objects.create(username=username, password=hashed, **fields)


def role(user, municipality, *roles):
    """Give the user each role in the municipality; return the user."""
    for name in roles:
        MunicipalityRole.objects.create(user=user, municipality=municipality, role=name)
    return user


def coordinator(user, network):
    """Make the user a coordinator of the network; return the user."""
    NetworkCoordinator.objects.create(user=user, network=network)
    return user


# --- values ----------------------------------------------------------------------------------------------------


def value(indicator, municipality, year, figure, *, status=ValueStatus.DRAFT, **fields) -> IndicatorValue:
    """Store a figure (None for a value without one) in the status, a draft unless told.

    A published value is stored as it was published before the test began, the way a backup's restore writes it:
    with its published version, without a revision, (first) published now unless the fields say otherwise. A test
    of publishing itself publishes through indicators.services.change_status(), as the reporting round does.
    """
    created = IndicatorValue(
        indicator=indicator,
        municipality=municipality,
        year=year,
        value=None if figure is None else Decimal(str(figure)),
        status=status,
        **fields,
    )
    if status == ValueStatus.PUBLISHED:
        created.published_at = created.published_at or timezone.now()
        created.first_published_at = created.first_published_at or created.published_at
        created.published_value, created.published_state = created.value, created.state
        created.published_is_sample, created.published_source = created.is_sample, created.source
    created.save()
    return created


def published_value(indicator, municipality, year, figure, **fields) -> IndicatorValue:
    """Store a figure published before the test began (see value())."""
    return value(indicator, municipality, year, figure, status=ValueStatus.PUBLISHED, **fields)


def published_values(indicator, municipality, figures: dict, **fields) -> list[IndicatorValue]:
    """Store published figures given as {year: figure}."""
    return [published_value(indicator, municipality, year, figure, **fields) for year, figure in figures.items()]


def population(municipality, people: dict, **fields) -> Indicator:
    """Publish the municipality's population, given as {year: people}; return the population indicator."""
    indicator = Indicator.objects.population()
    published_values(indicator, municipality, people, **fields)
    return indicator


# --- the plan chain --------------------------------------------------------------------------------------------


def plan(
    municipality,
    plan_type=PlanType.KOMMUNEPLAN_SAMFUNN,
    *,
    first=2020,
    last=2032,
    status=PlanStatus.ADOPTED,
    title=None,
    adopted_on=None,
    **fields,
) -> Plan:
    """Create a plan for the years first–last, adopted unless told; named after its type and period unless told.

    A plan that has been adopted (adopted, replaced, repealed) was adopted on 15 December before its first year
    unless told.
    """
    if adopted_on is None and status in ADOPTED_ONCE:
        adopted_on = datetime.date(first - 1, 12, 15)
    return Plan.objects.create(
        municipality=municipality,
        plan_type=plan_type,
        title=title or f"{PlanType(plan_type).label} {first}–{last}",
        period_start=first,
        period_end=last,
        status=status,
        adopted_on=adopted_on,
        **fields,
    )


def focus_area(plan, title, **fields) -> FocusArea:
    return FocusArea.objects.create(plan=plan, title=title, **fields)


def goal(focus_area, title, *, indicator=None, baseline=None, target=None, **fields) -> Goal:
    """Create a goal, measured by the indicator when one is given: baseline and target as (year, figure)."""
    created = Goal.objects.create(focus_area=focus_area, title=title, **fields)
    if indicator is not None:
        measure(created, indicator, baseline=baseline, target=target)
    return created


def measure(goal, indicator, *, baseline=None, target=None, **fields) -> GoalIndicator:
    """Measure the goal by the indicator, from the baseline to the target, each (year, figure) or None."""
    baseline_year, baseline_value = baseline or (None, None)
    target_year, target_value = target or (None, None)
    return GoalIndicator.objects.create(
        goal=goal,
        indicator=indicator,
        baseline_year=baseline_year,
        baseline_value=None if baseline_value is None else Decimal(str(baseline_value)),
        target_year=target_year,
        target_value=None if target_value is None else Decimal(str(target_value)),
        **fields,
    )


# --- the climate budget ----------------------------------------------------------------------------------------


def emission_indicator(sector: str) -> Indicator:
    """The indicator Miljødirektoratet's import writes a sector's emissions to (klimagassutslipp-<sector>)."""
    indicator, _created = Indicator.objects.get_or_create(
        code=f"klimagassutslipp-{sector}",
        defaults={
            "name_nb": f"Klimagassutslipp, {sector}",
            "name_nn": f"Klimagassutslepp, {sector}",
            "name_en": f"Greenhouse-gas emissions, {sector}",
            "unit": "tonnes_co2e",
            "computation": "per_inhabitant",
            "amount_unit": "tonnes_co2e",
            "per_inhabitant_factor": Decimal(1),
            "direction": "lower",
            "source": "Miljødirektoratet, Klimagassutslipp i kommuner",
        },
    )
    return indicator


def emissions(municipality, sector: str, figures: dict, **fields) -> list[IndicatorValue]:
    """Publish the sector's emissions as official statistics, given as {year: tonnes}."""
    return published_values(emission_indicator(sector), municipality, figures, is_official=True, **fields)


def climate_budget(plan, *, reference_year=2009, target_year=2030, target_percent=95, **fields) -> ClimateBudget:
    return ClimateBudget.objects.create(
        plan=plan,
        reference_year=reference_year,
        target_year=target_year,
        target_percent=Decimal(str(target_percent)),
        **fields,
    )


def climate_sector(budget, sector: str, *, frames=None, reference=None, **fields) -> ClimateSector:
    """Add a sector with frames and a reference path, each given as {year: per cent of the reference year}."""
    created = ClimateSector.objects.create(budget=budget, sector=sector, **fields)
    frames, reference = frames or {}, reference or {}
    SectorYear.objects.bulk_create(
        SectorYear(
            sector=created,
            year=year,
            frame_percent=None if frames.get(year) is None else Decimal(str(frames[year])),
            reference_percent=None if reference.get(year) is None else Decimal(str(reference[year])),
        )
        for year in sorted(set(frames) | set(reference))
    )
    return created


def climate_measure(budget, number, sector, *, cuts=None, targets=None, title=None, **fields) -> ClimateMeasure:
    """Add a measure with its expected cuts ({year: tonnes} or {year: (central, low, high)}) and its result
    indicator's targets ({year: figure})."""
    created = ClimateMeasure.objects.create(
        budget=budget, number=number, sector=sector, title=title or f"Tiltak {number}", **fields
    )
    cuts, targets = cuts or {}, targets or {}

    def amount(x):
        return None if x is None else Decimal(str(x))

    rows = []
    for year in sorted(set(cuts) | set(targets)):
        cut = cuts.get(year)
        central, low, high = cut if isinstance(cut, tuple) else (cut, None, None)
        rows.append(
            MeasureYear(
                measure=created,
                year=year,
                cut=amount(central),
                cut_low=amount(low),
                cut_high=amount(high),
                result_target=amount(targets.get(year)),
            )
        )
    MeasureYear.objects.bulk_create(rows)
    return created


def measure_report(measure, year, status, *, workflow=ReportStatus.DRAFT, explanation="", result=None, **fields):
    """Store a measure's report for the year; a published one carries its published copy, as one published before
    the test began."""
    report = MeasureReport(
        measure=measure,
        year=year,
        status=status,
        explanation=explanation,
        result_value=None if result is None else Decimal(str(result)),
        workflow=workflow,
        **fields,
    )
    if workflow == ReportStatus.PUBLISHED:
        report.published_at = report.published_at or timezone.now()
        report.published_status, report.published_explanation = report.status, report.explanation
        report.published_result = report.result_value
    report.save()
    return report
