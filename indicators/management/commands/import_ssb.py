"""Import a table saved from SSB (JSON-stat 2.0, or a CSV or Excel download from Statistikkbanken), from the command
line; the kind is recognised from the file's content."""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from indicators.importers.statbank import read_ssb_download
from indicators.management.commands._arguments import import_ssb_files, indicator_coded, read_files, user_named


class Command(BaseCommand):
    help = "Import SSB tables (JSON-stat 2.0, or Statistikkbanken's CSV or Excel downloads) into one indicator."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="Files saved from Statistikkbanken or PxWebApi.")
        parser.add_argument("--indicator", required=True, help="The indicator's code, e.g. arealbruk.")
        parser.add_argument("--contents", default="", help="The contents to import, when the table has several.")
        parser.add_argument(
            "--category",
            dest="categories",
            action="extend",
            nargs="+",
            default=[],
            metavar="CATEGORY",
            help="A category whose figures are added up into the indicator's; give every one, e.g. the built-up "
            "land-use classes.",
        )
        parser.add_argument("--table", default="", help="SSB's table number, when a file does not say it.")
        parser.add_argument("--dry-run", action="store_true", help="Check everything and show what would change.")
        parser.add_argument("--user", help="Username the values are recorded as changed by.")

    def handle(self, *args, files, indicator, contents, categories, table, dry_run, user, **options):
        target = indicator_coded(indicator)
        changed_by = user_named(user)
        inputs = read_files(files, _("Name one or more files."))

        def read(data, *, filename):
            return read_ssb_download(
                data, filename=filename, indicator=target, contents=contents, categories=categories, table=table
            )

        import_ssb_files(self, inputs, read=read, dry_run=dry_run, user=changed_by, verbosity=options["verbosity"])
