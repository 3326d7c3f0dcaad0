"""Import Miljødirektoratet's "Klimagassutslipp i kommuner" (greenhouse-gas emissions by municipality) from Excel.

The export has one row per municipality, year, sector, source (utslippskilde) and
gas, with the columns Fylke, Kommunenummer, Kommune, År, Sektor, Utslippskilde,
Klimagass and "Utslipp (tonn CO2-ekvivalenter)", under a few title rows. The
importer sums the emissions

- per municipality and year into the total indicator (by default `klimagassutslipp`), and
- per municipality, year and sector into `klimagassutslipp-<sector>` for each sector
  that has such an indicator (or all of them, when asked to create the missing ones).

Both are stored as total tonnes CO₂-eq.: the portal divides by the population
itself. Municipality numbers go through the code history for the row's year, so
the series Miljødirektoratet publishes under today's numbers lands on the right
municipality. A municipality and year without any rows for a sector gets no value
for that sector (never a zero).

Emissions may be negative (uptake, e.g. in agriculture or land use), and so may a
sector's or a municipality's sum: tonnes CO₂-eq. is not among the units
indicators.numbers.amount_problem() refuses negatives for, and the importer only
uses it to refuse numbers too large to store.

Sector codes: django.utils.text.slugify() drops letters without an ASCII
decomposition, so "Sjøfart" would become "sjfart". Norwegian letters are
transliterated first (æ→ae, ø→o, å→a): "Sjøfart" → `klimagassutslipp-sjofart`.

The whole file is checked before anything is written (read_emissions); the
changes are written in one transaction (apply_emissions).
"""

import datetime
import io
import math
import re
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from tqdm import tqdm

from indicators.importers.base import MAX_PROBLEMS, CodeTable, ImportRejected, Problem, Skipped
from indicators.models import SOURCE_LENGTH, BottomLine, Computation, Direction, Indicator, Unit
from indicators.numbers import NumberError, amount_problem, parse_number
from indicators.services import (
    ApplyResult,
    PlannedChange,
    ProposedValue,
    apply_values,
    count_changes,
    preview_values,
)

DEFAULT_CODE = "klimagassutslipp"
SECTOR_PREFIX = "klimagassutslipp-"
SOURCE_NAME = "Miljødirektoratet, Klimagassutslipp i kommuner"
FIRST_YEAR = 1990
HEADER_SEARCH_ROWS = 30  # title rows above the header
CODE_LENGTH = 60  # Indicator.code
SIX_PLACES = Decimal("0.000001")
NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})
MUNICIPALITY_NUMBER = re.compile(r"^\d{3,4}$")
# The shares of read_emissions()'s work done when the workbook is read and when its rows are summed, for on_progress
# (measured on a national file of 348 000 rows: reading it takes about nine tenths of the time).
WORKBOOK_READ, ROWS_READ = 0.9, 0.98

# The columns the importer reads, keyed by what it calls them, with the header text (compared without case).
COLUMNS = {
    "number": ("kommunenummer", "kommunenr", "kommunenr."),
    "name": ("kommune", "kommunenavn"),
    "year": ("år", "aar"),
    "sector": ("sektor",),
    "source": ("utslippskilde",),
    "gas": ("klimagass",),
    "emission": ("utslipp (tonn co2-ekvivalenter)", "utslipp (tonn co2-ekv.)", "utslipp (tonn co2e)", "utslipp"),
}
REQUIRED = ("number", "year", "sector", "source", "gas", "emission")
# The header as Miljødirektoratet writes it, to name a missing column.
HEADER_NAMES = {
    "number": "Kommunenummer",
    "name": "Kommune",
    "year": "År",
    "sector": "Sektor",
    "source": "Utslippskilde",
    "gas": "Klimagass",
    "emission": "Utslipp (tonn CO2-ekvivalenter)",
}


def sector_code(sector: str) -> str:
    """Return the code of the indicator a sector's emissions go to, e.g. "Sjøfart" → klimagassutslipp-sjofart."""
    slug = slugify(sector.translate(NORWEGIAN_LETTERS))
    return (SECTOR_PREFIX + slug)[:CODE_LENGTH].rstrip("-")


def unit_problem(indicator: Indicator) -> str | None:
    """Return why the indicator cannot hold emissions in tonnes CO₂-eq., or None when it can."""
    if indicator.is_per_inhabitant and indicator.amount_unit == Unit.TONNES_CO2E:
        return None
    if not indicator.is_per_inhabitant and indicator.unit == Unit.TONNES_CO2E:
        return None
    return _(
        "The indicator %(code)s does not hold tonnes CO₂-eq.: it must be per inhabitant with the amount in "
        "tonnes CO₂-eq., or entered directly in tonnes CO₂-eq."
    ) % {"code": indicator.code}


@dataclass
class Part:
    """What the file would change in one indicator: the total, or one sector."""

    code: str
    sector: str  # "" for the total
    indicator: Indicator | None  # None: the indicator does not exist (and is created when asked)
    changes: list[PlannedChange] = field(default_factory=list)

    @property
    def counts(self) -> ApplyResult:
        return count_changes(self.changes)

    @property
    def is_new(self) -> bool:
        return self.indicator is None


@dataclass
class EmissionsImport:
    """A checked emissions file: what importing it would change, and what was left out and why."""

    filename: str
    source: str
    parts: list[Part] = field(default_factory=list)
    # Sectors without an indicator, with the code to create and how many values they hold.
    skipped_sectors: list[tuple[str, str, int]] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def counts(self) -> ApplyResult:
        return count_changes([change for part in self.parts for change in part.changes])

    def skipped_regions(self) -> list[tuple[str, str, int]]:
        """Each skipped region and reason once, with how many rows it covered."""
        counted = Counter((s.region, s.reason) for s in self.skipped)
        return [(region, reason, n) for (region, reason), n in counted.items()]


def _header_key(cell) -> str:
    return " ".join(str(cell).replace("₂", "2").split()).lower() if cell is not None else ""


def _columns(cells) -> dict[str, int] | None:
    """Return where each known column is, when the row is the header (it names Kommunenummer and År)."""
    names = [_header_key(c) for c in cells]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    return found if "number" in found and "year" in found else None


def _workbook_rows(data: bytes, filename: str, report=lambda share: None):
    """Return the header's columns and the rows below it as (line, cells); refuse anything but a workbook.

    report(share) hears how much of the sheet (0 to 1) is read, when the sheet states its size.
    """
    if not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    limit = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES
    if len(data) > limit:
        raise ImportRejected(
            [
                Problem(
                    _("The file is larger than %(mb)s MB; export fewer years or fewer municipalities.")
                    % {"mb": limit // 2**20}
                )
            ]
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRejected(
            [Problem(_("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and try again."))]
        )
    if not data.startswith(b"PK\x03\x04"):
        raise ImportRejected(
            [
                Problem(
                    _(
                        "%(file)s is not an Excel workbook (.xlsx). Download the table from Miljødirektoratet as "
                        "Excel and import that file as it is."
                    )
                    % {"file": filename}
                )
            ]
        )
    unreadable = ImportRejected(
        [
            Problem(
                _(
                    "%(file)s could not be read as an Excel workbook (.xlsx); it may be damaged or incomplete. "
                    "Download it again and try again."
                )
                % {"file": filename}
            )
        ]
    )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, EOFError, ParseError):
        raise unreadable from None
    try:
        any_cells = False
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            for line, cells in enumerate(rows, start=1):
                if not any(c not in (None, "") for c in cells):
                    continue
                any_cells = True
                columns = _columns(cells)
                if columns is not None:
                    # A workbook that states its size (most do) lets the reading report its progress.
                    size = sheet.max_row if isinstance(sheet.max_row, int) and sheet.max_row > line else None
                    body = []
                    for n, c in enumerate(rows, start=line + 1):
                        if any(v not in (None, "") for v in c):
                            body.append((n, list(c)))
                        if size and n % 1000 == 0:
                            report(min(n / size, 1))
                    return columns, body
                if line >= HEADER_SEARCH_ROWS:
                    break
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, ParseError):
        raise unreadable from None
    finally:
        workbook.close()
    if not any_cells:
        raise ImportRejected([Problem(_("The workbook is empty."))])
    raise ImportRejected(
        [
            Problem(
                _("Found no header row: one row must name the columns %(columns)s.")
                % {"columns": ", ".join(f"“{HEADER_NAMES[k]}”" for k in REQUIRED)}
            )
        ]
    )


def _text(cell) -> str:
    return "" if cell is None else str(cell).strip()


def _number(cell) -> Decimal:
    """Return the emission in the cell; raise NumberError when it is not a number."""
    if isinstance(cell, bool):
        raise NumberError(str(cell))
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):
        if not math.isfinite(cell):
            raise NumberError(str(cell))
        return Decimal(repr(cell))  # the shortest decimal that is the float: what Excel shows
    if isinstance(cell, str):
        return parse_number(cell)
    raise NumberError(str(cell))


def _year(cell) -> int | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    text = _text(cell)
    return int(text) if text.isdigit() else None


def _municipality_number(cell) -> str | None:
    if isinstance(cell, int) and not isinstance(cell, bool):
        text = str(cell)
    elif isinstance(cell, float) and cell.is_integer():
        text = str(int(cell))
    else:
        text = _text(cell)
    return text.zfill(4) if MUNICIPALITY_NUMBER.match(text) else None


def read_emissions(
    data: bytes,
    *,
    filename: str,
    indicator: Indicator,
    create_sector_indicators: bool = False,
    allowed=None,
    progress: bool = False,
    on_progress=None,
) -> EmissionsImport:
    """Check the whole file and return what importing it would do; write nothing.

    allowed(municipality_id) says whether the importer may write that municipality's
    figures; rows of others are skipped with the reason. Raises ImportRejected listing
    every problem. on_progress(share), when given, hears how much of the work (0 to 1)
    is done, about a hundred times; progress shows a bar on the terminal.
    """
    report = on_progress or (lambda share: None)
    problem = unit_problem(indicator)
    if problem:
        raise ImportRejected([Problem(problem)])
    columns, rows = _workbook_rows(data, filename, lambda share: report(WORKBOOK_READ * share))
    report(WORKBOOK_READ)
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ImportRejected(
            [Problem(_("The file has no column “%(column)s”.") % {"column": HEADER_NAMES[key]}) for key in missing]
        )

    problems: list[Problem] = []
    skipped: list[Skipped] = []
    codes = CodeTable()
    this_year = datetime.date.today().year
    # (municipality, year) → number → [total, {sector: sum}]; the number in force is preferred below.
    sums: dict[tuple[int, int], dict[str, list]] = defaultdict(dict)
    exact_numbers: set[tuple[str, int]] = set()
    names: dict[str, str] = {}
    seen: dict[tuple, int] = {}

    def cell(cells, key):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    step = max(len(rows) // 100, 1)
    for index, (line, cells) in enumerate(tqdm(rows, desc="rows", unit="row", disable=not progress)):
        if len(problems) >= MAX_PROBLEMS:
            break
        if index % step == 0:
            report(WORKBOOK_READ + (ROWS_READ - WORKBOOK_READ) * index / len(rows))
        raw_number = cell(cells, "number")
        number = _municipality_number(raw_number)
        if number is None:
            problems.append(
                Problem(
                    _("“%(value)s” is not a municipality number.") % {"value": _text(raw_number)},
                    line,
                    HEADER_NAMES["number"],
                )
            )
            continue
        year = _year(cell(cells, "year"))
        if year is None or not FIRST_YEAR <= year <= this_year:
            problems.append(
                Problem(
                    _("“%(value)s” is not a year from %(first)s to %(last)s.")
                    % {"value": _text(cell(cells, "year")), "first": FIRST_YEAR, "last": this_year},
                    line,
                    HEADER_NAMES["year"],
                )
            )
            continue
        sector = _text(cell(cells, "sector"))
        if not sector:
            problems.append(Problem(_("The sector is empty."), line, HEADER_NAMES["sector"]))
            continue
        raw_emission = cell(cells, "emission")
        if raw_emission is None or _text(raw_emission) == "":
            skipped.append(Skipped(line, f"{number} {_text(cell(cells, 'name'))}".strip(), _("no emission figure")))
            continue
        try:
            emission = _number(raw_emission)
        except (NumberError, InvalidOperation):
            problems.append(
                Problem(
                    _("“%(value)s” is not a number.") % {"value": _text(raw_emission)}, line, HEADER_NAMES["emission"]
                )
            )
            continue
        exact_id = codes.municipality_id(number, year, strict=True)
        municipality_id = exact_id or codes.municipality_id(number, year)
        if municipality_id is None:
            problems.append(
                Problem(
                    _("No municipality had the number %(number)s in %(year)s.") % {"number": number, "year": year},
                    line,
                    HEADER_NAMES["number"],
                )
            )
            continue
        if allowed is not None and not allowed(municipality_id):
            skipped.append(
                Skipped(
                    line,
                    f"{number} {_text(cell(cells, 'name'))}".strip(),
                    _("you may not import this municipality's figures"),
                )
            )
            continue
        key = (number, year, sector, _text(cell(cells, "source")), _text(cell(cells, "gas")))
        if key in seen:
            problems.append(
                Problem(
                    _("The same municipality, year, sector, source and gas are on line %(line)s too.")
                    % {"line": seen[key]},
                    line,
                )
            )
            continue
        seen[key] = line
        if exact_id is not None:
            exact_numbers.add((number, year))
        names.setdefault(number, _text(cell(cells, "name")))
        entry = sums[(municipality_id, year)].setdefault(number, [Decimal(0), defaultdict(Decimal), line])
        entry[0] += emission
        entry[1][sector] += emission

    # One municipality and year under two numbers: use the number in force that year.
    totals: dict[tuple[int, int], tuple[str, Decimal]] = {}
    by_sector: dict[str, dict[tuple[int, int], tuple[str, Decimal]]] = defaultdict(dict)
    for (municipality_id, year), by_number in sums.items():
        chosen = next(iter(by_number))
        if len(by_number) > 1:
            in_force = [n for n in by_number if (n, year) in exact_numbers]
            if len(in_force) != 1:
                problems.append(
                    Problem(
                        _("%(numbers)s are the same municipality in %(year)s; the file has figures for each.")
                        % {"numbers": ", ".join(sorted(by_number)), "year": year}
                    )
                )
                continue
            chosen = in_force[0]
            for other in by_number:
                if other != chosen:
                    skipped.append(
                        Skipped(
                            by_number[other][2],
                            f"{other} {names.get(other, '')}".strip(),
                            _("the number in force that year was used instead"),
                        )
                    )
        total, sectors, _line = by_number[chosen]
        totals[(municipality_id, year)] = (chosen, total)
        for sector, amount in sectors.items():
            by_sector[sector][(municipality_id, year)] = (chosen, amount)

    def proposals(figures: dict[tuple[int, int], tuple[str, Decimal]], label: str) -> list[ProposedValue]:
        proposed = []
        for (municipality_id, year), (number, amount) in sorted(figures.items()):
            problem = amount_problem(amount, Unit.TONNES_CO2E)
            if problem:
                problems.append(Problem(f"{number} {year} ({label}): {problem}"))
                continue
            proposed.append(
                ProposedValue(municipality_id=municipality_id, year=year, value=amount.quantize(SIX_PLACES))
            )
        return proposed

    parts = [Part(code=indicator.code, sector="", indicator=indicator)]
    total_proposals = proposals(totals, indicator.code)
    sector_proposals: dict[str, list[ProposedValue]] = {}
    skipped_sectors: list[tuple[str, str, int]] = []
    codes_by_sector = {sector: sector_code(sector) for sector in by_sector}
    existing = {i.code: i for i in Indicator.objects.filter(code__in=codes_by_sector.values())}
    used_codes: dict[str, str] = {}
    for sector in sorted(by_sector):
        code = codes_by_sector[sector]
        if code == SECTOR_PREFIX.rstrip("-") or code == indicator.code:
            problems.append(
                Problem(_("The sector “%(sector)s” has no name the portal can make a code of.") % {"sector": sector})
            )
            continue
        if code in used_codes:
            problems.append(
                Problem(
                    _("The sectors “%(first)s” and “%(second)s” would both be imported as %(code)s.")
                    % {"first": used_codes[code], "second": sector, "code": code}
                )
            )
            continue
        used_codes[code] = sector
        target = existing.get(code)
        if target is None and not create_sector_indicators:
            skipped_sectors.append((sector, code, len(by_sector[sector])))
            continue
        if target is not None:
            problem = unit_problem(target)
            if problem:
                problems.append(Problem(problem))
                continue
        parts.append(Part(code=code, sector=sector, indicator=target))
        sector_proposals[code] = proposals(by_sector[sector], code)
    if problems:
        raise ImportRejected(problems[:MAX_PROBLEMS])

    parts[0].changes = preview_values(indicator=indicator, proposed=total_proposals)
    for part in parts[1:]:
        proposed = sector_proposals[part.code]
        if part.indicator is None:
            part.changes = [PlannedChange(p, None) for p in proposed]
        else:
            part.changes = preview_values(indicator=part.indicator, proposed=proposed)
    report(1)
    source = _("%(source)s, file %(file)s") % {"source": SOURCE_NAME, "file": filename}
    return EmissionsImport(
        filename=filename,
        source=source[:SOURCE_LENGTH],
        parts=parts,
        skipped_sectors=skipped_sectors,
        skipped=skipped,
    )


def _sector_indicator(code: str, sector: str) -> Indicator:
    """Return the sector's indicator, creating it as a per-inhabitant indicator in tonnes CO₂-eq."""
    indicator, _created = Indicator.objects.get_or_create(
        code=code,
        defaults={
            "name_nb": f"Klimagassutslipp fra {sector.lower()} per innbygger",
            "name_nn": f"Klimagassutslepp frå {sector.lower()} per innbyggjar",
            "name_en": f"Greenhouse-gas emissions from {sector.lower()} per inhabitant",
            "unit": Unit.TONNES_CO2E,
            "computation": Computation.PER_INHABITANT,
            "amount_unit": Unit.TONNES_CO2E,
            "per_inhabitant_factor": Decimal(1),
            "direction": Direction.LOWER,
            "bottom_line": BottomLine.ECOLOGICAL,
            "source": SOURCE_NAME,
        },
    )
    problem = unit_problem(indicator)
    if problem:  # someone created it differently since the file was checked
        raise ImportRejected([Problem(problem)])
    return indicator


def apply_emissions(
    checked: EmissionsImport, *, user, data_import=None, series_break: bool = False
) -> dict[str, ApplyResult]:
    """Publish the checked file's sums as Miljødirektoratet's figures in one transaction; return what was done per
    indicator code.

    They are official statistics (see services.apply_values()). Sector indicators the check planned to create are
    created here, in the same transaction. Unchanged figures write nothing.
    """
    reason = _("Imported from %(file)s") % {"file": checked.filename}
    results = {}
    with transaction.atomic():
        for part in checked.parts:
            target = part.indicator or _sector_indicator(part.code, part.sector)
            results[part.code] = apply_values(
                indicator=target,
                proposed=[change.proposed for change in part.changes],
                user=user,
                source=checked.source,
                reason=reason,
                official=True,
                data_import=data_import,
                series_break=series_break,
            )
    return results
