"""The portal's validated import of a national file, measured against PostgreSQL's own COPY of the same rows.

1. Every published figure is exported to a national CSV (indicators/importers/national_csv.py).
2. The values table is emptied and the file imported through the portal's path: read_national_csv() checks
   every row, then apply_national() writes them with services.apply_values() in one transaction (a draft and
   a revision per figure; new values are written with COPY, see services._copy_new()). Rows per second, and
   the peak resident memory of the process while it ran.
3. The values table is emptied again and the same rows, already turned into table rows, are loaded with
   COPY; rows per second, and the ratio. COPY of the values together with one revision each is shown too.
4. When the portal's rate is below the target share of COPY's, the import is run again under cProfile
   (on part of the file) to show where the time goes.
5. The published dataset is put back as it was (saved with COPY … TO before step 2).
"""

import cProfile
import io
import pstats
import re
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

import django
from django.db import transaction
from django.utils import timezone

from core import cache, pgcopy
from indicators import read_model as comparisons
from indicators.importers import national_csv
from indicators.models import IndicatorValue, ValueRevision, ValueStatus
from plans import read_model

TARGET_SHARE = 0.25
PROFILE_SHARE = 0.2  # of the file's indicators, for the profiled run


@dataclass
class ImportFigures:
    rows: int = 0
    csv_bytes: int = 0
    export_seconds: float = 0.0
    validate_seconds: float = 0.0
    write_seconds: float = 0.0
    portal_seconds: float = 0.0
    peak_rss_mb: float | None = None
    rss_growth_mb: float | None = None
    tracemalloc_peak_mb: float | None = None
    copy_seconds: float = 0.0
    copy_with_revisions_seconds: float = 0.0
    profile_rows: int = 0
    profile_lines: list[str] = field(default_factory=list)
    profile_shares: dict[str, float] = field(default_factory=dict)

    @property
    def portal_rate(self) -> float:
        return self.rows / self.portal_seconds if self.portal_seconds else 0.0

    @property
    def copy_rate(self) -> float:
        return self.rows / self.copy_seconds if self.copy_seconds else 0.0

    @property
    def copy_with_revisions_rate(self) -> float:
        return self.rows / self.copy_with_revisions_seconds if self.copy_with_revisions_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.portal_rate / self.copy_rate if self.copy_rate else 0.0


def _status_kb(name: str) -> int | None:
    try:
        found = re.search(rf"^{name}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    except OSError:
        return None
    return int(found.group(1)) if found else None


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's resident memory (Linux: clear_refs 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _empty_values() -> None:
    pgcopy.truncate(IndicatorValue, ValueRevision)


def _portal_import(path: Path, checked_only: bool = False):
    data = path.read_bytes()
    checked = national_csv.read_national_csv(data, path.name)
    if checked_only:
        return checked, None
    return checked, national_csv.apply_national(checked, user=None)


def _copy_lines(checked: national_csv.NationalImport, now: str, first_id: int) -> tuple[list[str], list[str]]:
    """The checked rows as the values table holds a fresh import (drafts), and one revision each, for COPY."""
    source, reason = pgcopy.text(checked.source), pgcopy.text("Imported with COPY")
    values, revisions = [], []
    next_id = first_id
    for indicator_id, proposed in checked.by_indicator.items():
        for p in proposed:
            number = "\\N" if p.value is None else str(p.value)
            values.append(
                f"{next_id}\t{indicator_id}\t{p.municipality_id}\t{p.year}\t{number}\t{p.state}\t{ValueStatus.DRAFT}\t"
                f"{source}\tf\t\t\t\\N\t\\N\t\\N\t\\N\t\tf\t\t1\t\\N\t{now}\n"
            )
            revisions.append(
                f"{next_id}\t{now}\t\\N\t\\N\t{number}\t\t{p.state}\t\t{ValueStatus.DRAFT}\t{source}\t{reason}\n"
            )
            next_id += 1
    return values, revisions


def _save(directory: Path) -> dict[str, Path]:
    saved = {}
    for model in (IndicatorValue, ValueRevision):
        path = directory / f"{model._meta.db_table}.copy"
        with path.open("wb") as target:
            pgcopy.copy_out(model._meta.db_table, pgcopy.columns_of(model), target)
        saved[model._meta.db_table] = path
    return saved


def _restore(saved: dict[str, Path]) -> None:
    with transaction.atomic():
        _empty_values()
        for model in (IndicatorValue, ValueRevision):
            with saved[model._meta.db_table].open("rb") as source:
                pgcopy.copy_in(model._meta.db_table, pgcopy.columns_of(model), source, fmt="binary")
        pgcopy.reset_sequences(IndicatorValue, ValueRevision)
    pgcopy.analyze(IndicatorValue, ValueRevision)
    cache.bump()
    # COPY sends no signals: the stored pages are composed live until built again.
    read_model.forget(None)
    comparisons.forget(None)


# Where the portal's import spends its time: (label, test on (file, function name)); first match wins.
CATEGORIES = [
    ("database (psycopg2 execute and commit)", lambda f, n: "psycopg2" in n),
    ("building model instances (Model.__init__)", lambda f, n: n == "__init__" and f.endswith("db/models/base.py")),
    ("SQL compilation and field preparation", lambda f, n: "db/models/sql/" in f or "db/models/fields/" in f),
    ("building revisions (services._revision)", lambda f, n: n == "_revision"),
]


def _profile(path: Path, figures: ImportFigures) -> None:
    """Import part of the file under cProfile; keep the top functions and the share of each kind of work."""
    checked, _result = _portal_import(path, checked_only=True)
    keep = list(checked.by_indicator)[: max(1, round(len(checked.by_indicator) * PROFILE_SHARE))]
    checked.by_indicator = {pk: checked.by_indicator[pk] for pk in keep}
    figures.profile_rows = sum(len(v) for v in checked.by_indicator.values())
    _empty_values()
    profiler = cProfile.Profile()
    profiler.enable()
    national_csv.apply_national(checked, user=None)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(stats.total_tt, 1e-9)
    shares = dict.fromkeys([label for label, _test in CATEGORIES] + ["other Python"], 0.0)
    for (filename, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        label = next((label for label, test in CATEGORIES if test(filename, name)), "other Python")
        shares[label] += own / total
    figures.profile_shares = {label: round(share, 3) for label, share in shares.items()}
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    site = str(Path(django.__file__).resolve().parent.parent) + "/"
    lines = [line.replace(site, "") for line in out.getvalue().splitlines() if line.strip()]
    figures.profile_lines = lines[-16:]


def run(*, profile: bool, memory: bool, log) -> ImportFigures:
    """Export, import through the portal, COPY the same rows, compare; put the published dataset back."""
    figures = ImportFigures()
    with tempfile.TemporaryDirectory(prefix="livskraft-bench-") as folder:
        directory = Path(folder)
        path = directory / "alle-publiserte-tall-nasjonalt.csv"
        started = time.perf_counter()
        with path.open("w", encoding="utf-8", newline="") as target:
            figures.rows = national_csv.write_published_csv(target)
        figures.export_seconds = time.perf_counter() - started
        figures.csv_bytes = path.stat().st_size
        log(f"  exported {figures.rows} published figures ({figures.csv_bytes / 2**20:.1f} MiB) "
            f"in {figures.export_seconds:.1f} s")  # fmt: skip
        saved = _save(directory)
        try:
            _empty_values()
            rss_before = _status_kb("VmRSS")
            measured_peak = _reset_peak_rss()
            started = time.perf_counter()
            checked, result = _portal_import(path, checked_only=True)
            figures.validate_seconds = time.perf_counter() - started
            result = national_csv.apply_national(checked, user=None)
            figures.portal_seconds = time.perf_counter() - started
            figures.write_seconds = figures.portal_seconds - figures.validate_seconds
            peak = _status_kb("VmHWM")
            if measured_peak and peak is not None and rss_before is not None:
                figures.peak_rss_mb = peak / 1024
                figures.rss_growth_mb = (peak - rss_before) / 1024
            if result.created != figures.rows:
                raise RuntimeError(f"the import created {result.created} values of {figures.rows}")
            log(f"  portal import: {figures.rows} rows in {figures.portal_seconds:.1f} s "
                f"(validation {figures.validate_seconds:.1f} s, writing {figures.write_seconds:.1f} s)")  # fmt: skip

            now = timezone.now().isoformat(sep=" ")
            value_lines, revision_lines = _copy_lines(checked, now, 1)
            del checked
            _empty_values()
            columns = national_csv_columns()
            started = time.perf_counter()
            with transaction.atomic():
                pgcopy.copy_lines(IndicatorValue._meta.db_table, columns["values"], value_lines)
            figures.copy_seconds = time.perf_counter() - started
            _empty_values()
            started = time.perf_counter()
            with transaction.atomic():
                pgcopy.copy_lines(IndicatorValue._meta.db_table, columns["values"], value_lines)
                pgcopy.copy_lines(ValueRevision._meta.db_table, columns["revisions"], revision_lines)
            figures.copy_with_revisions_seconds = time.perf_counter() - started
            del value_lines, revision_lines
            log(
                f"  COPY: {figures.copy_seconds:.1f} s; with a revision each {figures.copy_with_revisions_seconds:.1f} s"
            )

            if memory:
                _empty_values()
                tracemalloc.start()
                _portal_import(path)
                figures.tracemalloc_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                log(f"  tracemalloc peak of a second import: {figures.tracemalloc_peak_mb:.0f} MiB")
            if profile and figures.ratio < TARGET_SHARE:
                _profile(path, figures)
                log(f"  profiled the import of {figures.profile_rows} rows")
        finally:
            _restore(saved)
            log("  published dataset restored")
    return figures


def national_csv_columns() -> dict[str, list[str]]:
    """The columns _copy_lines() writes, in its order."""
    return {
        "values": [
            "id", "indicator_id", "municipality_id", "year", "value", "state", "status", "source", "is_sample",
            "comment", "review_comment", "first_published_at", "revised_at", "published_at", "published_value",
            "published_state", "published_is_sample", "published_source", "version", "changed_by_id", "changed_at",
        ],
        "revisions": [
            "indicator_value_id", "changed_at", "changed_by_id", "old_value", "new_value", "old_state", "new_state",
            "old_status", "new_status", "source", "reason",
        ],
    }  # fmt: skip
