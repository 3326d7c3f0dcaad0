"""Import a table from Statistics Norway in JSON-stat 2.0 (PxWebApi v2, outputFormat=json-stat2) into an indicator.

The region dimension (`Region`, or KOSTRA's `KOKkommuneregion0000`) is mapped to
municipalities through their code history, so a figure under an old number lands on
the right municipality for its year; the time dimension gives the year; one content
code (ContentsCode) is the indicator's figure. An empty cell's status holds SSB's symbol,
read as indicators.importers.ssb_symbols says (".." missing, ":" confidential, "." not
applicable, "-" zero); an empty cell without one is missing.

The whole file is checked before anything is written. For a per-inhabitant
indicator, import the table's total amount (e.g. tonnes, table 13136), not a
per-inhabitant figure: the portal computes that from the population.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from indicators import jsonstat
from indicators.importers.base import (
    MAX_PROBLEMS,
    CodeTable,
    Elsewhere,
    ImportRejected,
    Problem,
    Skipped,
    describe_elsewhere,
)
from indicators.importers.ssb_symbols import read_symbol
from indicators.models import SOURCE_LENGTH, Indicator, ValueState
from indicators.numbers import amount_problem
from indicators.services import (
    ApplyResult,
    PlannedChange,
    ProposedValue,
    apply_values,
    count_changes,
    preview_values,
)

# Dimension ids SSB uses, for files that do not say which dimension has which role.
REGION_IDS = ("Region", "KOKkommuneregion0000")
TIME_IDS = ("Tid",)
METRIC_IDS = ("ContentsCode",)
MUNICIPALITY_CODE = re.compile(r"^(?:K-)?(\d{4})$")
YEAR = re.compile(r"^\d{4}$")


@dataclass
class JsonStatImport:
    """A checked JSON-stat file: what importing it would change, and what was left out and why."""

    indicator: Indicator
    filename: str
    table: str
    contents: str
    source: str
    updated: str
    changes: list[PlannedChange] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # Figures filed on a municipality under a number it did not have that year (a table by today's numbers).
    elsewhere: list[Elsewhere] = field(default_factory=list)

    @property
    def counts(self) -> ApplyResult:
        return count_changes(self.changes)

    def filed_elsewhere(self) -> list[str]:
        return describe_elsewhere(self.elsewhere)

    def skipped_regions(self) -> list[tuple[str, str, int]]:
        """Each skipped region and reason once, with how many cells it covered."""
        counted = Counter((s.region, s.reason) for s in self.skipped)
        return [(region, reason, n) for (region, reason), n in counted.items()]


class RegionFigures:
    """Choose, for each municipality and year, the one region of a table whose figure is the municipality's.

    A region is offered with the municipality number in its code (None for a county, the country or anything
    else), and lands on the municipality that had the number on 1 January of the year. A table that labels
    older years with a later number is understood; when the number in force and another both have the year,
    the one in force wins; two numbers in force for the same municipality are a problem.
    """

    def __init__(self, *, allowed=None):
        self.codes = CodeTable()
        self.allowed = allowed
        self.skipped: list[Skipped] = []
        self.problems: list[Problem] = []
        # (municipality, year) → (exact: the number was in force that year, region code, figure, where it was filed
        # when not exact)
        self._chosen: dict[tuple[int, int], tuple[bool, str, object, Elsewhere | None]] = {}

    def offer(self, number: str | None, *, year: int, region: str, place: str, position: int, empty: bool, figure):
        """Consider the region's figure for the year; `empty` says it has no figure and no symbol either."""
        if number is None:
            self.skipped.append(Skipped(position, place, _("not a municipality")))
            return
        filing = self.codes.file(number, year)
        municipality_id = filing.municipality_id
        if municipality_id is None:
            if not empty:
                self.skipped.append(Skipped(position, place, filing.reason))
            return
        exact = filing.elsewhere is None
        if empty and not exact:
            return  # SSB lists every region for every year; an old number is empty in later years
        if self.allowed is not None and not self.allowed(municipality_id):
            self.skipped.append(Skipped(position, place, _("you may not import this municipality's figures")))
            return
        earlier = self._chosen.get((municipality_id, year))
        if earlier is not None:
            if earlier[0] and exact:
                self.problems.append(
                    Problem(
                        _("%(first)s and %(second)s are the same municipality in %(year)s; the table has both.")
                        % {"first": earlier[1], "second": region, "year": year}
                    )
                )
                return
            if earlier[0] or not exact:
                self.skipped.append(Skipped(position, place, _("the number in force that year was used instead")))
                return
        self._chosen[(municipality_id, year)] = (exact, region, figure, filing.elsewhere)

    @property
    def elsewhere(self) -> list[Elsewhere]:
        """The figures chosen that were filed under a number their municipality did not have that year."""
        return [filed for _exact, _region, _figure, filed in self._chosen.values() if filed is not None]

    def chosen(self) -> list[tuple[int, int, str, object]]:
        """Each (municipality, year, region code, figure) chosen, in order."""
        return [(m, year, region, figure) for (m, year), (_exact, region, figure, _e) in sorted(self._chosen.items())]


def _dimension(dataset: jsonstat.Dataset, role: str, known: tuple[str, ...]) -> str | None:
    found = dataset.dimension_for_role(role)
    if found:
        return found
    return next((d for d in known if d in dataset.dimension_ids), None)


def read_jsonstat(
    data: bytes,
    *,
    filename: str,
    indicator: Indicator,
    contents: str = "",
    table: str = "",
    allowed=None,
) -> JsonStatImport:
    """Check the whole file and return what importing it into the indicator would do; write nothing.

    allowed(municipality_id) says whether the importer may write that municipality's
    figures; others are skipped with the reason. Raises ImportRejected listing every problem.
    """
    try:
        dataset = jsonstat.parse(data)
    except jsonstat.JsonStatError as error:
        raise ImportRejected([Problem(p) for p in error.problems]) from None

    problems: list[Problem] = []
    region = _dimension(dataset, "geo", REGION_IDS)
    time = _dimension(dataset, "time", TIME_IDS)
    metric = _dimension(dataset, "metric", METRIC_IDS)
    if region is None:
        problems.append(Problem(_("The table has no region dimension (Region or KOKkommuneregion0000).")))
    if time is None:
        problems.append(Problem(_("The table has no time dimension (Tid).")))
    broken_down = [
        d for d in dataset.dimension_ids if d not in {region, time, metric} and len(dataset.dimensions[d]) > 1
    ]
    if broken_down:
        problems.append(
            Problem(
                _(
                    "The table is broken down by %(dimensions)s. Ask SSB for one category of each (or the total), "
                    "so that each municipality and year has one figure."
                )
                % {"dimensions": ", ".join(f"“{d}”" for d in broken_down)}
            )
        )
    available = dataset.dimensions[metric].codes if metric else []
    if metric and not contents:
        if len(available) == 1:
            contents = available[0]
        else:
            problems.append(
                Problem(
                    _("The table has several contents (%(codes)s); choose the one to import.")
                    % {"codes": ", ".join(available)}
                )
            )
    elif metric and contents not in available:
        problems.append(
            Problem(
                _("The table has no contents “%(code)s”; it has %(codes)s.")
                % {"code": contents, "codes": ", ".join(available)}
            )
        )
    if problems:
        raise ImportRejected(problems)

    extension = dataset.extension or {}
    table = table or str((extension.get("px") or {}).get("tableid", "") or "")
    regions = RegionFigures(allowed=allowed)
    bad_years: set[str] = set()
    label_of = dataset.dimensions[region].labels
    for cell in dataset.cells():
        if metric and cell.coordinates[metric] != contents:
            continue
        region_code, period = cell.coordinates[region], cell.coordinates[time]
        if not YEAR.match(period):
            bad_years.add(period)
            continue
        match = MUNICIPALITY_CODE.match(region_code)
        regions.offer(
            match.group(1) if match else None,
            year=int(period),
            region=region_code,
            place=f"{region_code} {label_of[region_code]}".strip(),
            position=cell.position,
            empty=cell.value is None,
            figure=cell,
        )
    problems.extend(regions.problems)
    if bad_years:
        problems.append(
            Problem(
                _("Only whole years can be imported; the table has the periods %(periods)s.")
                % {"periods": ", ".join(sorted(bad_years)[:10])}
            )
        )
    proposed = []
    for municipality_id, year, region_code, cell in regions.chosen():
        if cell.value is not None:
            value = Decimal(str(cell.value))
        else:
            # An empty cell says why with SSB's symbol as its status; without one it is missing, never zero.
            value, state = read_symbol(cell.status) or (None, ValueState.MISSING)
            if value is None:
                proposed.append(ProposedValue(municipality_id=municipality_id, year=year, value=None, state=state))
                continue
        problem = amount_problem(value, indicator.entry_unit)
        if problem:
            problems.append(Problem(f"{region_code} {year}: {problem}"))
            continue
        proposed.append(
            ProposedValue(municipality_id=municipality_id, year=year, value=value.quantize(Decimal("0.000001")))
        )
    if problems:
        raise ImportRejected(problems[:MAX_PROBLEMS])

    updated = dataset.updated or ""
    source = _("SSB, table %(table)s (%(contents)s), updated %(updated)s, file %(file)s") % {
        "table": table or "?",
        "contents": contents or "–",
        "updated": updated[:10] or "?",
        "file": filename,
    }
    return JsonStatImport(
        indicator=indicator,
        filename=filename,
        table=table,
        contents=contents,
        source=source[:SOURCE_LENGTH],
        updated=updated,
        changes=preview_values(indicator=indicator, proposed=proposed),
        skipped=regions.skipped,
        elsewhere=regions.elsewhere,
    )


def apply_jsonstat(checked: JsonStatImport, *, user, data_import=None, series_break: bool = False) -> ApplyResult:
    """Publish the checked file's figures as SSB's in one transaction (official statistics, see
    services.apply_values()); unchanged figures write nothing."""
    return apply_values(
        indicator=checked.indicator,
        proposed=[change.proposed for change in checked.changes],
        user=user,
        source=checked.source,
        reason=_("Imported from SSB table %(table)s") % {"table": checked.table or "?"},
        official=True,
        data_import=data_import,
        series_break=series_break,
    )
