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
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TREND_YEARS = 5


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
    return Assessment(status, latest_year, latest, slope, projected, points[0][0])


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
