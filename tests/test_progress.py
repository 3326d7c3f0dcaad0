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


# --- when do we get there: the needed change, the reach year and the sentence -------------------------------------

MINUS = "\u2212"
NBSP = "\xa0"


def kg_per_inhabitant():
    """Household waste as the sentence reads it: kg per inhabitant, no decimals (never saved: no database)."""
    from indicators.models import Computation, Indicator

    return Indicator(code="avfall", name_en="Household waste", unit="kg", computation=Computation.PER_INHABITANT)


def when(series, *, goal=GOAL, lower_is_better=True, indicator=None, language="en"):
    """The pace sentence for the goal and figures, in the language."""
    from plans.dashboard import pace_sentence
    from plans.progress import pace

    assessment = assess(series=series, lower_is_better=lower_is_better, **goal)
    found = pace(
        assessment,
        target_year=goal["target_year"],
        target_value=goal["target_value"],
        lower_is_better=lower_is_better,
    )
    with translation.override(language):
        return found, pace_sentence(found, indicator or kg_per_inhabitant())


# 2.2 kg less a year from 408.8 kg in 2019 to 400 kg in 2023; the target, 383.4 kg in 2025, takes 8 years at that pace.
LATE = {
    "baseline_year": 2019,
    "baseline_value": Decimal("408.8"),
    "target_year": 2025,
    "target_value": Decimal("383.4"),
}
LATE_SERIES = {2019: 408.8, 2020: 406.6, 2021: 404.4, 2022: 402.2, 2023: 400}


def test_the_needed_change_is_per_year_from_the_latest_figure_to_the_target_in_the_target_year():
    from plans.progress import needed_change

    absolute, rate = needed_change(latest_year=2023, latest=400, target_year=2025, target=383.4)
    assert absolute == pytest.approx(-8.3)
    assert rate == pytest.approx((383.4 / 400) ** 0.5 - 1)
    assert rate == pytest.approx(-0.021, abs=0.0005)


@pytest.mark.parametrize(("latest", "target"), [(0, 10), (10, 0), (-5, 10), (5, -10)])
def test_a_per_cent_needs_a_positive_latest_figure_and_target(latest, target):
    from plans.progress import needed_change

    absolute, rate = needed_change(latest_year=2023, latest=latest, target_year=2028, target=target)
    assert rate is None
    assert absolute == pytest.approx((target - latest) / 5)


def test_the_reach_year_is_the_first_whole_year_the_trend_is_at_or_beyond_the_target():
    from plans.progress import reach_year

    # 400 falling 10 a year: 350 exactly in 2028, which counts; 355 is passed during 2028 too.
    assert reach_year(latest_year=2023, latest=400, slope=-10, target=350, lower_is_better=True) == 2028
    assert reach_year(latest_year=2023, latest=400, slope=-10, target=355, lower_is_better=True) == 2028
    assert reach_year(latest_year=2023, latest=400, slope=-10, target=349, lower_is_better=True) == 2029
    assert reach_year(latest_year=2023, latest=40, slope=3, target=50, lower_is_better=False) == 2027
    assert reach_year(latest_year=2023, latest=400, slope=0, target=350, lower_is_better=True) is None
    assert reach_year(latest_year=2023, latest=400, slope=1, target=350, lower_is_better=True) is None


def test_the_reach_year_agrees_with_the_status_when_the_target_falls_in_the_target_year():
    # 10 kg less a year from 391 in 2025: 341 in 2030, on track; the trend passes 350 in 2030 (391 − 41 > 350 in 2029).
    found, _sentence = when({2021: 431, 2022: 421, 2023: 411, 2024: 401, 2025: 391})
    assert found.reach_year == 2030
    assert waste({2021: 431, 2022: 421, 2023: 411, 2024: 401, 2025: 391}).status == Progress.ON_TRACK


def test_the_sentence_names_the_reach_year_the_years_after_the_deadline_and_the_rate_needed():
    found, english = when(LATE_SERIES, goal=LATE)
    assert (found.reach, found.reach_year) == ("in_year", 2031)
    assert english == (
        f"At the current pace the target is reached in 2031, 6 years after the deadline; "
        f"reaching it by 2025 takes {MINUS}2.1% a year."
    )
    assert when(LATE_SERIES, goal=LATE, language="nb")[1] == (
        f"Med dagens utvikling nås målet i 2031, 6 år etter fristen; det trengs {MINUS}2,1{NBSP}% per år for å nå det "
        "innen 2025."
    )
    assert when(LATE_SERIES, goal=LATE, language="nn")[1] == (
        f"Med dagens utvikling blir målet nådd i 2031, 6 år etter fristen; det trengst {MINUS}2,1{NBSP}% per år for å "
        "nå det innan 2025."
    )


def test_one_year_after_before_or_in_the_target_year_reads_naturally():
    goal = {**LATE, "target_year": 2030, "target_value": Decimal("382")}  # reached during 2031 (400 − 8 × 2.2 = 382.4)
    assert "reached in 2032, 2 years after" in when(LATE_SERIES, goal=goal)[1]
    assert (
        "reached in 2031, 1 year after the deadline"
        in when(LATE_SERIES, goal={**goal, "target_year": 2030, "target_value": 383})[1]
    )
    assert "reached in 2031, 1 year before the deadline" in when(LATE_SERIES, goal={**LATE, "target_year": 2032})[1]
    assert "reached in 2031, the target year;" in when(LATE_SERIES, goal={**LATE, "target_year": 2031})[1]
    assert (
        "nås målet i 2031, 1 år før fristen" in when(LATE_SERIES, goal={**LATE, "target_year": 2032}, language="nb")[1]
    )


def test_a_target_already_reached_needs_nothing_more():
    found, english = when({2021: 431, 2022: 400, 2023: 349})
    assert (found.reach, found.reach_year, found.needed_per_year) == ("already", None, None)
    assert english == "The target is reached."
    assert when({2021: 431, 2022: 400, 2023: 349}, language="nb")[1] == "Målet er nådd."


def test_moving_the_wrong_way_never_gets_there_but_says_what_it_takes():
    found, english = when({2021: 431, 2022: 440, 2023: 452})
    assert found.reach == "never"
    rate = (350 / 452) ** (1 / 7) - 1  # from 452 kg in 2023 to 350 kg in 2030
    assert english == (
        f"At the current pace the target is not reached; reaching it by 2030 takes {MINUS}{abs(rate) * 100:.1f}% a year."
    )
    assert when({2021: 431, 2022: 440, 2023: 452}, language="nb")[1].startswith(
        f"Målet nås ikke ved dagens utvikling; det trengs {MINUS}3,6{NBSP}% per år"
    )


def test_a_flat_trend_never_gets_there():
    found, english = when({2021: 431, 2022: 431, 2023: 431})
    assert (found.reach, found.reach_year) == ("never", None)
    assert english.startswith("At the current pace the target is not reached;")


def test_a_reach_year_after_2100_is_not_named():
    # 431 → 430 over two years: half a kilo a year, 80 kg to go from 430 in 2023 takes until 2183.
    found, english = when({2021: 431, 2023: 430})
    assert (found.reach, found.reach_year) == ("beyond", None)
    assert english.startswith("At the current pace the target is not reached before 2100; reaching it by 2030 takes")
    assert when({2021: 431, 2023: 430}, language="nb")[1].startswith("Med dagens utvikling nås ikke målet før 2100;")


def test_a_target_year_that_has_passed_projects_nothing():
    found, english = when({2021: 431, 2025: 420, 2030: 400, 2031: 390})
    assert (found.reach, found.reach_year, found.needed_per_year) == ("passed", None, None)
    assert english == "The target year 2030 has passed without the target being reached; nothing is projected."
    assert when({2021: 431, 2030: 400}, language="nn")[1] == (
        "Målåret 2030 er passert utan at målet er nådd; det blir ikkje framskrive lenger."
    )


def test_too_few_figures_say_so():
    found, english = when({2019: 450, 2021: 431})  # nothing after the baseline year
    assert found.reach == "unknown"
    assert english == "There are too few figures since the baseline year to tell when the target will be reached."


def test_a_zero_or_negative_figure_gives_the_change_a_year_in_the_unit():
    # A net result in per cent of income: from −2 % in 2023 to +1 % in 2026, one point a year.
    from indicators.models import Indicator

    result = Indicator(code="netto", name_en="Net operating result", unit="tonnes")
    goal = {"baseline_year": 2021, "baseline_value": Decimal(-4), "target_year": 2026, "target_value": Decimal(1)}
    found, english = when({2021: -4, 2022: -3, 2023: -2}, goal=goal, lower_is_better=False, indicator=result)
    assert found.needed_rate is None
    assert found.needed_per_year == pytest.approx(1)
    assert english.endswith(f"reaching it by 2026 takes +1.0{NBSP}tonnes a year.")
    zero = {"baseline_year": 2021, "baseline_value": Decimal(40), "target_year": 2026, "target_value": Decimal(0)}
    found, bokmal = when({2021: 40, 2023: 30}, goal=zero, indicator=kg_per_inhabitant(), language="nb")
    assert found.needed_rate is None
    assert bokmal.endswith(f"det trengs {MINUS}10{NBSP}kg per innbygger per år for å nå det innen 2026.")


def test_a_share_in_per_cent_needs_percentage_points():
    from indicators.models import Indicator

    share = Indicator(code="andel", name_en="Share", unit="percent")
    goal = {"baseline_year": 2020, "baseline_value": Decimal(65), "target_year": 2030, "target_value": Decimal(98)}
    found, english = when({2020: 65, 2023: 74}, goal=goal, lower_is_better=False, indicator=share)
    assert english.endswith("reaching it by 2030 takes +3.4 percentage points a year.")
    assert when({2020: 65, 2023: 74}, goal=goal, lower_is_better=False, indicator=share, language="nb")[1].endswith(
        "det trengs +3,4 prosentpoeng per år for å nå det innen 2030."
    )
