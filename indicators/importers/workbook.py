"""Read an uploaded Excel workbook (.xlsx) safely and fast: its sheets as rows of cell values.

Every importer that takes a workbook reads it here (planners' templates and budgets, Miljødirektoratet's
emissions, Statistikkbanken's tables); openpyxl is used only to write workbooks.

    sheets = read_workbook(data, "utslipp.xlsx")
    for sheet in sheets:
        for line, cells in enumerate(sheet.rows, start=1): ...

`read_workbook()` returns the worksheets in workbook order (chart sheets left out). `Sheet.rows[0]` is the
sheet's first row (row 1 as Excel numbers it), so a row's line number is its index + 1; empty rows are
kept as [] so the numbers stay right. Each row holds the cells from column A up to its last non-empty cell.
A cell's value is None when empty, an int for a whole number (Excel stores every number as a float, so
2024 and 2024.0 are both 2024), a float otherwise (repr() of it gives the shortest decimal that is the
float: what Excel shows; build a Decimal from that, never from the float), a str, a bool, a datetime.date
or datetime.datetime for a date cell, a datetime.time or datetime.timedelta for a time cell, as
python-calamine reads them. A formula gives the value Excel last saved for it; an error cell (#DIV/0!)
is read as text or empty.

A workbook is a zip of XML files, and a small one can unpack to gigabytes (a zip bomb), or name a cell
so far from A1 that the sheet's grid would not fit in memory. Before calamine parses anything, the zip
directory and the sheets' cell references are checked against the limits in settings
(LIVSKRAFT_MAX_WORKBOOK_BYTES, _ENTRIES, _RATIO and _CELLS); a workbook over one is refused with
ImportRejected naming the limit. A damaged zip or XML is refused the same way, never with an exception
of another kind.
"""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from operator import itemgetter

import python_calamine
from django.conf import settings
from django.utils.translation import gettext as _

from indicators.importers.base import ImportRejected, Problem
from indicators.numbers import format_number

ZIP_SIGNATURE = b"PK\x03\x04"
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
# An entry smaller than this unpacked is not checked for its compression ratio: small XML compresses well.
RATIO_FLOOR_BYTES = 2**20
CHUNK_BYTES = 2**20
# A cell or row reference: r="AB12" on <c>, r="12" on <row>, with either quote and any namespace prefix; the
# first form is what spreadsheet programs write, and its literal start makes it the faster search.
REFERENCE = re.compile(rb"""\sr=["']([A-Z]{0,3})([0-9]{1,9})["']""")
USUAL_REFERENCE = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,9})"')
UNUSUAL_REFERENCE_STARTS = (b"\tr=", b"\nr=", b"\rr=", b"r='")
# A chunk without a tag's end is read on with the next until it is this long.
MAX_CARRY_BYTES = 4 * 2**20
# The start of a cell element, <c …>, or <x:c …> in a sheet whose elements carry a prefix, to count the cells
# that must carry a reference.
CELL_TAG = re.compile(rb"<c[\s>/]")
PREFIXED_CELL_TAG = re.compile(rb"<[A-Za-z_][\w.-]*:c[\s>/]")
PREFIXED_SHEET = re.compile(rb"<[A-Za-z_][\w.-]*:(?:worksheet|sheetData)[\s>]")
# A row or cell element, opening or closing, for sheets whose cells do not all carry a reference.
ROW_OR_CELL = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)((?:[\s/][^>]*)?)>")


@dataclass
class Sheet:
    """One worksheet: its name as the tab shows it, and its rows from row 1 (see the module docstring)."""

    name: str
    rows: list[list] = field(default_factory=list)

    def non_empty_rows(self):
        """Yield (line, cells) for each row with at least one non-empty cell; line counts from 1."""
        for line, cells in enumerate(self.rows, start=1):
            if any(cell is not None and cell != "" for cell in cells):
                yield line, cells


def is_workbook(data: bytes) -> bool:
    """Return whether the data starts like a zip file, as every .xlsx does."""
    return data.startswith(ZIP_SIGNATURE)


def is_old_excel(data: bytes) -> bool:
    """Return whether the data is an Excel 97–2003 file (.xls), which is read only after saving it as .xlsx."""
    return data.startswith(OLD_EXCEL_SIGNATURE)


def read_workbook(data: bytes, filename: str, *, first_only: bool = False) -> list[Sheet]:
    """Return the workbook's worksheets with their rows, or raise ImportRejected saying why it cannot be read.

    With first_only, only the first worksheet is read. The limits in settings are checked before parsing.
    """
    unreadable = _unreadable(filename)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise unreadable from None
    with archive:
        _check_directory(archive, filename)
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:  # .xlsb and .ods are not read: their sheets are not checked here
            raise ImportRejected(
                [
                    Problem(
                        _(
                            "%(file)s is a zip file but not an Excel workbook (.xlsx). Save it from the spreadsheet "
                            "program as an Excel workbook and try again."
                        )
                        % {"file": filename}
                    )
                ]
            )
        _check_contents(archive, filename)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for metadata in book.sheets_metadata:
            if metadata.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            rows = book.get_sheet_by_name(metadata.name).to_python(skip_empty_area=False)
            for index, cells in enumerate(rows):  # in place, so that each row calamine gave is freed at once
                rows[index] = _row(cells)
            sheets.append(Sheet(metadata.name, rows))
            if first_only:
                break
    except python_calamine.PasswordError:
        raise ImportRejected(
            [
                Problem(
                    _("%(file)s is protected with a password. Save it without one and try again.") % {"file": filename}
                )
            ]
        ) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # calamine's own errors, ValueError for damaged XML, and a Rust panic (a BaseException)
        raise unreadable from None
    return sheets


def _row(cells: list) -> list:
    row = [_value(cell) for cell in cells]
    while row and row[-1] is None:
        row.pop()
    return row


def _value(cell):
    if cell == "":
        return None
    if type(cell) is float and cell.is_integer():
        return int(cell)
    return cell


def _unreadable(filename: str) -> ImportRejected:
    return ImportRejected(
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


def _megabytes(size: int) -> str:
    megabytes = size / 2**20
    return format_number(megabytes, 0 if megabytes >= 10 or megabytes.is_integer() else 1)


def _check_directory(archive: zipfile.ZipFile, filename: str) -> None:
    """Refuse a workbook whose zip directory declares too many entries, too many bytes or too high a ratio."""
    entries = archive.infolist()
    limit = settings.LIVSKRAFT_MAX_WORKBOOK_ENTRIES
    if len(entries) > limit:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "%(file)s holds %(count)s files inside; a workbook may hold at most %(limit)s "
                        "(LIVSKRAFT_MAX_WORKBOOK_ENTRIES). Copy the sheets you need into a new workbook and try again."
                    )
                    % {"file": filename, "count": format_number(len(entries), 0), "limit": format_number(limit, 0)}
                )
            ]
        )
    declared = sum(entry.file_size for entry in entries)
    _check_size(declared, filename)
    ratio = settings.LIVSKRAFT_MAX_WORKBOOK_RATIO
    for entry in entries:
        if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > ratio * max(entry.compress_size, 1):
            raise ImportRejected(
                [
                    Problem(
                        _(
                            "%(file)s is packed %(found)s times smaller than it unpacks (%(part)s); the portal reads "
                            "workbooks packed at most %(limit)s times (LIVSKRAFT_MAX_WORKBOOK_RATIO). A workbook "
                            "saved by a spreadsheet program never is: save it again and try again."
                        )
                        % {
                            "file": filename,
                            "found": format_number(entry.file_size // max(entry.compress_size, 1), 0),
                            "part": entry.filename,
                            "limit": format_number(ratio, 0),
                        }
                    )
                ]
            )


def _check_size(size: int, filename: str) -> None:
    limit = settings.LIVSKRAFT_MAX_WORKBOOK_BYTES
    if size > limit:
        raise ImportRejected(
            [
                Problem(
                    _(
                        "%(file)s unpacks to more than %(size)s MB; the portal reads workbooks of at most %(limit)s MB "
                        "unpacked (LIVSKRAFT_MAX_WORKBOOK_BYTES). Export fewer years or municipalities."
                    )
                    % {"file": filename, "size": _megabytes(size), "limit": _megabytes(limit)}
                )
            ]
        )


def _check_contents(archive: zipfile.ZipFile, filename: str) -> None:
    """Unpack every entry as a stream, and refuse the workbook before calamine reads it if it is damaged,
    unpacks to more than its directory says, or its sheets' cells span a grid larger than the limit.

    zipfile stops at the declared size and checks each entry's CRC, so a directory that lies is caught here.
    calamine holds a sheet as one grid from its first to its last cell, empty cells included, so the grid
    is what is counted: two cells, A1 and XFD1048576, make 17 billion.
    """
    cells = 0
    unpacked = 0
    limit = settings.LIVSKRAFT_MAX_WORKBOOK_CELLS
    for entry in archive.infolist():
        # Every part is scanned as if it were a sheet: the workbook's relationships may put a sheet anywhere,
        # and the other parts hold few references (calcChain.xml repeats the formulas' cells, which is counted).
        extent = Extent()
        carry = b""
        try:
            with archive.open(entry) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    unpacked += len(chunk)
                    # Cut after the chunk's last tag, so that no reference is split between two scans.
                    text = carry + chunk
                    cut = text.rfind(b">") + 1
                    if cut == 0 and len(text) < MAX_CARRY_BYTES:
                        carry = text
                        continue
                    cut = cut or len(text)
                    extent.scan(text[:cut])
                    carry = text[cut:]
                extent.scan(carry)
            if extent.unreferenced:
                with archive.open(entry) as stream:
                    extent = _counted_extent(stream)
        except (
            zipfile.BadZipFile,
            zlib.error,
            NotImplementedError,
            RuntimeError,
            ValueError,
            OSError,
            EOFError,
        ):
            # RuntimeError: an encrypted entry; NotImplementedError: a compression zipfile does not know.
            raise _unreadable(filename) from None
        _check_size(unpacked, filename)
        cells += extent.rows * extent.columns
        if cells > limit:
            raise ImportRejected(
                [
                    Problem(
                        _(
                            "The sheets of %(file)s span more than %(limit)s cells (LIVSKRAFT_MAX_WORKBOOK_CELLS), "
                            "counted from A1 to the last row and column used. Delete empty rows and columns far "
                            "below or to the right of the figures, or export less, and try again."
                        )
                        % {"file": filename, "limit": format_number(limit, 0)}
                    )
                ]
            )


@dataclass
class Extent:
    """The largest row and column a sheet's XML refers to; unreferenced: some cells have no r="…" of their own."""

    rows: int = 0
    columns: int = 0
    cell_tags: int = 0
    cell_references: int = 0
    prefixed: bool | None = None  # whether the sheet's elements carry a namespace prefix (<x:c>)

    @property
    def unreferenced(self) -> bool:
        return self.cell_tags > self.cell_references

    def scan(self, text: bytes) -> None:
        """Read the references in text, which ends between two tags; map() and set() keep the loop in C."""
        if self.prefixed is None:
            self.prefixed = PREFIXED_SHEET.search(text) is not None
        unusual = any(start in text for start in UNUSUAL_REFERENCE_STARTS)
        found = (REFERENCE if unusual else USUAL_REFERENCE).findall(text)
        if found:
            self.rows = max(self.rows, max(map(int, map(itemgetter(1), found))))
            letters = list(map(itemgetter(0), found))
            self.cell_references += len(letters) - letters.count(b"")
            self.columns = max(self.columns, max(map(_column_number, set(letters))))
        self.cell_tags += len((PREFIXED_CELL_TAG if self.prefixed else CELL_TAG).findall(text))


def _column_number(letters: bytes) -> int:
    """Return the column's number: A is 1, Z 26, AA 27, XFD 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _counted_extent(stream) -> Extent:
    """Follow the sheet's rows and cells as calamine does: one without a reference comes right after the last."""
    extent = Extent()
    row = column = 0
    carry = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        text = carry + chunk
        cut = text.rfind(b">") + 1 if chunk else len(text)
        for closing, tag, attributes in ROW_OR_CELL.findall(text, 0, cut):
            if closing:
                continue
            reference = REFERENCE.search(attributes)
            letters, digits = reference.groups() if reference else (b"", b"")
            if tag == b"row":
                row = int(digits) if digits else row + 1
                column = 0
            else:
                if digits:
                    row = max(row, int(digits))
                column = _column_number(letters) if letters else column + 1
                extent.columns = max(extent.columns, column)
            extent.rows = max(extent.rows, row)
        carry = text[cut:]
        if not chunk:
            return extent
        if len(carry) > MAX_CARRY_BYTES:
            raise ValueError("a tag longer than MAX_CARRY_BYTES")
