"""Reading a national emissions workbook: openpyxl (how the portal read workbooks before) against calamine (now).

    python manage.py benchmark_workbooks --settings tools.benchmark.settings [--rows 130000]

No database is touched: the readers are measured alone, each in a fresh interpreter.

1. A workbook shaped like Miljødirektoratet's national "Klimagassutslipp i kommuner" is written with openpyxl:
   a title row, the header, and one row per municipality, year, sector, source and gas (about 130 000 rows,
   about 4 MB, like the real download).
2. Each reader runs in a fresh subprocess, so its peak resident memory (ru_maxrss) is its own: openpyxl's
   read-only mode, cell by cell, as indicators/importers/miljodir.py did; and read_workbook()
   (indicators/importers/workbook.py), the zip checks included. Wall and CPU time (the latter steadier on a
   busy machine), peak memory and the rows read are printed, and whether both readers gave the same rows.
3. Three hostile files are read too, to show they are refused quickly and in little memory: a zip bomb
   (a sheet of 1 GB unpacked, packed to about 1 MB), a sheet naming the cells A1 and XFD1048576, and a
   damaged zip.

Figures are printed, never asserted: they depend on the machine.

`manage.py benchmark` reads a national file too, the importer's way: a dry run of read_emissions() (every row
checked and compared with the stored values, nothing written) on a workbook of every municipality of 2024
(dry_run_workbook(), dry_run()).
"""

import hashlib
import io
import json
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from django.conf import settings

SECTORS = {
    "Veitrafikk": ["Personbiler", "Varebiler", "Tunge kjøretøy", "Busser", "Motorsykler"],
    "Sjøfart": ["Passasjerskip", "Fiskefartøy", "Fritidsbåter"],
    "Jordbruk": ["Husdyr", "Gjødsel", "Jordbruksarealer"],
    "Oppvarming": ["Husholdninger", "Næringsbygg"],
    "Annen mobil forbrenning": ["Motorredskaper", "Jernbane"],
    "Avfall og avløp": ["Avfallsdeponi", "Avløp"],
    "Energiforsyning": ["Fjernvarme", "Avfallsforbrenning"],
    "Industri, olje og gass": ["Industri"],
    "Luftfart": ["Innenriks luftfart"],
}
GASES = ["CO2", "CH4", "N2O"]
YEARS = [2009, 2011, 2013, *range(2015, 2025)]
# The national file the portal's target is set for (issue 19): 128 520 rows (357 municipalities × 12 years × 30
# sources and gases), here over every municipality of 2024 and the years 2013–2024 the importer files it in.
DRY_RUN_ROWS = 128_520
DRY_RUN_YEARS = range(2013, 2025)
TARGET_DRY_RUN_SECONDS = 4
HEADER = [
    "Fylke",
    "Kommunenummer",
    "Kommune",
    "År",
    "Sektor",
    "Utslippskilde",
    "Klimagass",
    "Utslipp (tonn CO2-ekvivalenter)",
]


def national_workbook(rows: int) -> bytes:
    """Return a national-shape emissions workbook of about `rows` rows, with seeded figures."""
    from openpyxl import Workbook

    generator = random.Random(2024)  # noqa: S311  (invented figures, not secrets)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Klimagassutslipp")
    sheet.append(["Klimagassutslipp i kommuner, tonn CO2-ekvivalenter"])
    sheet.append([])
    sheet.append(HEADER)
    written = 0
    number = 1000
    while written < rows:
        number += 1
        code = f"{number:04d}"
        for year in YEARS:
            for sector, sources in SECTORS.items():
                for source in sources:
                    for gas in GASES:
                        figure = round(generator.lognormvariate(6, 2), generator.choice([1, 3, 6]))
                        sheet.append(["Fylke", code, f"Kommune {code}", year, sector, source, gas, figure])
                        written += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry_run_workbook(municipalities: list[tuple[str, str]], rows: int = DRY_RUN_ROWS) -> bytes:
    """Return a national download of `rows` rows for the (number, name) municipalities, by today's numbers.

    Each number gets the years of DRY_RUN_YEARS the importer files it in (CodeTable: Ålesund, re-established in
    2024, has only 2024; Drammen's number of 2020 files its earlier years on the Drammen that held them), and each
    such year an equal share of the rows: about 30 of the 63 sources and gases, its own seeded choice.
    """
    from openpyxl import Workbook

    from indicators.importers.base import CodeTable

    codes = CodeTable()
    slots = [(number, name, year) for number, name in municipalities for year in DRY_RUN_YEARS
             if codes.file(number, year).municipality_id is not None]  # fmt: skip
    combinations = [(sector, source, gas) for sector, sources in SECTORS.items() for source in sources for gas in GASES]
    each, more = divmod(rows, len(slots)) if slots else (0, 0)
    if each + (more > 0) > len(combinations):
        raise ValueError(f"{rows} rows need more than {len(combinations)} sources and gases a year")
    generator = random.Random(2024)  # noqa: S311  (invented figures, not secrets)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Klimagassutslipp")
    sheet.append(["Klimagassutslipp i kommuner, tonn CO2-ekvivalenter"])
    sheet.append([])
    sheet.append(HEADER)
    for index, (number, name, year) in enumerate(slots):
        for chosen in sorted(generator.sample(range(len(combinations)), each + (index < more))):
            sector, source, gas = combinations[chosen]
            figure = round(generator.lognormvariate(6, 2), generator.choice([1, 3, 6]))
            sheet.append(["Fylke", number, name, year, sector, source, gas, figure])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry_run(data: bytes, indicator) -> dict:
    """Time read_emissions() on the workbook, in this process: what `import_emissions --dry-run` does."""
    from django.utils import translation

    from indicators.importers.miljodir import read_emissions

    with translation.override("en"):
        started, cpu_started = time.perf_counter(), time.process_time()
        checked = read_emissions(data, filename="klimagassutslipp-kommuner.xlsx", indicator=indicator)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    counts = checked.counts
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "file_bytes": len(data),
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "skipped_sectors": len(checked.skipped_sectors),
        "filed_elsewhere": len(checked.elsewhere),
    }


def zip_bomb() -> bytes:
    """A valid workbook whose one sheet unpacks to 1 GB of padding: a zip bomb."""
    from openpyxl import Workbook

    out = io.BytesIO()
    Workbook().save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w", force_zip64=True) as stream:
                    stream.write(b'<?xml version="1.0"?><worksheet><sheetData>')
                    padding = b" " * 2**20
                    for _ in range(1024):
                        stream.write(padding)
                    stream.write(b"</sheetData></worksheet>")
            else:
                target.writestr(item, source.read(item.filename))
    return bomb.getvalue()


def far_cells() -> bytes:
    """A workbook of 5 kB naming A1 and XFD1048576: a grid of 17 billion cells."""
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = 1
    book.active["XFD1048576"] = 2
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# The reader run in the subprocess: prints one JSON line.
CHILD = """
import json, resource, sys, time, hashlib
reader, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
import django
django.setup()
from django.utils import translation
translation.activate("en")
start, cpu_start = time.perf_counter(), time.process_time()
outcome = ""
rows = []
if reader == "openpyxl":
    import io
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for sheet in book.worksheets:
        rows.extend(list(r) for r in sheet.iter_rows(values_only=True))
    book.close()
else:
    from indicators.importers.base import ImportRejected
    from indicators.importers.workbook import read_workbook
    try:
        for sheet in read_workbook(data, "national.xlsx"):
            rows.extend(sheet.rows)
    except ImportRejected as rejected:
        outcome = str(rejected.problems[0])
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the digest below adds its own
def same(cell):
    if cell is None or cell == "":
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return repr(int(cell))
    return repr(cell)
digest = hashlib.sha256(repr([[same(c) for c in row if same(c) != ""] for row in rows]).encode()).hexdigest()[:12]
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak, "rows": len(rows), "digest": digest, "outcome": outcome}))
"""


def measure(reader: str, path: Path, *, limit_mb: int | None = None) -> dict:
    """Run one reader on the file in a fresh interpreter; return its figures (or how it ended)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "livskraft.settings")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(settings.BASE_DIR), env.get("PYTHONPATH", "")]))
    command = [sys.executable, "-c", CHILD, reader, str(path)]
    if limit_mb:  # a hostile file must not take the machine down with it
        command = ["prlimit", f"--as={limit_mb * 2**20}", *command]
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=settings.BASE_DIR, timeout=600)  # noqa: S603
    if finished.returncode != 0:
        last = (finished.stderr.strip().splitlines() or ["?"])[-1][:80]
        return {"seconds": time.perf_counter() - started, "peak_mb": None, "rows": 0, "outcome": f"crashed: {last}"}
    return json.loads(finished.stdout.strip().splitlines()[-1])


def hostile_files(national: bytes) -> dict[str, bytes]:
    """Files meant to hurt the reader: a zip bomb, a grid of 17 billion cells, a workbook cut off."""
    return {
        "zip bomb (1 GB unpacked)": zip_bomb(),
        "cells A1 and XFD1048576": far_cells(),
        "damaged (cut off)": national[:200_000],
    }


def content_path(folder: Path, name: str) -> Path:
    return folder / (hashlib.sha256(name.encode()).hexdigest()[:8] + ".xlsx")
