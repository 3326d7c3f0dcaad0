"""What the import commands share: the indicator, municipality and user they name, and checking SSB files before
writing."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from indicators.importers.base import ImportRejected, source_date
from indicators.importers.ssb_jsonstat import apply_jsonstat
from indicators.importers.statbank import StatbankImport
from indicators.models import DataImport, Indicator, Municipality
from indicators.services import ApplyResult


def user_named(username: str | None):
    """Return the user the values are recorded as changed by (None when not given), or stop with a message."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No user is called %(user)s.") % {"user": username}) from None


def indicator_coded(code: str) -> Indicator:
    """Return the indicator with the code, or stop with a message."""
    try:
        return Indicator.objects.get(code=code)
    except Indicator.DoesNotExist:
        raise CommandError(_("No indicator has the code %(code)s.") % {"code": code}) from None


def municipality_numbered(number: str) -> Municipality:
    """Return the municipality that had the number most recently, or stop with a message."""
    try:
        return Municipality.objects.by_code(number)
    except Municipality.DoesNotExist:
        raise CommandError(_("No municipality has had the number %(number)s.") % {"number": number}) from None


def read_files(files: list[Path], none_given: str) -> list[tuple[str, bytes]]:
    """Return each file's name and content, or stop with a message (none_given when there are none)."""
    if not files:
        raise CommandError(none_given)
    for path in files:
        if not path.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": path})
    return [(path.name, path.read_bytes()) for path in files]


def stored_file(kind: str, name: str, data: bytes, *, user, **fields) -> DataImport:
    """Keep a file the command imports as the browser keeps an upload, so every figure is traced to the file.

    Call it inside the transaction that writes the figures; finish_stored() records what was written.
    """
    return DataImport.objects.create(
        kind=kind, uploaded_by=user, filename=name[-255:], content=data, status=DataImport.Status.IMPORTING, **fields
    )


def finish_stored(stored: DataImport, result: ApplyResult) -> None:
    """Record the counts the write gave and that the file is imported."""
    stored.created, stored.updated, stored.unchanged = result.created, result.updated, result.unchanged
    stored.status, stored.progress, stored.confirmed_at = DataImport.Status.IMPORTED, 100, timezone.now()
    stored.save()


def import_ssb_files(command, inputs: list[tuple[str, bytes]], *, read, dry_run: bool, user, verbosity: int) -> None:
    """Check every (name, data) with read(data, filename=name), then write all in one transaction and report each.

    One rejected file stops everything: its problems are printed and nothing is written. A dry run writes nothing.
    """
    checked, failed = [], False
    for name, data in tqdm(inputs, desc="check", unit="file", disable=verbosity < 1 or len(inputs) < 2):
        try:
            checked.append(read(data, filename=name))
        except ImportRejected as rejected:
            failed = True
            command.stderr.write(_("%(file)s cannot be imported:") % {"file": name})
            for problem in rejected.problems:
                command.stderr.write(f"  {problem}")
    if failed:
        raise CommandError(_("Nothing was written: one or more files were rejected."))
    with transaction.atomic():
        results = []
        for (name, data), item in zip(inputs, checked, strict=True):
            if dry_run:
                results.append(item.counts)
                continue
            stored = stored_file(
                DataImport.Kind.SSB, name, data, user=user, indicator=item.indicator, contents=item.contents,
                categories="\n".join(getattr(item, "categories", [])), table=item.table,
                vintage=source_date(item.updated),
            )  # fmt: skip
            results.append(apply_jsonstat(item, user=user, data_import=stored))
            finish_stored(stored, results[-1])
    for item, counts in zip(checked, results, strict=True):
        _report(command, item, counts, dry_run)


def _report(command, item, counts, dry_run: bool) -> None:
    verb = _("would be") if dry_run else _("were")
    command.stdout.write(
        _(
            "%(file)s (SSB table %(table)s, %(contents)s): values %(verb)s created: %(created)s, "
            "changed: %(updated)s, unchanged: %(unchanged)s."
        )
        % {
            "file": item.filename,
            "table": item.table or "?",
            "contents": item.contents or "–",
            "verb": verb,
            "created": counts.created,
            "updated": counts.updated,
            "unchanged": counts.unchanged,
        }
    )
    if isinstance(item, StatbankImport):
        command.stdout.write("  " + _("columns used: %(columns)s") % {"columns": "; ".join(item.used_columns)})
        if len(item.categories) > 1:
            command.stdout.write(
                "  " + _("each figure is the sum of: %(categories)s") % {"categories": "; ".join(item.categories)}
            )
        for note in item.incomplete:
            command.stdout.write(f"  {note}")
    for region, reason, count in item.skipped_regions():
        command.stdout.write(
            "  "
            + _("skipped %(region)s (%(reason)s): %(count)s times")
            % {"region": region, "reason": reason, "count": count}
        )
    for line in item.filed_elsewhere():
        command.stdout.write("  " + line)
