"""`manage.py benchmark_workbooks`: reading a national emissions workbook with openpyxl and with calamine.

    python manage.py benchmark_workbooks --settings tools.benchmark.settings

Prints each reader's time and peak memory on a national-shape workbook of about 130 000 rows, whether they
read the same rows, and what each does with three hostile files (tools/benchmark/workbooks.py).
"""

import os
import tempfile
import time
import zipfile
from pathlib import Path

from django.core.management.base import BaseCommand

from tools.benchmark import workbooks
from tools.benchmark.report import number, table

READERS = ("openpyxl", "calamine")


class Command(BaseCommand):
    help = "Measure reading a national emissions workbook with openpyxl (before) and calamine (now)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=130_000, help="Rows in the national workbook.")
        parser.add_argument(
            "--memory-limit-mb",
            type=int,
            default=3000,
            help="Address space a reader may take on a hostile file before it is stopped (prlimit).",
        )

    def handle(self, *args, rows, memory_limit_mb, **options):
        self.stdout.write(f"Load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with tempfile.TemporaryDirectory() as folder:
            folder = Path(folder)
            started = time.perf_counter()
            national = folder / "national.xlsx"
            national.write_bytes(workbooks.national_workbook(rows))
            with zipfile.ZipFile(national) as archive:
                unpacked = sum(entry.file_size for entry in archive.infolist())
            self.stdout.write(
                f"National-shape workbook: {rows} rows, {number(national.stat().st_size / 2**20)} MB "
                f"({number(unpacked / 2**20)} MB unpacked), written in {number(time.perf_counter() - started)} s."
            )
            results = {reader: workbooks.measure(reader, national) for reader in READERS}
            self.stdout.write(
                table(
                    ["reader", "seconds", "CPU seconds", "peak memory (MB)", "rows", "content digest"],
                    [
                        [
                            name,
                            number(r["seconds"], 2),
                            number(r.get("cpu_seconds"), 2),
                            number(r["peak_mb"], 0),
                            r["rows"],
                            r.get("digest", ""),
                        ]
                        for name, r in results.items()
                    ],
                    right={1, 2, 3, 4},
                )
            )
            same = results["openpyxl"].get("digest") == results["calamine"].get("digest")
            self.stdout.write(f"Both readers give the same rows: {'yes' if same else 'NO'}.")
            lines = []
            for name, data in workbooks.hostile_files(national.read_bytes()).items():
                path = workbooks.content_path(folder, name)
                path.write_bytes(data)
                for reader in READERS:
                    result = workbooks.measure(reader, path, limit_mb=memory_limit_mb)
                    outcome = result["outcome"] or f"read {result['rows']} rows"
                    lines.append(
                        [
                            name,
                            f"{number(len(data) / 1024, 0)} kB",
                            reader,
                            number(result["seconds"], 2),
                            number(result["peak_mb"], 0),
                            outcome[:100],
                        ]
                    )
            self.stdout.write(
                table(["file", "size", "reader", "seconds", "peak memory (MB)", "outcome"], lines, right={1, 3, 4})
            )
