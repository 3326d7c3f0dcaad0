"""Import Miljødirektoratet's "Klimagassutslipp i kommuner" (greenhouse-gas emissions by municipality) from Excel.

Miljødirektoratet publishes two shapes, and the importer tells them apart from the file alone:

- the national download: one row per municipality, year, sector, source (utslippskilde) and
  gas, with the columns Fylke, Kommunenummer, Kommune, År, Sektor, Utslippskilde,
  Klimagass and "Utslipp (tonn CO2-ekvivalenter)", under a few title rows;
- the download for one municipality (miljodirektoratet.no, miljostatus.no): no municipality
  column, but a sheet Info naming it ("Datasett: Oslo"), Oversikt (År, Sektor, Utslipp),
  Oversikt - detaljert (År, Sektor, Utslippskilde, Klimagass, "Utslipp (tonn CO₂-ekvivalenter)"),
  a sheet per sector and Tilleggsinfo. The detailed sheet is read (Oversikt when it is missing),
  and the name is resolved against the names in force in the file's last year; a name several
  municipalities had (Herøy) or none had is settled by the importer's choice (resolve_municipality).

The importer sums the emissions

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
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from tqdm import tqdm

from indicators.importers.base import (
    MAX_PROBLEMS,
    CodeTable,
    Elsewhere,
    Filing,
    ImportRejected,
    Problem,
    Skipped,
    describe_elsewhere,
)
from indicators.importers.workbook import Sheet, is_old_excel, is_workbook, read_workbook
from indicators.models import (
    SOURCE_LENGTH,
    BottomLine,
    Computation,
    Direction,
    Indicator,
    Municipality,
    MunicipalityCode,
    Unit,
)
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
# (a national file of 130 000 rows: calamine reads it in about a fifth of the check's time; the rows take the rest).
WORKBOOK_READ, ROWS_READ = 0.2, 0.98

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
# The download for one municipality: the detailed overview, or the overview by sector.
LOCAL_DETAILED = ("year", "sector", "source", "gas", "emission")
LOCAL_OVERVIEW = ("year", "sector", "emission")
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
    # Figures filed on a municipality under a number it did not have that year (a file by today's numbers).
    elsewhere: list[Elsewhere] = field(default_factory=list)

    @property
    def counts(self) -> ApplyResult:
        return count_changes([change for part in self.parts for change in part.changes])

    def filed_elsewhere(self) -> list[str]:
        return describe_elsewhere(self.elsewhere)

    def skipped_regions(self) -> list[tuple[str, str, int]]:
        """Each skipped region and reason once, with how many rows it covered."""
        counted = Counter((s.region, s.reason) for s in self.skipped)
        return [(region, reason, n) for (region, reason), n in counted.items()]


def _header_key(cell) -> str:
    return " ".join(str(cell).replace("₂", "2").split()).lower() if cell is not None else ""


def _columns(cells) -> dict[str, int]:
    """Return where each known column the row names is."""
    names = [_header_key(c) for c in cells]
    found: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    return found


def _sheets(data: bytes, filename: str) -> list[Sheet]:
    """Return the workbook's sheets; refuse anything but a workbook."""
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
    if is_old_excel(data):
        raise ImportRejected(
            [Problem(_("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and try again."))]
        )
    if not is_workbook(data):
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
    sheets = read_workbook(data, filename)
    if not any(cells for sheet in sheets for _line, cells in sheet.non_empty_rows()):
        raise ImportRejected([Problem(_("The workbook is empty."))])
    return sheets


def _header(sheet: Sheet, needed: tuple[str, ...]) -> tuple[dict[str, int], int] | None:
    """Return the columns and line of the sheet's header: a row among the first that names every needed column."""
    for count, (line, cells) in enumerate(sheet.non_empty_rows(), start=1):
        columns = _columns(cells)
        if all(key in columns for key in needed):
            return columns, line
        if count >= HEADER_SEARCH_ROWS:
            break
    return None


def _body(sheet: Sheet, line: int) -> list[tuple[int, list]]:
    return [(n, cells) for n, cells in sheet.non_empty_rows() if n > line]


@dataclass
class Table:
    """The rows the figures are read from: one sheet's header and the rows below it.

    The national file's rows name their municipality; the per-municipality file's (municipality set)
    are all the one its Info sheet names.
    """

    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list]]
    required: tuple[str, ...] = REQUIRED
    municipality: Municipality | None = None

    numbers: dict[int, str] = field(default_factory=dict)

    def number_in(self, year: int) -> str:
        """The municipality's number in force on 1 January of the year; empty when it did not exist then."""
        if year not in self.numbers:
            code = self.municipality.code_in(year)
            self.numbers[year] = code.code if code else ""
        return self.numbers[year]


def _table(sheets: list[Sheet], filename: str, municipality: Municipality | None) -> Table:
    """Find the figures in either shape Miljødirektoratet publishes; refuse a workbook in neither.

    The national download has one sheet whose header names Kommunenummer. The download for one municipality
    has an Info sheet naming it ("Datasett: Oslo"), Oversikt (År, Sektor, Utslipp), Oversikt - detaljert (År,
    Sektor, Utslippskilde, Klimagass, Utslipp), and a sheet per sector; the detailed sheet is read when there.
    """
    for sheet in sheets:
        found = _header(sheet, ("number", "year"))
        if found:
            columns, line = found
            return Table(sheet.name, columns, _body(sheet, line))
    info = next((sheet for sheet in sheets if _sheet_key(sheet.name) == "info"), None)
    if info is None:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "Found no header row: one row must name the columns %(columns)s, as the national download "
                        "does, or the workbook must have the sheets Info and Oversikt, as the download for one "
                        "municipality does."
                    )
                    % {"columns": ", ".join(f"“{HEADER_NAMES[k]}”" for k in REQUIRED)}
                )
            ]
        )
    by_name = {_sheet_key(sheet.name): sheet for sheet in sheets}
    candidates = [(by_name.get("oversikt - detaljert"), LOCAL_DETAILED), (by_name.get("oversikt"), LOCAL_OVERVIEW)]
    candidates += [(sheet, LOCAL_DETAILED) for sheet in sheets] + [(sheet, LOCAL_OVERVIEW) for sheet in sheets]
    for sheet, needed in candidates:
        found = sheet and _header(sheet, needed)
        if found:
            columns, line = found
            rows = _body(sheet, line)
            break
    else:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "The workbook has an Info sheet like Miljødirektoratet's download for one municipality, but "
                        "no sheet “Oversikt - detaljert” or “Oversikt” whose header names the columns %(columns)s."
                    )
                    % {"columns": ", ".join(f"“{HEADER_NAMES[k]}”" for k in LOCAL_OVERVIEW)}
                )
            ]
        )
    years = {year for _line, cells in rows if (year := _year(_cell(cells, columns, "year"))) is not None}
    named = _dataset_name(info)
    return Table(
        sheet.name, columns, rows, required=needed, municipality=resolve_municipality(named, years, municipality)
    )


def _sheet_key(name: str) -> str:
    return " ".join(name.replace("–", "-").split()).casefold()


def _cell(cells: list, columns: dict[str, int], key: str):
    index = columns.get(key)
    return cells[index] if index is not None and index < len(cells) else None


def _dataset_name(info: Sheet) -> str:
    """Return the municipality the Info sheet names ("Datasett: Oslo", or "Datasett:" with the name beside it)."""
    for _line, cells in info.non_empty_rows():
        for index, cell in enumerate(cells):
            text = _text(cell)
            label, colon, rest = text.partition(":")
            if colon and label.strip().casefold() == "datasett":
                rest = rest.strip() or next((_text(c) for c in cells[index + 1 :] if _text(c)), "")
                if rest:
                    return rest
    return ""


def _name_keys(name: str) -> set[str]:
    """The ways a file may write a municipality's name: whole, or one of its forms ("Guovdageaidnu - Kautokeino")."""
    whole = " ".join(name.split()).casefold()
    return {whole} | {part.strip() for part in re.split(r"\s+[-–/]\s+", whole) if part.strip()}


def resolve_municipality(name: str, years: set[int], chosen: Municipality | None = None) -> Municipality:
    """Return the municipality a per-municipality file is for, from the name its Info sheet gives.

    The name is looked up among the names in force on 1 January of the file's last year: Miljødirektoratet
    publishes each municipality as it is now, its earlier years recomputed for today's borders. chosen
    settles a name several municipalities had (Herøy), or an unknown one. Raises ImportRejected with what
    to do when the name does not lead to one municipality.
    """
    choose = _(
        "Choose the municipality the file is for under “Municipality” (with the import command: --municipality "
        "and its number) and check the file again."
    )
    keys = _name_keys(name) if name else set()
    codes = list(MunicipalityCode.objects.select_related("municipality"))
    matching = [code for code in codes if keys & _name_keys(code.name)]
    if not matching and keys:
        # A name joined to its other form without spaces (KLASS writes "Oslo-Oslove"): only when nothing matched
        # as written, so Aurskog-Høland is never taken apart when a file names it.
        matching = [code for code in codes if keys & set(re.split(r"[-–/]", " ".join(code.name.split()).casefold()))]
    if chosen is not None:
        if keys and not any(code.municipality_id == chosen.pk for code in matching):
            raise ImportRejected(
                [
                    Problem(
                        _(
                            "The file is for “%(name)s” (its Info sheet says so), but %(chosen)s was chosen. Choose "
                            "the municipality the file is for, or import the file downloaded for %(chosen)s."
                        )
                        % {"name": name, "chosen": chosen.name}
                    )
                ]
            )
        return chosen
    if not name:
        raise ImportRejected(
            [Problem(_("The sheet Info does not say which municipality the file is for (Datasett: …).") + " " + choose)]
        )

    last = max(years) if years else datetime.date.today().year
    day = datetime.date(last, 1, 1)
    found = [code for code in matching if code.valid_from <= day and (code.valid_to is None or day <= code.valid_to)]
    if len({code.municipality_id for code in found}) == 1:
        return found[0].municipality
    if found:
        message = _(
            "Several municipalities were called “%(name)s” in %(year)s, the last year of the file: %(list)s."
        ) % {
            "name": name,
            "year": last,
            "list": ", ".join(sorted({f"{code.code} {code.name}" for code in found})),
        }
    else:
        message = _("No municipality was called “%(name)s” in %(year)s, the last year of the file.") % {
            "name": name,
            "year": last,
        }
    raise ImportRejected([Problem(f"{message} {choose}")])


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
    municipality: Municipality | None = None,
    on_progress=None,
) -> EmissionsImport:
    """Check the whole file and return what importing it would do; write nothing.

    Either shape is read: the national download, or the download for one municipality (the module docstring);
    municipality says which one the latter is for when its name is ambiguous or unknown.
    allowed(municipality_id) says whether the importer may write that municipality's
    figures; rows of others are skipped with the reason. Raises ImportRejected listing
    every problem. on_progress(share), when given, hears how much of the work (0 to 1)
    is done, about a hundred times; progress shows a bar on the terminal.
    """
    report = on_progress or (lambda share: None)
    problem = unit_problem(indicator)
    if problem:
        raise ImportRejected([Problem(problem)])
    sheets = _sheets(data, filename)
    table = _table(sheets, filename, municipality)
    columns, rows = table.columns, table.rows
    sheet = table.sheet if len(sheets) > 1 else ""  # problems name the sheet when there is more than one
    missing = [key for key in table.required if key not in columns]
    report(WORKBOOK_READ)
    if missing:
        raise ImportRejected(
            [
                Problem(_("The file has no column “%(column)s”.") % {"column": HEADER_NAMES[key]}, sheet=sheet)
                for key in missing
            ]
        )
    local = table.municipality

    problems: list[Problem] = []
    skipped: list[Skipped] = []
    codes = CodeTable()
    this_year = datetime.date.today().year
    # (municipality, year) → number → [total, {sector: sum}]; the number in force is preferred below.
    sums: dict[tuple[int, int], dict[str, list]] = defaultdict(dict)
    exact_numbers: set[tuple[str, int]] = set()
    elsewhere: dict[tuple[str, int], Elsewhere] = {}
    names: dict[str, str] = {}
    seen: dict[tuple, int] = {}

    def cell(cells, key):
        return _cell(cells, columns, key)

    step = max(len(rows) // 100, 1)
    for index, (line, cells) in enumerate(tqdm(rows, desc="rows", unit="row", disable=not progress)):
        if len(problems) >= MAX_PROBLEMS:
            break
        if index % step == 0:
            report(WORKBOOK_READ + (ROWS_READ - WORKBOOK_READ) * index / len(rows))
        if local is None:
            raw_number = cell(cells, "number")
            number = _municipality_number(raw_number)
            name = _text(cell(cells, "name"))
            if number is None:
                problems.append(
                    Problem(
                        _("“%(value)s” is not a municipality number.") % {"value": _text(raw_number)},
                        line,
                        HEADER_NAMES["number"],
                        sheet,
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
                    sheet,
                )
            )
            continue
        if local is not None:
            number, name = table.number_in(year), local.name
        sector = _text(cell(cells, "sector"))
        if not sector:
            problems.append(Problem(_("The sector is empty."), line, HEADER_NAMES["sector"], sheet))
            continue
        raw_emission = cell(cells, "emission")
        if raw_emission is None or _text(raw_emission) == "":
            skipped.append(Skipped(line, f"{number} {name}".strip(), _("no emission figure")))
            continue
        try:
            emission = _number(raw_emission)
        except (NumberError, InvalidOperation):
            problems.append(
                Problem(
                    _("“%(value)s” is not a number.") % {"value": _text(raw_emission)},
                    line,
                    HEADER_NAMES["emission"],
                    sheet,
                )
            )
            continue
        if local is None:
            filing = codes.file(number, year)
        elif number:
            filing = Filing(local.pk)
        else:
            skipped.append(Skipped(line, name, _("%(name)s did not exist in %(year)s") % {"name": name, "year": year}))
            continue
        municipality_id = filing.municipality_id
        if municipality_id is None:
            problems.append(
                Problem(
                    f"{capfirst(filing.reason)}.",
                    line,
                    HEADER_NAMES["number"],
                    sheet,
                )
            )
            continue
        if allowed is not None and not allowed(municipality_id):
            skipped.append(
                Skipped(line, f"{number} {name}".strip(), _("you may not import this municipality's figures"))
            )
            continue
        key = (number, year, sector, _text(cell(cells, "source")), _text(cell(cells, "gas")))
        if key in seen:
            problems.append(
                Problem(
                    _("The same municipality, year, sector, source and gas are on line %(line)s too.")
                    % {"line": seen[key]},
                    line,
                    sheet=sheet,
                )
            )
            continue
        seen[key] = line
        if filing.elsewhere is None:
            exact_numbers.add((number, year))
        else:
            elsewhere[(number, year)] = filing.elsewhere
        names.setdefault(number, name)
        entry = sums[(municipality_id, year)].setdefault(number, [Decimal(0), defaultdict(Decimal), line])
        entry[0] += emission
        entry[1][sector] += emission

    # One municipality and year under two numbers: use the number in force that year.
    totals: dict[tuple[int, int], tuple[str, Decimal]] = {}
    by_sector: dict[str, dict[tuple[int, int], tuple[str, Decimal]]] = defaultdict(dict)
    filed_elsewhere: list[Elsewhere] = []
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
        if (chosen, year) in elsewhere:
            filed_elsewhere.append(elsewhere[(chosen, year)])
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
        elsewhere=filed_elsewhere,
    )


def sector_indicator(code: str, sector: str) -> Indicator:
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
            target = part.indicator or sector_indicator(part.code, part.sector)
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
