"""Import an SSB table (JSON-stat 2.0 from Statistikkbanken or PxWebApi), from the command line."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators.importers import pxweb
from indicators.importers.ssb_jsonstat import read_jsonstat
from indicators.management.commands._arguments import (
    import_ssb_files,
    indicator_coded,
    read_files,
    user_named,
)


class Command(BaseCommand):
    help = "Import SSB tables in JSON-stat 2.0 (saved files, or fetched from PxWebApi v2) into one indicator, published as SSB's figures (official statistics)."

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
        inputs = (
            self.fetched(fetch, value_codes)
            if fetch
            else read_files(files, _("Name one or more files, or a table to fetch with --fetch."))
        )
        table = table or fetch or ""

        def read(data, *, filename):
            return read_jsonstat(data, filename=filename, indicator=target, contents=contents, table=table)

        import_ssb_files(self, inputs, read=read, dry_run=dry_run, user=changed_by, verbosity=options["verbosity"])

    def fetched(self, table: str, value_codes: list[str]) -> list[tuple[str, bytes]]:
        try:
            query = pxweb.Query(table, pxweb.parse_value_codes(value_codes))
            answers = pxweb.fetch(query)
        except (ValueError, pxweb.PxWebError) as error:
            raise CommandError(str(error)) from None
        return [(f"{table}-{number}.json", answer) for number, answer in enumerate(answers, start=1)]
