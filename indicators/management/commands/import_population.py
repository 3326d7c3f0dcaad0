"""Import population from SSB table 07459 files, from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.importers.base import ImportRejected
from indicators.importers.ssb_population import import_population
from indicators.management.commands._arguments import finish_stored, stored_file, user_named
from indicators.models import DataImport, Indicator


class Command(BaseCommand):
    help = "Import population on 1 January from SSB table 07459 CSV exports."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="One or more 07459 CSV exports.")
        parser.add_argument("--dry-run", action="store_true", help="Check the files and count changes; write nothing.")
        parser.add_argument("--user", help="Username the values are recorded as changed by.")

    def handle(self, *args, files, dry_run, user, **options):
        changed_by = user_named(user)
        population = Indicator.objects.population()
        failed = False
        for path in files:
            if not path.is_file():
                raise CommandError(_("%(path)s is not a file.") % {"path": path})
            try:
                data = path.read_bytes()
                with transaction.atomic():
                    stored = (
                        None
                        if dry_run
                        else stored_file(
                            DataImport.Kind.POPULATION, path.name, data, user=changed_by, indicator=population
                        )
                    )
                    report = import_population(
                        data=data,
                        filename=path.name,
                        user=changed_by,
                        dry_run=dry_run,
                        progress=options["verbosity"] > 0,
                        data_import=stored,
                    )
                    if stored is not None:
                        finish_stored(stored, report.result)
            except ImportRejected as rejected:
                failed = True
                self.stderr.write(_("%(file)s was not imported; nothing was written:") % {"file": path.name})
                for problem in rejected.problems:
                    self.stderr.write(f"  {problem}")
                continue
            self.print_report(path, report)
        if failed:
            raise CommandError(_("One or more files were rejected."))

    def print_report(self, path, report):
        result, parsed = report.result, report.file
        verb = _("would be") if report.dry_run else _("were")
        self.stdout.write(
            _(
                "%(file)s: %(rows)s rows read for %(years)s; values %(verb)s created: %(created)s, "
                "changed: %(updated)s, unchanged: %(unchanged)s."
            )
            % {
                "file": path.name,
                "rows": parsed.rows_read,
                "years": ", ".join(str(y) for y in parsed.years),
                "verb": verb,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
        for region, reason, count in parsed.skipped_regions():
            self.stdout.write(
                "  "
                + _("skipped %(region)s (%(reason)s): %(count)s times")
                % {"region": region, "reason": reason, "count": count}
            )
        for line in parsed.filed_elsewhere():
            self.stdout.write("  " + line)
