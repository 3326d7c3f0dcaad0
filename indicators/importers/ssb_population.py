"""Import SSB table 07459 (population on 1 January) as exported from Statistikkbanken.

Reads the wide CSV layout SSB and its re-publishers export: a `region` column such
as `0604 Kongsberg` or `K-3006 Kongsberg`, optional `age`/`alder` and `sex`/`kjønn`
columns, and one column per year (`Persons 2023`, `Personer 2023` or `2023`).
Tab-, semicolon- or comma-separated, UTF-8 or Latin-1, with or without a title line.
Single years of age are added up to the municipality's total.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from tqdm import tqdm

from indicators.importers.base import (
    MAX_PROBLEMS,
    CodeTable,
    Elsewhere,
    ImportRejected,
    Problem,
    Skipped,
    decode_text,
    describe_elsewhere,
    read_table,
)
from indicators.importers.ssb_symbols import read_symbol
from indicators.models import SOURCE_LENGTH, Indicator, ValueState
from indicators.services import (
    ApplyResult,
    PlannedChange,
    ProposedValue,
    apply_values,
    count_changes,
    preview_values,
)

SSB_TABLE = "07459"
REGION_COLUMN = "region"
BREAKDOWN_COLUMNS = {"age", "alder", "sex", "kjønn", "kjonn", "contents", "statistikkvariabel"}
YEAR_COLUMN = re.compile(r"^(?:persons|personer|population|folkemengde)?\s*(\d{4})$", re.IGNORECASE)
MUNICIPALITY_REGION = re.compile(r"^(?:K-)?(\d{4})(?:\s+(.*))?$")
MAX_PERSONS = 10_000_000


@dataclass
class PopulationFile:
    """A parsed 07459 export: municipality totals per year, and what was left out and why."""

    title: str
    years: list[int]
    rows_read: int
    totals: dict[tuple[int, int], tuple[Decimal | None, str]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    # Totals filed on a municipality under a number it did not have that year (an export by today's numbers).
    elsewhere: list[Elsewhere] = field(default_factory=list)

    def skipped_regions(self) -> list[tuple[str, str, int]]:
        """Return each skipped region and reason once, with how many rows or years it covered."""
        counts = Counter((s.region, s.reason) for s in self.skipped)
        return [(region, reason, n) for (region, reason), n in counts.items()]

    def filed_elsewhere(self) -> list[str]:
        return describe_elsewhere(self.elsewhere)


@dataclass
class PopulationImport:
    file: PopulationFile
    result: ApplyResult
    dry_run: bool


def _parse_count(raw: str) -> tuple[int | None, str] | str:
    """Return (number, state) for a cell, or an error message."""
    cell = raw.strip()
    if cell.isdigit():  # the common case, checked first: a file holds hundreds of thousands of cells
        number = int(cell)
    else:
        cell = cell.replace("\xa0", "").replace(" ", "")
        symbol = read_symbol(cell)  # SSB's symbols, as indicators.importers.ssb_symbols reads them
        if symbol is not None:
            figure, state = symbol
            return (None if figure is None else int(figure)), state
        if not cell:
            return _("The cell is empty; SSB marks a missing number with “..”.")
        if not re.fullmatch(r"-?\d+", cell):
            return _("“%(cell)s” is not a whole number of persons.") % {"cell": raw.strip()}
        number = int(cell)
        if number < 0:
            return _("A number of persons cannot be negative (%(cell)s).") % {"cell": raw.strip()}
    if number > MAX_PERSONS:
        return _("%(cell)s persons is more than live in Norway.") % {"cell": raw.strip()}
    return number, ValueState.REPORTED


def parse_population(data: bytes, *, progress: bool = False) -> PopulationFile:
    """Read a 07459 export in full, or raise ImportRejected listing every problem found."""
    table = read_table(decode_text(data), first_column=REGION_COLUMN)
    header = table.header
    year_columns: dict[int, int] = {}
    breakdown: list[int] = []
    problems: list[Problem] = []
    for index, name in enumerate(header[1:], start=1):
        match = YEAR_COLUMN.match(name)
        if match:
            year_columns[index] = int(match.group(1))
        elif name.lower() in BREAKDOWN_COLUMNS:
            breakdown.append(index)
        else:
            problems.append(
                Problem(
                    _(
                        "Unexpected column. Expected “region”, optionally “age” and “sex”, and one column per year "
                        "such as “Persons 2023”."
                    ),
                    line=table.header_line,
                    column=name,
                )
            )
    if not year_columns and not problems:
        problems.append(Problem(_("The file has no year columns such as “Persons 2023”."), line=table.header_line))
    if problems:
        raise ImportRejected(problems)

    parsed = PopulationFile(title=table.title, years=sorted(set(year_columns.values())), rows_read=len(table.rows))
    seen: dict[tuple, int] = {}
    cells_of: dict[tuple[str, int], list] = {}  # (region, year) → the cells of its rows
    first_line: dict[str, int] = {}
    for line, row in tqdm(table.rows, desc="rows", unit="row", disable=not progress):
        if len(row) != len(header):
            problems.append(
                Problem(
                    _("The row has %(cells)s cells but the header has %(columns)s.")
                    % {"cells": len(row), "columns": len(header)},
                    line=line,
                )
            )
            continue
        region = row[0].strip()
        key = (region, *(row[i].strip() for i in breakdown))
        if key in seen:
            problems.append(
                Problem(
                    _("The same region and age appear twice (first on line %(first)s).") % {"first": seen[key]},
                    line=line,
                    column=header[0],
                )
            )
            continue
        seen[key] = line
        if not MUNICIPALITY_REGION.match(region):
            parsed.skipped.append(Skipped(line, region, _("not a municipality")))
            continue
        first_line.setdefault(region, line)
        for index, year in year_columns.items():
            cell = _parse_count(row[index])
            if isinstance(cell, str):
                problems.append(Problem(cell, line=line, column=header[index]))
            else:
                cells_of.setdefault((region, year), []).append(cell)
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise ImportRejected(problems)

    totals = {key: _total(cells) for key, cells in cells_of.items()}
    _assign_to_municipalities(parsed, totals, first_line, CodeTable())
    if not parsed.totals:
        raise ImportRejected([Problem(_("The file has no rows for any municipality the portal knows."))])
    return parsed


def _total(cells: list) -> tuple[Decimal | None, str]:
    """Add up a region's cells for a year; any confidential or missing cell makes the total so.

    A cell whose category cannot occur (not applicable) adds nothing; a total of only such cells is not applicable.
    """
    states = {state for _n, state in cells}
    for state in (ValueState.CONFIDENTIAL, ValueState.MISSING):
        if state in states:
            return None, state
    if states == {ValueState.NOT_APPLICABLE}:
        return None, ValueState.NOT_APPLICABLE
    return Decimal(sum(n for n, state in cells if state == ValueState.REPORTED)), ValueState.REPORTED


def _assign_to_municipalities(parsed: PopulationFile, totals: dict, first_line: dict, codes: CodeTable) -> None:
    """Put each region's yearly total on the municipality that had its number that year.

    Exports list every number SSB has used, with zeros in the years it was not in
    use (5012 Snillfjord in 2010, when Snillfjord was 1613); those rows are skipped.
    A number not in use that year but with people in it (an export by today's numbers) goes where
    CodeTable.file() says, and is reported in parsed.elsewhere.
    """
    problems = []
    by_fallback = []
    for (region, year), total in totals.items():
        code = MUNICIPALITY_REGION.match(region).group(1)
        municipality_id = codes.municipality_id(code, year)
        if municipality_id is not None:
            parsed.totals[(municipality_id, year)] = total
        elif total[0] == 0 or total[1] != ValueState.REPORTED:
            parsed.skipped.append(Skipped(first_line[region], region, _("number not in use that year, no inhabitants")))
        else:
            by_fallback.append((region, year, code, total))
    for region, year, code, total in by_fallback:
        filing = codes.file(code, year)
        if filing.municipality_id is None:
            parsed.skipped.append(Skipped(first_line[region], region, filing.reason))
        elif (filing.municipality_id, year) in parsed.totals:
            problems.append(
                Problem(
                    _(
                        "%(region)s has people in %(year)s, but its number was not in use then and the "
                        "municipality already has a row for that year."
                    )
                    % {"region": region, "year": year},
                    line=first_line[region],
                    column=REGION_COLUMN,
                )
            )
        else:
            parsed.totals[(filing.municipality_id, year)] = total
            parsed.elsewhere.append(filing.elsewhere)
    if problems:
        raise ImportRejected(problems)


@dataclass
class PopulationCheck:
    """A checked 07459 export: what publishing it would change (the preview), and what was left out and why."""

    file: PopulationFile
    filename: str
    source: str
    changes: list[PlannedChange] = field(default_factory=list)

    @property
    def counts(self) -> ApplyResult:
        return count_changes(self.changes)

    def skipped_regions(self) -> list[tuple[str, str, int]]:
        return self.file.skipped_regions()

    def filed_elsewhere(self) -> list[str]:
        return self.file.filed_elsewhere()


def read_population(data: bytes, *, filename: str, progress: bool = False) -> PopulationCheck:
    """Check the whole 07459 file and return what publishing it would change; write nothing."""
    parsed = parse_population(data, progress=progress)
    proposed = [
        ProposedValue(municipality_id=m, year=y, value=value, state=state)
        for (m, y), (value, state) in sorted(parsed.totals.items())
    ]
    source = (_("SSB table %(table)s, file %(file)s") % {"table": SSB_TABLE, "file": filename})[:SOURCE_LENGTH]
    changes = preview_values(indicator=Indicator.objects.population(), proposed=proposed)
    return PopulationCheck(file=parsed, filename=filename, source=source, changes=changes)


def apply_population(
    checked: PopulationCheck, *, user, data_import=None, series_break: bool = False, is_sample: bool = False
) -> ApplyResult:
    """Publish every municipality's total as SSB's figure in one transaction.

    The totals are official statistics (see services.apply_values()), for every municipality in the file, members of
    a network or not, dissolved ones included. is_sample marks invented figures (tests and demos), which are stored
    as drafts like any other sample.
    """
    return apply_values(
        indicator=Indicator.objects.population(),
        proposed=[change.proposed for change in checked.changes],
        user=user,
        source=checked.source,
        reason=_("Imported from %(file)s") % {"file": checked.filename},
        is_sample=is_sample,
        official=not is_sample,
        data_import=data_import,
        series_break=series_break,
    )


def import_population(
    *,
    data: bytes,
    filename: str,
    user,
    dry_run: bool = False,
    progress: bool = False,
    is_sample: bool = False,
    data_import=None,
) -> PopulationImport:
    """Check the whole 07459 file, then publish it (apply_population()); with dry_run, count what would change."""
    checked = read_population(data, filename=filename, progress=progress)
    if dry_run:
        result = checked.counts
    else:
        result = apply_population(checked, user=user, data_import=data_import, is_sample=is_sample)
    return PopulationImport(file=checked.file, result=result, dry_run=dry_run)
