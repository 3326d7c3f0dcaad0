from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.importers.base import ImportRejected
from indicators.importers.klass_json import apply_plan, plan_changes, read_changes, read_codes


class Command(BaseCommand):
    help = "Load municipal reforms (renumberings, renamings, mergers) from SSB KLASS 131 JSON answers."

    def add_arguments(self, parser):
        parser.add_argument("--changes", required=True, type=Path, help="KLASS changes.json answer.")
        parser.add_argument("--codes", type=Path, help="KLASS codes.json answer to check the result against.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, changes, codes, dry_run, **options):
        for path in filter(None, (changes, codes)):
            if not path.is_file():
                raise CommandError(f"{path} is not a file.")
        try:
            plan = plan_changes(read_changes(changes.read_bytes()), read_codes(codes.read_bytes()) if codes else None)
            for event in plan.events:
                self.stdout.write(str(event))
                if options["verbosity"] > 1:
                    for action in event.actions:
                        self.stdout.write(f"    {action}")
            for warning in plan.warnings:
                self.stdout.write(f"Note: {warning}")
            if plan.problems:
                raise ImportRejected(plan.problems)
            result = None if dry_run else apply_plan(plan)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"The KLASS answer was not imported; nothing was written ({len(rejected.problems)} problems)."
            ) from None
        counts = plan.counts
        if plan.checked_on:
            self.stdout.write(f"Checked against the numbers in force on {plan.checked_on}: they agree.")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Events: {counts['events']} ({counts['unchanged_events']} already in the database). "
            f"Municipalities {verb} created: {counts['municipalities_created']}, "
            f"updated: {counts['municipalities_updated']}; number rows {verb} created: {counts['codes_created']}, "
            f"ended: {counts['codes_ended']}." + (" Dry run: nothing was written." if result is None else "")
        )
