"""Is a municipality on track for its goal? The method, in one place, so the page can explain it.

The method follows Statistics Canada's assessment of progress towards the
Sustainable Development Goals, simplified for a handful of yearly values:

1. Target reached: the latest value is at or beyond the target.
2. Otherwise fit a straight line (least squares) to the values from the baseline
   year on, at most the last TREND_YEARS observations. With fewer than two
   values after the baseline, compare the latest value with the baseline.
3. Moving the wrong way: the trend goes away from the target.
4. On track: the trend, projected to the target year, reaches the target.
   Off track: it does not.
5. Not enough data: no baseline or target, or no value after the baseline year.

Once there is a value for the target year or a later one, the deadline has come and nothing is projected any
more: the verdict is on the deadline. The value at the deadline is the target year's, or when that year has none,
the latest before it (the baseline when there is none since). Its label then names the target year:

- "Target reached by 2020": the value at the deadline was at or beyond the target, and the latest value is too.
- "Reached in 2022, after the 2020 deadline": the value at the deadline was not, the latest value is; 2022 is
  the first year of the unbroken run of values at or beyond the target that ends with the latest one.
- "Reached by 2020, but no longer": the value at the deadline was, the latest value is not (off track).
- "Not reached by 2020": neither the value at the deadline nor the latest value is (off track).

The first two count as target reached, the last two as off track, so the five statuses stay the five a page
counts and colours; only the words say what happened at the deadline.

When do we get there (pace(), on top of the assessment, never changing it):

- The needed change: what it takes each year to go from the latest figure to the target in the target year,
  both in the goal's unit, (target − latest) / years, and compounded in per cent, (target / latest)^(1/years) − 1.
  The per cent is left out when the latest figure or the target is zero or negative (no ratio of them means
  anything); the pages then give the change in the unit. For a share in per cent the pages give the change in
  percentage points: a per cent of a per cent is easily misread. Nothing is needed once the target is reached, nor once
  the deadline has come.
- The reach year: the first whole year in which the trend of step 2 (the line through the latest figure with the
  fitted slope, the one projected to the target year) is at or beyond the target. It is on or before the target
  year exactly when the goal is on track. A flat trend or one moving the wrong way never gets there: the pages
  say "not at the current pace". A reach year after REACH_HORIZON (2100) is not named: so far out, a straight
  line says nothing, and the pages say "not before 2100".
- Not enough data, and a deadline that has come (see above), project nothing: no reach year, no needed change.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TREND_YEARS = 5
# The last year a reach year is named; a trend that gets there later is "not before" it (see the docstring).
REACH_HORIZON = 2100


class Progress(models.TextChoices):
    REACHED = "reached", _("Target reached")
    ON_TRACK = "on_track", _("On track")
    OFF_TRACK = "off_track", _("Off track")
    WRONG_WAY = "wrong_way", _("Moving the wrong way")
    NOT_ENOUGH_DATA = "no_data", _("Not enough data")


@dataclass(frozen=True)
class Assessment:
    status: str
    latest_year: int | None = None
    latest: float | None = None
    slope: float | None = None  # units per year
    projected: float | None = None  # the trend's value in the target year
    trend_from: int | None = None  # the first year the trend is fitted to
    # Set once there is a value for the target year or later: the verdict is then on the deadline (the target year).
    deadline: int | None = None
    met_at_deadline: bool = False  # the value at the deadline was at or beyond the target
    reached_in: int | None = None  # reached after a missed deadline: the year it was (see the module's docstring)
    points: tuple[tuple[int, float], ...] = ()  # the (year, value) points the trend is fitted to

    @property
    def label(self) -> str:
        """The progress in words, naming the deadline once it has come (see the module's docstring)."""
        if self.deadline is None:
            return str(Progress(self.status).label)
        year = str(self.deadline)  # a year, never "2 020"
        if self.status == Progress.REACHED:
            if self.met_at_deadline:
                return gettext("Target reached by %(year)s") % {"year": year}
            return gettext("Reached in %(reached)s, after the %(year)s deadline") % {
                "reached": str(self.reached_in),
                "year": year,
            }
        if self.met_at_deadline:
            return gettext("Reached by %(year)s, but no longer") % {"year": year}
        return gettext("Not reached by %(year)s") % {"year": year}

    @property
    def verdict(self) -> tuple:
        """What a reader is told: a change in any of it is a change in progress."""
        return (self.status, self.deadline, self.met_at_deadline, self.reached_in)

    def trend_at(self, year: int) -> float | None:
        if self.slope is None or self.latest is None:
            return None
        return self.latest + self.slope * (year - self.latest_year)


def fit_slope(points: list[tuple[int, float]]) -> float:
    """Return the least-squares slope of value on year (at least two distinct years)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return sxy / sxx


def assess(
    *,
    series: dict[int, Decimal | float],
    baseline_year: int | None,
    baseline_value: Decimal | float | None,
    target_year: int | None,
    target_value: Decimal | float | None,
    lower_is_better: bool,
) -> Assessment:
    """Assess progress from yearly values (year → figure in the goal's unit)."""
    if baseline_year is None or baseline_value is None or target_year is None or target_value is None:
        # No verdict without a baseline and a target, but the latest figure is still worth showing.
        known = sorted((year, float(v)) for year, v in series.items() if v is not None)
        return Assessment(Progress.NOT_ENOUGH_DATA, *known[-1]) if known else Assessment(Progress.NOT_ENOUGH_DATA)
    observed = sorted((year, float(v)) for year, v in series.items() if v is not None and year >= baseline_year)
    after = [(year, v) for year, v in observed if year > baseline_year]
    if not after:
        return Assessment(Progress.NOT_ENOUGH_DATA)
    latest_year, latest = after[-1]
    target, baseline = float(target_value), float(baseline_value)
    sign = -1 if lower_is_better else 1  # +1 when larger is better

    def meets(value: float) -> bool:
        return sign * (value - target) >= 0

    if target_year <= latest_year:
        return _at_deadline(observed, baseline_year, baseline, target_year, meets)
    if meets(latest):
        return Assessment(Progress.REACHED, latest_year, latest)
    points = observed[-TREND_YEARS:]
    if baseline_year not in dict(observed):
        points = [(baseline_year, baseline), *points][-TREND_YEARS:]
    if len(points) < 2:
        points = [(baseline_year, baseline), (latest_year, latest)]
    slope = fit_slope(points)
    projected = latest + slope * (target_year - latest_year)
    if sign * slope < 0:
        status = Progress.WRONG_WAY
    elif sign * (projected - target) >= 0:
        status = Progress.ON_TRACK
    else:
        status = Progress.OFF_TRACK
    return Assessment(status, latest_year, latest, slope, projected, points[0][0], points=tuple(points))


def _at_deadline(observed, baseline_year, baseline, target_year, meets) -> Assessment:
    """The verdict once there are values for the target year or later (see the module's docstring)."""
    latest_year, latest = observed[-1]
    known = dict([(baseline_year, baseline), *observed])  # a recorded value of the baseline year wins
    before = [year for year in known if year <= target_year]
    at_deadline = known[max(before)] if before else baseline
    met = meets(at_deadline)
    if not meets(latest):
        return Assessment(Progress.OFF_TRACK, latest_year, latest, deadline=target_year, met_at_deadline=met)
    reached_in = None
    if not met:
        # The first year of the unbroken run of values at or beyond the target that ends with the latest one.
        for year, value in reversed(observed):
            if not meets(value):
                break
            reached_in = year
    return Assessment(
        Progress.REACHED, latest_year, latest, deadline=target_year, met_at_deadline=met, reached_in=reached_in
    )


# --- when do we get there ----------------------------------------------------------------------------------------


class Reach(StrEnum):
    """Where the current pace leads (see the module's docstring); the pages put it into words."""

    ALREADY = "already"  # the target is reached
    IN_YEAR = "in_year"  # the trend gets there in reach_year
    BEYOND = "beyond"  # the trend gets there, but after the horizon
    NEVER = "never"  # flat, or moving away from the target
    PASSED = "passed"  # the deadline has come without the target: nothing is projected
    UNKNOWN = "unknown"  # not enough data


@dataclass(frozen=True)
class Pace:
    reach: str  # a Reach value
    target_year: int
    target: float
    reach_year: int | None = None  # set for Reach.IN_YEAR
    needed_per_year: float | None = None  # units a year, from the latest figure to the target in the target year
    needed_rate: float | None = None  # the same as a share a year, compounded; None when it means nothing

    @property
    def years_after_deadline(self) -> int | None:
        """How many years after the target year the target is reached (negative: before it)."""
        return None if self.reach_year is None else self.reach_year - self.target_year


def needed_change(*, latest_year: int, latest: float, target_year: int, target: float) -> tuple[float, float | None]:
    """Return the change a year from the latest figure to the target in the target year: in units, and as a share
    compounded yearly (None when the latest figure or the target is zero or negative). The target year is later."""
    years = target_year - latest_year
    absolute = (target - latest) / years
    rate = (target / latest) ** (1 / years) - 1 if latest > 0 and target > 0 else None
    return absolute, rate


def reach_year(*, latest_year: int, latest: float, slope: float, target: float, lower_is_better: bool) -> int | None:
    """Return the first whole year the trend through the latest figure is at or beyond the target, or None when it
    never gets there (flat, or moving away)."""
    sign = -1 if lower_is_better else 1

    def meets(year: int) -> bool:
        return sign * (latest + slope * (year - latest_year) - target) >= 0

    if meets(latest_year):
        return latest_year
    if sign * slope <= 0:
        return None
    years = (target - latest) / slope
    if not math.isfinite(years):
        return None
    year = latest_year + max(math.ceil(years), 1)
    # The same arithmetic as the projection decides, so a target reached in the target year is on track.
    while year - 1 > latest_year and meets(year - 1):
        year -= 1
    while not meets(year):
        year += 1
    return year


def pace(
    assessment: Assessment,
    *,
    target_year: int,
    target_value: Decimal | float,
    lower_is_better: bool,
    horizon: int = REACH_HORIZON,
) -> Pace:
    """Where the assessed trend leads, and what reaching the target in time takes (see the module's docstring)."""
    target = float(target_value)
    if assessment.status == Progress.REACHED:
        return Pace(Reach.ALREADY, target_year, target)
    if assessment.deadline is not None:
        return Pace(Reach.PASSED, target_year, target)
    if assessment.status == Progress.NOT_ENOUGH_DATA or assessment.slope is None:
        return Pace(Reach.UNKNOWN, target_year, target)
    absolute, rate = needed_change(
        latest_year=assessment.latest_year, latest=assessment.latest, target_year=target_year, target=target
    )
    year = reach_year(
        latest_year=assessment.latest_year,
        latest=assessment.latest,
        slope=assessment.slope,
        target=target,
        lower_is_better=lower_is_better,
    )
    if year is None:
        reach = Reach.NEVER
    elif year > horizon:
        reach, year = Reach.BEYOND, None
    else:
        reach = Reach.IN_YEAR
    return Pace(reach, target_year, target, year, absolute, rate)
