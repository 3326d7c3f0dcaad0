"""Import greenhouse-gas emissions from a Miljødirektoratet file, from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.importers.base import ImportRejected
from indicators.importers.miljodir import DEFAULT_CODE, apply_emissions, read_emissions
from indicators.management.commands._arguments import (
    finish_stored,
    indicator_coded,
    municipality_numbered,
    stored_file,
    user_named,
)
from indicators.models import DataImport
from indicators.services import ApplyResult


class Command(BaseCommand):
    help = "Import Miljødirektoratet's greenhouse-gas emissions by municipality (Excel), published as Miljødirektoratet's figures: total and sectors."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .xlsx file “Klimagassutslipp i kommuner”.")
        parser.add_argument(
            "--indicator", default=DEFAULT_CODE, help="The code of the indicator for the total (default: %(default)s)."
        )
        parser.add_argument(
            "--create-sector-indicators",
            action="store_true",
            help="Create the indicator klimagassutslipp-<sector> for each sector that has none.",
        )
        parser.add_argument(
            "--municipality",
            help="For the download for one municipality whose name is ambiguous or unknown (Herøy): its number.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything and show what would change.")
        parser.add_argument("--user", help="Username the values are recorded as changed by.")

    def handle(self, *args, file, indicator, create_sector_indicators, dry_run, user, municipality, **options):
        target = indicator_coded(indicator)
        changed_by = user_named(user)
        chosen = municipality_numbered(municipality) if municipality else None
        if not file.is_file():
            raise CommandError(_("%(path)s is not a file.") % {"path": file})
        try:
            checked = read_emissions(
                file.read_bytes(),
                filename=file.name,
                indicator=target,
                create_sector_indicators=create_sector_indicators,
                progress=options["verbosity"] > 0,
                municipality=chosen,
            )
            if dry_run:
                results = {part.code: part.counts for part in checked.parts}
            else:
                with transaction.atomic():
                    stored = stored_file(
                        DataImport.Kind.EMISSIONS, file.name, file.read_bytes(), user=changed_by, indicator=target,
                        municipality=chosen,
                    )  # fmt: skip
                    results = apply_emissions(checked, user=changed_by, data_import=stored)
                    finish_stored(stored, ApplyResult.total(results.values()))
        except ImportRejected as rejected:
            self.stderr.write(_("%(file)s cannot be imported:") % {"file": file.name})
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(_("Nothing was written: the file was rejected.")) from None
        self.report(checked, results, dry_run)

    def report(self, checked, results, dry_run: bool) -> None:
        verb = _("would be") if dry_run else _("were")
        for part in checked.parts:
            counts = results[part.code]
            if part.is_new:
                self.stdout.write(
                    _("The indicator %(code)s %(verb)s created for the sector “%(sector)s”.")
                    % {"code": part.code, "verb": verb, "sector": part.sector}
                )
            self.stdout.write(
                _(
                    "%(file)s → %(code)s: values %(verb)s created: %(created)s, changed: %(updated)s, unchanged: %(unchanged)s."
                )
                % {
                    "file": checked.filename,
                    "code": part.code,
                    "verb": verb,
                    "created": counts.created,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
            )
        for sector, code, count in checked.skipped_sectors:
            self.stdout.write(
                "  "
                + _(
                    "skipped the sector “%(sector)s” (%(count)s values): create an indicator with the code %(code)s "
                    "to import this sector, or run again with --create-sector-indicators"
                )
                % {"sector": sector, "count": count, "code": code}
            )
        for region, reason, count in checked.skipped_regions():
            self.stdout.write(
                "  "
                + _("skipped %(region)s (%(reason)s): %(count)s times")
                % {"region": region, "reason": reason, "count": count}
            )
        for line in checked.filed_elsewhere():
            self.stdout.write("  " + line)
