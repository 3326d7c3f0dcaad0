"""Import a table downloaded from SSB's Statistikkbanken with "Lagre som" / "Save as": CSV or Excel, in Norwegian
or in English.

Statistikkbanken writes what the user laid out on the screen, so the reader finds its way rather than expecting
one shape:

- title lines above the table ("09594: Land use and land cover (km²), by region, …"), the table number in front;
- CSV in UTF-8 or Latin-1, separated by semicolons, commas or tabs, with a decimal point or a decimal comma;
  Excel (.xlsx) with the headings stacked in several rows, merged across the columns below them;
- "wide": the region in the first column and one column per contents × year × category
  ("Area 2021 Residential areas", or "Areal", "2021", "Boligbebyggelse" stacked in Excel);
- "long": one column per dimension (region, statistikkvariabel/contents, år/year, a category) and one value column.

The region column holds SSB's labels (`0301 Oslo municipality`, `0301 Oslo`, `K-3006 Kongsberg`); a figure lands
on the municipality that had the number on 1 January of its year (ssb_jsonstat.RegionFigures, the rule the JSON-stat
import follows); counties and the country are left out with the reason. A cell holding one of SSB's symbols gets
the state ssb_symbols gives it.

The user chooses the contents and the categories whose sum is the figure (land used for development is the sum of
table 09594's eleven built-up classes). A sum is made only of figures all reported: with one part missing,
confidential or not applicable, the sum has no figure, and the check says so. The result is the JSON-stat import's,
so the same apply_jsonstat writes it.

read_ssb_download() takes any of SSB's files (JSON-stat 2.0 too) and hands each to its reader, recognised from its
content rather than its name.
"""

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from indicators.importers.base import MAX_PROBLEMS, ImportRejected, Problem, csv_problem, decode_text
from indicators.importers.ssb_jsonstat import JsonStatImport, RegionFigures, read_jsonstat
from indicators.importers.ssb_symbols import read_symbol
from indicators.importers.workbook import is_old_excel, read_workbook
from indicators.models import SOURCE_LENGTH, Indicator, ValueState
from indicators.numbers import NumberError, amount_problem, parse_number
from indicators.services import ProposedValue, preview_values

# Headings Statistikkbanken gives a dimension's column in a long download, in Norwegian and in English (lower case).
REGION_HEADINGS = {"region", "kommune", "kommuner", "municipality", "municipalities", "kokkommuneregion0000"}
YEAR_HEADINGS = {"år", "year", "tid", "time"}
CONTENTS_HEADINGS = {"statistikkvariabel", "statistikkvariabler", "contents", "statistical variable"}
# A region label: the code, then the name. 0301 Oslo, K-3006 Kongsberg, 03 Oslo, F-03 Oslo, 0 Hele landet, K-21-22 …
REGION_LABEL = re.compile(r"^(?:[A-Z]{1,3}-)?\d{1,4}(?:-\d{1,4})?\s+\S")
MUNICIPALITY_LABEL = re.compile(r"^(?:K-)?(\d{4})(?:\s|$)")
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
YEAR_WORD = re.compile(r"(?<!\S)((?:1[89]|20)\d\d)(?!\S)")
TABLE_NUMBER = re.compile(r"^\s*(\d{5})\s*:")
# How a workbook file begins: .xlsx (a zip file) and the older .xls (refused with what to do).
WORKBOOK_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
# Most title lines a download has above its table; more means it is not one of SSB's tables.
MAX_TITLE_LINES = 10


@dataclass
class StatbankImport(JsonStatImport):
    """A checked Statistikkbanken download: the JSON-stat import's result, plus what of the file made the figures."""

    used_columns: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)


def split_categories(text: str) -> list[str]:
    """Return the categories written one per line, without blank lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def read_ssb_download(
    data: bytes,
    *,
    filename: str,
    indicator: Indicator,
    contents: str = "",
    categories=(),
    table: str = "",
    allowed=None,
) -> JsonStatImport:
    """Check any of SSB's files (JSON-stat 2.0, or Statistikkbanken's CSV or Excel) and return what it would change.

    The kind is recognised from the content. Raises ImportRejected listing every problem; writes nothing.
    """
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        if categories:
            raise ImportRejected(
                [
                    Problem(
                        _(
                            "Categories are added up only in CSV and Excel downloads from Statistikkbanken. Save the "
                            "table as CSV or Excel, or leave the categories empty."
                        )
                    )
                ]
            )
        return read_jsonstat(
            data, filename=filename, indicator=indicator, contents=contents, table=table, allowed=allowed
        )
    return read_statbank(
        data,
        filename=filename,
        indicator=indicator,
        contents=contents,
        categories=categories,
        table=table,
        allowed=allowed,
    )


# --- reading the file into rows of cells -------------------------------------------------------------------------


def _workbook_rows(data: bytes, filename: str) -> tuple[str, list[list]]:
    """Return the name and the rows of the workbook's first sheet, read by the shared workbook reader."""
    if is_old_excel(data):
        # calamine reads .xls too, but nothing checks an .xls file's extent before it is parsed.
        raise ImportRejected(
            [Problem(_("This is an old Excel file (.xls). Save it as an Excel workbook (.xlsx) and try again."))]
        )
    sheets = read_workbook(data, filename, first_only=True)
    if not sheets:
        raise ImportRejected([Problem(_("The workbook is empty."))])
    return sheets[0].name, sheets[0].rows


def _text(cell) -> str:
    """Return a cell as the text a person sees: 2021, not 2021.0."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _delimiter(lines: list[str]) -> str:
    """Return the separator that splits the most lines into the same number of cells (semicolon on a tie)."""

    def score(delimiter):
        widths: dict[int, int] = {}
        try:
            for cells in csv.reader(lines[:200], delimiter=delimiter):
                if sum(1 for c in cells if c.strip()) >= 2:
                    widths[len(cells)] = widths.get(len(cells), 0) + 1
        except csv.Error:
            pass  # the lines read so far count; reading the file says which line csv could not read
        return max(widths.values(), default=0)

    return max((";", ",", "\t"), key=score)


@dataclass
class _Sheet:
    """The file's non-blank rows, each with its line (CSV) or row (Excel) number."""

    rows: list[tuple[int, list]]
    sheet: str = ""  # the sheet's name in a workbook

    def problem(self, message: str, *, line: int, column: int, heading: str) -> Problem:
        """Return the problem located as the user finds it: line and column in a CSV file, sheet and cell in Excel."""
        if self.sheet:
            where = _("sheet “%(sheet)s”, cell %(cell)s") % {
                "sheet": self.sheet,
                "cell": f"{get_column_letter(column + 1)}{line}",
            }
            return Problem(f"{where}: {message}")
        return Problem(message, line=line, column=heading)


def _read_sheet(data: bytes, filename: str) -> _Sheet:
    if data.startswith(WORKBOOK_SIGNATURES):
        limit = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES
        if len(data) > limit:
            raise ImportRejected(
                [
                    Problem(
                        _("The file is larger than %(mb)s MB; split it or export fewer years.") % {"mb": limit // 2**20}
                    )
                ]
            )
        name, rows = _workbook_rows(data, filename)
        return _Sheet([(n, r) for n, r in enumerate(rows, start=1) if any(_text(c) for c in r)], sheet=name)
    lines = decode_text(data).splitlines()
    reader = csv.reader(lines, delimiter=_delimiter(lines))
    rows = []
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise ImportRejected([csv_problem(error, reader.line_num)]) from None
    return _Sheet(rows)


# --- finding the table in the rows ---------------------------------------------------------------------------------


@dataclass
class _Column:
    """A column of figures, and what its heading says the figures are."""

    index: int
    heading: str  # the heading as the file writes it, the stacked rows of a workbook joined
    year: str = ""
    contents: str = ""
    category: str = ""
    parts: list[str] = field(default_factory=list)


@dataclass
class _Layout:
    title: str
    region: int  # the region column
    stubs: list[int]  # the columns that label a row: the region, and in a long download year, contents, categories
    headings: dict[int, str]
    year_stub: int | None
    contents_stub: int | None
    columns: list[_Column]
    data: list[tuple[int, list]]


def _lower(text: str) -> str:
    return " ".join(text.split()).casefold()


def _is_figure(cell) -> bool:
    if isinstance(cell, (int, float)):
        return True
    text = _text(cell)
    if read_symbol(text) is not None:
        return True
    try:
        parse_number(text)
    except NumberError:
        return False
    return True


def _layout(sheet: _Sheet) -> _Layout:
    rows = sheet.rows
    title_lines = []
    start = 0
    # Title lines hold one cell, in the first column; the table starts with the first row that has more.
    while start < len(rows) and not any(_text(c) for c in rows[start][1][1:]):
        title_lines.append(_text(rows[start][1][0]).strip('"'))
        start += 1
    if start == len(rows) or start > MAX_TITLE_LINES:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "This is not a table from Statistikkbanken: no row has a region and figures. Save the table "
                        "with “Lagre som” / “Save as” as CSV or Excel (.xlsx) and upload that file."
                    )
                )
            ]
        )
    width = max(len(cells) for _line, cells in rows)
    grid = [(line, [*cells, *[""] * (width - len(cells))]) for line, cells in rows]

    # The region column: the one headed "region", else the first whose cells are SSB's region labels.
    region = first_data = None
    for offset, (_line, cells) in enumerate(grid[start:], start=start):
        named = [i for i, c in enumerate(cells) if _lower(_text(c)) in REGION_HEADINGS]
        if named:
            region, first_data = named[0], offset + 1
            break
        labelled = [i for i, c in enumerate(cells) if isinstance(c, str) and REGION_LABEL.match(c.strip())]
        if labelled and offset > start:
            region, first_data = labelled[0], offset
            break
    if region is None:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "Found no region column: no column is headed “region” and none holds regions such as "
                        "“0301 Oslo”. Save the table with the regions as code and name."
                    )
                )
            ]
        )
    # Headings stacked in several rows may go on below the one naming the region column.
    while first_data < len(grid) and not _text(grid[first_data][1][region]):
        first_data += 1
    header, data = grid[start:first_data], grid[first_data:]
    # Notes under the table ("Kilde: Statistisk sentralbyrå") have text in the first column only.
    data = [
        (line, cells)
        for line, cells in data
        if any(_text(c) for i, c in enumerate(cells) if i != region) or REGION_LABEL.match(_text(cells[region]))
    ]

    def heading(index: int) -> str:
        return " ".join(_text(cells[index]) for _line, cells in header if _text(cells[index]))

    headings = {i: heading(i) for i in range(width)}
    # The row labels: the region column and the columns beside it that name a year or hold text, not figures.
    stubs, year_stub, contents_stub = [region], None, None
    for index in range(width):
        if index == region:
            continue
        name = _lower(headings[index])
        values = [_text(cells[index]) for _line, cells in data if _text(cells[index])]
        years = bool(values) and not name and all(YEAR.match(v) for v in values)
        if name in YEAR_HEADINGS or years:
            year_stub = index if year_stub is None else year_stub
        elif name in CONTENTS_HEADINGS:
            contents_stub = index if contents_stub is None else contents_stub
        elif not values or any(_is_figure(v) for v in values) or YEAR_WORD.search(headings[index]):
            if index > region:
                break
            continue
        stubs.append(index)
    # A workbook writes a row label once and leaves the cells below it empty until the next one.
    above: dict[int, object] = {}
    for _line, cells in data:
        for i in stubs:
            if _text(cells[i]):
                above[i] = cells[i]
            elif i in above:
                cells[i] = above[i]
    figures = [i for i in range(width) if i not in stubs and (headings[i] or any(_text(c[i]) for _l, c in data))]
    if not figures:
        raise ImportRejected(
            [Problem(_("Found no column of figures beside the regions. Save the table with its figures."))]
        )
    columns = _columns(header, figures, headings, long=len(figures) == 1 and len(stubs) > 1)
    if contents_stub is not None:
        for column in columns:
            column.category = " ".join(p for p in (column.contents, column.category) if p)
            column.contents = ""
    return _Layout(
        title=" ".join(t for t in title_lines if t),
        region=region,
        stubs=stubs,
        headings=headings,
        year_stub=year_stub,
        contents_stub=contents_stub,
        columns=columns,
        data=data,
    )


def _columns(header, figures: list[int], headings: dict[int, str], *, long: bool) -> list[_Column]:
    """Read year, contents and category from the headings of the figures' columns."""
    if long:
        # The one value column of a long download is headed with the table's title: the rows say the rest.
        return [_Column(figures[0], headings[figures[0]])]
    parts_of: dict[int, list[str]] = {i: [] for i in figures}
    for _line, cells in header:
        previous = ""
        for index in figures:
            # A heading merged across the columns below it is written in the first of them only.
            text = _text(cells[index]) or (previous if len(header) > 1 else "")
            previous = text
            if text:
                parts_of[index].append(text)
    columns = []
    for index in figures:
        column = _Column(index, " ".join(parts_of[index]) or headings[index])
        parts = []
        for part in parts_of[index]:
            if YEAR.match(part) and not column.year:
                column.year = part
                continue
            found = YEAR_WORD.search(part) if not column.year else None
            if found:
                # One heading for all: "Area 2021 Residential areas" is contents, year and category.
                column.year = found.group(1)
                parts += [p for p in (part[: found.start()].strip(), part[found.end() :].strip()) if p]
            else:
                parts.append(part)
        column.contents, column.category = (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", "")
        column.parts = parts
        columns.append(column)
    single = [c for c in columns if len(c.parts) == 1]
    if single:
        # One part only: the contents when every column has the same; else the category, after the words every
        # column begins with ("Areal Boligbebyggelse 2021", "Areal Skog 2021": the contents Areal).
        words = [c.parts[0].split() for c in single]
        common = 0
        if len(single) > 1:
            while all(len(w) > common + 1 and w[common] == words[0][common] for w in words):
                common += 1
        for column, split in zip(single, words, strict=True):
            if len({c.parts[0] for c in single}) == 1:
                column.contents = column.parts[0]
            else:
                column.contents, column.category = " ".join(split[:common]), " ".join(split[common:])
    return columns


# --- the figures ---------------------------------------------------------------------------------------------------


@dataclass
class _Cell:
    """One cell of figures with what its row and column say it is."""

    line: int
    column: _Column
    region: str
    year: str
    contents: str
    category: str
    raw: object


@dataclass
class _Part:
    """One figure of the file that goes into a sum."""

    value: Decimal | None
    state: str
    symbol: str  # as the file writes it: "..", ":", or "" for an empty cell


@dataclass
class _Sum:
    """The figure for one region and year: the sum of the chosen categories' figures."""

    line: int
    parts: dict[str, _Part] = field(default_factory=dict)

    def total(self, categories: list[str]) -> tuple[Decimal | None, str, list[str]]:
        """Return (figure, state, the categories without a figure); a sum with a part missing has no figure."""
        lacking = [c for c in categories if c not in self.parts or self.parts[c].value is None]
        if not lacking:
            return sum((self.parts[c].value for c in categories), Decimal(0)), ValueState.REPORTED, []
        states = {self.parts[c].state if c in self.parts else ValueState.MISSING for c in lacking}
        return None, states.pop() if len(states) == 1 else ValueState.MISSING, lacking

    def lacking(self, category: str) -> str:
        """Say why the category gives no figure: “Health and social welfare institutions” (:, confidential)."""
        part = self.parts.get(category)
        if part is None:
            return _("“%(category)s” (not in the file)") % {"category": category}
        state = str(ValueState(part.state).label)
        return _("“%(category)s” (%(symbol)s, %(state)s)") % {
            "category": category,
            "symbol": part.symbol or _("empty cell"),
            "state": state[:1].lower() + state[1:],
        }

    def empty(self) -> bool:
        return all(not part.symbol and part.value is None for part in self.parts.values())


def _read_figure(cell) -> _Part | None:
    """Return the cell's figure, or None when it holds neither a number nor one of SSB's symbols."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return _Part(Decimal(str(cell)), ValueState.REPORTED, "")
    text = _text(cell)
    if not text:
        return _Part(None, ValueState.MISSING, "")
    symbol = read_symbol(text)
    if symbol is not None:
        return _Part(symbol[0], symbol[1], text)
    try:
        return _Part(parse_number(text), ValueState.REPORTED, "")
    except NumberError:
        return None


def _quoted(name: str) -> str:
    return _("“%(name)s”") % {"name": name}


def _choices(found: list[str]) -> str:
    return "; ".join(_quoted(name) for name in found)


def _pick(chosen: str, found: list[str]) -> str | None:
    """Return the label in the file that the user's choice names (any case and spacing), or None."""
    return next((name for name in found if _lower(name) == _lower(chosen)), None)


def read_statbank(
    data: bytes,
    *,
    filename: str,
    indicator: Indicator,
    contents: str = "",
    categories=(),
    table: str = "",
    allowed=None,
) -> StatbankImport:
    """Check a Statistikkbanken CSV or Excel download and return what importing it into the indicator would do.

    contents names the statistics variable and categories the categories whose sum is each figure, when the file
    has several. allowed(municipality_id) says whether the importer may write that municipality's figures.
    Raises ImportRejected listing every problem; writes nothing.
    """
    sheet = _read_sheet(data, filename)
    layout = _layout(sheet)
    categories = [c.strip() for c in categories if c.strip()]

    # Every figure of the table with its region, year, contents and category.
    cells: list[_Cell] = []
    problems: list[Problem] = []
    for line, row in layout.data:
        stub_year = _text(row[layout.year_stub]) if layout.year_stub is not None else ""
        stub_contents = _text(row[layout.contents_stub]) if layout.contents_stub is not None else ""
        others = [
            _text(row[i]) for i in layout.stubs if i not in {layout.region, layout.year_stub, layout.contents_stub}
        ]
        for column in layout.columns:
            cells.append(
                _Cell(
                    line=line,
                    column=column,
                    region=_text(row[layout.region]),
                    year=stub_year or column.year,
                    contents=stub_contents or column.contents,
                    category=" ".join(p for p in (*others, column.category) if p),
                    raw=row[column.index],
                )
            )
    years = {cell.year for cell in cells}
    if not cells or "" in years:
        problems.append(
            Problem(
                _(
                    "Found no year: neither a column “år” / “year” nor a year in the headings. Save the table with "
                    "the year (år) in it."
                )
            )
        )
    bad_years = sorted(y for y in years if y and not YEAR.match(y))
    if bad_years:
        problems.append(
            Problem(
                _("Only whole years can be imported; the table has the periods %(periods)s.")
                % {"periods": ", ".join(bad_years[:10])}
            )
        )
    if problems:
        raise ImportRejected(problems)

    found_contents = list(dict.fromkeys(c.contents for c in cells if c.contents))
    chosen_contents = ""
    if contents:
        chosen_contents = _pick(contents, found_contents)
        if chosen_contents is None:
            problems.append(
                Problem(
                    _("The table has no contents “%(chosen)s”; it has %(found)s.")
                    % {"chosen": contents, "found": _choices(found_contents) or "–"}
                )
            )
    elif len(found_contents) > 1:
        problems.append(
            Problem(
                _("The table has several contents; choose the one to import: %(found)s.")
                % {"found": _choices(found_contents)}
            )
        )
    elif found_contents:
        chosen_contents = found_contents[0]
    # Without a contents chosen, the categories of them all are listed, so that both choices are made at once.
    if chosen_contents:
        cells = [c for c in cells if not c.contents or c.contents == chosen_contents]

    found_categories = list(dict.fromkeys(c.category for c in cells))
    chosen_categories = found_categories
    if categories:
        picked = [_pick(c, found_categories) for c in categories]
        unknown = [c for c, p in zip(categories, picked, strict=True) if p is None]
        if unknown:
            problems.append(
                Problem(
                    _("The table has no category %(unknown)s. Its categories are %(found)s.")
                    % {"unknown": _choices(unknown), "found": _choices([c for c in found_categories if c]) or "–"}
                )
            )
        chosen_categories = list(dict.fromkeys(picked))
    elif len(found_categories) > 1:
        problems.append(
            Problem(
                _("The table has several categories; write the ones whose sum is the figure, one per line: %(found)s.")
                % {"found": _choices(found_categories)}
            )
        )
    if problems:
        raise ImportRejected(problems)

    # The chosen figures, added up per region and year.
    sums: dict[tuple[str, str], _Sum] = {}
    used: list[_Column] = []
    for cell in cells:
        if cell.category not in chosen_categories:
            continue
        if cell.column not in used:
            used.append(cell.column)
        part = _read_figure(cell.raw)
        if part is None:
            heading = layout.headings[cell.column.index] or cell.column.heading
            problems.append(
                sheet.problem(
                    _("“%(text)s” is neither a number nor one of SSB's symbols (. .. ... : -).")
                    % {"text": _text(cell.raw)},
                    line=cell.line,
                    column=cell.column.index,
                    heading=heading,
                )
            )
            continue
        figure = sums.setdefault((cell.region, cell.year), _Sum(cell.line))
        if cell.category in figure.parts:
            problems.append(
                Problem(
                    _("%(region)s has two figures for %(year)s %(category)s.")
                    % {"region": cell.region, "year": cell.year, "category": cell.category or chosen_contents},
                    line=cell.line,
                )
            )
            continue
        figure.parts[cell.category] = part
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise ImportRejected(problems[:MAX_PROBLEMS])

    regions = RegionFigures(allowed=allowed)
    for (region, year), figure in sums.items():
        match = MUNICIPALITY_LABEL.match(region)
        regions.offer(
            match.group(1) if match else None,
            year=int(year),
            region=region,
            place=region,
            position=figure.line,
            empty=figure.empty(),
            figure=figure,
        )
    problems.extend(regions.problems)
    proposed, incomplete = [], []
    for municipality_id, year, region, figure in regions.chosen():
        value, state, lacking = figure.total(chosen_categories)
        if value is None:
            proposed.append(ProposedValue(municipality_id=municipality_id, year=year, value=None, state=state))
            if len(chosen_categories) > 1:
                incomplete.append(
                    _("%(region)s %(year)s: no sum, as %(lacking)s has no figure")
                    % {
                        "region": region,
                        "year": year,
                        "lacking": ", ".join(figure.lacking(category) for category in lacking),
                    }
                )
            continue
        problem = amount_problem(value, indicator.entry_unit)
        if problem:
            problems.append(Problem(f"{region} {year}: {problem}", line=figure.line))
            continue
        proposed.append(
            ProposedValue(municipality_id=municipality_id, year=year, value=value.quantize(Decimal("0.000001")))
        )
    if problems:
        raise ImportRejected(problems[:MAX_PROBLEMS])

    number = TABLE_NUMBER.match(layout.title) or TABLE_NUMBER.match(
        layout.headings[layout.columns[0].index] if layout.columns else ""
    )
    table = table or (number.group(1) if number else "")
    what = chosen_contents or "–"
    if len(chosen_categories) > 1:
        what = _("%(contents)s, sum of %(count)s categories") % {"contents": what, "count": len(chosen_categories)}
    elif chosen_categories and chosen_categories[0]:
        what = f"{what}, {chosen_categories[0]}"
    source = _("SSB Statistikkbanken, table %(table)s (%(what)s), file %(file)s") % {
        "table": table or "?",
        "what": what,
        "file": filename,
    }
    stubs = [layout.headings[i] or get_column_letter(i + 1) for i in layout.stubs]
    return StatbankImport(
        indicator=indicator,
        filename=filename,
        table=table,
        contents=chosen_contents,
        source=source[:SOURCE_LENGTH],
        updated="",
        changes=preview_values(indicator=indicator, proposed=proposed),
        skipped=regions.skipped,
        elsewhere=regions.elsewhere,
        used_columns=stubs + [column.heading for column in used],
        categories=[c for c in chosen_categories if c],
        incomplete=incomplete,
    )
