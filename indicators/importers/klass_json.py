"""Load a municipal reform from SSB KLASS's JSON answers (classification 131, municipalities).

KLASS answers `changes.json` with one entry per old number and new number:

    {"codeChanges": [{"oldCode": "0604", "oldName": "Kongsberg", "newCode": "3006",
                      "newName": "Kongsberg", "changeOccurred": "2020-01-01", ...}, ...]}

The entries of one date are grouped into events, following the conventions of the
shipped history (importers/klass.py):

- one number → one number is the same municipality renumbered (Kongsberg 0604 → 3006)
  or, when the number stays, renamed (Rana → Rana - Raane); its old number row ends
  the day before and a new row starts on the date;
- several numbers → a number already in force, which stays, is an absorption: the
  municipality holding it continues and the others are dissolved on the date with it as
  their successor (Finnøy 1141 + Rennesøy 1142 → Stavanger 1103);
- several numbers → one new number is a merger. If exactly one of the merged has the new
  name, it continues under the new number and the others are dissolved into it (Ålesund
  1504 + Haram 1534 + ... → Ålesund 1507); otherwise the new number is a new municipality,
  established on the date, and the merged ones are dissolved with it as their successor
  (Norddal 1524 + Stordal 1526 → Fjord 1578);
- one number → several numbers is a split: the whole is dissolved on the date without a
  successor, and each part is a new municipality, unless its number is in force already and
  stays with its holder (Ålesund 1507 → Ålesund 1508 + Haram 1580). A split in which the old
  number stays, and several numbers becoming several, are refused: nothing is guessed.

`codes.json` (the numbers in force) is optional and used only to check the result.

Nothing is written until apply_plan(), which writes everything in one transaction.
The answers can be fetched from KLASS's API with indicators.importers.klass_fetch.
"""

import datetime
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.importers.base import ImportRejected, Problem
from indicators.models import Municipality, MunicipalityCode

CODE = re.compile(r"^[0-9]{4}$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Change:
    """One entry of changes.json: a number (and name) that became another on a date."""

    index: int
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    date: datetime.date

    @property
    def where(self) -> str:
        return f"codeChanges[{self.index}]"


@dataclass(frozen=True)
class CodeEntry:
    """One entry of codes.json: a number in force. Missing range fields are None (unknown)."""

    index: int
    code: str
    name: str
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None  # KLASS's end is exclusive: the first day it no longer applies.

    def in_force_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)


# --- Reading ---------------------------------------------------------------------------------------------------


def load_json(data: bytes, key: str, *other_keys: str) -> list:
    """Return the list under `key` (or the first of other_keys the object has) of a UTF-8 JSON object, or raise
    ImportRejected saying why not."""
    if not data or not data.strip():
        raise ImportRejected([Problem(_("The file is empty."))])
    limit = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES
    if len(data) > limit:
        raise ImportRejected([Problem(_("The file is larger than %(mb)s MB.") % {"mb": limit // 2**20})])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRejected(
            [Problem(_("The file is not UTF-8 text (byte %(position)s).") % {"position": error.start})]
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            message = _("The JSON ends too early; the file looks truncated (an incomplete download?).")
        else:
            message = _("The file is not valid JSON: %(error)s (line %(line)s, column %(column)s).") % {
                "error": error.msg,
                "line": error.lineno,
                "column": error.colno,
            }
        raise ImportRejected([Problem(message)]) from None
    except RecursionError:
        raise ImportRejected(
            [Problem(_("The JSON nests lists and objects about a thousand levels deep; KLASS answers nest three."))]
        ) from None
    except ValueError as error:  # e.g. a number of more than 4 300 digits
        raise ImportRejected([Problem(_("The file could not be read as JSON: %(error)s") % {"error": error})]) from None
    if not isinstance(document, dict):
        raise ImportRejected(
            [
                Problem(
                    _("The JSON is a %(type)s, not an object with “%(key)s” as KLASS answers.")
                    % {"type": type(document).__name__, "key": key}
                )
            ]
        )
    key = next((k for k in (key, *other_keys) if k in document), key)
    if key not in document:
        found = ", ".join(f"“{k}”" for k in list(document)[:5]) or _("nothing")
        raise ImportRejected(
            [
                Problem(
                    _("The JSON has no “%(key)s” list (found %(found)s); is this the right KLASS answer?")
                    % {"key": key, "found": found}
                )
            ]
        )
    entries = document[key]
    if not isinstance(entries, list):
        raise ImportRejected(
            [Problem(_("“%(key)s” is a %(type)s, not a list.") % {"key": key, "type": type(entries).__name__})]
        )
    return entries


def _field_code(entry: dict, where: str, name: str, problems: list[Problem]) -> str:
    value = entry.get(name)
    if name not in entry or value is None:
        problems.append(Problem(_("%(where)s: missing.") % {"where": f"{where}.{name}"}))
    elif not isinstance(value, str) or not CODE.match(value):
        problems.append(
            Problem(
                _("%(where)s: %(value)s is not a four-digit municipality number.")
                % {"where": f"{where}.{name}", "value": json.dumps(value, ensure_ascii=False)}
            )
        )
    else:
        return value
    return ""


def _field_name(entry: dict, where: str, name: str, problems: list[Problem]) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(Problem(_("%(where)s: missing or empty; a name is required.") % {"where": f"{where}.{name}"}))
        return ""
    return value.strip()


def _field_date(entry: dict, where: str, name: str, problems: list[Problem], *, required: bool):
    value = entry.get(name)
    if value is None:
        if required:
            problems.append(
                Problem(_("%(where)s: missing; a date (YYYY-MM-DD) is required.") % {"where": f"{where}.{name}"})
            )
        return None
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(
        Problem(
            _("%(where)s: %(value)s is not a date (YYYY-MM-DD).")
            % {"where": f"{where}.{name}", "value": json.dumps(value, ensure_ascii=False)}
        )
    )
    return None


def read_changes(data: bytes) -> list[Change]:
    """Read KLASS's changes.json answer; raise ImportRejected listing every problem (entry and field)."""
    entries = load_json(data, "codeChanges")
    problems: list[Problem] = []
    changes: list[Change] = []
    for index, entry in enumerate(entries):
        where = f"codeChanges[{index}]"
        if not isinstance(entry, dict):
            problems.append(
                Problem(_("%(where)s: a %(type)s, not an object.") % {"where": where, "type": type(entry).__name__})
            )
            continue
        found = len(problems)
        old_code = _field_code(entry, where, "oldCode", problems)
        old_name = _field_name(entry, where, "oldName", problems)
        new_code = _field_code(entry, where, "newCode", problems)
        new_name = _field_name(entry, where, "newName", problems)
        date = _field_date(entry, where, "changeOccurred", problems, required=True)
        if len(problems) == found:
            changes.append(Change(index, old_code, old_name, new_code, new_name, date))
    if problems:
        raise ImportRejected(problems)
    return changes


def read_codes(data: bytes) -> list[CodeEntry]:
    """Read KLASS's codes.json answer; raise ImportRejected listing every problem (entry and field)."""
    entries = load_json(data, "codes")
    problems: list[Problem] = []
    codes: list[CodeEntry] = []
    for index, entry in enumerate(entries):
        where = f"codes[{index}]"
        if not isinstance(entry, dict):
            problems.append(
                Problem(_("%(where)s: a %(type)s, not an object.") % {"where": where, "type": type(entry).__name__})
            )
            continue
        found = len(problems)
        code = _field_code(entry, where, "code", problems)
        name = _field_name(entry, where, "name", problems)
        dates = {}
        for key in ("validFrom", "validTo", "validFromInRequestedRange", "validToInRequestedRange"):
            dates[key] = _field_date(entry, where, key, problems, required=False)
        if len(problems) == found:
            valid_from = dates["validFromInRequestedRange"] or dates["validFrom"]
            valid_to = dates["validToInRequestedRange"] or dates["validTo"]
            codes.append(CodeEntry(index, code, name, valid_from, valid_to))
    if problems:
        raise ImportRejected(problems)
    return codes


# --- Planning --------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class PlannedMunicipality:
    """A municipality as it will be: an existing one (pk) or one the plan creates (pk None)."""

    pk: int | None
    name: str
    established: datetime.date | None = None
    dissolved: datetime.date | None = None
    successor: "PlannedMunicipality | None" = None

    def __str__(self):
        return self.name


@dataclass(eq=False)
class PlannedCode:
    """A number row as it will be: an existing MunicipalityCode (pk) or one the plan creates."""

    pk: int | None
    municipality: PlannedMunicipality
    code: str
    name: str
    valid_from: datetime.date
    valid_to: datetime.date | None

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class EndCode:
    row: PlannedCode
    valid_to: datetime.date

    def __str__(self):
        return _("%(code)s %(name)s from %(start)s ends on %(end)s") % {
            "code": self.row.code,
            "name": self.row.name,
            "start": self.row.valid_from,
            "end": self.valid_to,
        }


@dataclass(frozen=True)
class CreateCode:
    row: PlannedCode
    municipality: PlannedMunicipality
    code: str
    name: str
    valid_from: datetime.date

    def __str__(self):
        return _("new number row %(code)s %(name)s from %(start)s for %(municipality)s") % {
            "code": self.code,
            "name": self.name,
            "start": self.valid_from,
            "municipality": self.municipality,
        }


@dataclass(frozen=True)
class CreateMunicipality:
    municipality: PlannedMunicipality
    name: str
    established: datetime.date

    def __str__(self):
        return _("new municipality %(name)s, established %(date)s") % {"name": self.name, "date": self.established}


@dataclass(frozen=True)
class UpdateMunicipality:
    municipality: PlannedMunicipality
    changes: tuple[tuple[str, object], ...]  # (field, value); successor values are PlannedMunicipality

    def __str__(self):
        parts = ", ".join(self._describe(name, value) for name, value in self.changes)
        return f"{self.municipality}: {parts}"

    @staticmethod
    def _describe(name: str, value) -> str:
        if name == "name":
            return _("new name “%(name)s”") % {"name": value}
        if name == "dissolved":
            return _("dissolved on %(date)s") % {"date": value}
        if name == "successor":
            return _("successor %(municipality)s") % {"municipality": value}
        return f"{name} = {value}"


Action = EndCode | CreateCode | CreateMunicipality | UpdateMunicipality

RENUMBER, RENAME, MERGER, ABSORPTION, SPLIT = "renumber", "rename", "merger", "absorption", "split"


@dataclass
class Event:
    """The entries of one date that belong together, and what they do to the database."""

    date: datetime.date
    kind: str
    old: list[tuple[str, str]]
    new: list[tuple[str, str]]
    actions: list[Action] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not self.actions

    @property
    def label(self) -> str:
        if self.kind == MERGER:
            return _("merger")
        if self.kind == ABSORPTION:
            return _("absorbed")
        if self.kind == SPLIT:
            return _("split")
        if self.kind == RENAME:
            return _("new name") if self.old[0][1] != self.new[0][1] else _("no change")
        return _("new number") if self.old[0][1] == self.new[0][1] else _("new number and name")

    def __str__(self):
        values = {
            "date": self.date,
            "old": " + ".join(f"{code} {name}" for code, name in self.old),
            "new": " + ".join(f"{code} {name}" for code, name in self.new),
            "label": self.label,
        }
        if self.unchanged:
            return _("%(date)s: %(old)s → %(new)s (%(label)s) – already in the database") % values
        return _("%(date)s: %(old)s → %(new)s (%(label)s)") % values


@dataclass
class ReformPlan:
    events: list[Event] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked_on: datetime.date | None = None

    @property
    def actions(self) -> list[Action]:
        return [action for event in self.events for action in event.actions]

    @property
    def counts(self) -> dict[str, int]:
        actions = self.actions
        return {
            "events": len(self.events),
            "unchanged_events": sum(event.unchanged for event in self.events),
            "municipalities_created": sum(isinstance(a, CreateMunicipality) for a in actions),
            "municipalities_updated": len({id(a.municipality) for a in actions if isinstance(a, UpdateMunicipality)}),
            "codes_created": sum(isinstance(a, CreateCode) for a in actions),
            "codes_ended": sum(isinstance(a, EndCode) for a in actions),
        }


class _State:
    """Every number row and municipality in memory, changed as the plan goes so later dates see earlier ones."""

    def __init__(self):
        found = list(Municipality.objects.values_list("pk", "name", "established", "dissolved", "successor_id"))
        self.municipalities = {pk: PlannedMunicipality(pk, name, est, dis) for pk, name, est, dis, _s in found}
        for pk, _name, _est, _dis, successor_id in found:
            if successor_id is not None:
                self.municipalities[pk].successor = self.municipalities[successor_id]
        self.rows: list[PlannedCode] = [
            PlannedCode(c.pk, self.municipalities[c.municipality_id], c.code, c.name, c.valid_from, c.valid_to)
            for c in MunicipalityCode.objects.order_by("valid_from", "code")
        ]

    def in_force(self, code: str, day: datetime.date) -> list[PlannedCode]:
        return [row for row in self.rows if row.code == code and row.in_force_on(day)]

    def starting(self, code: str, day: datetime.date) -> PlannedCode | None:
        return next((row for row in self.rows if row.code == code and row.valid_from == day), None)


def _components(changes: list[Change]) -> list[list[Change]]:
    """Group one date's entries into connected groups of old and new numbers."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(node):
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for change in changes:
        parent[find(("old", change.old_code))] = find(("new", change.new_code))
    groups: dict[tuple[str, str], list[Change]] = defaultdict(list)
    for change in changes:
        groups[find(("old", change.old_code))].append(change)
    return list(groups.values())


def _describe(group: list[Change]) -> str:
    return (
        f"{group[0].date}: "
        + " + ".join(sorted({f"{c.old_code} {c.old_name}" for c in group}))
        + " → "
        + " + ".join(sorted({f"{c.new_code} {c.new_name}" for c in group}))
    )


def plan_changes(changes: list[Change], codes: list[CodeEntry] | None = None) -> ReformPlan:
    """Work out what the changes would do to the database, date by date; write nothing.

    A change already in the database (its new number row starts on the date for the right
    municipality, and the old row ends the day before) plans no action. Problems (unknown
    old numbers, splits, conflicts with the database, a codes answer that disagrees) are
    collected in plan.problems; apply_plan() refuses a plan that has any.
    """
    plan = ReformPlan()
    state = _State()
    unique = {(c.old_code, c.new_code, c.date): c for c in reversed(changes)}
    by_date: dict[datetime.date, list[Change]] = defaultdict(list)
    for change in sorted(unique.values(), key=lambda c: c.index):
        by_date[change.date].append(change)

    for date in sorted(by_date):
        day_before = date - ONE_DAY
        groups = []
        for group in _components(by_date[date]):
            olds = sorted({c.old_code for c in group})
            news = sorted({c.new_code for c in group})
            where = f"{_describe(group)} ({', '.join(c.where for c in group)})"
            if len(olds) > 1 and len(news) > 1:
                plan.problems.append(
                    Problem(
                        _(
                            "%(where)s: several numbers become several numbers; this is not supported, nothing is guessed."
                        )
                        % {"where": where}
                    )
                )
                continue
            if len(news) > 1 and olds[0] in news:
                plan.problems.append(
                    Problem(
                        _(
                            "%(where)s: a split in which the old number stays is not supported, since the answer "
                            "does not say whether the municipality continues; load it by hand."
                        )
                        % {"where": where}
                    )
                )
                continue
            old_rows = {}
            for code in olds:
                found = state.in_force(code, day_before)
                values = {"where": where, "code": code, "day": day_before}
                if not found:
                    plan.problems.append(
                        Problem(_("%(where)s: no municipality had the number %(code)s on %(day)s.") % values)
                    )
                elif len(found) > 1:
                    plan.problems.append(
                        Problem(_("%(where)s: several municipalities had the number %(code)s on %(day)s.") % values)
                    )
                elif found[0].valid_to not in (None, day_before):
                    plan.problems.append(
                        Problem(
                            _("%(where)s: the number %(code)s ends on %(end)s in the database, not %(day)s.")
                            % {**values, "end": found[0].valid_to}
                        )
                    )
                else:
                    old_rows[code] = found[0]
            if len(old_rows) == len(olds):
                groups.append((group, where, old_rows))

        # A number that another event of the same date gives up may be taken again.
        ending = [row for _group, _where, old_rows in groups for row in old_rows.values()]
        for group, where, old_rows in groups:
            new_names = {c.new_code: c.new_name for c in reversed(group)}
            new_code, new_name = group[0].new_code, new_names[group[0].new_code]
            olds = sorted(old_rows)
            old_names = {c.old_code: c.old_name for c in group}
            if len(new_names) > 1:
                event = Event(date, SPLIT, [(olds[0], old_names[olds[0]])], sorted(new_names.items()))
                _plan_split(plan, state, event, old_rows[olds[0]], where, ending)
                plan.events.append(event)
                continue
            staying = [row for row in state.in_force(new_code, date - ONE_DAY) if _end(row) >= date]
            # The answer names the municipality that keeps its number: Finnøy 1141 → 1103 Stavanger.
            if staying and all(row.name == new_name for row in staying) and olds != [new_code]:
                kind = ABSORPTION
            else:
                kind = MERGER if len(olds) > 1 else (RENAME if olds[0] == new_code else RENUMBER)
            event = Event(date, kind, [(code, old_names[code]) for code in olds], [(new_code, new_name)])
            if kind == ABSORPTION:
                _plan_absorption(plan, event, staying, old_rows, where)
                plan.events.append(event)
                continue
            if kind == RENAME and old_rows[new_code].name == new_name and old_rows[new_code].valid_to is None:
                plan.warnings.append(
                    _("%(where)s: neither the number nor the name changes; nothing to do.") % {"where": where}
                )
                plan.events.append(event)
                continue
            _plan_event(plan, state, event, old_rows, where, ending, old_names)
            plan.events.append(event)

    if codes is not None:
        _check_codes(plan, state, codes, max(by_date, default=None))
    return plan


def _end(row: PlannedCode) -> datetime.date:
    return row.valid_to or datetime.date.max


def _dissolve(plan, event: Event, municipality, date: datetime.date, successor, where: str) -> None:
    """Plan the municipality's dissolution on the date into the successor (None: into several, after a split)."""
    changed = []
    if municipality.dissolved != date:
        changed.append(("dissolved", date))
    if municipality.successor is not successor:
        changed.append(("successor", successor))
    if municipality.dissolved not in (None, date) or (
        municipality.successor is not None and municipality.successor is not successor
    ):
        plan.problems.append(
            Problem(
                _(
                    "%(where)s: %(municipality)s is already dissolved on %(dissolved)s into %(successor)s in the database."
                )
                % {
                    "where": where,
                    "municipality": municipality,
                    "dissolved": municipality.dissolved,
                    "successor": municipality.successor,
                }
            )
        )
        return
    if changed:
        event.actions.append(UpdateMunicipality(municipality, tuple(changed)))
        municipality.dissolved, municipality.successor = date, successor


def _end_rows(event: Event, rows) -> None:
    for row in rows:
        if row.valid_to != event.date - ONE_DAY:
            event.actions.append(EndCode(row, event.date - ONE_DAY))
            row.valid_to = event.date - ONE_DAY


def _plan_absorption(plan, event: Event, staying: list[PlannedCode], old_rows: dict, where: str) -> None:
    """Several numbers go into one that stays in force: its holder continues and absorbs the others."""
    if len(staying) > 1:
        plan.problems.append(
            Problem(
                _("%(where)s: several municipalities had the number %(code)s on %(day)s.")
                % {"where": where, "code": staying[0].code, "day": event.date - ONE_DAY}
            )
        )
        return
    keeper = staying[0].municipality
    absorbed = {code: row for code, row in old_rows.items() if row is not staying[0]}
    if any(row.municipality is keeper for row in absorbed.values()):
        plan.problems.append(
            Problem(_("%(where)s: %(municipality)s would absorb itself.") % {"where": where, "municipality": keeper})
        )
        return
    _end_rows(event, absorbed.values())
    for municipality in sorted({row.municipality for row in absorbed.values()}, key=lambda m: m.name):
        _dissolve(plan, event, municipality, event.date, keeper, where)


def _plan_split(plan, state, event: Event, old_row: PlannedCode, where: str, ending: list) -> None:
    """One number becomes several: the whole ends without a successor, each new number is a new municipality."""
    date = event.date
    parts = []
    for new_code, new_name in event.new:
        staying = [row for row in state.in_force(new_code, date - ONE_DAY) if _end(row) >= date]
        existing = state.starting(new_code, date)
        later = [row for row in state.rows if row.code == new_code and row.valid_from > date]
        if staying or existing is not None:
            continue  # a part that goes to a number in force, or a part already in the database
        if later:
            plan.problems.append(
                Problem(
                    _("%(where)s: %(code)s is in use by %(municipality)s from %(start)s in the database.")
                    % {
                        "where": where,
                        "code": new_code,
                        "municipality": later[0].municipality,
                        "start": later[0].valid_from,
                    }
                )
            )
            return
        parts.append((new_code, new_name))
    _end_rows(event, [old_row])
    _dissolve(plan, event, old_row.municipality, date, None, where)
    for new_code, new_name in parts:
        target = PlannedMunicipality(None, new_name, established=date)
        event.actions.append(CreateMunicipality(target, new_name, date))
        row = PlannedCode(None, target, new_code, new_name, date, None)
        state.rows.append(row)
        event.actions.append(CreateCode(row, target, new_code, new_name, date))


def _plan_event(
    plan, state, event: Event, old_rows: dict[str, PlannedCode], where: str, ending: list, old_names: dict
) -> None:
    """Add the event's actions, changing the state as they would; or add a problem and leave both alone."""
    date, (new_code, new_name) = event.date, event.new[0]
    holders = {row.municipality for row in old_rows.values()}
    existing = state.starting(new_code, date)
    values = {"where": where, "code": new_code, "date": date}
    # A merger continues the one merged municipality that has the new name (Ålesund 1504 → 1507).
    same_name = [old_rows[code].municipality for code in old_rows if old_names[code] == new_name]
    continuing = same_name[0] if event.kind == MERGER and len(same_name) == 1 else None
    if continuing is not None:
        if existing is not None and existing.municipality is not continuing:
            plan.problems.append(
                Problem(
                    _("%(where)s: %(code)s from %(date)s already belongs to %(municipality)s in the database.")
                    % {**values, "municipality": existing.municipality}
                )
            )
            return
        target = continuing
    elif event.kind == MERGER:
        if existing is not None and existing.municipality in holders:
            plan.problems.append(
                Problem(
                    _(
                        "%(where)s: %(code)s from %(date)s already belongs to %(municipality)s, which the answer "
                        "says was merged; the database records this differently."
                    )
                    % {**values, "municipality": existing.municipality}
                )
            )
            return
        target = existing.municipality if existing else None
    else:
        target = next(iter(holders))
        if existing is not None and existing.municipality is not target:
            plan.problems.append(
                Problem(
                    _("%(where)s: %(code)s from %(date)s already belongs to %(municipality)s in the database.")
                    % {**values, "municipality": existing.municipality}
                )
            )
            return
    others = [row for row in state.in_force(new_code, date) if row is not existing and row not in ending]
    later = [row for row in state.rows if row.code == new_code and row.valid_from > date]
    if existing is None and (others or later):
        taken = (others or later)[0]
        plan.problems.append(
            Problem(
                _("%(where)s: %(code)s is in use by %(municipality)s from %(start)s in the database.")
                % {**values, "municipality": taken.municipality, "start": taken.valid_from}
            )
        )
        return

    for row in old_rows.values():
        if row.valid_to != date - ONE_DAY:
            event.actions.append(EndCode(row, date - ONE_DAY))
            row.valid_to = date - ONE_DAY
    if target is None:
        target = PlannedMunicipality(None, new_name, established=date)
        event.actions.append(CreateMunicipality(target, new_name, date))
    if existing is None:
        row = PlannedCode(None, target, new_code, new_name, date, None)
        state.rows.append(row)
        event.actions.append(CreateCode(row, target, new_code, new_name, date))
    elif existing.name != new_name:
        plan.warnings.append(
            _("%(where)s: the database names %(code)s from %(date)s “%(found)s”, not “%(name)s”.")
            % {**values, "found": existing.name, "name": new_name}
        )

    if event.kind == MERGER:
        for municipality in sorted(holders - {target}, key=lambda m: m.name):
            _dissolve(plan, event, municipality, date, target, where)
    if (event.kind != MERGER or continuing is not None) and target.name != new_name and target.pk is not None:
        latest = max((r for r in state.rows if r.municipality is target), key=lambda r: r.valid_from)
        if latest.valid_from == date:
            event.actions.append(UpdateMunicipality(target, (("name", new_name),)))
            target.name = new_name


def _check_codes(plan: ReformPlan, state: _State, codes: list[CodeEntry], last_change) -> None:
    """Check that after the plan every number in the codes answer belongs to exactly one municipality, and back."""
    starts = [entry.valid_from for entry in codes if entry.valid_from is not None]
    day = min(starts) if starts else last_change
    if day is None:
        plan.problems.append(
            Problem(
                _("%(where)s: the answer has no dates and there are no changes; cannot tell its date.")
                % {"where": "codes"}
            )
        )
        return
    plan.checked_on = day
    answer = {entry.code: entry for entry in codes if entry.in_force_on(day)}
    held: dict[str, set] = defaultdict(set)
    for row in state.rows:
        if row.in_force_on(day):
            held[row.code].add(row.municipality)
    for code, entry in sorted(answer.items()):
        municipalities = held.get(code, set())
        values = {"where": f"codes[{entry.index}]", "code": code, "name": entry.name, "day": day}
        if not municipalities:
            plan.problems.append(
                Problem(_("%(where)s: %(code)s %(name)s is in force on %(day)s, but no municipality has it.") % values)
            )
        elif len(municipalities) > 1:
            names = ", ".join(sorted(str(m) for m in municipalities))
            plan.problems.append(
                Problem(_("%(where)s: %(code)s %(name)s belongs to several: %(names)s.") % {**values, "names": names})
            )
    for code in sorted(set(held) - set(answer)):
        names = ", ".join(sorted(str(m) for m in held[code]))
        plan.problems.append(
            Problem(
                _("%(where)s: %(code)s (%(names)s) is in force on %(day)s but not in the codes answer.")
                % {"where": "codes", "code": code, "names": names, "day": day}
            )
        )
    by_municipality: dict[PlannedMunicipality, list[str]] = defaultdict(list)
    for code, municipalities in held.items():
        for municipality in municipalities:
            by_municipality[municipality].append(code)
    for municipality, numbers in by_municipality.items():
        if len(numbers) > 1:
            plan.problems.append(
                Problem(
                    _("%(where)s: %(municipality)s has several numbers in force on %(day)s: %(codes)s.")
                    % {"where": "codes", "municipality": municipality, "day": day, "codes": ", ".join(sorted(numbers))}
                )
            )


# --- Writing ---------------------------------------------------------------------------------------------------


@dataclass
class ApplyResult:
    municipalities_created: int = 0
    municipalities_updated: int = 0
    codes_created: int = 0
    codes_ended: int = 0


def apply_plan(plan: ReformPlan) -> ApplyResult:
    """Write the plan in one transaction; refuse (ImportRejected, nothing written) a plan with problems."""
    if plan.problems:
        raise ImportRejected(plan.problems)
    result = ApplyResult()
    municipalities: dict[int, Municipality] = {}
    rows: dict[int, MunicipalityCode] = {}

    def municipality_of(planned: PlannedMunicipality) -> Municipality:
        if id(planned) not in municipalities:
            municipalities[id(planned)] = Municipality.objects.get(pk=planned.pk)
        return municipalities[id(planned)]

    updated = set()
    with transaction.atomic():
        for action in plan.actions:
            if isinstance(action, CreateMunicipality):
                municipality = Municipality(name=action.name, established=action.established)
                municipality.full_clean()
                municipality.save()
                municipalities[id(action.municipality)] = municipality
                result.municipalities_created += 1
            elif isinstance(action, CreateCode):
                row = MunicipalityCode(
                    municipality=municipality_of(action.municipality),
                    code=action.code,
                    name=action.name,
                    valid_from=action.valid_from,
                )
                row.full_clean()
                row.save()
                rows[id(action.row)] = row
                result.codes_created += 1
            elif isinstance(action, EndCode):
                row = rows.get(id(action.row)) or MunicipalityCode.objects.select_for_update().get(pk=action.row.pk)
                row.valid_to = action.valid_to
                row.full_clean()
                row.save(update_fields=["valid_to"])
                rows[id(action.row)] = row
                result.codes_ended += 1
            elif isinstance(action, UpdateMunicipality):
                municipality = municipality_of(action.municipality)
                for name, value in action.changes:
                    setattr(municipality, name, municipality_of(value) if name == "successor" else value)
                municipality.full_clean()
                municipality.save()
                if id(action.municipality) not in updated and action.municipality.pk is not None:
                    updated.add(id(action.municipality))
                    result.municipalities_updated += 1
    return result


def import_reform(changes_data: bytes, codes_data: bytes | None = None, *, dry_run: bool = False):
    """Read, plan and (unless dry_run) apply; return (plan, result or None). Raises ImportRejected on problems."""
    changes = read_changes(changes_data)
    codes = read_codes(codes_data) if codes_data is not None else None
    plan = plan_changes(changes, codes)
    if plan.problems:
        raise ImportRejected(plan.problems)
    return plan, (None if dry_run else apply_plan(plan))
