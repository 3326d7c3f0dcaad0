"""The progress method: reached, on track, off track, wrong way, not enough data."""

from decimal import Decimal

import pytest
from django.utils import translation

from plans.progress import Progress, assess, fit_slope

# Household waste in kg per inhabitant, lower is better: 431 kg in 2021, target 350 kg in 2030.
GOAL = {"baseline_year": 2021, "baseline_value": Decimal(431), "target_year": 2030, "target_value": Decimal(350)}


@pytest.fixture(autouse=True)
def _english():
    """Labels in English, the source language, unless a test asks for another."""
    with translation.override("en"):
        yield


def waste(series):
    return assess(series=series, lower_is_better=True, **GOAL)


def test_a_straight_line_has_its_slope():
    assert fit_slope([(2020, 10.0), (2021, 12.0), (2022, 14.0)]) == pytest.approx(2.0)


def test_a_value_beyond_the_target_has_reached_it():
    assert waste({2021: 431, 2022: 400, 2023: 349}).status == Progress.REACHED


def test_a_trend_that_reaches_the_target_in_time_is_on_track():
    # 10 kg less each year: 391 in 2025 projects to 341 in 2030.
    result = waste({2021: 431, 2022: 421, 2023: 411, 2024: 401, 2025: 391})
    assert result.status == Progress.ON_TRACK
    assert result.slope == pytest.approx(-10)
    assert result.projected == pytest.approx(341)


def test_a_trend_too_slow_for_the_target_is_off_track():
    # 2 kg less each year reaches only 413 in 2030.
    assert waste({2021: 431, 2022: 429, 2023: 427, 2024: 425}).status == Progress.OFF_TRACK


def test_a_trend_away_from_the_target_is_moving_the_wrong_way():
    assert waste({2021: 431, 2022: 440, 2023: 452}).status == Progress.WRONG_WAY


def test_higher_is_better_turns_the_comparison_round():
    goal = {"baseline_year": 2020, "baseline_value": 10, "target_year": 2026, "target_value": 40}
    assert assess(series={2020: 10, 2022: 20, 2024: 30}, lower_is_better=False, **goal).status == Progress.ON_TRACK
    assert assess(series={2020: 10, 2022: 8}, lower_is_better=False, **goal).status == Progress.WRONG_WAY


def test_one_value_after_the_baseline_is_compared_with_the_baseline():
    # No 2021 observation: the baseline itself starts the line. 431 → 380 in two years is fast enough.
    result = waste({2023: 380})
    assert result.status == Progress.ON_TRACK
    assert result.trend_from == 2021


@pytest.mark.parametrize(
    ("series", "goal"),
    [
        ({}, GOAL),
        ({2019: 450, 2020: 440}, GOAL),  # nothing after the baseline
        ({2022: 400}, {**GOAL, "target_value": None}),
        ({2022: 400}, {**GOAL, "baseline_year": None}),
    ],
)
def test_without_baseline_target_or_new_values_there_is_not_enough_data(series, goal):
    assert assess(series=series, lower_is_better=True, **goal).status == Progress.NOT_ENOUGH_DATA


def test_only_the_recent_years_make_the_trend():
    # A fall long ago and a rise in the last five years: the recent rise counts.
    series = {2021: 431, 2022: 300, 2023: 420, 2024: 425, 2025: 430, 2026: 435, 2027: 440}
    assert waste(series).status == Progress.WRONG_WAY


def test_a_target_year_that_has_passed_unmet_is_off_track_without_a_projection():
    result = waste({2021: 431, 2025: 420, 2031: 400})
    assert result.status == Progress.OFF_TRACK
    assert result.slope is None


# --- once the deadline has come: the verdict is on the target year ----------------------------------------------


def test_a_target_met_in_its_year_is_reached_by_the_deadline():
    result = waste({2021: 431, 2026: 380, 2030: 349, 2032: 340})
    assert result.status == Progress.REACHED
    assert (result.deadline, result.met_at_deadline, result.reached_in) == (2030, True, None)
    assert result.label == "Target reached by 2030"


def test_a_target_reached_only_after_its_deadline_names_the_year_it_was():
    # 2030 missed (360 kg); 350 kg and below from 2032 on (2031 dipped below, then rose again).
    result = waste({2021: 431, 2030: 360, 2031: 349, 2032: 351, 2033: 350, 2034: 345})
    assert result.status == Progress.REACHED
    assert (result.met_at_deadline, result.reached_in) == (False, 2033)
    assert result.label == "Reached in 2033, after the 2030 deadline"


def test_a_target_missed_at_its_deadline_and_since_is_not_reached_by_it():
    result = waste({2021: 431, 2030: 360, 2032: 355})
    assert result.status == Progress.OFF_TRACK
    assert result.label == "Not reached by 2030"


def test_a_target_met_at_its_deadline_but_lost_since_says_so():
    result = waste({2021: 431, 2030: 349, 2032: 362})
    assert result.status == Progress.OFF_TRACK
    assert result.label == "Reached by 2030, but no longer"


def test_without_a_figure_for_the_target_year_the_latest_before_it_decides():
    # No 2030 figure: 2029's 349 kg stood at the deadline.
    assert waste({2021: 431, 2029: 349, 2031: 340}).label == "Target reached by 2030"
    # No figure between the baseline and the deadline: the baseline stood at it.
    assert waste({2031: 340}).label == "Reached in 2031, after the 2030 deadline"


def test_before_the_deadline_the_words_are_the_plain_status():
    assert waste({2021: 431, 2023: 349}).label == "Target reached"
    assert waste({2021: 431, 2023: 349}).deadline is None


@pytest.mark.parametrize(
    ("language", "series", "label"),
    [
        ("nb", {2030: 349}, "Målet nådd innen 2030"),
        ("nb", {2030: 360, 2031: 349}, "Nådd i 2031, etter fristen i 2030"),
        ("nb", {2030: 349, 2031: 360}, "Nådd innen 2030, men ikke lenger"),
        ("nb", {2030: 360}, "Ikke nådd innen 2030"),
        ("nn", {2030: 349}, "Målet nådd innan 2030"),
        ("nn", {2030: 360, 2031: 349}, "Nådd i 2031, etter fristen i 2030"),
        ("nn", {2030: 349, 2031: 360}, "Nådd innan 2030, men ikkje lenger"),
        ("nn", {2030: 360}, "Ikkje nådd innan 2030"),
    ],
)
def test_the_deadline_words_in_bokmal_and_nynorsk(language, series, label):
    with translation.override(language):
        assert waste(series).label == label


def test_a_goal_without_a_target_gets_no_verdict_but_shows_its_latest_figure():
    # Kongsberg's kommuneplan names built-up area per inhabitant as a goal without a target figure.
    result = assess(
        series={2020: Decimal("1086.1"), 2021: Decimal("1102.4"), 2019: None},
        baseline_year=2020,
        baseline_value=Decimal("1086.1"),
        target_year=None,
        target_value=None,
        lower_is_better=True,
    )
    assert (result.status, result.latest_year, result.latest) == (Progress.NOT_ENOUGH_DATA, 2021, 1102.4)
    empty = assess(series={}, baseline_year=None, baseline_value=None, target_year=None, target_value=None,
                   lower_is_better=True)  # fmt: skip
    assert (empty.status, empty.latest_year) == (Progress.NOT_ENOUGH_DATA, None)
