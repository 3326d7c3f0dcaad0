"""Load SSB's KOSTRA groups (KLASS 112) from the command line: a saved KLASS answer, or fetched from KLASS."""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from indicators.importers import klass_fetch
from indicators.importers.base import ImportRejected, iso_date
from indicators.importers.kostra_groups import SOURCE, apply_groups, read_groups


class Command(BaseCommand):
    help = "Load SSB's KOSTRA groups from KLASS's correspondence between classifications 131 and 112 (file or API)."

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", type=Path, help="KLASS's answer (JSON or CSV) saved as a file.")
        source.add_argument(
            "--fetch",
            action="store_true",
            help="Fetch the groups in force on --date from SSB's KLASS API (SSB_KLASS_URL).",
        )
        parser.add_argument(
            "--date",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="The day the grouping applies from: the day asked of KLASS with --fetch (default: 1 January this "
            "year); with --file, for a file without dates.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Show what would change; write nothing.")

    def handle(self, *args, file, fetch, date, dry_run, **options):
        if fetch:
            day = date or datetime.date(timezone.localdate().year, 1, 1)
            url = klass_fetch.peer_groups_url(day)
            try:
                data = klass_fetch.fetch(url)
            except klass_fetch.KlassError as error:
                raise CommandError(str(error)) from None
            source = f"{SOURCE}: {url}, {timezone.localdate().isoformat()}"
        else:
            try:
                data = file.read_bytes()
            except OSError as error:
                raise CommandError(f"{file}: {error.strerror}") from None
            source, day = f"{SOURCE}: {file.name}", date
        try:
            checked = read_groups(data, valid_from=day)
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(f"Nothing was imported: {len(rejected.problems)} problem(s).") from None
        for version in checked.versions:
            self.stdout.write(
                f"The grouping from {version.valid_from}: {len(version.groups)} groups, "
                f"{len(version.members)} municipalities."
            )
        counts = checked.counts
        self.stdout.write(
            f"Given a group: {counts['created']}, moved: {counts['updated']}, unchanged: {counts['unchanged']}, "
            f"no longer in the version: {counts['removed']}; rows left out: {checked.left_out}."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
            return
        apply_groups(checked, source=source)
        self.stdout.write(self.style.SUCCESS("The KOSTRA groups are loaded."))
