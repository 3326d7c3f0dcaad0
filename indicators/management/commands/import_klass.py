"""Import municipal reforms (code changes) from SSB KLASS, from the command line."""

from functools import partial
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from indicators.importers import klass_fetch
from indicators.importers.base import ImportRejected, iso_date
from indicators.importers.klass_json import apply_plan, plan_changes, read_changes, read_codes

READERS = {"changes": read_changes, "codes": read_codes}


class Command(BaseCommand):
    help = (
        "Load municipal reforms (renumberings, renamings, mergers) from SSB KLASS classification 131: "
        "saved JSON answers, or fetched from the KLASS API."
    )

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--changes", type=Path, help="KLASS changes answer (JSON) saved as a file.")
        source.add_argument(
            "--fetch",
            action="store_true",
            help="Fetch the changes from SSB's KLASS API (SSB_KLASS_URL), and the numbers in force to check them.",
        )
        parser.add_argument(
            "--codes", type=Path, help="With --changes: KLASS codes answer to check the result against."
        )
        parser.add_argument(
            "--from", dest="first", type=iso_date, metavar="YYYY-MM-DD", help="With --fetch: the first day of changes."
        )
        parser.add_argument(
            "--to",
            dest="last",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="With --fetch: the last day of changes, included; the result is checked on it (default: today).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, changes, fetch, codes, first, last, dry_run, **options):
        verbosity = options["verbosity"]
        sources = self.fetched(codes, first, last, verbosity) if fetch else self.files(changes, codes, first, last)
        answers, problems = {}, 0
        # Every answer is read and checked before anything is planned or written.
        desc = _("Fetching") if fetch else _("Reading")
        for kind, name, load in tqdm(sources, desc=desc, unit=_("answer"), disable=verbosity == 0):
            try:
                answers[kind] = READERS[kind](load())
            except klass_fetch.KlassError as error:
                raise CommandError(str(error)) from None
            except ImportRejected as rejected:
                problems += len(rejected.problems)
                self.report_problems(_("%(file)s cannot be imported:") % {"file": name}, rejected)
        if problems:
            raise CommandError(self.not_imported(problems))
        try:
            plan = plan_changes(answers["changes"], answers.get("codes"))
            for event in plan.events:
                self.stdout.write(str(event))
                if verbosity > 1:
                    for action in event.actions:
                        self.stdout.write(f"    {action}")
            for warning in plan.warnings:
                self.stdout.write(_("Note: %(warning)s") % {"warning": warning})
            if plan.problems:
                raise ImportRejected(plan.problems)
            result = None if dry_run else apply_plan(plan)
        except ImportRejected as rejected:
            self.report_problems(None, rejected)
            raise CommandError(self.not_imported(len(rejected.problems))) from None
        self.report(plan, dry_run=result is None)

    def files(self, changes: Path, codes: Path | None, first, last) -> list[tuple]:
        if first is not None or last is not None:
            raise CommandError(_("--from and --to go with --fetch; a saved answer covers the dates it was asked for."))
        for path in filter(None, (changes, codes)):
            if not path.is_file():
                raise CommandError(_("%(path)s is not a file.") % {"path": path})
        sources = [("changes", changes.name, changes.read_bytes)]
        if codes:
            sources.append(("codes", codes.name, codes.read_bytes))
        return sources

    def fetched(self, codes: Path | None, first, last, verbosity: int) -> list[tuple]:
        if codes is not None:
            raise CommandError(_("--codes goes with --changes; --fetch fetches the numbers in force itself."))
        if first is None:
            raise CommandError(_("--fetch needs --from, the first day of changes to fetch (YYYY-MM-DD)."))
        try:
            requests = klass_fetch.reform_requests(first, last)
        except klass_fetch.KlassError as error:
            raise CommandError(str(error)) from None
        if verbosity > 1:
            for request in requests:
                self.stdout.write(_("Fetching %(url)s") % {"url": request.url})
        return [(request.kind, request.url, partial(klass_fetch.fetch, request.url)) for request in requests]

    @staticmethod
    def not_imported(count: int) -> str:
        return ngettext(
            "The KLASS answer was not imported; nothing was written (%(count)s problem).",
            "The KLASS answer was not imported; nothing was written (%(count)s problems).",
            count,
        ) % {"count": count}

    def report_problems(self, heading: str | None, rejected: ImportRejected) -> None:
        if heading:
            self.stderr.write(heading)
        for problem in rejected.problems:
            self.stderr.write(f"  {problem}")

    def report(self, plan, *, dry_run: bool) -> None:
        counts = plan.counts
        if plan.checked_on:
            self.stdout.write(
                _("Checked against the numbers in force on %(day)s: they agree.") % {"day": plan.checked_on}
            )
        values = {
            "events": counts["events"],
            "unchanged": counts["unchanged_events"],
            "created": counts["municipalities_created"],
            "updated": counts["municipalities_updated"],
            "codes_created": counts["codes_created"],
            "codes_ended": counts["codes_ended"],
        }
        if dry_run:
            summary = _(
                "Events: %(events)s (%(unchanged)s already in the database). "
                "Municipalities would be created: %(created)s, updated: %(updated)s; "
                "number rows would be created: %(codes_created)s, ended: %(codes_ended)s. "
                "Dry run: nothing was written."
            )
        else:
            summary = _(
                "Events: %(events)s (%(unchanged)s already in the database). "
                "Municipalities were created: %(created)s, updated: %(updated)s; "
                "number rows were created: %(codes_created)s, ended: %(codes_ended)s."
            )
        self.stdout.write(summary % values)
