"""Load the municipality code history from the KLASS-derived spreadsheet (norway_locations.xlsx).

Each spreadsheet row is a municipality number valid from `year_start` to `year_end`
(inclusive, empty while in use) and, when it ended, the number it became
(`municip_code_end`). A number that became exactly one new number, which no other
number became, is the same municipality renumbered (Kongsberg 0604 → 3006 → 3303).
Several numbers becoming one is a merger: the new number is a new municipality and
the old ones point to it as their successor (Norddal 1524 + Stordal 1526 → Fjord 1578).
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.db import transaction

from indicators.models import Municipality, MunicipalityCode

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "klass" / "norway_locations.xlsx"
# Renamings the spreadsheet does not carry: (number, first year of the new name) → new name.
RENAMINGS = {("1833", 2024): "Rana - Raane"}


@dataclass
class CodeRow:
    code: str
    name: str
    start: int
    end: int | None
    successors: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int]:
        return self.code, self.start


@dataclass
class LoadResult:
    municipalities_created: int = 0
    codes_created: int = 0
    codes_updated: int = 0


def read_rows(path: Path = DEFAULT_PATH) -> list[CodeRow]:
    """Read the spreadsheet into one row per number and period, with the corrections documented in SOURCES.md."""
    frame = pd.read_excel(path, dtype={"municip_code": str, "municip_code_end": str})
    rows: dict[tuple[str, int], CodeRow] = {}
    for record in frame.itertuples(index=False):
        if not str(record.municip_code).startswith("municip_nor"):
            continue
        code = record.municip_code.removeprefix("municip_nor")
        end = None if pd.isna(record.year_end) else int(record.year_end)
        successor = None if pd.isna(record.municip_code_end) else record.municip_code_end.removeprefix("municip_nor")
        key = (code, int(record.year_start))
        if key in rows:
            # A municipality split between several successors has one spreadsheet row per successor.
            if successor:
                rows[key].successors = (*rows[key].successors, successor)
            continue
        rows[key] = CodeRow(code, record.municip_name, int(record.year_start), end, (successor,) if successor else ())
    _correct_successor_starts(rows)
    return sorted(rows.values(), key=lambda r: (r.start, r.code))


def _successor_row(rows: dict, code: str, after: int) -> CodeRow | None:
    candidates = [r for r in rows.values() if r.code == code and (r.end is None or r.end > after)]
    return min(candidates, key=lambda r: r.start) if candidates else None


def _correct_successor_starts(rows: dict) -> None:
    """Make a successor number start the year after its predecessor ends (the 2024 numbers say 2023)."""
    for row in list(rows.values()):
        if row.end is None:
            continue
        for code in row.successors:
            successor = _successor_row(rows, code, row.end)
            if successor and successor.start <= row.end:
                del rows[successor.key]
                successor.start = row.end + 1
                rows[successor.key] = successor


def _identities(rows: list[CodeRow]) -> tuple[list[list[CodeRow]], dict[tuple[str, int], tuple[str, int]]]:
    """Group rows into municipalities; return the groups and each ended row's single successor row, if any."""
    by_key = {r.key: r for r in rows}
    next_row: dict[tuple[str, int], tuple[str, int]] = {}
    predecessors: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for row in rows:
        if row.end is None:
            continue
        for code in row.successors:
            successor = _successor_row(by_key, code, row.end)
            if successor:
                predecessors.setdefault(successor.key, []).append(row.key)
                if len(row.successors) == 1:
                    next_row[row.key] = successor.key
    same_identity = {key: nxt for key, nxt in next_row.items() if predecessors.get(nxt) == [key]}
    starts = [r for r in rows if r.key not in same_identity.values()]
    groups = []
    for first in starts:
        group, key = [first], first.key
        while key in same_identity:
            key = same_identity[key]
            group.append(by_key[key])
        groups.append(group)
    return groups, next_row


def _periods(group: list[CodeRow]) -> list[tuple[str, str, datetime.date, datetime.date | None]]:
    """Return (code, name, valid_from, valid_to) for a municipality's rows, splitting at renamings."""
    periods = []
    for row in group:
        start, name = row.start, row.name
        for (code, year), new_name in sorted(RENAMINGS.items()):
            if code == row.code and start < year and (row.end is None or year <= row.end):
                periods.append((row.code, name, datetime.date(start, 1, 1), datetime.date(year - 1, 12, 31)))
                start, name = year, new_name
        end = datetime.date(row.end, 12, 31) if row.end is not None else None
        periods.append((row.code, name, datetime.date(start, 1, 1), end))
    return periods


def load_code_history(path: Path = DEFAULT_PATH) -> LoadResult:
    """Create or update every municipality and its numbers from the spreadsheet; safe to run again."""
    rows = read_rows(path)
    groups, next_row = _identities(rows)
    result = LoadResult()
    with transaction.atomic():
        existing = {(c.code, c.valid_from): c for c in MunicipalityCode.objects.select_related("municipality")}
        municipality_of: dict[tuple[str, int], Municipality] = {}
        ends: list[tuple[Municipality, CodeRow, str]] = []
        for group in groups:
            periods = _periods(group)
            found = next((existing[(p[0], p[2])] for p in periods if (p[0], p[2]) in existing), None)
            municipality = found.municipality if found else None
            last_name = periods[-1][1]
            if municipality is None:
                municipality = Municipality.objects.create(name=last_name, established=periods[0][2])
                result.municipalities_created += 1
            for code, name, valid_from, valid_to in periods:
                stored = existing.get((code, valid_from))
                if stored is None:
                    MunicipalityCode.objects.create(
                        municipality=municipality, code=code, name=name, valid_from=valid_from, valid_to=valid_to
                    )
                    result.codes_created += 1
                elif (stored.name, stored.valid_to, stored.municipality_id) != (name, valid_to, municipality.pk):
                    stored.name, stored.valid_to, stored.municipality = name, valid_to, municipality
                    stored.save()
                    result.codes_updated += 1
            for row in group:
                municipality_of[row.key] = municipality
            ends.append((municipality, group[-1], last_name))

        for municipality, last, name in ends:
            dissolved = datetime.date(last.end + 1, 1, 1) if last.end is not None else None
            successor_key = next_row.get(last.key)
            successor = municipality_of.get(successor_key) if successor_key else None
            if successor is municipality:
                successor = None
            wanted = (dissolved, successor.pk if successor else None, name)
            if (municipality.dissolved, municipality.successor_id, municipality.name) != wanted:
                municipality.dissolved, municipality.successor, municipality.name = dissolved, successor, name
                municipality.save(update_fields=["dissolved", "successor", "name"])
    return result
