"""The climate budget's sums, checks, reporting steps, rolling, and a revision of the reference year (plans/climate.py)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from indicators.models import IndicatorValue
from indicators.services import ProposedValue, apply_values
from plans import chain as plan_chain
from plans import climate
from plans.models import (
    ClimateBudget,
    ClimateMeasure,
    MeasureReport,
    MeasureStatus,
    MeasureYear,
    PlanChange,
    PlanStatus,
    PlanType,
    ReportStatus,
    SectorYear,
)
from tests import factories as make

ROAD, SHIPPING = "veitrafikk", "sjofart"


@pytest.fixture
def result_indicator(share):
    return share


@pytest.fixture
def budget(rana, result_indicator):
    """Rana's økonomiplan 2026–2029 with a budget from 2009 to a 60 % cut by 2030 over road traffic and shipping.

    Road traffic: 100 000 t in 2009, 80 000 t in 2024; frames 70 % (2026) … 40 % (2030); reference path 78 % … 74 %.
    Shipping: 20 000 t in 2009, 20 000 t in 2024; frame 90 % and reference path 100 % every year.
    """
    make.emissions(rana, ROAD, {2009: 100000, 2024: 80000})
    make.emissions(rana, SHIPPING, {2009: 20000, 2024: 20000})
    plan = make.plan(rana, PlanType.OKONOMIPLAN, first=2026, last=2029)
    created = make.climate_budget(plan, reference_year=2009, target_year=2030, target_percent=60)
    make.climate_sector(
        created,
        ROAD,
        frames={2026: 70, 2027: 62.5, 2028: 55, 2029: 47.5, 2030: 40},
        reference={2026: 78, 2027: 77, 2028: 76, 2029: 75, 2030: 74},
    )
    make.climate_sector(created, SHIPPING, frames=dict.fromkeys(range(2026, 2031), 90),
                        reference=dict.fromkeys(range(2026, 2031), 100))  # fmt: skip
    return created


def measure(budget, number="T1", sector=ROAD, years=(), **fields):
    return ClimateMeasure(budget=budget, number=number, title=f"Tiltak {number}", sector=sector, **fields)


def year(y, cut=None, low=None, high=None, target=None):
    def d(x):
        return None if x is None else Decimal(str(x))

    return MeasureYear(year=y, cut=d(cut), cut_low=d(low), cut_high=d(high), result_target=d(target))


def problems(budget, m, years):
    with translation.override("en"):
        return climate.measure_problems(budget, m, years)


# --- sums ---------------------------------------------------------------------------------------------------------


def test_frames_in_per_cent_become_tonnes_of_the_reference_year_and_the_headline_says_what_is_missing(
    budget, result_indicator
):
    make.climate_measure(budget, "T1", ROAD, cuts={2026: 4000, 2030: 10000}, result_indicator=result_indicator)
    make.climate_measure(budget, "T2", SHIPPING, cuts={2026: 1000, 2030: 2000}, result_indicator=result_indicator)
    view = climate.compose(budget, 2026)
    # Frame 2026: 70 % of 100 000 + 90 % of 20 000.
    assert view.total("frame", 2026) == Decimal(88000)
    # Reference path 78 000 + 20 000; the needed cut is 10 000 t, the measures cut 5 000 t: half of it.
    assert view.headline.needed == Decimal(10000) and view.headline.covered == Decimal(5000)
    assert view.headline.covered_share == Decimal(50)
    # 2030: the path with measures is 74 000 − 10 000 + 20 000 − 2 000 = 82 000 of 120 000: a 31,7 % cut, 28,3 points
    # short of the 60 % target.
    assert view.total_with_measures(2030) == Decimal(82000)
    assert round(view.headline.gap_points, 1) == Decimal("28.3")
    with translation.override("en"):
        sentence = climate.headline_sentence(view)
    assert sentence == (
        "The frame for 2026 is 88,000 tonnes CO₂-eq. The latest known emissions are 100,000 tonnes (2024). "
        "The quantified measures cover 50 % of the cut needed in 2026. With them, 28 percentage points are missing to "
        "the target of a 60 % cut by 2030."
    )
    with translation.override("nb"):
        assert "88\xa0000" in climate.headline_sentence(view)
        assert climate.lag_sentence(2026, 2024) == "Miljødirektoratets tall for 2026 kommer i 2028."


def test_the_sums_take_the_same_queries_for_one_measure_and_for_ten(
    budget, result_indicator, django_assert_num_queries
):
    make.climate_measure(budget, "T0", ROAD, cuts={2026: 100}, result_indicator=result_indicator)

    def count() -> int:
        fresh = ClimateBudget.objects.select_related("plan__municipality").get(pk=budget.pk)
        # Interim targets, sectors, their years, measures, their years, the inventory, the year's reports, the
        # reference year's revisions (no strategic project: no budget lines are read).
        with django_assert_num_queries(8):
            climate.compose(fresh, 2026)

    count()
    for number in range(1, 10):
        make.climate_measure(budget, f"T{number}", ROAD, cuts={2026: 100, 2027: 100}, result_indicator=result_indicator)
    count()


# --- checks -------------------------------------------------------------------------------------------------------


def test_a_measure_is_quantified_or_has_an_effect_class(budget):
    assert problems(budget, measure(budget), []) == [
        "Give the expected cut in tonnes for at least one year, or an effect class when it cannot be put in tonnes."
    ]
    assert problems(budget, measure(budget, effect_class="medium"), []) == []


def test_a_quantified_measure_names_its_result_indicator(budget, result_indicator):
    assert problems(budget, measure(budget), [year(2026, 100)]) == [
        "A measure with a cut in tonnes names the result indicator that shows it is carried out."
    ]
    assert problems(budget, measure(budget, result_indicator=result_indicator), [year(2026, 100)]) == []


def test_effect_years_lie_in_the_plan_period_or_up_to_the_target_year(budget, result_indicator):
    found = problems(budget, measure(budget, result_indicator=result_indicator), [year(2025, 10), year(2031, 10)])
    assert found == [
        "Effects can be entered for 2026–2030 (the plan period, or up to the target year), not for 2025, 2031."
    ]


def test_the_cuts_of_a_sector_never_exceed_its_reference_path(budget, result_indicator):
    make.climate_measure(budget, "T1", ROAD, cuts={2026: 50000}, result_indicator=result_indicator)
    # Road traffic's reference path in 2026: 78 % of 100 000 t. With T1's 50 000, 28 000 more fit; the high estimate
    # counts.
    assert problems(budget, measure(budget, "T2", result_indicator=result_indicator), [year(2026, 28000)]) == []
    assert problems(
        budget, measure(budget, "T2", result_indicator=result_indicator), [year(2026, 20000, high=30000)]
    ) == [
        "2026: the measures in road traffic would cut 80,000 tonnes, more than the 78,000 tonnes the sector emits on "
        "its reference path."
    ]


def test_low_central_and_high_estimates_are_in_order(budget, result_indicator):
    found = problems(budget, measure(budget, result_indicator=result_indicator), [year(2026, 100, low=200, high=50)])
    assert found == [
        "2026: The low estimate cannot be above the central one.",
        "2026: The high estimate cannot be below the central one.",
    ]


def test_a_refused_measure_writes_nothing(budget, rana_planner):
    with translation.override("en"), pytest.raises(climate.ClimateBudgetError) as refused:
        climate.save_measure(
            measure=measure(budget), years=[year(2026, 100), year(2040, 5)], user=rana_planner, reason=""
        )
    assert len(refused.value.problems) == 2
    assert not ClimateMeasure.objects.exists() and not MeasureYear.objects.exists()
    assert not PlanChange.objects.exists()


def test_a_lower_reference_path_is_refused_while_measures_cut_more_than_it(budget, result_indicator, rana_planner):
    make.climate_measure(budget, "T1", ROAD, cuts={2026: 50000}, result_indicator=result_indicator)
    sector = budget.sectors.get(sector=ROAD)
    with translation.override("en"), pytest.raises(climate.ClimateBudgetError) as refused:
        climate.save_sector(
            sector=sector, years=[SectorYear(year=2026, frame_percent=40, reference_percent=45)], user=rana_planner
        )
    assert refused.value.problems == [
        "2026: the sector's measures cut 50,000 tonnes, more than the 45,000 tonnes of this reference path. Lower the "
        "measures' effects first."
    ]
    assert sector.years.get(year=2026).reference_percent == 78  # unchanged


def test_saving_a_measure_logs_it_on_the_plan(budget, result_indicator, rana_planner):
    saved = climate.save_measure(
        measure=measure(budget, result_indicator=result_indicator),
        years=[year(2026, 1000, target=50)],
        user=rana_planner,
        reason="Vedtatt i bystyret",
    )
    assert saved.years.get().cut == 1000
    change = PlanChange.objects.get(plan=budget.plan)
    assert change.changed_by == rana_planner and change.reason == "Vedtatt i bystyret"


# --- yearly reports -----------------------------------------------------------------------------------------------


def test_a_status_goes_draft_submitted_approved_published_and_the_public_keeps_the_last_published(
    budget, rana_planner, rana_approver
):
    m = make.climate_measure(budget, "T1", ROAD, effect_class="low")
    report = climate.save_report(
        measure=m, year=2026, status=MeasureStatus.ON_TRACK, explanation="", result_value=None, user=rana_planner
    )
    assert climate.move_reports(reports=[report], to=ReportStatus.APPROVED, user=rana_approver) == 0  # not submitted
    for step, user in ((ReportStatus.SUBMITTED, rana_planner), (ReportStatus.APPROVED, rana_approver),
                       (ReportStatus.PUBLISHED, rana_approver)):  # fmt: skip
        assert climate.move_reports(reports=[report], to=step, user=user) == 1
    assert [row.status for row in climate.compose(budget, 2026).measures] == ["on_track"]
    # A new draft: the public still reads the published status; a reader with a role reads the draft.
    with translation.override("en"), pytest.raises(climate.ClimateBudgetError, match="Explain why"):
        climate.save_report(
            measure=m, year=2026, status=MeasureStatus.DELAYED, explanation=" ", result_value=None, user=rana_planner
        )
    climate.save_report(
        measure=m, year=2026, status=MeasureStatus.DELAYED, explanation="Leveransen kom sent", result_value=None,
        user=rana_planner,
    )  # fmt: skip
    assert [row.status for row in climate.compose(budget, 2026).measures] == ["on_track"]
    assert [row.status for row in climate.compose(budget, 2026, published_only=False).measures] == ["delayed"]
    report = MeasureReport.objects.get()
    assert report.workflow == ReportStatus.DRAFT
    assert [r.workflow for r in report.revisions.all()] == ["draft", "submitted", "approved", "published", "draft"]
    changes = climate.status_changes(budget.plan.municipality, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
                                     can_read=False)  # fmt: skip
    assert [c.workflow for c in changes] == ["published"]


def test_returning_a_status_keeps_the_approvers_reason(budget, rana_planner, rana_approver):
    m = make.climate_measure(budget, "T1", ROAD, effect_class="low")
    report = climate.save_report(
        measure=m, year=2026, status=MeasureStatus.DONE, explanation="", result_value=None, user=rana_planner
    )
    climate.move_reports(reports=[report], to=ReportStatus.SUBMITTED, user=rana_planner)
    climate.move_reports(reports=[report], to=ReportStatus.DRAFT, user=rana_approver, review_comment="Ikke ferdig")
    report.refresh_from_db()
    assert (report.workflow, report.review_comment) == (ReportStatus.DRAFT, "Ikke ferdig")


# --- rolling and revisions ----------------------------------------------------------------------------------------


def test_rolling_the_okonomiplan_rolls_its_climate_budget(budget, result_indicator, rana_planner):
    project = budget.plan.strategic_projects.create(title="Ladeinfrastruktur")
    old = make.climate_measure(
        budget, "T1", ROAD, cuts={2026: (1000, 800, 1200)}, targets={2026: 40}, result_indicator=result_indicator,
        project=project,
    )  # fmt: skip
    budget.interim_targets.create(year=2027, percent=Decimal(35))
    new_plan = plan_chain.roll(budget.plan, user=rana_planner)
    rolled = new_plan.climate
    assert (rolled.reference_year, rolled.target_year, rolled.target_percent) == (2009, 2030, 60)
    assert [(t.year, t.percent) for t in rolled.interim_targets.all()] == [(2027, 35)]
    assert sorted(rolled.sectors.values_list("sector", flat=True)) == [SHIPPING, ROAD]
    assert rolled.sectors.get(sector=ROAD).years.get(year=2030).frame_percent == 40
    copy = rolled.measures.get()
    assert copy.previous == old and copy.project.plan == new_plan and copy.project.title == "Ladeinfrastruktur"
    assert (copy.years.get().cut, copy.years.get().cut_low, copy.years.get().result_target) == (1000, 800, 40)
    # The old version's budget is untouched and stays readable until the new one is adopted.
    assert climate.budget_for_year(budget.plan.municipality, 2027) == budget
    plan_chain.adopt(new_plan, adopted_on=datetime.date(2026, 12, 10), decision_reference="K-sak 1/2026",
                     user=rana_planner)  # fmt: skip
    assert climate.budget_for_year(budget.plan.municipality, 2027) == rolled
    assert climate.budget_for_year(budget.plan.municipality, 2026) == budget  # replaced, but the only one for 2026


def test_a_revision_of_the_reference_year_keeps_the_per_cent_and_says_why_the_tonnes_changed(budget, rana):
    before = climate.compose(budget, 2026)
    assert before.total("frame", 2026) == Decimal(88000)
    # Miljødirektoratet publishes a new method: road traffic in 2009 becomes 110 000 t.
    road = IndicatorValue.objects.get(indicator__code="klimagassutslipp-veitrafikk", year=2009, municipality=rana)
    apply_values(
        indicator=road.indicator,
        proposed=[ProposedValue(municipality_id=rana.pk, year=2009, value=Decimal(110000))],
        user=None,
        source="Miljødirektoratet, Klimagassutslipp i kommuner (2026)",
        reason="Ny beregning",
        official=True,
    )
    after = climate.compose(budget, 2026)
    # The frames keep 70 % of the reference year; the tonnes follow the revised inventory.
    assert after.sectors[0].frame_percent[2026] == 70 if after.sectors[0].code == ROAD else True
    assert after.total("frame", 2026) == Decimal(70) * 1100 + Decimal(18000)
    with translation.override("en"):
        (sentence,) = climate.revision_sentences(after)
    assert sentence.startswith(
        "Miljødirektoratet revised road traffic's emissions in 2009 from 100,000 to 110,000 tonnes on "
    )
    assert sentence.endswith("The frames keep their per cent of the reference year; their tonnes changed with it.")


def test_a_draft_version_has_no_revision_to_speak_of(budget):
    budget.plan.status, budget.plan.adopted_on = PlanStatus.DRAFT, None
    budget.plan.save()
    assert climate.revisions_since(budget) == []


def test_a_cut_the_inventory_does_not_capture_is_said_but_not_counted(budget, result_indicator):
    make.climate_measure(budget, "T1", ROAD, cuts={2026: 4000}, result_indicator=result_indicator)
    make.climate_measure(
        budget, "T2", ROAD, cuts={2026: 3000}, result_indicator=result_indicator, captured_by_inventory=False
    )
    view = climate.compose(budget, 2026)
    assert view.headline.covered == Decimal(4000)
    assert view.total_with_measures(2026) == Decimal(78000 - 4000 + 20000)
    with translation.override("en"):
        assert climate.uncaptured_sentence(view) == (
            "Measures that Miljødirektoratet's inventory does not capture are expected to cut 3,000 tonnes in 2026 "
            "more; they are not counted in the path with measures."
        )
