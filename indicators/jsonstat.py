"""Reading and writing JSON-stat 2.0 datasets, the format Statistics Norway's PxWebApi v2 returns.

A JSON-stat dataset is a cube: `id` names its dimensions in order, `size` gives each one's number of
categories, and `value` lists one figure per cell in row-major order (the last dimension varies fastest).
`parse()` checks a response against the JSON-stat 2.0 rules, reports every problem it finds at once
in a `JsonStatError`, and returns a `Dataset` whose `cells()` name each figure by its categories.
`write()` and `dumps()` build a dataset the other way, from dimensions and a figure per cell.

Pure Python: nothing here touches the database.
"""

import codecs
import datetime
import functools
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

# A dataset may list few categories yet declare a huge cube (a sparse `value` object): more cells than
# settings.LIVSKRAFT_MAX_JSONSTAT_CELLS are refused before the cube is built.
# Problems of the same kind (one per cell) are reported this many times, then counted.
MAX_EXAMPLES = 5
VERSION = "2.0"

Number = int | float


class JsonStatError(Exception):
    """The input is not a JSON-stat 2.0 dataset; `problems` says why, one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems[:MAX_EXAMPLES]))


@dataclass(frozen=True)
class Dimension:
    """A dimension of a dataset: its id, label and categories as (code, label) pairs, in cube order.

    `units` is JSON-stat's `category.unit` for metric dimensions: code → {"base": ..., "decimals": ...}.
    """

    id: str
    label: str
    categories: list[tuple[str, str]]
    units: dict[str, dict] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return [code for code, _label in self.categories]

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.categories)

    def __len__(self) -> int:
        return len(self.categories)


@dataclass(frozen=True)
class Cell:
    """One figure of the cube: the category of each dimension, the value (None when empty) and its status.

    The status is kept as the file gives it; SSB's symbols in it are read by indicators.importers.ssb_symbols.
    """

    coordinates: dict[str, str]
    value: Number | None
    status: str | None
    # The cell's place in the flat `value` list; left out of comparisons.
    position: int = field(default=0, compare=False)


@dataclass
class Dataset:
    """A parsed JSON-stat 2.0 dataset. `len()` is the number of cells, empty ones included."""

    label: str
    source: str
    updated: str | None
    dimension_ids: list[str]
    sizes: list[int]
    dimensions: dict[str, Dimension]
    roles: dict[str, list[str]]
    extension: dict[str, Any] | None
    notes: list[str]
    values: list[Number | None] | dict[int, Number | None] = field(repr=False)
    # None, one status for every cell, one per cell, or position → status.
    status: str | list[str | None] | dict[int, str | None] | None = field(repr=False)

    def __len__(self) -> int:
        return math.prod(self.sizes)

    @property
    def category_codes(self) -> dict[str, list[str]]:
        """Each dimension's category codes, in cube order."""
        return {dimension_id: self.dimensions[dimension_id].codes for dimension_id in self.dimension_ids}

    @property
    def category_labels(self) -> dict[str, dict[str, str]]:
        """Each dimension's category labels by code."""
        return {dimension_id: self.dimensions[dimension_id].labels for dimension_id in self.dimension_ids}

    @property
    def updated_at(self) -> datetime.datetime | None:
        """`updated` as a datetime (aware when the text gives a zone), or None when absent."""
        return None if self.updated is None else _parse_timestamp(self.updated)

    def dimension_for_role(self, role: str) -> str | None:
        """Return the one dimension with the role ("time", "geo", "metric"), or None unless exactly one has it."""
        ids = self.roles.get(role, [])
        return ids[0] if len(ids) == 1 else None

    @functools.cached_property
    def _places(self) -> list[dict[str, int]]:
        return [{code: index for index, code in enumerate(self.dimensions[i].codes)} for i in self.dimension_ids]

    def position(self, coordinates: Mapping[str, str]) -> int:
        """Return the flat row-major index of the cell with these categories; KeyError if one is unknown.

        The index is i₁·(n₂·…·n_k) + i₂·(n₃·…·n_k) + … + i_k, where i is a category's place in its
        dimension and n a dimension's size, computed here the Horner way.
        """
        position = 0
        for dimension_id, places in zip(self.dimension_ids, self._places, strict=True):
            code = coordinates[dimension_id]
            if code not in places:
                raise KeyError(f"{dimension_id}={code}")
            position = position * len(places) + places[code]
        return position

    def cell(self, coordinates: Mapping[str, str]) -> Cell:
        """Return the cell with these categories (one per dimension)."""
        position = self.position(coordinates)
        coordinates = {dimension_id: coordinates[dimension_id] for dimension_id in self.dimension_ids}
        return Cell(coordinates, self._value(position), self._status(position), position)

    def cells(self) -> Iterator[Cell]:
        """Yield every cell in row-major order: the last dimension varies fastest, as in `value`."""
        ids = self.dimension_ids
        codes = [self.dimensions[dimension_id].codes for dimension_id in ids]
        for position, combination in enumerate(itertools.product(*codes)):
            yield Cell(
                dict(zip(ids, combination, strict=True)), self._value(position), self._status(position), position
            )

    def _value(self, position: int) -> Number | None:
        if isinstance(self.values, list):
            return self.values[position]
        return self.values.get(position)

    def _status(self, position: int) -> str | None:
        if self.status is None or isinstance(self.status, str):
            return self.status
        if isinstance(self.status, list):
            return self.status[position]
        return self.status.get(position)


# Reading


class _RefusedConstant(ValueError):
    def __init__(self, constant: str):
        self.constant = constant


def _refuse_constant(constant: str):
    raise _RefusedConstant(constant)


def _load(data: bytes) -> tuple[Any, list[str]]:
    """Return the decoded JSON and the duplicate object keys it has, or raise JsonStatError."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse() reads bytes, not {type(data).__name__}")
    limit = settings.LIVSKRAFT_MAX_JSONSTAT_BYTES  # larger inputs are refused before they are parsed
    if len(data) > limit:
        raise JsonStatError(
            [
                _("The file is larger than %(mb)s MB. Ask for fewer regions, contents or years at a time.")
                % {"mb": limit // 2**20}
            ]
        )
    data = bytes(data)
    if not data.strip():
        raise JsonStatError([_("The file is empty.")])
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:1000]:
        # UTF-8 JSON never holds a NUL byte; UTF-16 and UTF-32 hold one in every ASCII character.
        raise JsonStatError([_("The file is saved as UTF-16 (or UTF-32); JSON-stat must be UTF-8.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.end == len(data) and error.reason == "unexpected end of data":
            partial = data.decode("utf-8", errors="ignore")
            raise JsonStatError([_truncated(partial, len(partial))]) from None
        raise JsonStatError(
            [
                _("The file is not UTF-8: byte %(position)s (0x%(byte)02x) cannot be read.")
                % {"position": error.start, "byte": data[error.start]}
            ]
        ) from None
    duplicates: list[str] = []

    def object_without_duplicates(pairs):
        result = {}
        for key, value in pairs:
            if key in result:
                duplicates.append(key)
            result[key] = value
        return result

    try:
        document = json.loads(text, object_pairs_hook=object_without_duplicates, parse_constant=_refuse_constant)
    except _RefusedConstant as error:
        raise JsonStatError(
            [
                _("The file is not valid JSON: it contains “%(constant)s”, which JSON does not allow.")
                % {"constant": error.constant}
            ]
        ) from None
    except json.JSONDecodeError as error:
        if _cut_off(text, error):
            raise JsonStatError([_truncated(text, error.pos)]) from None
        raise JsonStatError(
            [
                _("The file is not valid JSON: %(error)s at line %(line)s, column %(column)s (character %(position)s).")
                % {"error": error.msg, "line": error.lineno, "column": error.colno, "position": error.pos}
            ]
        ) from None
    except RecursionError:
        raise JsonStatError(
            [
                _(
                    "The file nests lists and objects deeper than Python can read (about a thousand levels); "
                    "a JSON-stat table nests four. It is not a table from SSB."
                )
            ]
        ) from None
    except ValueError as error:  # e.g. a number of more than 4 300 digits
        raise JsonStatError([_("The file could not be read as JSON: %(error)s") % {"error": error}]) from None
    return document, duplicates


def _cut_off(text: str, error: json.JSONDecodeError) -> bool:
    """Return whether the JSON error comes from text that stops in the middle, as a cut-off download does."""
    rest = text[error.pos :].rstrip()
    return (
        not rest  # it stops between two tokens
        or error.msg.startswith("Unterminated string")  # inside a string
        or any(literal.startswith(rest) for literal in ("true", "false", "null"))  # inside a literal
        or re.fullmatch(r"-|[.eE][+-]?", rest) is not None  # inside a number
        or (error.msg.startswith("Invalid \\uXXXX") and re.fullmatch(r"u[0-9a-fA-F]{0,3}", rest) is not None)
    )


def _truncated(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return _("The file ends too early (line %(line)s, column %(column)s): it was probably cut off. Fetch it again.") % {
        "line": line,
        "column": column,
    }


def _shown(value: Any) -> str:
    """Return a short JSON rendering of a value for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return "…"
    return text if len(text) <= 40 else text[:39] + "…"


def _is_number(value: Any) -> bool:
    # JSON true and false arrive as bool, a subclass of int; "1e400" arrives as an infinite float.
    return type(value) is int or (type(value) is float and math.isfinite(value))


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _parse_timestamp(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


class _Problems(list):
    """The problems found so far; messages of one kind beyond MAX_EXAMPLES are counted, not listed."""

    def __init__(self):
        super().__init__()
        self._counts: Counter = Counter()
        self._last: dict[str, int] = {}  # kind → where its last listed message is

    def add(self, message: str, kind: str | None = None):
        if kind is not None:
            self._counts[kind] += 1
            if self._counts[kind] > MAX_EXAMPLES:
                return
            self._last[kind] = len(self)
        self.append(message)

    def close(self):
        """Put the count of the unlisted ones after the last listed message of each kind."""
        for kind, last in sorted(self._last.items(), key=lambda item: item[1], reverse=True):
            if self._counts[kind] > MAX_EXAMPLES:
                count = self._counts[kind] - MAX_EXAMPLES
                self.insert(last + 1, _("…and %(count)s more problems like the one above.") % {"count": count})


def _position_key(key: str, last: int) -> int | None:
    """Return the cell position a sparse object's key stands for, or None when it is not one."""
    if not (key == "0" or (key.isascii() and key.isdigit() and not key.startswith("0"))):
        return None
    position = int(key)
    return position if position <= last else None


def _refuse_other_classes(document: dict) -> list[str]:
    """Return why the document is not a JSON-stat 2.0 dataset, or an empty list when it claims to be one."""
    json_class = document.get("class")
    version = document.get("version")
    if json_class is None and version is None:
        if "error" in document or ("title" in document and "status" in document):
            detail = document.get("error") or document.get("detail") or document.get("title")
            return [
                _("The file is an error message from the server, not data: %(message)s") % {"message": _shown(detail)}
            ]
        if document and all(isinstance(item, dict) and "dimension" in item for item in document.values()):
            return [
                _(
                    "The file is a JSON-stat bundle (the format before version 2.0), not a 2.0 dataset. "
                    "Fetch the table with outputFormat=json-stat2."
                )
            ]
    problems = []
    if json_class == "collection":
        problems.append(
            _("The file is a JSON-stat collection, not a dataset. Fetch one table at a time (outputFormat=json-stat2).")
        )
    elif json_class == "bundle":
        problems.append(
            _(
                "The file is a JSON-stat bundle (the format before version 2.0), not a 2.0 dataset. "
                "Fetch the table with outputFormat=json-stat2."
            )
        )
    elif json_class == "dimension":
        problems.append(_("The file is a single JSON-stat dimension, not a dataset."))
    elif json_class is None:
        problems.append(_("The file is not a JSON-stat dataset: it has no class, expected “dataset”."))
    elif json_class != "dataset":
        problems.append(
            _("The file is not a JSON-stat dataset: class is “%(found)s”, expected “dataset”.")
            % {"found": _shown(json_class).strip('"')}
        )
    if version is None:
        problems.append(_("The file is not JSON-stat 2.0: it has no version, expected “2.0”."))
    elif version != VERSION:
        problems.append(
            _("The file is not JSON-stat 2.0: version is “%(found)s”, expected “2.0”.")
            % {"found": _shown(version).strip('"')}
        )
    return problems


def _read_categories(dimension_id: str, category: Any, problems: _Problems) -> tuple[list[str], dict[str, str]] | None:
    """Return the dimension's category codes in cube order and their labels, or None after adding problems."""
    name = {"id": dimension_id}
    if not isinstance(category, dict):
        problems.add(_("Dimension “%(id)s” has no “category” object.") % name)
        return None
    index = category.get("index")
    labels = category.get("label")
    if labels is not None and not (isinstance(labels, dict) and all(_is_text(text) for text in labels.values())):
        problems.add(_("Dimension “%(id)s”: “category.label” must map category codes to texts.") % name)
        return None
    labels = labels or {}
    if index is None:
        if not labels:
            problems.add(_("Dimension “%(id)s” has neither “category.index” nor “category.label”.") % name)
            return None
        if len(labels) != 1:
            problems.add(
                _(
                    "Dimension “%(id)s” has no “category.index”; only a dimension with a single category may leave it out."
                )
                % name
            )
            return None
        codes = list(labels)
    elif isinstance(index, list):
        strange = [code for code in index if not _is_text(code)]
        if strange:
            problems.add(
                _("Dimension “%(id)s”: category codes must be texts, not %(found)s.")
                % {"id": dimension_id, "found": _shown(strange[0])}
            )
            return None
        repeated = [code for code, count in Counter(index).items() if count > 1]
        for code in repeated:
            problems.add(
                _("Dimension “%(id)s”: category “%(code)s” appears more than once.")
                % {"id": dimension_id, "code": code}
            )
        if repeated:
            return None
        codes = list(index)
    elif isinstance(index, dict):
        codes = _codes_from_positions(dimension_id, index, problems)
        if codes is None:
            return None
    else:
        problems.add(_("Dimension “%(id)s”: “category.index” must be a list or an object.") % name)
        return None
    known = set(codes)
    for code in labels:
        if code not in known:
            problems.add(
                _("Dimension “%(id)s”: “category.label” names “%(code)s”, which is not one of its categories.")
                % {"id": dimension_id, "code": code}
            )
            return None
    return codes, {code: labels.get(code, code) for code in codes}


def _codes_from_positions(dimension_id: str, index: dict, problems: _Problems) -> list[str] | None:
    """Return the codes of an index object (code → position) ordered by position, or None after adding problems."""
    last = len(index) - 1
    by_position: dict[int, list[str]] = {}
    found = len(problems)
    for code, position in index.items():
        if type(position) is not int:
            problems.add(
                _("Dimension “%(id)s”: the position of category “%(code)s” must be a whole number, not %(found)s.")
                % {"id": dimension_id, "code": code, "found": _shown(position)}
            )
        elif not 0 <= position <= last:
            problems.add(
                _(
                    "Dimension “%(id)s”: category “%(code)s” has position %(position)s, but its %(count)s categories "
                    "need the positions 0 to %(last)s, each once, without gaps."
                )
                % {"id": dimension_id, "code": code, "position": position, "count": len(index), "last": last}
            )
        else:
            by_position.setdefault(position, []).append(code)
    for position, codes in sorted(by_position.items()):
        if len(codes) > 1:
            problems.add(
                _("Dimension “%(id)s”: position %(position)s is given to more than one category (%(codes)s).")
                % {"id": dimension_id, "position": position, "codes": ", ".join(codes)}
            )
    if len(problems) > found:
        return None
    # n codes at positions in 0..n-1 without repeats fill every position.
    return [by_position[position][0] for position in range(len(index))]


def _read_cells(name: str, data: list | dict, total: int, problems: _Problems, check) -> list | dict | None:
    """Return a dense list or a sparse {position: entry} of `total` cells, checking each entry with `check`.

    `check` returns the message for an entry that does not belong, or None.
    """
    if isinstance(data, list):  # the caller has checked its length
        for position, entry in enumerate(data):
            message = check(position, entry)
            if message:
                problems.add(message, kind=f"{name}-entry")
        return data
    sparse = {}
    last = total - 1
    for key, entry in data.items():
        position = _position_key(key, last)
        if position is None:
            problems.add(
                _("“%(property)s” has an entry at position “%(key)s”, which is not a whole number from 0 to %(last)s.")
                % {"property": name, "key": key, "last": last},
                kind=f"{name}-key",
            )
            continue
        message = check(position, entry)
        if message:
            problems.add(message, kind=f"{name}-entry")
        sparse[position] = entry
    return sparse


def _check_value(position: int, entry: Any) -> str | None:
    if entry is None or _is_number(entry):
        return None
    return _("Cell %(position)s of “value” is %(found)s, not a number or null.") % {
        "position": position,
        "found": _shown(entry),
    }


def _check_status(position: int, entry: Any) -> str | None:
    if entry is None or _is_text(entry):
        return None
    return _("Cell %(position)s of “status” is %(found)s, not a text or null.") % {
        "position": position,
        "found": _shown(entry),
    }


def _read_text(document: dict, key: str, problems: _Problems) -> str:
    text = document.get(key)
    if text is None:
        return ""
    if not _is_text(text):
        problems.add(_("“%(property)s” must be a text.") % {"property": key})
        return ""
    return text


def parse(data: bytes) -> Dataset:
    """Read a JSON-stat 2.0 dataset from UTF-8 bytes, or raise JsonStatError listing every problem found."""
    document, duplicates = _load(data)
    if not isinstance(document, dict):
        raise JsonStatError([_("The file is not a JSON-stat dataset: it holds a JSON list or value, not an object.")])
    refused = _refuse_other_classes(document)
    if refused:
        raise JsonStatError(refused)

    problems = _Problems()
    for key in dict.fromkeys(duplicates):
        problems.add(
            _("The key “%(key)s” appears more than once in the same JSON object.") % {"key": key}, kind="duplicate-key"
        )
    label = _read_text(document, "label", problems)
    source = _read_text(document, "source", problems)
    updated = document.get("updated")
    if updated is not None and not (_is_text(updated) and _parse_timestamp(updated)):
        problems.add(_("“updated” is %(found)s, which is not an ISO 8601 date and time.") % {"found": _shown(updated)})
        updated = None
    extension = document.get("extension")
    if extension is not None and not isinstance(extension, dict):
        problems.add(_("“%(property)s” must be an object.") % {"property": "extension"})
        extension = None
    notes = document.get("note") or []
    if not (isinstance(notes, list) and all(_is_text(note) for note in notes)):
        notes = []  # a note is for people; an odd one is dropped rather than refused

    missing = [key for key in ("id", "size", "dimension", "value") if key not in document]
    for key in missing:
        problems.add(_("The dataset has no “%(property)s”.") % {"property": key})

    # id and size
    ids = document.get("id")
    if "id" not in missing:
        if not (isinstance(ids, list) and ids and all(_is_text(item) and item for item in ids)):
            problems.add(_("“id” must be a list of dimension ids (texts), with at least one."))
            ids = None
        else:
            for dimension_id, count in Counter(ids).items():
                if count > 1:
                    problems.add(_("Dimension “%(id)s” is listed more than once in “id”.") % {"id": dimension_id})
    else:
        ids = None
    sizes = document.get("size")
    if "size" not in missing:
        if not (isinstance(sizes, list) and sizes and all(type(size) is int and size >= 1 for size in sizes)):
            problems.add(_("“size” must be a list of whole numbers, each 1 or more."))
            sizes = None
    else:
        sizes = None
    if sizes is not None:
        # The cube's cells are counted before anything is built from them: a file of a few kilobytes can declare
        # billions, and the importer visits every one.
        total = math.prod(sizes)
        limit = settings.LIVSKRAFT_MAX_JSONSTAT_CELLS
        if total > limit:
            raise JsonStatError(
                [
                    _(
                        "The table has %(count)s cells; at most %(limit)s can be read at once "
                        "(LIVSKRAFT_MAX_JSONSTAT_CELLS). Ask for fewer regions, contents or years."
                    )
                    % {"count": total, "limit": limit}
                ]
            )
    if ids is not None and sizes is not None and len(ids) != len(sizes):
        problems.add(
            _("“id” names %(ids)s dimensions but “size” gives %(sizes)s sizes.")
            % {"ids": len(ids), "sizes": len(sizes)}
        )

    # dimension
    dimensions: dict[str, Dimension] = {}
    entries = document.get("dimension")
    if "dimension" not in missing and not isinstance(entries, dict):
        problems.add(_("“%(property)s” must be an object.") % {"property": "dimension"})
        entries = None
    if ids is not None and entries is not None:
        for dimension_id in entries:
            if dimension_id not in ids:
                problems.add(_("“dimension” describes “%(id)s”, which is not listed in “id”.") % {"id": dimension_id})
        for order, dimension_id in enumerate(dict.fromkeys(ids)):
            entry = entries.get(dimension_id)
            if not isinstance(entry, dict):
                problems.add(
                    _("Dimension “%(id)s” is listed in “id” but has no entry in “dimension”.") % {"id": dimension_id}
                )
                continue
            dimension_label = entry.get("label", "")
            if not _is_text(dimension_label):
                problems.add(_("“%(property)s” must be a text.") % {"property": f"dimension.{dimension_id}.label"})
                dimension_label = ""
            categories = _read_categories(dimension_id, entry.get("category"), problems)
            if categories is None:
                continue
            codes, labels = categories
            if sizes is not None and order < len(sizes) and len(ids) == len(sizes) and len(codes) != sizes[order]:
                problems.add(
                    _("Dimension “%(id)s” has %(count)s categories but “size” says %(size)s.")
                    % {"id": dimension_id, "count": len(codes), "size": sizes[order]}
                )
            units = entry["category"].get("unit")
            dimensions[dimension_id] = Dimension(
                id=dimension_id,
                label=dimension_label,
                categories=[(code, labels[code]) for code in codes],
                units=units if isinstance(units, dict) else {},
            )

    # role
    roles: dict[str, list[str]] = {}
    role_entries = document.get("role")
    if role_entries is not None:
        if not (isinstance(role_entries, dict) and all(isinstance(item, list) for item in role_entries.values())):
            problems.add(_("“role” must map role names (time, geo, metric) to lists of dimension ids."))
        else:
            for role, role_ids in role_entries.items():
                for dimension_id in role_ids:
                    if ids is not None and dimension_id not in ids:
                        problems.add(
                            _("Role “%(role)s” names dimension “%(id)s”, which is not listed in “id”.")
                            % {"role": role, "id": _shown(dimension_id).strip('"')}
                        )
                roles[role] = list(role_ids)

    # value and status
    total = math.prod(sizes) if sizes is not None else None
    values = document.get("value")
    if "value" not in missing and not isinstance(values, list | dict):
        problems.add(_("“value” must be a list or an object."))
        values = None
    if isinstance(values, list) and total is not None and len(values) != total:
        problems.add(
            _("“value” holds %(count)s cells but the sizes (%(sizes)s) make %(expected)s.")
            % {"count": len(values), "sizes": " × ".join(map(str, sizes)), "expected": total}
        )
        values = None
    if values is not None and total is not None:
        values = _read_cells("value", values, total, problems, _check_value)

    status = document.get("status")
    if status is not None and not isinstance(status, str | list | dict):
        problems.add(_("“status” must be a text, a list or an object."))
        status = None
    if isinstance(status, list) and total is not None and len(status) != total:
        problems.add(
            _("“status” holds %(count)s entries but the dataset has %(expected)s cells.")
            % {"count": len(status), "expected": total}
        )
        status = None
    if isinstance(status, list | dict) and total is not None:
        status = _read_cells("status", status, total, problems, _check_status)

    problems.close()
    if problems:
        raise JsonStatError(list(problems))
    return Dataset(
        label=label,
        source=source,
        updated=updated,
        dimension_ids=list(ids),
        sizes=list(sizes),
        dimensions={dimension_id: dimensions[dimension_id] for dimension_id in ids},
        roles=roles,
        extension=extension,
        notes=list(notes),
        values=values,
        status=status,
    )


# Writing


def _json_number(value: Any, key: tuple) -> Number | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"the value for {key} is not finite: {value}")
        return int(value) if value == value.to_integral_value() else float(value)
    if type(value) is bool or not isinstance(value, int | float):
        raise ValueError(f"the value for {key} is not a number or None: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"the value for {key} is not finite: {value}")
    return value


def write(
    *,
    dimensions: list[Dimension],
    values: Mapping[tuple[str, ...], Number | Decimal | None],
    status: Mapping[tuple[str, ...], str | None] | None = None,
    label: str = "",
    source: str = "",
    updated: str | None = None,
    roles: Mapping[str, list[str]] | None = None,
    extension: dict | None = None,
) -> dict:
    """Return a JSON-stat 2.0 dataset as a dict, ready for `dumps()`.

    `values` and `status` are keyed by one category code per dimension, in the order of `dimensions`.
    `value` is written as a dense list in row-major order with null for every cell not in `values`;
    `status` as an object keyed by cell position, for the cells that have one (None and "" are left out).
    Decimals are written as numbers. Raises ValueError for a key or role that names an unknown
    dimension or category, or a value that is not a finite number.
    """
    if not dimensions:
        raise ValueError("a dataset needs at least one dimension")
    ids = [dimension.id for dimension in dimensions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"dimension ids repeat: {ids}")
    places = []
    for dimension in dimensions:
        codes = dimension.codes
        if not codes:
            raise ValueError(f"dimension {dimension.id} has no categories")
        if len(set(codes)) != len(codes):
            raise ValueError(f"dimension {dimension.id} repeats a category code")
        places.append({code: index for index, code in enumerate(codes)})
    sizes = [len(dimension) for dimension in dimensions]
    total = math.prod(sizes)
    limit = settings.LIVSKRAFT_MAX_JSONSTAT_CELLS
    if total > limit:
        raise ValueError(f"{total} cells are more than {limit} (LIVSKRAFT_MAX_JSONSTAT_CELLS)")

    def position(key: tuple[str, ...]) -> int:
        if not isinstance(key, tuple) or len(key) != len(dimensions):
            raise ValueError(f"{key!r} must be a tuple of {len(dimensions)} category codes, one per dimension")
        flat = 0
        for code, dimension, place in zip(key, dimensions, places, strict=True):
            if code not in place:
                raise ValueError(f"{code!r} is not a category of dimension {dimension.id}")
            flat = flat * len(place) + place[code]
        return flat

    dense: list[Number | None] = [None] * total
    for key, value in values.items():
        dense[position(key)] = _json_number(value, key)
    statuses = {}
    for key, symbol in (status or {}).items():
        flat = position(key)
        if symbol is None or symbol == "":
            continue
        if not isinstance(symbol, str):
            raise ValueError(f"the status for {key} is not a text: {symbol!r}")
        statuses[flat] = symbol
    if updated is not None and _parse_timestamp(updated) is None:
        raise ValueError(f"updated is not an ISO 8601 date and time: {updated!r}")
    for role, role_ids in (roles or {}).items():
        for dimension_id in role_ids:
            if dimension_id not in ids:
                raise ValueError(f"role {role} names {dimension_id}, which is not a dimension")

    document: dict[str, Any] = {"version": VERSION, "class": "dataset"}
    if label:
        document["label"] = label
    if source:
        document["source"] = source
    if updated is not None:
        document["updated"] = updated
    document["id"] = ids
    document["size"] = sizes
    if roles:
        document["role"] = {role: list(role_ids) for role, role_ids in roles.items()}
    document["dimension"] = {}
    for dimension in dimensions:
        category: dict[str, Any] = {
            "index": {code: index for index, code in enumerate(dimension.codes)},
            "label": dimension.labels,
        }
        if dimension.units:
            category["unit"] = dimension.units
        document["dimension"][dimension.id] = {"label": dimension.label, "category": category}
    document["value"] = dense
    if statuses:
        document["status"] = {str(flat): symbol for flat, symbol in sorted(statuses.items())}
    if extension:
        document["extension"] = extension
    return document


def dumps(dataset: dict) -> bytes:
    """Return the dataset dict as UTF-8 JSON bytes, with non-ASCII characters as they are."""
    return json.dumps(dataset, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
