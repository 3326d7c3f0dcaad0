"""Import an SSB table (JSON-stat 2.0 from Statistikkbanken or PxWebApi), from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from indicators.importers import pxweb
from indicators.importers.base import ImportRejected
from indicators.importers.ssb_jsonstat import apply_jsonstat, read_jsonstat
from indicators.management.commands._arguments import indicator_coded, user_named
from indicators.services import ApplyResult


class Command(BaseCommand):
    help = (
        "Import SSB tables in JSON-stat 2.0 (saved files, or fetched from PxWebApi v2) into one indicator, as drafts."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="JSON-stat 2.0 files saved from PxWebApi v2.")
        parser.add_argument("--indicator", required=True, help="The indicator's code, e.g. folkemengde.")
        parser.add_argument("--contents", default="", help="The ContentsCode to import, when the table has several.")
        parser.add_argument("--table", default="", help="SSB's table number, when a file does not say it.")
        parser.add_argument(
            "--fetch", metavar="TABLE", help="Fetch this table from SSB's API instead of reading files."
        )
        parser.add_argument(
            "--value-codes",
            action="append",
            default=[],
            metavar="DIMENSION=CODE,CODE",
            help="With --fetch: the codes to ask for, e.g. Region=3303,0301 ContentsCode=Personer1 Tid=top(5).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything and show what would change.")
        parser.add_argument("--user", help="Username the values are recorded as changed by.")

    def handle(self, *args, files, indicator, contents, table, fetch, value_codes, dry_run, user, **options):
        target = indicator_coded(indicator)
        changed_by = user_named(user)
        inputs = self.fetched(fetch, value_codes) if fetch else self.read(files)
        table = table or fetch or ""
        show = options["verbosity"] > 0 and len(inputs) > 1
        checked, failed = [], False
        # Every answer or file is checked before anything is written, and all are written in one transaction.
        for name, data in tqdm(inputs, desc="check", unit="file", disable=not show):
            try:
                checked.append(read_jsonstat(data, filename=name, indicator=target, contents=contents, table=table))
            except ImportRejected as rejected:
                failed = True
                self.stderr.write(_("%(file)s cannot be imported:") % {"file": name})
                for problem in rejected.problems:
                    self.stderr.write(f"  {problem}")
        if failed:
            raise CommandError(_("Nothing was written: one or more files were rejected."))
        with transaction.atomic():
            results = [item.counts if dry_run else apply_jsonstat(item, user=changed_by) for item in checked]
        for item, counts in zip(checked, results, strict=True):
            self.report(item, counts, dry_run)

    def read(self, files: list[Path]) -> list[tuple[str, bytes]]:
        if not files:
            raise CommandError(_("Name one or more files, or a table to fetch with --fetch."))
        for path in files:
            if not path.is_file():
                raise CommandError(_("%(path)s is not a file.") % {"path": path})
        return [(path.name, path.read_bytes()) for path in files]

    def fetched(self, table: str, value_codes: list[str]) -> list[tuple[str, bytes]]:
        try:
            query = pxweb.Query(table, pxweb.parse_value_codes(value_codes))
            answers = pxweb.fetch(query)
        except (ValueError, pxweb.PxWebError) as error:
            raise CommandError(str(error)) from None
        return [(f"{table}-{number}.json", answer) for number, answer in enumerate(answers, start=1)]

    def report(self, item, counts: ApplyResult, dry_run: bool) -> None:
        verb = _("would be") if dry_run else _("were")
        self.stdout.write(
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
        for region, reason, count in item.skipped_regions():
            self.stdout.write(
                "  "
                + _("skipped %(region)s (%(reason)s): %(count)s times")
                % {"region": region, "reason": reason, "count": count}
            )
        for line in item.filed_elsewhere():
            self.stdout.write("  " + line)
