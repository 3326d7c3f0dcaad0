"""Load the municipalities and their code history from the data file the portal carries."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators.importers.klass import CodeHistoryRefused, load_code_history


class Command(BaseCommand):
    help = "Load every Norwegian municipality and its history of numbers and names (safe to run again)."

    def handle(self, *args, **options):
        try:
            result = load_code_history()
        except CodeHistoryRefused as refused:
            raise CommandError("\n".join(refused.messages)) from None
        for message in result.messages:
            self.stdout.write(message)
        self.stdout.write(
            _(
                "Municipalities created: %(m)s, merged: %(merged)s; numbers created: %(c)s, updated: %(u)s, "
                "deleted: %(d)s."
            )
            % {
                "m": result.municipalities_created,
                "merged": result.municipalities_merged,
                "c": result.codes_created,
                "u": result.codes_updated,
                "d": result.codes_deleted,
            }
        )
