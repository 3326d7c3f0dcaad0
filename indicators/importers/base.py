"""What every importer shares: reading an uploaded text file safely and reporting problems."""

import argparse
import codecs
import csv
import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _

from indicators.models import MunicipalityCode
from indicators.numbers import format_number, year_spans

# The most problems a file is refused with: enough to see what is wrong, few enough to read. The import previews
# list this many too.
MAX_PROBLEMS = 200
DELIMITERS = ("\t", ";", ",")
# Characters no text file holds; their presence means a binary file with a .csv name.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Problem:
    """Something in a file that stops it from being imported, located for the person who fixes it."""

    message: str
    line: int | None = None
    column: str = ""
    sheet: str = ""  # the workbook sheet the line is on

    def __str__(self):
        where = []
        if self.sheet:
            where.append(_("sheet “%(sheet)s”") % {"sheet": self.sheet})
        if self.line is not None:
            where.append(_("line %(line)s") % {"line": self.line})
        if self.column:
            where.append(_("column “%(column)s”") % {"column": self.column})
        return f"{', '.join(where)}: {self.message}" if where else self.message


def iso_date(value: str) -> datetime.date:
    """Read a YYYY-MM-DD date from an import command's argument."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None


class ImportRejected(Exception):
    """The file cannot be imported; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class Skipped:
    """A row that was read but deliberately not imported, with the reason."""

    line: int
    region: str
    reason: str


@dataclass
class TextTable:
    title: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def decode_text(data: bytes, *, max_bytes: int | None = None) -> str:
    """Return the file's text from UTF-8 or Latin-1, or raise ImportRejected saying why it is not text.

    A file larger than max_bytes (by default settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES) is refused.
    """
    if not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    max_bytes = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES if max_bytes is None else max_bytes
    if len(data) > max_bytes:
        raise ImportRejected(
            [
                Problem(
                    _("The file is larger than %(mb)s MB; split it or export fewer years.") % {"mb": max_bytes // 2**20}
                )
            ]
        )
    if data.startswith(b"PK\x03\x04"):
        raise ImportRejected(
            [Problem(_("This is a spreadsheet or zip file, not a CSV file. Export the table as CSV and try again."))]
        )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[:200].count(b"\x00") > 20:
        raise ImportRejected(
            [Problem(_("The file is saved as UTF-16. Save it as CSV in UTF-8 or Latin-1 (ISO-8859-1) and try again."))]
        )
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        # Windows-1252 is Latin-1 plus typographic marks in 0x80–0x9F; Latin-1 decodes anything.
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if CONTROL_CHARACTERS.search(text):
        raise ImportRejected([Problem(_("The file is not a text file; it looks like a binary file renamed to .csv."))])
    return text


def read_csv(rows, *, start: int = 1):
    """Yield (line, cells) from a csv reader, numbering from start; a row csv cannot read raises ImportRejected.

    csv refuses a cell longer than its field size limit (131 072 characters) and some malformed quoting;
    the file is refused with the line, instead of an error the user never sees.
    """
    line = start
    try:
        for cells in rows:
            yield line, cells
            line += 1
    except csv.Error as error:
        raise ImportRejected([csv_problem(error, line)]) from None


def csv_problem(error: csv.Error, line: int) -> Problem:
    """Return the problem for a line csv could not read: a cell over csv's field size limit, or bad quoting."""
    if "field larger than field limit" in str(error):
        message = _(
            "Line %(line)s has a cell longer than %(limit)s characters, more than any figure or name needs; "
            "a quotation mark may be missing. Correct the file and try again."
        ) % {"line": line, "limit": format_number(csv.field_size_limit(), 0)}
    else:
        message = _("Line %(line)s could not be read as CSV (%(error)s). Correct the file and try again.") % {
            "line": line,
            "error": error,
        }
    return Problem(message)


def read_table(text: str, *, first_column: str) -> TextTable:
    """Split delimited text into a header and rows, skipping title lines above the header.

    The header is the first line whose first cell is `first_column` (any case);
    the delimiter (tab, semicolon or comma) is the one that line uses most.
    """
    lines = text.splitlines()
    title_lines = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        delimiter = max(DELIMITERS, key=line.count)
        _line, cells = next(read_csv(csv.reader([line], delimiter=delimiter), start=index + 1))
        if cells and cells[0].strip().lower() == first_column:
            table = TextTable(title=" ".join(title_lines), header=[c.strip() for c in cells], header_line=index + 1)
            reader = csv.reader(lines[index + 1 :], delimiter=delimiter)
            for offset, row in read_csv(reader, start=index + 2):
                if any(cell.strip() for cell in row):
                    table.rows.append((offset, row))
            return table
        title_lines.append(stripped.strip('"'))
        if len(title_lines) > 10:
            break
    raise ImportRejected(
        [Problem(_("Found no header row: the first column must be called “%(name)s”.") % {"name": first_column})]
    )


@dataclass(frozen=True)
class Filing:
    """Where a figure labelled with a number and year goes: a municipality, or nowhere and why.

    `elsewhere` is set when the municipality did not hold the number that year (a table by today's numbers):
    the import reports it rather than moving the figure silently.
    """

    municipality_id: int | None
    elsewhere: "Elsewhere | None" = None
    reason: str = ""


@dataclass(frozen=True)
class Elsewhere:
    """A figure filed on a municipality under a number it did not have that year."""

    code: str
    year: int
    name: str
    number: str  # the number the municipality had that year


def describe_elsewhere(filed: list[Elsewhere]) -> list[str]:
    """Say, once per number and municipality, in which years figures were filed under another number.

    “3303 in 2015–2019 filed under Kongsberg (0604)”: consecutive years with the same number in force are joined.
    """
    grouped: dict[tuple[str, str, str], set[int]] = {}
    for item in filed:
        grouped.setdefault((item.code, item.name, item.number), set()).add(item.year)
    lines = []
    for (code, name, number), years in sorted(grouped.items(), key=lambda g: (g[0][0], min(g[1]))):
        when = year_spans(years)
        lines.append(
            _("%(code)s in %(years)s filed under %(name)s (%(number)s)")
            % {"code": code, "years": when, "name": name, "number": number}
        )
    return lines


class CodeTable:
    """Every municipality number with its period, in memory, so a file of thousands of rows costs one query.

    The one rule for where a figure goes: to the municipality that held its number on 1 January of its
    year. A table may label older years with a later number (SSB's tables by today's numbers); such a
    figure goes to the one municipality that ever held the number if that municipality existed that
    year, and file() says so, so that the import can report it. Anything else is not filed.
    """

    def __init__(self):
        self._by_code: dict[str, list[tuple[datetime.date, datetime.date | None, int]]] = {}
        self._by_municipality: dict[int, list[tuple[datetime.date, datetime.date | None, str]]] = {}
        self._names: dict[int, str] = {}
        for code, valid_from, valid_to, municipality_id, name in MunicipalityCode.objects.values_list(
            "code", "valid_from", "valid_to", "municipality_id", "municipality__name"
        ):
            self._by_code.setdefault(code, []).append((valid_from, valid_to, municipality_id))
            self._by_municipality.setdefault(municipality_id, []).append((valid_from, valid_to, code))
            self._names[municipality_id] = name

    @staticmethod
    def _in_force(periods, year: int):
        day = datetime.date(year, 1, 1)
        return next((who for valid_from, valid_to, who in periods if valid_from <= day <= (valid_to or day)), None)

    def municipality_id(self, code: str, year: int) -> int | None:
        """Return the municipality that had the code on 1 January of the year, or None."""
        return self._in_force(self._by_code.get(code, []), year)

    def file(self, code: str, year: int) -> Filing:
        """Return where a figure for the number and year goes, by the class's rule."""
        exact = self.municipality_id(code, year)
        if exact is not None:
            return Filing(exact)
        holders = {m for _f, _t, m in self._by_code.get(code, [])}
        values = {"code": code, "year": year}
        if not holders:
            return Filing(None, reason=_("no municipality had the number %(code)s in %(year)s") % values)
        if len(holders) > 1:
            return Filing(
                None,
                reason=_("no municipality had the number %(code)s in %(year)s, and several had it later") % values,
            )
        municipality_id = holders.pop()
        number = self._in_force(self._by_municipality[municipality_id], year)
        if number is None:
            return Filing(
                None,
                reason=_(
                    "no municipality had the number %(code)s in %(year)s; %(name)s, which had it, did not exist then"
                )
                % {**values, "name": self._names[municipality_id]},
            )
        return Filing(municipality_id, Elsewhere(code, year, self._names[municipality_id], number))


def source_date(text: str | None) -> datetime.date | None:
    """The day of an ISO date or time as a source writes it ("2024-02-20T07:00:00Z"), or None."""
    try:
        return datetime.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None
