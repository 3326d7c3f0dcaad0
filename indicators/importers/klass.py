"""Load the municipality code history from the KLASS-derived spreadsheet (norway_locations.xlsx).

Each spreadsheet row is a municipality number valid from `year_start` to `year_end`
(inclusive, empty while in use) and, when it ended, the number or numbers it went into
(`municip_code_end`, one spreadsheet row per successor). From these rows:

- a number that went whole into one number which started the next year, and nothing else
  went into it, is the same municipality renumbered (Kongsberg 0604 → 3006 → 3303);
- a number that went whole into a number already in force was absorbed: the municipality
  holding that number continues and the absorbed one is dissolved into it (Finnøy and
  Rennesøy → Stavanger 1103 in 2020; Klæbu → Trondheim 5001, which was 1601 until 2018);
- several numbers going into one new number is a merger. If exactly one of the merged
  municipalities has the new municipality's name, that one continues under the new number
  and absorbs the others (Ålesund 1504 → 1507 with Haram, Sandøy, Skodje and Ørskog);
  otherwise the new number is a new municipality and the merged ones point to it as their
  successor (Norddal 1524 + Stordal 1526 → Fjord 1578);
- a number that went into several numbers was split: the whole ends without a successor and
  each part is a new municipality unless it continues another one (Ålesund 1507 → Ålesund 1508
  and Haram 1580 in 2024; Snillfjord 5012 → Heim, Hitra, Orkland in 2020).

A database loaded by an earlier, wrong reading of the spreadsheet is repaired: a municipality
that holds part of another's history (an orphan Stavanger holding 1103 from 2020) is merged into
it with everything attached to it (values, memberships, roles, plans), and the load says so. Where
two rows would collide (both have a value for the same indicator and year), or the result would have
two municipalities holding one number at once, nothing is written and the load is refused, naming
what collides.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from django.db import transaction
from django.db.models import Q, UniqueConstraint
from django.utils.translation import gettext as _

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "klass" / "norway_locations.xlsx"
# Renamings the spreadsheet does not carry: (number, first year of the new name) → new name.
RENAMINGS = {("1833", 2024): "Rana - Raane"}
FOREVER = datetime.date.max


class CodeHistoryRefused(Exception):
    """The history cannot be loaded as it stands; nothing has been written."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


@dataclass(eq=False)
class CodeRow:
    code: str
    name: str
    start: int
    end: int | None
    successors: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int]:
        return self.code, self.start

    def in_force(self, year: int) -> bool:
        return self.start <= year and (self.end is None or year <= self.end)

    @property
    def years(self) -> str:
        return f"{self.start}–{self.end if self.end is not None else ''}"


@dataclass(eq=False)
class Identity:
    """One municipality as the spreadsheet tells it: its rows in order, how it ended and into what."""

    rows: list[CodeRow]
    successor: "Identity | None" = None

    @property
    def name(self) -> str:
        return self.periods[-1][1]

    @property
    def dissolved(self) -> datetime.date | None:
        end = self.rows[-1].end
        return datetime.date(end + 1, 1, 1) if end is not None else None

    @property
    def periods(self) -> list[tuple[str, str, datetime.date, datetime.date | None]]:
        """Return (code, name, valid_from, valid_to) for each row, split where the name changed."""
        periods = []
        for row in self.rows:
            start, name = row.start, row.name
            for (code, year), new_name in sorted(RENAMINGS.items()):
                if code == row.code and start < year and (row.end is None or year <= row.end):
                    periods.append((row.code, name, datetime.date(start, 1, 1), datetime.date(year - 1, 12, 31)))
                    start, name = year, new_name
            end = datetime.date(row.end, 12, 31) if row.end is not None else None
            periods.append((row.code, name, datetime.date(start, 1, 1), end))
        return periods


@dataclass
class LoadResult:
    municipalities_created: int = 0
    municipalities_merged: int = 0
    codes_created: int = 0
    codes_updated: int = 0
    codes_deleted: int = 0
    # What the load changed beyond adding rows, in words, for the person who ran it.
    messages: list[str] = field(default_factory=list)


# --- Reading -----------------------------------------------------------------------------------------------------


def read_rows(path: Path = DEFAULT_PATH) -> list[CodeRow]:
    """Read the spreadsheet into one row per number and period, with the corrections documented in SOURCES.md."""
    frame = pd.read_excel(path, dtype={"municip_code": str, "municip_code_end": str}, engine="openpyxl")
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
            if successor and successor not in rows[key].successors:
                rows[key].successors = (*rows[key].successors, successor)
            continue
        rows[key] = CodeRow(code, record.municip_name, int(record.year_start), end, (successor,) if successor else ())
    result = sorted(rows.values(), key=lambda r: (r.start, r.code))
    _correct_successor_starts(result)
    return result


def _in_force(rows_of_code: list[CodeRow], year: int) -> list[CodeRow]:
    return [row for row in rows_of_code if row.in_force(year)]


def _correct_successor_starts(rows: list[CodeRow]) -> None:
    """Make a number that starts the year its predecessor ends start the year after (the 2024 numbers say 2023).

    Only where the successor starts exactly in the predecessor's last year: a number that was in force long
    before (Stavanger 1103, which absorbed Finnøy and Rennesøy in 2020) keeps its start.
    """
    by_code = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    for row in rows:
        if row.end is None:
            continue
        for code in row.successors:
            for successor in by_code[code]:
                if successor.start == row.end and successor is not row:
                    successor.start = row.end + 1


def build_identities(rows: list[CodeRow]) -> list[Identity]:
    """Group the rows into municipalities; raise CodeHistoryRefused where the rows contradict themselves."""
    problems = []
    by_code: dict[str, list[CodeRow]] = defaultdict(list)
    for row in rows:
        by_code[row.code].append(row)
    for code, held in sorted(by_code.items()):
        held.sort(key=lambda r: r.start)
        for first, second in zip(held, held[1:], strict=False):
            if first.end is None or first.end >= second.start:
                problems.append(
                    _(
                        "The number %(code)s is held by %(first)s (%(first_years)s) and %(second)s (%(second_years)s) at once."
                    )
                    % {
                        "code": code,
                        "first": first.name,
                        "first_years": first.years,
                        "second": second.name,
                        "second_years": second.years,
                    }
                )

    successor_rows: dict[CodeRow, list[CodeRow]] = {}
    entering: dict[CodeRow, list[CodeRow]] = defaultdict(list)
    for row in rows:
        if row.end is None:
            continue
        found = []
        for code in row.successors:
            candidates = _in_force(by_code.get(code, []), row.end + 1)
            if len(candidates) != 1:
                problems.append(
                    _(
                        "%(code)s %(name)s ends in %(end)s and became %(successor)s, but no number %(successor)s is in force in %(year)s."
                    )
                    % {"code": row.code, "name": row.name, "end": row.end, "successor": code, "year": row.end + 1}
                )
                continue
            found.append(candidates[0])
            if candidates[0].start == row.end + 1:
                entering[candidates[0]].append(row)
        successor_rows[row] = found
    if problems:
        raise CodeHistoryRefused(problems)

    continues: dict[CodeRow, CodeRow] = {}  # successor row → the row whose municipality it continues
    for row, predecessors in entering.items():
        whole = [p for p in predecessors if len(successor_rows[p]) == 1]
        if len(predecessors) == 1 and whole:
            continues[row] = whole[0]
        else:
            same_name = [p for p in whole if p.name == row.name]
            if len(same_name) == 1:
                continues[row] = same_name[0]
    next_row = {previous: row for row, previous in continues.items()}

    identities: list[Identity] = []
    identity_of: dict[CodeRow, Identity] = {}
    for first in rows:
        if first in continues:
            continue
        identity = Identity([first])
        while identity.rows[-1] in next_row:
            identity.rows.append(next_row[identity.rows[-1]])
        identities.append(identity)
        for row in identity.rows:
            identity_of[row] = identity
    for identity in identities:
        last = identity.rows[-1]
        successors = successor_rows.get(last, [])
        if len(successors) == 1 and identity_of[successors[0]] is not identity:
            identity.successor = identity_of[successors[0]]
    return identities


def read_history(path: Path = DEFAULT_PATH) -> list[Identity]:
    """Return the spreadsheet's municipalities, each with its numbers, in the order they first appear."""
    return build_identities(read_rows(path))


# --- Writing -----------------------------------------------------------------------------------------------------


def _end(valid_to: datetime.date | None) -> datetime.date:
    return valid_to or FOREVER


def _overlaps(row, valid_from: datetime.date, valid_to: datetime.date | None) -> bool:
    return row.valid_from <= _end(valid_to) and valid_from <= _end(row.valid_to)


def _years(valid_from: datetime.date, valid_to: datetime.date | None) -> str:
    return f"{valid_from.year}–{valid_to.year if valid_to else ''}"


def load_code_history(path: Path = DEFAULT_PATH, *, apps=None) -> LoadResult:
    """Create, update or repair every municipality and its numbers from the spreadsheet; safe to run again.

    `apps` is the app registry of a data migration; by default the current models are used.
    Raises CodeHistoryRefused, having written nothing, when the result would contradict itself.
    """
    identities = read_history(path)
    if apps is None:
        from indicators.models import Municipality, MunicipalityCode
    else:
        Municipality = apps.get_model("indicators", "Municipality")
        MunicipalityCode = apps.get_model("indicators", "MunicipalityCode")
    last_year = max(max(row.start, row.end or 0) for identity in identities for row in identity.rows)
    with transaction.atomic():
        return _Loader(Municipality, MunicipalityCode, datetime.date(last_year, 12, 31)).load(identities)


class _Loader:
    def __init__(self, municipality_model, code_model, source_ends: datetime.date):
        self.Municipality = municipality_model
        self.MunicipalityCode = code_model
        self.source_ends = source_ends
        self.result = LoadResult()

    def load(self, identities: list[Identity]) -> LoadResult:
        stored = list(self.MunicipalityCode.objects.order_by("valid_from", "pk"))
        by_code = defaultdict(list)
        for row in stored:
            by_code[row.code].append(row)
        municipalities = {m.pk: m for m in self.Municipality.objects.all()}

        # Which identity each stored municipality's rows belong to, by the latest period they overlap.
        votes: dict[int, dict[int, datetime.date]] = defaultdict(dict)
        overlapping: dict[tuple[int, int], list] = {}
        for index, identity in enumerate(identities):
            for number, (code, _name, valid_from, valid_to) in enumerate(identity.periods):
                # A number the spreadsheet leaves open is compared up to its last year only: a row that starts
                # later comes from a later reform (import_klass) and is left alone.
                rows = [
                    row for row in by_code.get(code, []) if _overlaps(row, valid_from, valid_to or self.source_ends)
                ]
                overlapping[(index, number)] = rows
                for row in rows:
                    latest = votes[row.municipality_id].get(index)
                    if latest is None or valid_from > latest:
                        votes[row.municipality_id][index] = valid_from
        voters: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
        for pk, by_identity in votes.items():
            index = max(by_identity, key=lambda i: (by_identity[i], -i))
            voters[index].append((by_identity[index], pk))
        keeper_of: dict[int, object] = {}
        merges: list[tuple[object, object]] = []
        for index, candidates in voters.items():
            candidates.sort(key=lambda c: (-c[0].toordinal(), c[1]))
            keeper = municipalities[candidates[0][1]]
            keeper_of[index] = keeper
            merges.extend((municipalities[pk], keeper) for _date, pk in candidates[1:])

        self._merge(merges)

        for index, identity in enumerate(identities):
            if index not in keeper_of:
                first = identity.periods[0]
                keeper_of[index] = self.Municipality.objects.create(name=identity.name, established=first[2])
                self.result.municipalities_created += 1

        # Reuse first the stored row that starts when the period does, then any overlapping one.
        reused: dict[tuple[int, int], object] = {}
        for exact in (True, False):
            for place, rows in overlapping.items():
                if place in reused:
                    continue
                start = identities[place[0]].periods[place[1]][2]
                for row in rows:
                    if row not in reused.values() and (row.valid_from == start or not exact):
                        reused[place] = row
                        break

        # A stored row that overlaps a period of its number but is not reused would hold the number twice.
        stale = {row.pk for rows in overlapping.values() for row in rows} - {row.pk for row in reused.values()}
        if stale:
            self.MunicipalityCode.objects.filter(pk__in=stale).delete()
            self.result.codes_deleted += len(stale)
            self.result.messages.append(
                _("Deleted %(count)s number rows that the history replaces.") % {"count": len(stale)}
            )
        updates = []
        for place, row in reused.items():
            code, name, valid_from, valid_to = identities[place[0]].periods[place[1]]
            if valid_to is None and row.valid_to and row.valid_to > self.source_ends and row.valid_from == valid_from:
                valid_to = row.valid_to  # ended by a later reform (import_klass) than the spreadsheet knows
            wanted = (name, valid_from, valid_to, keeper_of[place[0]].pk)
            if (row.name, row.valid_from, row.valid_to, row.municipality_id) != wanted:
                updates.append((row, wanted))
        # Move rows whose start changes out of the way first, so no two rows share a number and start meanwhile.
        for offset, (row, _wanted) in enumerate(u for u in updates if u[0].valid_from != u[1][1]):
            row.valid_from, row.valid_to = datetime.date(1, 1, 1) + datetime.timedelta(days=offset), None
            row.save(update_fields=["valid_from", "valid_to"])
        for row, (name, valid_from, valid_to, municipality_id) in updates:
            row.name, row.valid_from, row.valid_to, row.municipality_id = name, valid_from, valid_to, municipality_id
            row.save()
            self.result.codes_updated += 1
        for index, identity in enumerate(identities):
            for number, (code, name, valid_from, valid_to) in enumerate(identity.periods):
                if (index, number) not in reused:
                    self.MunicipalityCode.objects.create(
                        municipality=keeper_of[index], code=code, name=name, valid_from=valid_from, valid_to=valid_to
                    )
                    self.result.codes_created += 1

        index_of = {id(identity): index for index, identity in enumerate(identities)}
        latest_name = dict(
            self.MunicipalityCode.objects.order_by("municipality_id", "valid_from").values_list(
                "municipality_id", "name"
            )
        )
        for index, identity in enumerate(identities):
            municipality = keeper_of[index]
            successor = keeper_of[index_of[id(identity.successor)]] if identity.successor else None
            dissolved = identity.dissolved
            if dissolved is None and municipality.dissolved and municipality.dissolved > self.source_ends:
                # Dissolved by a later reform (import_klass) than the spreadsheet knows.
                dissolved, successor = municipality.dissolved, municipality.successor
            wanted_fields = {
                "name": latest_name[municipality.pk],
                "established": identity.periods[0][2],
                "dissolved": dissolved,
                "successor_id": successor.pk if successor else None,
            }
            changed = [name for name, value in wanted_fields.items() if getattr(municipality, name) != value]
            if changed:
                for name in changed:
                    setattr(municipality, name, wanted_fields[name])
                municipality.save(update_fields=[name.removesuffix("_id") for name in changed])
        self._check()
        return self.result

    def _merge(self, merges: list[tuple[object, object]]) -> None:
        """Move everything of each orphan to the municipality it is part of, then delete it; refuse collisions."""
        if not merges:
            return
        relations = [
            rel
            for rel in self.Municipality._meta.related_objects
            if not rel.many_to_many and rel.related_model is not self.MunicipalityCode
        ]
        problems = []
        for orphan, keeper in merges:
            for rel in relations:
                problems.extend(self._collisions(rel, orphan, keeper))
        if problems:
            raise CodeHistoryRefused(problems)
        for orphan, keeper in merges:
            # Two orphans of one municipality may collide with each other once the first has moved.
            problems = [problem for rel in relations for problem in self._collisions(rel, orphan, keeper)]
            if problems:
                raise CodeHistoryRefused(problems)
            codes = self._codes_of(orphan)
            moved = []
            for rel in relations:
                count = rel.related_model._base_manager.filter(**{rel.field.name: orphan.pk}).update(
                    **{rel.field.name: keeper.pk}
                )
                if count and rel.related_model is self.Municipality:
                    moved.append(_("%(count)s municipalities that had merged into it") % {"count": count})
                elif count:
                    moved.append(f"{count} {rel.related_model._meta.verbose_name_plural}")
            self.MunicipalityCode.objects.filter(municipality_id=orphan.pk).update(municipality_id=keeper.pk)
            self.result.messages.append(
                _(
                    "Merged %(orphan)s (id %(orphan_id)s, %(orphan_codes)s) into %(keeper)s (id %(keeper_id)s): %(moved)s."
                )
                % {
                    "orphan": orphan.name,
                    "orphan_id": orphan.pk,
                    "orphan_codes": codes,
                    "keeper": keeper.name,
                    "keeper_id": keeper.pk,
                    "moved": ", ".join(moved) if moved else _("nothing else attached"),
                }
            )
            # Its successor pointed at the keeper or at what the keeper merges into; it is gone either way.
            self.Municipality.objects.filter(pk=orphan.pk).update(successor=None)
            self.Municipality.objects.filter(pk=orphan.pk).delete()
            self.result.municipalities_merged += 1

    def _codes_of(self, municipality) -> str:
        rows = self.MunicipalityCode.objects.filter(municipality_id=municipality.pk).order_by("valid_from")
        return ", ".join(f"{row.code} {_years(row.valid_from, row.valid_to)}" for row in rows) or "–"

    def _collisions(self, rel, orphan, keeper) -> list[str]:
        """Say which of the orphan's related rows would break a uniqueness rule if moved to the keeper."""
        model, name = rel.related_model, rel.field.name
        rows = list(model._base_manager.filter(**{name: orphan.pk}))
        if not rows:
            return []
        rules = [
            (constraint.fields, constraint.condition)
            for constraint in model._meta.constraints
            if isinstance(constraint, UniqueConstraint) and name in constraint.fields
        ]
        rules += [(fields, None) for fields in model._meta.unique_together if name in fields]
        problems = []
        for row in rows:
            for fields, condition in rules:
                lookup = {}
                for field_name in fields:
                    attname = model._meta.get_field(field_name).attname
                    lookup[attname] = keeper.pk if field_name == name else getattr(row, attname)
                clash = model._base_manager.filter(**lookup).exclude(pk=row.pk)
                if condition is not None:
                    clash = clash.filter(condition)
                    if not model._base_manager.filter(Q(pk=row.pk) & condition).exists():
                        continue
                other = clash.first()
                if other is not None:
                    key = ", ".join(
                        f"{model._meta.get_field(f).verbose_name} {getattr(row, f)}" for f in fields if f != name
                    )
                    problems.append(
                        _(
                            "Cannot merge %(orphan)s (id %(orphan_id)s) into %(keeper)s (id %(keeper_id)s): both have "
                            "a row in “%(what)s” for %(key)s (ids %(first)s and %(second)s). Nothing was changed; "
                            "delete or move one of them in the admin and load again."
                        )
                        % {
                            "orphan": orphan.name,
                            "orphan_id": orphan.pk,
                            "keeper": keeper.name,
                            "keeper_id": keeper.pk,
                            "what": model._meta.verbose_name_plural,
                            "key": key,
                            "first": row.pk,
                            "second": other.pk,
                        }
                    )
        return problems

    def _check(self) -> None:
        """Refuse a result in which two municipalities hold one number at once."""
        problems = []
        by_code = defaultdict(list)
        for row in self.MunicipalityCode.objects.order_by("code", "valid_from").select_related("municipality"):
            by_code[row.code].append(row)
        for code, rows in by_code.items():
            for index, first in enumerate(rows):
                for second in rows[index + 1 :]:
                    if _overlaps(second, first.valid_from, first.valid_to):
                        problems.append(
                            _(
                                "The number %(code)s would be held by %(first)s (%(first_years)s) and %(second)s "
                                "(%(second_years)s) at once; nothing was changed."
                            )
                            % {
                                "code": code,
                                "first": first.municipality.name,
                                "first_years": _years(first.valid_from, first.valid_to),
                                "second": second.municipality.name,
                                "second_years": _years(second.valid_from, second.valid_to),
                            }
                        )
        if problems:
            raise CodeHistoryRefused(problems)
