"""`manage.py build_read_model`: store every municipality's public pages (plans/read_model.py) again."""

import time

from django.core.management.base import BaseCommand

from indicators import read_model as comparisons
from indicators.models import Municipality
from plans import read_model


class Command(BaseCommand):
    help = (
        "Render and store the public dashboard and annual reports of every municipality (or of those given), and "
        "the usual comparisons of every indicator."
    )

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="*", help="Municipality numbers (default: every municipality).")

    def handle(self, *args, numbers, **options):
        ids = {Municipality.objects.by_code(number).pk for number in numbers} if numbers else None
        started = time.perf_counter()
        # Each municipality's rows are replaced as it is built; those of an earlier release are never read meanwhile.
        progress = self.progress if options["verbosity"] > 0 else None
        built = read_model.build(ids, progress=progress)
        self.stdout.write(f"Stored the public pages of {built} municipalities in {time.perf_counter() - started:.1f} s")
        if ids is None:
            started = time.perf_counter()
            built = comparisons.build(None, progress=progress)
            self.stdout.write(f"Stored the comparisons of {built} indicators in {time.perf_counter() - started:.1f} s")

    def progress(self, done: int, total: int) -> None:
        if done % 25 == 0 or done == total:
            width = 40
            filled = width * done // total
            self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            if done == total:
                self.stdout.write("")
            self.stdout.flush()
