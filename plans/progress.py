"""Is a municipality on track for its goal? The method, in one place, so the page can explain it.

The method follows Statistics Canada's assessment of progress towards the
Sustainable Development Goals, simplified for a handful of yearly values:

1. Target reached: the latest value is at or beyond the target.
2. Otherwise fit a straight line (least squares) to the values from the baseline
   year on, at most the last TREND_YEARS observations. With fewer than two
   values after the baseline, compare the latest value with the baseline.
3. Moving the wrong way: the trend goes away from the target.
4. On track: the trend, projected to the target year, reaches the target.
   Off track: it does not, or the target year has passed without the target being reached.
5. Not enough data: no baseline or target, or no value after the baseline year.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
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

    @property
    def label(self) -> str:
        return Progress(self.status).label

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
        return Assessment(Progress.NOT_ENOUGH_DATA)
    observed = sorted((year, float(v)) for year, v in series.items() if v is not None and year >= baseline_year)
    after = [(year, v) for year, v in observed if year > baseline_year]
    if not after:
        return Assessment(Progress.NOT_ENOUGH_DATA)
    latest_year, latest = after[-1]
    target, baseline = float(target_value), float(baseline_value)
    sign = -1 if lower_is_better else 1  # +1 when larger is better

    if sign * (latest - target) >= 0:
        return Assessment(Progress.REACHED, latest_year, latest)
    if target_year <= latest_year:
        return Assessment(Progress.OFF_TRACK, latest_year, latest)  # the target year has passed unmet
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
