"""Load the municipalities and their code history from the data file the portal carries."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from indicators.importers.klass import load_code_history


class Command(BaseCommand):
    help = "Load every Norwegian municipality and its history of numbers and names (safe to run again)."

    def handle(self, *args, **options):
        result = load_code_history()
        self.stdout.write(
            _("Municipalities created: %(m)s; numbers created: %(c)s, updated: %(u)s.")
            % {"m": result.municipalities_created, "c": result.codes_created, "u": result.codes_updated}
        )
