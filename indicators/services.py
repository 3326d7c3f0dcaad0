"""Writes that span several rows: saving values with their revision history, changing status in bulk, and
saving an indicator's definition with a record of every change.

A value's status changes only through change_status(), and that is the one place a value is published. An
indicator's definition changes only through save_indicator(), which records who changed which field and why.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import cache, pgcopy
from indicators import cache_scopes
from indicators.models import (
    Computation,
    Indicator,
    IndicatorChange,
    IndicatorValue,
    ReminderSetting,
    ReportingRound,
    RoundReporter,
    ValueRevision,
    ValueState,
    ValueStatus,
)
from indicators.numbers import year_spans

BATCH_SIZE = 500
# From this many new values on, apply_values() writes them with COPY on PostgreSQL (see _copy_new()).
COPY_FROM = 1000


@dataclass(frozen=True)
class ProposedValue:
    """A value a planner or an importer wants to store for one municipality and year.

    indicator_id may be left out when apply_values() is given the indicator. A
    comment of None leaves the stored comment alone. The revision records reason,
    else the comment, else the reason given to apply_values(). expected_version is the
    version the planner saw (0: no value yet); a different stored version is a
    conflict, and nothing is written.
    """

    municipality_id: int
    year: int
    value: Decimal | None
    state: str = ValueState.REPORTED
    indicator_id: int | None = None
    comment: str | None = None
    expected_version: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Conflict:
    """Someone else saved the value after the planner opened it."""

    proposed: ProposedValue
    stored: IndicatorValue | None


class ConflictError(Exception):
    def __init__(self, conflicts: list[Conflict]):
        super().__init__(f"{len(conflicts)} values were changed by someone else")
        self.conflicts = conflicts


class OfficialFigureError(Exception):
    """A municipality's write would change the source's own figure (see apply_values(official=...))."""

    def __init__(self, proposals: list[ProposedValue]):
        super().__init__(f"{len(proposals)} figures are official statistics and cannot be changed here")
        self.proposals = proposals


class ClosedRoundError(Exception):
    """A change, without a reason, to a figure of a closed reporting round (see apply_values())."""

    def __init__(self, proposals: list[ProposedValue]):
        super().__init__(f"{len(proposals)} figures belong to a closed reporting round and need a reason to change")
        self.proposals = proposals


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated

    @classmethod
    def total(cls, results: Iterable["ApplyResult"]) -> "ApplyResult":
        """What several writes did together (an import that writes several indicators)."""
        total = cls()
        for result in results:
            total.created += result.created
            total.updated += result.updated
            total.unchanged += result.unchanged
        return total


@dataclass(frozen=True)
class PlannedChange:
    """What storing one proposed value would do: create it, change the stored one, or nothing."""

    proposed: ProposedValue
    current: IndicatorValue | None

    @property
    def kind(self) -> str:
        if self.current is None:
            return "new"
        if (self.current.value, self.current.state) == (self.proposed.value, self.proposed.state):
            return "unchanged"
        return "changed"


def preview_values(*, proposed: Sequence[ProposedValue], indicator: Indicator | None = None) -> list[PlannedChange]:
    """Return what apply_values() would do with the proposals, writing nothing (one query).

    The figures are compared; a comment alone does not count as a change here.
    """

    def indicator_of(p: ProposedValue) -> int:
        return p.indicator_id if p.indicator_id is not None else indicator.pk

    stored = {
        (v.indicator_id, v.municipality_id, v.year): v
        for v in IndicatorValue.objects.filter(
            indicator_id__in={indicator_of(p) for p in proposed},
            municipality_id__in={p.municipality_id for p in proposed},
            year__in={p.year for p in proposed},
        )
    }
    return [PlannedChange(p, stored.get((indicator_of(p), p.municipality_id, p.year))) for p in proposed]


def count_changes(changes: Sequence[PlannedChange]) -> ApplyResult:
    """Count planned changes the way apply_values() reports what it did."""
    kinds = [change.kind for change in changes]
    return ApplyResult(created=kinds.count("new"), updated=kinds.count("changed"), unchanged=kinds.count("unchanged"))


def _revision(value: IndicatorValue, *, before: dict | None, user, reason: str, when) -> ValueRevision:
    before = before or {}
    return ValueRevision(
        indicator_value=value,
        changed_at=when,
        changed_by=user,
        old_value=before.get("value"),
        new_value=value.value,
        old_state=before.get("state", ""),
        new_state=value.state,
        old_status=before.get("status", ""),
        new_status=value.status,
        source=value.source,
        reason=reason,
    )


def apply_values(
    *,
    proposed: Sequence[ProposedValue],
    user,
    source: str,
    reason: str,
    indicator: Indicator | None = None,
    is_sample: bool = False,
    official: bool = False,
    data_import=None,
    series_break: bool = False,
) -> ApplyResult:
    """Store the proposed values as drafts in one transaction, writing a revision for every change.

    A proposal equal to the stored value changes nothing, so importing the same
    file twice writes nothing the second time. A changed value goes back to draft
    and must be approved again. Raises ConflictError, having written nothing, when
    a stored version differs from the version a proposal expected.

    official: the values are the source's own figures (official statistics from SSB or Miljødirektoratet, imported
    by a coordinator or an administrator, after the import's preview). They are published in the same step, for
    every municipality in the file, and marked official, which makes them read-only to municipalities. A published
    official figure the source has changed is marked revised, or with series_break (the source changed its method)
    as the start of a new series. data_import is the stored file they come from. Without official, a proposal that
    would change an official figure raises OfficialFigureError, having written nothing; a comment on it is kept.

    A closed reporting round freezes its figures: without official, a proposal that would create or change a figure
    a closed round holds, and gives no reason of its own, raises ClosedRoundError, having written nothing. The
    reason is the late change's record (its revision); a comment alone may still change.

    Two requests that create the same value at once (two planners' first save of one figure) both find no stored
    value; the database lets one insert it and refuses the other (indicators_value_one_per_year). The refused one
    looks again, once: the value is there now, so it is a conflict (ConflictError) when the proposal expected a
    version, an update otherwise.
    """
    arguments = {
        "proposed": proposed, "user": user, "source": source, "reason": reason, "indicator": indicator,
        "is_sample": is_sample, "official": official, "data_import": data_import, "series_break": series_break,
    }  # fmt: skip
    try:
        with transaction.atomic():
            return _apply_values(**arguments)
    except IntegrityError:
        return _apply_values(**arguments)


def _apply_values(
    *, proposed, user, source, reason, indicator, is_sample, official, data_import, series_break
) -> ApplyResult:
    """apply_values() once: its transaction, from the look at the stored values to the last write."""
    result = ApplyResult()
    now = timezone.now()

    def indicator_of(p: ProposedValue) -> int:
        return p.indicator_id if p.indicator_id is not None else indicator.pk

    with transaction.atomic():
        existing = {
            (v.indicator_id, v.municipality_id, v.year): v
            for v in IndicatorValue.objects.select_for_update().filter(
                indicator_id__in={indicator_of(p) for p in proposed},
                municipality_id__in={p.municipality_id for p in proposed},
                year__in={p.year for p in proposed},
            )
        }
        conflicts = []
        for p in proposed:
            if p.expected_version is None:
                continue
            current = existing.get((indicator_of(p), p.municipality_id, p.year))
            if (current.version if current else 0) != p.expected_version:
                conflicts.append(Conflict(proposed=p, stored=current))
        if conflicts:
            raise ConflictError(conflicts)
        if not official:
            locked = [
                p
                for p in proposed
                if (current := existing.get((indicator_of(p), p.municipality_id, p.year))) is not None
                and current.changes_official(p.state, p.value)
            ]
            if locked:
                raise OfficialFigureError(locked)
            _refuse_frozen(proposed, existing, indicator_of)

        new, to_update, revisions = [], [], []
        for p in proposed:
            current = existing.get((indicator_of(p), p.municipality_id, p.year))
            if current is None:
                new.append(p)
                continue
            comment = current.comment if p.comment is None else p.comment
            figure_changes = current.state != p.state or current.value != p.value
            becomes_official = official and not current.is_official  # an official figure is always published
            if not figure_changes and not becomes_official and current.comment == comment:
                result.unchanged += 1
                continue
            before = current.snapshot()
            if official:
                _publish_official(
                    current, p, source=source, data_import=data_import, series_break=series_break, when=now
                )
            elif figure_changes:
                current.value, current.state, current.status = p.value, p.state, ValueStatus.DRAFT
                current.source, current.is_sample = source, is_sample
            current.comment = comment
            current.changed_by, current.changed_at = user, now
            current.version += 1
            to_update.append(current)
            revisions.append(
                _revision(current, before=before, user=user, reason=p.reason or p.comment or reason, when=now)
            )

        shared = {"status": ValueStatus.DRAFT, "source": source, "is_sample": is_sample, "changed_by": user,
                  "changed_at": now}  # fmt: skip
        if official:
            shared.update(
                status=ValueStatus.PUBLISHED, is_sample=False, is_official=True, data_import=data_import,
                first_published_at=now, published_at=now, published_source=source,
            )  # fmt: skip
        if connection.vendor == "postgresql" and len(new) >= COPY_FROM:
            _copy_new(new, like=IndicatorValue(**shared), indicator_of=indicator_of, reason=reason, official=official)
        else:
            to_create = [
                IndicatorValue(
                    indicator_id=indicator_of(p),
                    municipality_id=p.municipality_id,
                    year=p.year,
                    value=p.value,
                    state=p.state,
                    comment=p.comment or "",
                    **shared,
                    **({"published_value": p.value, "published_state": p.state} if official else {}),
                )
                for p in new
            ]
            created = IndicatorValue.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
            revisions += [
                _revision(v, before=None, user=user, reason=p.reason or p.comment or reason, when=now)
                for v, p in zip(created, new, strict=True)
            ]
        IndicatorValue.objects.bulk_update(
            to_update,
            ["value", "state", "status", "source", "is_sample", "comment", "changed_by", "changed_at", "version",
             *(OFFICIAL_FIELDS if official else [])],
            batch_size=BATCH_SIZE,
        )  # fmt: skip
        ValueRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
        # Bulk writes send no signals: retire the pages of what was written.
        cache.changed(
            cache_scopes.of_figures(
                {p.municipality_id for p in new} | {v.municipality_id for v in to_update},
                {indicator_of(p) for p in new} | {v.indicator_id for v in to_update},
            )
        )
    result.created, result.updated = len(new), len(to_update)
    return result


def _refuse_frozen(proposed, existing, indicator_of) -> None:
    """Raise ClosedRoundError for the proposals that change a closed round's figure without a reason (one query)."""
    if not proposed:
        return
    frozen = ReportingRound.objects.frozen_cells(
        indicator_ids={indicator_of(p) for p in proposed},
        municipality_ids={p.municipality_id for p in proposed},
        years={p.year for p in proposed},
    )
    late = []
    for p in proposed:
        key = (indicator_of(p), p.municipality_id, p.year)
        if key not in frozen or (p.reason or "").strip():
            continue
        current = existing.get(key)
        if current is None or (current.state, current.value) != (p.state, p.value):
            late.append(p)
    if late:
        raise ClosedRoundError(late)


# The columns that differ between new values, and between their revisions; the rest are the same for all.
NEW_VALUE_COLUMNS = ["id", "indicator_id", "municipality_id", "year", "value", "state", "comment"]
NEW_REVISION_COLUMNS = ["indicator_value_id", "new_value", "new_state", "reason"]


def _shared_columns(instance, leave_out: list[str]) -> dict[str, str]:
    """Each other column of the instance as COPY's text of what the ORM would write (defaults included)."""
    return {
        f.column: pgcopy.field(f.get_db_prep_save(getattr(instance, f.attname), connection))
        for f in instance._meta.concrete_fields
        if f.column not in leave_out
    }


def _copy_new(
    new: list[ProposedValue], *, like: IndicatorValue, indicator_of, reason: str, official: bool = False
) -> None:
    """Write the new values, and a revision saying each was created, with PostgreSQL's COPY.

    The rows are those bulk_create() and _revision() would write (like holds what all the values share), about
    seven times faster (a national file of 423 284 values: 12.6 s instead of 90 s). Ids come from the table's
    own sequence, and the database checks every constraint as for any insert.
    """
    values_table, revisions_table = IndicatorValue._meta.db_table, ValueRevision._meta.db_table
    # An official figure is published as it is written: its published copy differs from row to row too.
    published_columns = ["published_value", "published_state"] if official else []
    shared = _shared_columns(like, NEW_VALUE_COLUMNS + published_columns)
    revision = _revision(like, before=None, user=like.changed_by, reason="", when=like.changed_at)
    revision_shared = _shared_columns(revision, ["id", *NEW_REVISION_COLUMNS])
    value_tail, revision_tail = "\t".join(shared.values()), "\t".join(revision_shared.values())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [values_table, len(new)]
        )
        ids = [row[0] for row in cursor.fetchall()]
    numbers = [pgcopy.field(p.value) for p in new]
    pgcopy.copy_lines(
        values_table,
        [*NEW_VALUE_COLUMNS, *published_columns, *shared],
        (
            f"{pk}\t{indicator_of(p)}\t{p.municipality_id}\t{p.year}\t{number}\t{pgcopy.text(p.state)}\t"
            f"{pgcopy.text(p.comment or '')}\t"
            + (f"{number}\t{pgcopy.text(p.state)}\t" if official else "")
            + f"{value_tail}\n"
            for pk, p, number in zip(ids, new, numbers, strict=True)
        ),
    )
    pgcopy.copy_lines(
        revisions_table,
        [*NEW_REVISION_COLUMNS, *revision_shared],
        (
            f"{pk}\t{number}\t{pgcopy.text(p.state)}\t{pgcopy.text(p.reason or p.comment or reason)}\t{revision_tail}\n"
            for pk, p, number in zip(ids, new, numbers, strict=True)
        ),
    )


def _publish_official(value: IndicatorValue, p: ProposedValue, *, source: str, data_import, series_break, when):
    """Make a stored value the source's published figure: a revision by the source, or the start of a new series."""
    changed = value.first_published_at is not None and (value.published_state, value.published_value) != (
        p.state,
        p.value,
    )
    value.value, value.state, value.status = p.value, p.state, ValueStatus.PUBLISHED
    value.source, value.is_sample, value.is_official, value.data_import = source, False, True, data_import
    value.review_comment = ""
    if value.first_published_at is None:
        value.first_published_at = when
    if changed and series_break:
        value.series_break = True
    elif changed:
        value.revised_at = when
    value.published_value, value.published_state, value.published_at = p.value, p.state, when
    value.published_is_sample, value.published_source = False, source


# What publishing writes besides the status: the version the public reads, and when it was (first) published.
PUBLISHED_FIELDS = [
    "first_published_at",
    "revised_at",
    "published_at",
    "published_value",
    "published_state",
    "published_is_sample",
    "published_source",
]
# What an official import writes besides a draft's fields (see _publish_official()).
OFFICIAL_FIELDS = ["is_official", "data_import", "series_break", "review_comment", *PUBLISHED_FIELDS]


def change_status(*, values: Iterable[IndicatorValue], status: str, user, reason: str, review_comment: str = "") -> int:
    """Move the values to the status in one transaction, with a revision for each; return how many moved.

    This is the only place a value is published. Publishing makes the figure the one the public reads, records when
    it was first published, and marks a figure that is published again with a different number as revised. The review
    comment is the approver's reason for returning values; any other move clears it. Which moves a user may make is
    the caller's to check (the reporting round's review page, the admin's publish action).
    """
    now = timezone.now()
    with transaction.atomic():
        if isinstance(values, QuerySet):
            # Lock the rows so the version read here is the version written back.
            values = values.select_for_update(of=("self",))
        moved, revisions = [], []
        for value in values:
            if value.status == status:
                continue
            before = value.snapshot()
            value.status, value.changed_by, value.changed_at = status, user, now
            value.review_comment = review_comment
            if status == ValueStatus.PUBLISHED:
                if value.first_published_at is None:
                    value.first_published_at = now
                elif (value.published_value, value.published_state) != (value.value, value.state):
                    value.revised_at = now
                value.published_value, value.published_state = value.value, value.state
                value.published_is_sample, value.published_source = value.is_sample, value.source
                value.published_at = now
            value.version += 1
            moved.append(value)
            revisions.append(_revision(value, before=before, user=user, reason=reason, when=now))
        IndicatorValue.objects.bulk_update(
            moved,
            ["status", "changed_by", "changed_at", "review_comment", "version", *PUBLISHED_FIELDS],
            batch_size=BATCH_SIZE,
        )
        ValueRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
        # Bulk writes send no signals: retire the pages of what moved.
        cache.changed(cache_scopes.of_figures({v.municipality_id for v in moved}, {v.indicator_id for v in moved}))
    return len(moved)


def save_value(value: IndicatorValue, *, user, reason: str) -> bool:
    """Save one edited value with a revision row; return False when nothing that is tracked changed.

    Its status is not the caller's to change (change_status() does that), except that a changed figure, state,
    source or sample flag goes back to draft, as in the reporting round: the public keeps reading the published version until the
    change is approved and published.
    """
    now = timezone.now()
    with transaction.atomic():
        stored = IndicatorValue.objects.select_for_update().get(pk=value.pk) if value.pk else None
        if value.status != (stored.status if stored else ValueStatus.DRAFT):
            raise ValueError("save_value() keeps a value's status: move it with change_status().")
        before = None
        if stored is not None:
            before = stored.snapshot()
            # The figure, its state, its source or whether it is sample data: the public reads each in its
            # published version until the change is published. The status compared is the stored one.
            changed = value.snapshot() != before or value.is_sample != stored.is_sample
            if not changed and stored.comment == value.comment:
                return False
            if changed:
                value.status = ValueStatus.DRAFT
                # Corrected by hand, the figure is no longer the source's: it goes through approval like any other.
                value.is_official = False
            value.version = stored.version + 1
        value.changed_by, value.changed_at = user, now
        value.full_clean()
        value.save()
        _revision(value, before=before, user=user, reason=reason, when=now).save()
    return True


def report_error(value: IndicatorValue, *, text: str, user) -> None:
    """Record a municipality's report of an error in the source's figure, with a revision saying so.

    The figure does not change: only a new import of the source changes an official figure.
    """
    now = timezone.now()
    with transaction.atomic():
        value.error_report, value.error_reported_by, value.error_reported_at = text, user, now
        value.save(update_fields=["error_report", "error_reported_by", "error_reported_at"])
        _revision(value, before=value.snapshot(), user=user, reason=_("Error reported: %(text)s") % {"text": text},
                  when=now).save()  # fmt: skip


# --- an indicator's definition ------------------------------------------------------------------------------------

# Every field of the definition: each change to one of them is recorded (IndicatorChange).
DEFINITION_FIELDS = [f.name for f in Indicator._meta.concrete_fields if f.editable and not f.primary_key]
# Changing one of these changes what the indicator's published figures say: their number or their unit.
FIGURE_FIELDS = ["unit", "computation", "amount_unit", "per_inhabitant_factor"]


def _recorded(indicator: Indicator, name: str) -> str:
    """A field's value as the history keeps it: a choice's key, a number without trailing zeros, a name."""
    value = getattr(indicator, name)
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def definition_changes(stored: Indicator, changed: Indicator) -> list[str]:
    """Return the fields of the definition in which the changed indicator differs from the stored one."""
    return [name for name in DEFINITION_FIELDS if _recorded(stored, name) != _recorded(changed, name)]


def save_indicator(indicator: Indicator, *, user, reason: str) -> list[IndicatorChange]:
    """Save a new or changed indicator, recording each changed field with who, when, before, after and why.

    Returns the records written: none when nothing changed (and nothing is saved). This is the one way an indicator's
    definition changes, from the portal's page and the admin alike. Saving the indicator retires every cached page.
    """
    now = timezone.now()
    with transaction.atomic():
        stored = Indicator.objects.select_for_update().get(pk=indicator.pk) if indicator.pk else None
        if stored is None:
            changes = [IndicatorChange(field="", new=indicator.code)]
        else:
            changes = [
                IndicatorChange(field=name, old=_recorded(stored, name), new=_recorded(indicator, name))
                for name in definition_changes(stored, indicator)
            ]
            if not changes:
                return []
        indicator.full_clean()
        indicator.save()
        for change in changes:
            change.indicator, change.changed_by, change.changed_at, change.reason = indicator, user, now, reason
        IndicatorChange.objects.bulk_create(changes)
    return changes


@dataclass
class DefinitionImpact:
    """What a change to an indicator's definition does to what has been published."""

    fields: list[str]  # the changed fields that change published figures
    figures: int = 0  # published figures whose number or unit changes
    # Each municipality with published figures that change, and their years ("2017–2022").
    municipalities: list[tuple[str, str]] = field(default_factory=list)
    direction_changes: bool = False  # goals measured by the indicator are judged the other way

    def __bool__(self) -> bool:
        return bool(self.figures or self.direction_changes)


def definition_impact(stored: Indicator, changed: Indicator) -> DefinitionImpact:
    """Return which published figures the change from stored to changed would alter (one query at most)."""
    names = definition_changes(stored, changed)
    per_inhabitant = Computation.PER_INHABITANT in (stored.computation, changed.computation)
    fields = [
        name
        for name in FIGURE_FIELDS
        if name in names and (per_inhabitant or name not in ("amount_unit", "per_inhabitant_factor"))
    ]
    impact = DefinitionImpact(fields=fields, direction_changes="direction" in names and stored.pk is not None)
    if not fields or stored.pk is None:
        return impact
    years: dict[str, list[int]] = {}
    published = IndicatorValue.objects.published().filter(indicator=stored, published_state=ValueState.REPORTED)
    if fields == ["per_inhabitant_factor"]:
        # The factor alone changes only the figures shown per inhabitant: those with a published population.
        published = published.with_population(published=True).filter(population__isnull=False)
    published = published.order_by("municipality__name", "year").values_list("municipality__name", "year")
    for name, year in published:
        years.setdefault(name, []).append(year)
        impact.figures += 1
    impact.municipalities = [(name, year_spans(spans)) for name, spans in years.items()]
    return impact


def save_round(
    *, round: ReportingRound, indicators: Iterable[Indicator], reporters: dict[int, Iterable[int]], user
) -> ReportingRound:
    """Open the round (a new one) or save its changes: its deadline, its indicators and who reports for each member.

    reporters maps a member's id to the ids of the users who report for it; a member left out, or given none, is
    reported by its planners. Whether the user may is the caller's to check (indicators/round_pages.py).
    """
    with transaction.atomic():
        if round.pk is None:
            round.opened_by, round.opened_at = user, timezone.now()
        round.full_clean()
        round.save()
        round.indicators.set(indicators)
        RoundReporter.objects.filter(round=round).delete()
        RoundReporter.objects.bulk_create(
            RoundReporter(round=round, municipality_id=municipality_id, user_id=user_id)
            for municipality_id, user_ids in reporters.items()
            for user_id in set(user_ids)
        )
    return round


def close_round(*, round: ReportingRound, user) -> bool:
    """Close the round, freezing its figures; return False when it was closed already (by someone else, perhaps)."""
    now = timezone.now()
    with transaction.atomic():
        closed = ReportingRound.objects.filter(pk=round.pk, closed_at__isnull=True).update(
            closed_at=now, closed_by=user
        )
    if closed:
        round.closed_at, round.closed_by = now, user
    return bool(closed)


def set_reminders(*, user, enabled: bool) -> ReminderSetting:
    """Turn the user's reminders on or off, recording when she did."""
    with transaction.atomic():
        setting, _created = ReminderSetting.objects.update_or_create(
            user=user, defaults={"enabled": enabled, "changed_at": timezone.now()}
        )
    return setting
