"""Load SSB's KOSTRA groups (KLASS classification 112) from KLASS's correspondence between 131 and 112.

KLASS gives each municipality's group as a correspondence between classification 131 (municipalities) and 112
(KOSTRA groups), in either direction, as JSON or CSV:

- `classifications/131/correspondsAt?targetClassificationId=112&date=2024-01-01` (JSON):
  `{"correspondenceItems": [{"sourceCode": "3303", "sourceName": "Kongsberg", "targetCode": "EKG13",
  "targetName": "KOSTRA-gruppe 13 ...", "validFrom": "2024-01-01", "validTo": null}, ...]}`;
- the same with `.csv` (or `Accept: text/csv`): a header `sourceCode;sourceName;...;targetCode;targetName;...`,
  separated by semicolons or commas, UTF-8 or ISO-8859-1;
- `correspondencetables/{id}`: `{"correspondenceMaps": [{"sourceCode": ..., "targetCode": ...}]}`, without dates.

The group side is the one whose codes start with EKG; a row whose municipality side is not a municipality number
(a county's group, EKA…) is left out and counted. Each row's version starts on its validFrom, or, where the file
has no dates, on the day the uploader gives. A file is one or more whole versions of the grouping: importing a
version replaces that version's groups, and ends the version before it. The demo's example groups are removed
by the first real import.

Everything is checked first (read_groups()); apply_groups() writes it in one transaction.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from core import cache
from indicators.importers.base import ImportRejected, Problem, decode_text, read_table
from indicators.importers.klass_json import load_json
from indicators.models import MunicipalityCode, PeerGroup, PeerGroupMembership
from indicators.services import ApplyResult

GROUP_CODE = re.compile(r"^EKG\d{1,2}$", re.IGNORECASE)
MUNICIPALITY_NUMBER = re.compile(r"^\d{4}$")
SOURCE = "SSB, KLASS 112 (KOSTRA-grupper)"


@dataclass(frozen=True)
class Row:
    line: int | None  # the CSV line, or the JSON entry's position from 1
    number: str
    name: str
    group: str
    group_name: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


@dataclass
class Version:
    valid_from: datetime.date
    valid_to: datetime.date | None
    groups: dict[str, str] = field(default_factory=dict)  # code → name
    members: dict[int, str] = field(default_factory=dict)  # municipality id → group code
    names: dict[int, str] = field(default_factory=dict)  # municipality id → its name in the file
    numbers: dict[int, str] = field(default_factory=dict)  # municipality id → its number in the file


@dataclass
class CheckedGroups:
    versions: list[Version]
    left_out: int = 0  # rows that are not a municipality's KOSTRA group
    changes: list[dict] = field(default_factory=list)  # municipality, number, before, after (group numbers)
    counts: dict[str, int] = field(default_factory=dict)  # created, updated, unchanged, removed
    replaces_examples: bool = False


def _date(text, line, column, problems) -> datetime.date | None:
    text = (text or "").strip()
    if not text or text.lower() in ("null", "none"):
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        problems.append(Problem(_("“%(text)s” is not a date (YYYY-MM-DD).") % {"text": text}, line, column))
        return None


def _rows_from_json(data: bytes, problems) -> list[Row]:
    entries = load_json(data, "correspondenceItems", "correspondenceMaps")
    rows = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            problems.append(Problem(_("Entry %(n)s is not an object.") % {"n": position}))
            continue
        rows.append(_row(position, {k.lower(): v for k, v in entry.items()}, problems))
    return rows


def _rows_from_csv(data: bytes, problems) -> list[Row]:
    text = decode_text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    first_column = "targetcode" if first.strip().strip('"').lower().startswith("targetcode") else "sourcecode"
    table = read_table(text, first_column=first_column)
    header = [h.strip().strip('"').lower() for h in table.header]
    for needed in ("sourcecode", "targetcode"):
        if needed not in header:
            raise ImportRejected([Problem(_("The file has no column “%(column)s”.") % {"column": needed})])
    return [_row(line, dict(zip(header, cells, strict=False)), problems) for line, cells in table.rows]


def _row(line, entry: dict, problems) -> Row:
    """A correspondence row with the municipality on one side and the group on the other, whichever way round."""
    source, target = str(entry.get("sourcecode") or "").strip(), str(entry.get("targetcode") or "").strip()
    source_name, target_name = str(entry.get("sourcename") or ""), str(entry.get("targetname") or "")
    if GROUP_CODE.match(source) and not GROUP_CODE.match(target):
        source, target, source_name, target_name = target, source, target_name, source_name
    return Row(
        line,
        source,
        source_name.strip(),
        target.upper(),
        target_name.strip(),
        _date(entry.get("validfrom"), line, "validFrom", problems),
        _date(entry.get("validto"), line, "validTo", problems),
    )


def read_groups(data: bytes, *, valid_from: datetime.date | None = None) -> CheckedGroups:
    """Check a KLASS correspondence of municipalities and KOSTRA groups; raise ImportRejected with every problem.

    valid_from: the first day of the grouping's version, for a file without validFrom.
    """
    problems: list[Problem] = []
    is_json = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")
    rows = _rows_from_json(data, problems) if is_json else _rows_from_csv(data, problems)
    if problems:
        raise ImportRejected(problems)
    # Every period of every number, by number: a row is placed on whoever held its number on the version's first day.
    periods: dict[str, list[tuple]] = {}
    for code, begin, end, pk in MunicipalityCode.objects.values_list(
        "code", "valid_from", "valid_to", "municipality_id"
    ):
        periods.setdefault(code, []).append((begin, end, pk))
    versions: dict[datetime.date, Version] = {}
    left_out = 0
    for row in rows:
        if not GROUP_CODE.match(row.group) or not MUNICIPALITY_NUMBER.match(row.number):
            left_out += 1
            continue
        start = row.valid_from or valid_from
        if start is None:
            problems.append(
                Problem(_("The file does not say from when the grouping applies; give the date with the upload."))
            )
            break
        holders = [
            pk for begin, end, pk in periods.get(row.number, ()) if begin <= start and (end is None or start <= end)
        ]
        if not holders:
            problems.append(
                Problem(
                    _("%(number)s was not a municipality number on %(day)s.")
                    % {"number": row.number, "day": start.isoformat()},
                    row.line,
                )
            )
            continue
        version = versions.setdefault(start, Version(start, row.valid_to))
        pk = holders[0]
        if version.members.get(pk, row.group) != row.group:
            problems.append(
                Problem(
                    _("%(number)s is in two groups in the version from %(day)s: %(first)s and %(second)s.")
                    % {
                        "number": row.number,
                        "day": start.isoformat(),
                        "first": version.members[pk],
                        "second": row.group,
                    },
                    row.line,
                )  # fmt: skip
            )
            continue
        version.members[pk] = row.group
        version.names[pk] = row.name
        version.numbers[pk] = row.number
        version.groups.setdefault(row.group, row.group_name or row.group)
    if not versions and not problems:
        problems.append(Problem(_("The file has no municipality with a KOSTRA group (codes EKG01, EKG02, …).")))
    if problems:
        raise ImportRejected(problems[:200])
    checked = CheckedGroups(sorted(versions.values(), key=lambda v: v.valid_from), left_out=left_out)
    _compare(checked)
    return checked


def _compare(checked: CheckedGroups) -> None:
    """Fill in what importing would change, against the groups stored now."""
    created = updated = unchanged = removed = 0
    stored = {
        (pk, day): (code, is_example)
        for pk, day, code, is_example in PeerGroupMembership.objects.values_list(
            "municipality_id", "valid_from", "group__code", "group__is_example"
        )
    }
    checked.replaces_examples = any(is_example for _code, is_example in stored.values())
    for version in checked.versions:
        for pk, code in version.members.items():
            before, is_example = stored.get((pk, version.valid_from), (None, False))
            if before is None or is_example:
                created += 1
            elif before == code:
                unchanged += 1
                continue
            else:
                updated += 1
            checked.changes.append(
                {"municipality": version.names[pk] or version.numbers[pk], "number": version.numbers[pk],
                 "from": version.valid_from.isoformat(), "before": before or "", "after": code}
            )  # fmt: skip
        removed += sum(
            1 for (pk, day), (_code, is_example) in stored.items()
            if day == version.valid_from and not is_example and pk not in version.members
        )  # fmt: skip
    checked.counts = {"created": created, "updated": updated, "unchanged": unchanged, "removed": removed}


def apply_groups(checked: CheckedGroups, *, data_import=None, source: str = SOURCE) -> ApplyResult:
    """Write the checked versions of the grouping in one transaction; every page's ranks change with them."""
    with transaction.atomic():
        PeerGroup.objects.filter(is_example=True).delete()
        for version in checked.versions:
            PeerGroup.objects.filter(valid_from=version.valid_from).delete()
            PeerGroup.objects.filter(valid_from__lt=version.valid_from, valid_to__isnull=True).update(
                valid_to=version.valid_from
            )
            later = PeerGroup.objects.filter(valid_from__gt=version.valid_from).order_by("valid_from").first()
            ends = version.valid_to or (later.valid_from if later else None)
            groups = {
                code: PeerGroup.objects.create(
                    code=code,
                    name=name[:300],
                    valid_from=version.valid_from,
                    valid_to=ends,
                    source=source[:300],
                    data_import=data_import,
                )
                for code, name in sorted(version.groups.items())
            }
            PeerGroupMembership.objects.bulk_create(
                PeerGroupMembership(group=groups[code], municipality_id=pk, valid_from=version.valid_from)
                for pk, code in version.members.items()
            )
        cache.bump()  # a group changes ranks and medians on every comparison and dashboard
    counts = checked.counts
    return ApplyResult(created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"])
