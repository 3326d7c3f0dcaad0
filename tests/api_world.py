"""The API's test world: Kongsberg's code history, a merger, networks, and values in every state of publication.

Shared by tests/test_api.py and tests/test_api_schema.py: published values (revised and never revised), values never
published in every status short of published, draft revisions of published figures, sample data, and plans in every
status. Nothing unpublished may ever reach the API.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from indicators.models import Indicator, Role, ValueStatus
from indicators.services import ProposedValue, apply_values, change_status
from plans.climate import save_report
from plans.models import MeasureStatus, PlanStatus, PlanType, ReportStatus
from tests import factories as make

NETWORK = "livskraftige-kommuner"
SSB_WASTE = "SSB, KOSTRA tabell 12241"
# Figures and words that exist only in unpublished values, revisions and plans: none may appear in any response.
# Eight digits, so a timestamp's microseconds (six digits) can never match one by chance.
SECRETS = [
    "77712301", "77723402", "77734503", "77745604", "77756705", "77767806", "77778907", "77790011", "77790022",
    "HEMMELIG",
]  # fmt: skip


def publish(indicator, m, year, value, *, source="SSB 07459", **fields):
    """Store a value as published a month ago (save() fills in the published version)."""
    a_month_ago = timezone.now() - datetime.timedelta(days=30)
    return make.published_value(indicator, m, year, value, source=source, first_published_at=a_month_ago, **fields)


def unpublished(indicator, m, year, value, status):
    return make.value(indicator, m, year, value, status=status, source="HEMMELIG fil")


def revise(indicator, m, year, value, user, *, source="HEMMELIG regneark", is_sample=False):
    """Change a stored figure the way a planner does: it goes back to draft, keeping its published version."""
    apply_values(
        proposed=[ProposedValue(municipality_id=m.pk, year=year, value=Decimal(value))],
        user=user,
        source=source,
        reason="Rettet etter ny opptelling",
        indicator=indicator,
        is_sample=is_sample,
    )


def plan(m, status, *, title, baseline=420, parent=None, indicator, **fields):
    """A kommuneplan 2020–2032 (adopted or repealed ones on 1 June 2020) with one goal measured by the indicator."""
    adopted_on = datetime.date(2020, 6, 1) if status in (PlanStatus.ADOPTED, PlanStatus.REPEALED) else None
    p = make.plan(m, title=title, status=status, adopted_on=adopted_on, parent=parent, **fields)
    area = make.focus_area(p, f"Innsatsområde for {title}", order=1)
    make.goal(area, f"Mål for {title}", indicator=indicator, baseline=(2020, baseline), target=(2030, 350))
    return p


def build(*, waste, lighthouses, planner) -> dict:
    """Kongsberg (0604 → 3006 → 3303), Rana, the Fjord merger; published, unpublished and revised values; plans."""
    kongsberg = make.municipality("Kongsberg", codes=[("0604", 1838, 2019), ("3006", 2020, 2023), ("3303", 2024, None)])
    make.role(planner, kongsberg, Role.PLANNER)
    rana = make.municipality("Rana", "1833")
    fjord = make.municipality("Fjord", "1578", established=datetime.date(2020, 1, 1))
    for name, code in (("Norddal", "1524"), ("Stordal", "1526")):
        make.municipality(name, codes=[(code, 1838, 2019)], dissolved=datetime.date(2020, 1, 1), successor=fjord)
    network = make.network(slug=NETWORK, description="Nettverket.")
    make.membership(network, kongsberg, joined=datetime.date(2019, 1, 1))
    make.membership(network, rana, joined=datetime.date(2022, 3, 1))
    coast = make.network("Kystnettverket", slug="kyst")
    make.membership(coast, rana, joined=datetime.date(2020, 1, 1), left=datetime.date(2021, 6, 30))

    population = Indicator.objects.population()
    for year, people in ((2020, 27000), (2021, 27200), (2022, 27500)):
        publish(population, kongsberg, year, people)
    for year, people in ((2020, 26000), (2021, 26100), (2022, 26200)):
        publish(population, rana, year, people)

    # Published through the reporting round (so its source is recorded in a revision), then revised.
    first = unpublished(waste, kongsberg, 2020, 11340, ValueStatus.APPROVED)
    first.source = SSB_WASTE
    first.save()
    change_status(values=[first], status=ValueStatus.PUBLISHED, user=planner, reason="Publisert")
    revise(waste, kongsberg, 2020, 77745604, planner)
    # Published straight away, then revised into sample data: the public still reads the real figure.
    publish(waste, kongsberg, 2021, 11152, source="Kongsberg kommune")
    revise(waste, kongsberg, 2021, 77756705, planner, is_sample=True)
    # Never published, in every status short of published.
    unpublished(waste, kongsberg, 2022, 77712301, ValueStatus.DRAFT)
    unpublished(waste, kongsberg, 2023, 77723402, ValueStatus.SUBMITTED)
    unpublished(lighthouses, kongsberg, 2022, 77734503, ValueStatus.APPROVED)
    unpublished(lighthouses, rana, 2023, 77767806, ValueStatus.DRAFT)
    # A draft revision of a published population.
    revise(population, kongsberg, 2022, 77756705, planner)

    publish(waste, rana, 2021, 9135, source=SSB_WASTE)
    publish(waste, rana, 2022, 9170, source=SSB_WASTE)
    publish(lighthouses, rana, 2022, 12, source="Miljøfyrtårn-registeret")
    publish(lighthouses, kongsberg, 2021, 14, source="Eksempeldata", is_sample=True)

    adopted = plan(kongsberg, PlanStatus.ADOPTED, title="Kommuneplanens samfunnsdel", indicator=waste)
    for status in (PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.REPEALED):
        plan(kongsberg, status, title=f"HEMMELIG plan ({status})", baseline=77778907, indicator=waste)
    draft_parent = plan(rana, PlanStatus.DRAFT, title="HEMMELIG overordnet plan", baseline=77778907, indicator=waste)
    economy = plan(rana, PlanStatus.ADOPTED, title="Økonomiplan", parent=draft_parent, indicator=lighthouses,
                   plan_type=PlanType.OKONOMIPLAN)  # fmt: skip
    climate_budgets(economy, lighthouses=lighthouses, planner=planner)
    return {"kongsberg": kongsberg, "rana": rana, "fjord": fjord, "network": network, "plan": adopted}


def climate_budgets(economy, *, lighthouses, planner):
    """Rana's adopted økonomiplan gets a climate budget with a published status under revision and a status never
    published; a draft version has a budget of its own. No emissions: the tonnes are null."""
    rana = economy.municipality
    budget = make.climate_budget(economy, method_note="Miljødirektoratets framskrivning.")
    make.climate_sector(budget, "veitrafikk", frames={2025: 70}, reference={2025: 85})
    cars = make.climate_measure(budget, "T1", "veitrafikk", cuts={2025: (1200, 800, 1600)}, targets={2025: 60},
                                result_indicator=lighthouses)  # fmt: skip
    heating = make.climate_measure(budget, "T2", "oppvarming", effect_class="medium")
    make.measure_report(cars, 2025, MeasureStatus.ON_TRACK, workflow=ReportStatus.PUBLISHED, result=55)
    save_report(measure=cars, year=2025, status=MeasureStatus.DELAYED, explanation="HEMMELIG forsinkelse",
                result_value=Decimal(77790011), user=planner)  # fmt: skip
    save_report(measure=heating, year=2025, status=MeasureStatus.CANCELLED, explanation="HEMMELIG avlyst",
                result_value=None, user=planner)  # fmt: skip
    draft = make.plan(rana, PlanType.OKONOMIPLAN, title="HEMMELIG økonomiplan", status=PlanStatus.DRAFT)
    secret = make.climate_budget(draft, target_percent=77)
    make.climate_measure(secret, "T9", "veitrafikk", title="HEMMELIG tiltak", cuts={2025: 77790022})
