"""`manage.py benchmark`: the portal at national scale, measured.

    createdb -h 127.0.0.1 -U postgres livskraft_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/livskraft_bench python manage.py benchmark --settings tools.benchmark.settings --wipe

Builds the national dataset (357 municipalities of 2024 with their code history, 40 indicators,
2000–2024), measures the public pages with the page cache off and on (and their queries with the
network's seven municipalities only), the portal's import of a national file against PostgreSQL's COPY,
and, under gunicorn, the dashboard's entry in Redis, the reader's pages in Chromium (bytes transferred,
DOMContentLoaded, total blocking time) and the cached report page against a static file under wrk; then the
dry run of a national emissions workbook. Prints every figure, and a table of each target's verdict. It
refuses any database but a PostgreSQL database named …bench…, and empties one that holds data only with
--wipe. A quick run: --municipalities 20 --indicators 5 --years 5.
"""

import datetime
import os
import statistics
import time
import warnings
from pathlib import Path
from urllib.parse import quote

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings

from indicators.models import Indicator
from tools.benchmark import browser, dataset, importing, pages, report, safety, serving, workbooks

MUNICIPALITY = "1833"  # Rana: a member of the network since 2009, with the same identity all along
INDICATOR = "husholdningsavfall"
MAX_INDICATORS = 40
MAX_YEARS = dataset.LAST_YEAR - 2000 + 1
EMISSIONS = "klimagassutslipp"  # the demo's total emissions, among the benchmark's first indicators
# The pages issue 19 sets the reader's targets for: each uncached within TARGET_READER_MS on the server.
READER_PAGES = {"dashboard": "dashboard", "report": "annual report", "comparison_all": "all-municipality comparison"}
TARGET_READER_MS = 30
TARGET_SUITE_SECONDS = 150


def database_url() -> str:
    """The URL of the database this process uses, for the gunicorn the benchmark starts."""
    s = connection.settings_dict
    credentials = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{quote(s['NAME'], safe='')}"


def load_average() -> str:
    """The machine's load average: other work on it slows every figure down."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def yardstick_ms() -> float:
    """Milliseconds a fixed piece of pure Python takes now, the median of five: the machine's speed at the time.

    On a shared virtual machine the same code ran half as fast again at busy times, without the load average
    showing it; page times rise and fall with this figure, so it is printed beside them.
    """
    samples = []
    for _n in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


class Command(BaseCommand):
    help = (
        "Build a national dataset in a dedicated PostgreSQL database (name containing 'bench') and measure pages, "
        "imports and serving against it. Refuses any other database; empties one holding data only with --wipe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wipe", action="store_true", help="Empty the benchmark database if it holds data.")
        parser.add_argument(
            "--i-know-this-is-a-test-database",
            action="store_true",
            dest="test_database",
            help="Also allow a test database (test_…), as the test suite's smoke test uses.",
        )
        parser.add_argument("--municipalities", type=int, help="Municipalities of 2024 to fill (default all, 357).")
        parser.add_argument("--indicators", type=int, default=MAX_INDICATORS, help="Indicators (default 40).")
        parser.add_argument("--years", type=int, default=MAX_YEARS, help="Years up to 2024 (default 25).")
        parser.add_argument("--requests", type=int, default=20, help="Timed requests per page (default 20).")
        parser.add_argument("--skip-import", action="store_true", help="Leave out the import benchmark.")
        parser.add_argument("--skip-serving", action="store_true", help="Leave out gunicorn, wrk and Chromium.")
        parser.add_argument("--skip-browser", action="store_true", help="Leave out the pages in Chromium.")
        parser.add_argument("--skip-workbook", action="store_true", help="Leave out the emissions workbook's dry run.")
        parser.add_argument("--browser-runs", type=int, default=browser.RUNS, help="Visits per page in Chromium "
                            f"(default {browser.RUNS}; the medians are reported).")  # fmt: skip
        parser.add_argument("--workbook-rows", type=int, default=workbooks.DRY_RUN_ROWS,
                            help=f"Rows of the emissions workbook (default {workbooks.DRY_RUN_ROWS}, the target's).")  # fmt: skip
        parser.add_argument(
            "--suite-seconds",
            type=float,
            help="The test suite's time on SQLite, as `make test` measured it, to show beside its target.",
        )
        parser.add_argument("--no-profile", action="store_true", help="Do not profile an import below the target.")
        parser.add_argument(
            "--tracemalloc", action="store_true", help="Import once more under tracemalloc for Python's peak heap."
        )
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1", help="Redis for gunicorn's cache.")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3).")
        parser.add_argument("--wrk-threads", type=int, default=2)
        parser.add_argument("--wrk-connections", type=int, default=16)
        parser.add_argument("--wrk-seconds", type=int, default=10)
        parser.add_argument("--json", type=Path, help="Also write every figure to this JSON file.")

    def log(self, text: str) -> None:
        if self.verbosity > 0:
            self.stdout.write(text)
            self.stdout.flush()

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        # WhiteNoise warns on every new client that STATIC_ROOT was never collected; in-process, that is expected.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        refused = safety.refusal(
            vendor=connection.vendor,
            name=connection.settings_dict["NAME"],
            test_database_allowed=options["test_database"],
        )
        if refused:
            raise CommandError(refused)
        sizes = self.sizes(options)
        if safety.create_if_missing():
            self.log(f"Created the database {connection.settings_dict['NAME']}")
        filled = safety.tables_with_rows()
        if filled and not options["wipe"]:
            raise CommandError(
                f"The database {connection.settings_dict['NAME']!r} holds data ({len(filled)} tables, e.g. "
                f"{', '.join(filled[:3])}). Pass --wipe to empty it first."
            )
        started = time.perf_counter()
        self.log(f"Benchmark against {connection.settings_dict['NAME']}: migrating")
        call_command("migrate", interactive=False, verbosity=0)
        if safety.tables_with_rows():
            self.log("Emptying the database (--wipe)")
            call_command("flush", interactive=False, verbosity=0)

        results = {
            "database": connection.settings_dict["NAME"],
            "sizes": sizes,
            "started": str(datetime.datetime.now()),
            "load_start": load_average(),
        }
        build, context = self.build(sizes)
        results["build"] = build
        page_list = pages.pages(indicator_code=context["indicator"], municipality_code=MUNICIPALITY,
                                year=dataset.LAST_YEAR)  # fmt: skip
        results["queries_small"] = context["queries_small"]
        self.log(f"Measuring {len(page_list)} pages, {sizes['requests']} requests each, page cache off and on")
        measurements = []
        results["yardstick_ms"] = [yardstick_ms()]
        with pages.heap_of_a_worker() as frozen:
            self.log(f"  {frozen} objects left by the migration and the build frozen out of garbage collection")
            for cache_on in (False, True):
                for page in page_list:
                    measured = pages.measure(page, requests=sizes["requests"], cache_on=cache_on)
                    measurements.append(measured)
                    self.log(f"  {measured.label} [{measured.cache}]: {measured.median_ms:.1f} ms median, "
                             f"{measured.queries} queries, {measured.bytes} bytes")  # fmt: skip
        results["pages"] = measurements
        results["yardstick_ms"].append(yardstick_ms())

        if not options["skip_serving"]:
            self.serve(results, measurements, page_list, options)
        if not options["skip_import"]:
            self.log("Import: the portal's validated import against COPY")
            # As in production: with DEBUG on, Django's cursor would also log every statement.
            with override_settings(DEBUG=False):
                results["import"] = importing.run(
                    profile=not options["no_profile"], memory=options["tracemalloc"], log=self.log
                )
        if not options["skip_workbook"]:
            self.log("Emissions workbook: a dry run of the national file")
            results["workbook"] = self.workbook(options["workbook_rows"])
        results["suite_seconds"] = options["suite_seconds"]
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["load_end"] = load_average()
        results["targets"] = targets(results)
        self.print_report(results)
        if options["json"]:
            report.to_json(results, options["json"])
            self.log(f"Wrote {options['json']}")

    def serve(self, results: dict, measurements: list, page_list: list, options) -> None:
        """Under gunicorn: the dashboard's entry in Redis, the pages in Chromium, then wrk."""
        self.log("Serving: gunicorn" + ("" if options["skip_browser"] else ", Chromium") + " and wrk")
        report_page = next(m for m in measurements if m.key == "report" and m.cache != "off")
        dashboard = next(p for p in page_list if p.key == "dashboard")
        try:
            with serving.gunicorn(
                page_bytes=report_page.bytes,
                database_url=database_url(),
                redis_url=options["redis_url"],
                workers=options["workers"],
                log=self.log,
            ) as server:
                stored = serving.stored_page(server, dashboard.path)
                results["stored_page"] = stored
                self.log(f"  the dashboard in Redis: {stored.stored_bytes} bytes ({stored.content_bytes} of "
                         f"{stored.encoding} content) under {stored.key}")  # fmt: skip
                if options["skip_browser"]:
                    results["browser_skipped"] = "--skip-browser"
                else:
                    self.browse(results, server, page_list, runs=options["browser_runs"])
                results["serving"] = serving.throughput(
                    server,
                    page_path=report_page.path,
                    threads=options["wrk_threads"],
                    connections=options["wrk_connections"],
                    seconds=options["wrk_seconds"],
                    log=self.log,
                )
        except serving.ServingUnavailable as missing:
            self.stderr.write(f"Serving benchmark skipped: {missing}")
            results["serving_skipped"] = str(missing)

    def browse(self, results: dict, server: serving.Server, page_list: list, *, runs: int) -> None:
        chosen = [p for p in page_list if p.key in READER_PAGES]
        results["yardstick_browser_ms"] = yardstick_ms()
        self.log(f"  Chromium: {len(chosen)} pages, {runs} visits each with an empty cache and again with it warm")
        try:
            weights = browser.measure(server.base, chosen, runs=runs, log=self.log)
        except browser.BrowserUnavailable as missing:
            self.stderr.write(f"Browser benchmark skipped: {missing}")
            results["browser_skipped"] = str(missing)
            return
        results["browser"] = weights
        results["browser_medians"] = {w.key: w.summary() for w in weights}

    def workbook(self, rows: int) -> dict:
        indicator = Indicator.objects.filter(code=EMISSIONS).first()
        if indicator is None:
            return {"skipped": f"no indicator {EMISSIONS} (--indicators too few)"}
        municipalities = [(dataset.number_in(m), m.name) for m in dataset.in_force()]
        started = time.perf_counter()
        data = workbooks.dry_run_workbook(municipalities, rows)
        self.log(f"  wrote a workbook of {rows} rows ({len(data) / 2**20:.1f} MiB) for "
                 f"{len(municipalities)} municipalities in {time.perf_counter() - started:.1f} s")  # fmt: skip
        with pages.heap_of_a_worker():  # as a worker reads it, without the build's objects to collect
            figures = workbooks.dry_run(data, indicator)
        self.log(f"  read_emissions(): {figures['seconds']:.2f} s")
        return {"rows": rows, "municipalities": len(municipalities), **figures}

    def sizes(self, options) -> dict:
        municipalities, indicators, years = options["municipalities"], options["indicators"], options["years"]
        if municipalities is not None and municipalities < len(dataset.MEMBERS):
            raise CommandError(f"--municipalities must be at least {len(dataset.MEMBERS)}: the network's members.")
        if not 1 <= indicators <= MAX_INDICATORS:
            raise CommandError(f"--indicators must be from 1 to {MAX_INDICATORS}.")
        if not 1 <= years <= MAX_YEARS:
            raise CommandError(f"--years must be from 1 to {MAX_YEARS}.")
        if options["workbook_rows"] < 1:
            raise CommandError("--workbook-rows must be at least 1.")
        if options["browser_runs"] < 1:
            raise CommandError("--browser-runs must be at least 1.")
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        return {"municipalities": municipalities, "indicators": indicators, "years": years,
                "requests": options["requests"]}  # fmt: skip

    def build(self, sizes: dict):
        build = dataset.Build()
        started = time.perf_counter()
        network = dataset.load_municipalities()
        build.timed("code history and network", started)
        started = time.perf_counter()
        indicators = dataset.create_indicators(sizes["indicators"])
        build.timed("indicators", started, len(indicators))
        members = dataset.current_members(network)
        years = list(range(dataset.LAST_YEAR - sizes["years"] + 1, dataset.LAST_YEAR + 1))
        everyone = dataset.in_force()
        chosen = dataset.choose(sizes["municipalities"], members)
        everything = len(chosen) >= len(everyone)
        baselines = dataset.Baselines()

        self.log(f"Building the network's {len(members)} municipalities first")
        small = dataset.history_of(members, everything=False)
        dataset.build_values(small, indicators, years, chosen_ids={m.pk for m in members}, baselines=baselines,
                             build=build)  # fmt: skip
        dataset.build_plans(members, indicators, baselines=baselines, build=build)
        dataset.finish(build)
        indicator = INDICATOR if any(i.code == INDICATOR for i in indicators) else indicators[1].code
        page_list = pages.pages(indicator_code=indicator, municipality_code=MUNICIPALITY, year=dataset.LAST_YEAR)
        queries_small = {}
        for page in page_list:
            status, queries, size = pages.count_queries(page)
            queries_small[page.key] = {"status": status, "queries": queries, "bytes": size}
        self.log(
            "  queries with 7 municipalities: " + ", ".join(f"{k} {v['queries']}" for k, v in queries_small.items())
        )

        self.log(f"Extending to {len(chosen)} municipalities of {dataset.LAST_YEAR}")
        done = {m.pk for m in small}
        rest = [m for m in dataset.history_of(chosen, everything=everything) if m.pk not in done]
        member_ids = {m.pk for m in members}
        others = [m for m in chosen if m.pk not in member_ids]
        dataset.build_values(rest, indicators, years, chosen_ids={m.pk for m in others}, baselines=baselines,
                             build=build)  # fmt: skip
        dataset.build_plans(others, indicators, baselines=baselines, build=build)
        dataset.finish(build)
        summary = {
            "municipalities_in_force": len(chosen),
            "municipalities_with_values": len(small) + len(rest),
            "municipalities_in_history": len(dataset.history_of([], everything=True)),
            "indicators": len(indicators),
            "years": f"{years[0]}–{years[-1]}",
            "values": build.rows("values (COPY)"),
            "revisions": build.rows("value revisions (COPY)"),
            "seconds": round(build.seconds, 1),
            "steps": build.steps,
        }
        snapshot_rows, snapshot_bytes = dataset.read_model_size()
        # The last builds store every municipality and indicator (the network's first builds are steps too).
        stored_pages = [s for s in build.steps if s.name == dataset.READ_MODEL_STEP][-1]
        stored_comparisons = [s for s in build.steps if s.name == dataset.COMPARISONS_STEP][-1]
        summary["read_model"] = {
            "municipalities": stored_pages.rows,
            "seconds": round(stored_pages.seconds, 1),
            "indicators": stored_comparisons.rows,
            "indicator_seconds": round(stored_comparisons.seconds, 1),
            "rows": snapshot_rows,
            "bytes": snapshot_bytes,
        }
        stored = summary["read_model"]
        self.log(
            f"Read model: {stored['municipalities']} municipalities stored in {stored['seconds']:.1f} s, "
            f"{stored['indicators']} indicators in {stored['indicator_seconds']:.1f} s; {snapshot_rows} pages, "
            f"{snapshot_bytes / 2**20:.1f} MiB"
        )
        self.log(f"Built {summary['values']} values and {summary['revisions']} revisions in {build.seconds:.1f} s")
        return summary, {"indicator": indicator, "queries_small": queries_small}

    def print_report(self, results: dict) -> None:
        out = self.stdout.write
        build = results["build"]
        out("")
        out("=" * 100)
        out(f"LIVSKRAFT AT NATIONAL SCALE — database {results['database']}, {results['seconds']} s in all")
        out("=" * 100)
        out(
            f"Dataset: {build['municipalities_in_force']} municipalities of {dataset.LAST_YEAR} "
            f"({build['municipalities_with_values']} with values, counting those merged into them); "
            f"{build['indicators']} indicators with the population; {build['years']}; "
            f"{report.number(build['values'], 0)} values; {report.number(build['revisions'], 0)} revisions"
        )
        out(
            f"Load average (1, 5, 15 min) at the start {results['load_start']}, at the end {results['load_end']}; "
            f"{os.cpu_count()} CPUs"
        )
        before, after = results["yardstick_ms"]
        out(
            f"CPU yardstick (2 million additions in pure Python, lower is faster): {report.number(before, 1)} ms "
            f"before the pages, {report.number(after, 1)} ms after; page times rise and fall with it"
        )
        steps = {}
        for step in build["steps"]:
            rows, seconds = steps.get(step.name, (0, 0.0))
            steps[step.name] = (rows + step.rows, seconds + step.seconds)
        rows = [[name, rows or "", f"{seconds:.1f}"] for name, (rows, seconds) in steps.items()]
        rows.append(["build in all", "", f"{build['seconds']:.1f}"])
        out("\nBuild (seconds)")
        out(report.table(["step", "rows", "s"], rows, right={1, 2}))
        stored = build["read_model"]
        out(
            f"Read model: every municipality's public dashboard and published reports, and every indicator's usual "
            f"comparisons, rendered per language and stored: {stored['municipalities']} municipalities in "
            f"{stored['seconds']:.1f} s, {stored['indicators']} indicators in {stored['indicator_seconds']:.1f} s; "
            f"{stored['rows']} pages, {stored['bytes'] / 2**20:.1f} MiB in the database (with indexes and TOAST)"
        )

        small = results["queries_small"]
        page_rows, differs = [], []
        for m in results["pages"]:
            before = small[m.key]["queries"] if m.cache == "off" else ""
            flag = ""
            if m.cache == "off" and before != m.queries:
                flag = "DIFFERS"
                differs.append(m.label)
            page_rows.append([m.label, m.cache, m.status, f"{m.median_ms:.1f}", f"{m.p95_ms:.1f}", m.queries, before,
                              flag, f"{m.bytes:,}".replace(",", " "), m.note])  # fmt: skip
        out(f"\nPages ({results['sizes']['requests']} timed requests after {pages.WARM_UPS} warm-ups, in-process)")
        out(report.table(
            ["page", "cache", "status", "median ms", "p95 ms", "queries", "queries with 7", "", "bytes", "note"],
            page_rows, right={2, 3, 4, 5, 6, 8},
        ))  # fmt: skip
        out("Paths: " + "; ".join(f"{m.label} {m.path}" for m in results["pages"] if m.cache == "off"))

        figures = results.get("import")
        if figures is not None:
            out("\nImport of the whole published dataset")
            rows = [
                ["rows (published figures)", f"{figures.rows:,}".replace(",", " ")],
                ["national CSV", f"{figures.csv_bytes / 2**20:.1f} MiB, exported in {figures.export_seconds:.1f} s"],
                ["portal import: validation", f"{figures.validate_seconds:.1f} s"],
                ["portal import: writing (apply_values)", f"{figures.write_seconds:.1f} s"],
                ["portal import: rows per second", report.number(figures.portal_rate, 0)],
                ["peak resident memory during the import", f"{report.number(figures.peak_rss_mb, 0)} MiB "
                 f"(+{report.number(figures.rss_growth_mb, 0)} MiB over the start)"],
                ["Python heap peak (tracemalloc, second import)",
                 f"{report.number(figures.tracemalloc_peak_mb, 0)} MiB" if figures.tracemalloc_peak_mb else
                 "not measured (--tracemalloc)"],
                ["COPY of the same rows: rows per second", f"{report.number(figures.copy_rate, 0)} "
                 f"({figures.copy_seconds:.2f} s)"],
                ["COPY with a revision each: rows per second", f"{report.number(figures.copy_with_revisions_rate, 0)} "
                 f"({figures.copy_with_revisions_seconds:.2f} s)"],
                ["portal ÷ COPY", f"{figures.ratio:.1%}"],
            ]  # fmt: skip
            out(report.table(["measure", "value"], rows))
            if figures.profile_lines:
                out(
                    f"\nWhere apply_values() spends its time (cProfile of writing {figures.profile_rows} rows; "
                    f"share of own time)"
                )
                out(report.table(["kind of work", "share"],
                                 [[k, f"{v:.0%}"] for k, v in sorted(figures.profile_shares.items(),
                                                                    key=lambda kv: -kv[1])], right={1}))  # fmt: skip
                out("Top functions by own time:")
                for line in figures.profile_lines:
                    out("  " + line)
        served = results.get("serving")
        if served is not None:
            out(f"\nServing ({served.command})")
            out(report.table(
                ["what", "url", "bytes", "requests/s", "latency avg", "errors"],
                [["report page (cache hit)", served.page_url, served.page_bytes,
                  report.number(served.page.requests_per_second), served.page.latency,
                  "; ".join(served.page.errors) or "none"],
                 ["static file, same size", served.static_url, served.static_bytes,
                  report.number(served.static.requests_per_second), served.static.latency,
                  "; ".join(served.static.errors) or "none"]],
                right={2, 3},
            ))  # fmt: skip
            out(f"collectstatic took {served.collectstatic_seconds:.1f} s")
        stored = results.get("stored_page")
        if stored is not None:
            out(f"\nThe dashboard as stored in Redis: {report.number(stored.stored_bytes, 0)} bytes pickled (STRLEN; "
                f"{report.number(stored.memory_usage, 0)} with Redis's bookkeeping, MEMORY USAGE), holding "
                f"{report.number(stored.content_bytes, 0)} bytes of {stored.encoding}; key {stored.key}")  # fmt: skip
        weights = results.get("browser")
        if weights:
            out(f"\nIn Chromium (median of {weights[0].runs} visits each; CPU yardstick before them "
                f"{report.number(results['yardstick_browser_ms'], 1)} ms)")  # fmt: skip
            rows = []
            for w in weights:
                first, repeat = w.first[0], w.repeat[0]
                rows.append([w.label, report.number(w.first_bytes, 0), first.from_network,
                             report.number(w.repeat_bytes, 0), f"{repeat.from_network} of {repeat.requests}",
                             report.number(w.dcl_ms, 0), report.number(w.tbt_ms, 0),
                             report.number(statistics.median(v.load_ms for v in w.first), 0)])  # fmt: skip
            out(report.table(
                ["page", "first visit bytes", "requests", "repeat visit bytes", "refetched", "DOMContentLoaded ms",
                 "total blocking ms", "load ms"], rows, right={1, 2, 3, 5, 6, 7},
            ))  # fmt: skip
            out(
                "Bytes as sent over the network (compressed, with headers); total blocking time: long tasks' time "
                "over 50 ms after the first contentful paint"
            )
        elif results.get("browser_skipped"):
            out(f"\nIn Chromium: skipped ({results['browser_skipped']})")
        book = results.get("workbook")
        if book and "seconds" in book:
            out(f"\nNational emissions workbook, dry run (read_emissions, nothing written): {book['rows']} rows for "
                f"{book['municipalities']} municipalities, {book['file_bytes'] / 2**20:.1f} MiB; "
                f"{book['seconds']:.2f} s ({book['cpu_seconds']:.2f} s CPU); would create {book['created']}, change "
                f"{book['updated']}, leave {book['unchanged']}; {book['filed_elsewhere']} figures filed elsewhere")  # fmt: skip
        before, after = results["yardstick_ms"]
        out(f"\nTargets (CPU yardstick {report.number(before, 1)} ms before the pages, {report.number(after, 1)} ms "
            f"after; at quiet moments about 65 ms)")  # fmt: skip
        out(report.table(["figure", "target", "now", "verdict"],
                         [[t["figure"], t["target"], t["now"], t["verdict"]] for t in results["targets"]]))  # fmt: skip
        out(f"\nBenchmark database: {connection.settings_dict['NAME']}; "
            f"DATABASE_URL={os.environ.get('DATABASE_URL', '(unset)')}")  # fmt: skip


def _target(figure: str, target: str, now: str, passed: bool | None, value=None) -> dict:
    return {"figure": figure, "target": target, "now": now, "value": value, "verdict": report.verdict(passed)}


def targets(results: dict) -> list[dict]:
    """Every figure with a target, the reader's (issue 19) first: what was wanted, what was measured, PASS or FAIL."""
    rows = []
    weights = {w.key: w for w in results.get("browser") or []}
    missing = results.get("browser_skipped") or results.get("serving_skipped") or "--skip-serving"
    dashboard = weights.get("dashboard")
    if dashboard is not None:
        first, repeat = dashboard.first_bytes, dashboard.repeat_bytes
        rows += [
            _target("dashboard, first visit: bytes transferred", f"≤ {browser.TARGET_FIRST_KB} kB",
                    f"{first / 1000:.1f} kB", first <= browser.TARGET_FIRST_KB * 1000, first),
            _target("dashboard, repeat visit: bytes transferred", f"≤ {browser.TARGET_REPEAT_KB} kB",
                    f"{repeat / 1000:.1f} kB", repeat <= browser.TARGET_REPEAT_KB * 1000, repeat),
            _target("dashboard in Chromium: DOMContentLoaded", f"≤ {browser.TARGET_DCL_SECONDS} s",
                    f"{dashboard.dcl_ms / 1000:.2f} s", dashboard.dcl_ms <= browser.TARGET_DCL_SECONDS * 1000,
                    round(dashboard.dcl_ms, 1)),
            _target("dashboard in Chromium: total blocking time", f"≤ {browser.TARGET_TBT_MS} ms",
                    f"{dashboard.tbt_ms:.0f} ms", dashboard.tbt_ms <= browser.TARGET_TBT_MS, round(dashboard.tbt_ms, 1)),
        ]  # fmt: skip
    else:
        for figure, target in [
            ("dashboard, first visit: bytes transferred", f"≤ {browser.TARGET_FIRST_KB} kB"),
            ("dashboard, repeat visit: bytes transferred", f"≤ {browser.TARGET_REPEAT_KB} kB"),
            ("dashboard in Chromium: DOMContentLoaded", f"≤ {browser.TARGET_DCL_SECONDS} s"),
            ("dashboard in Chromium: total blocking time", f"≤ {browser.TARGET_TBT_MS} ms"),
        ]:
            rows.append(_target(figure, target, f"n/a ({missing})", None))
    uncached = {m.key: m for m in results["pages"] if m.cache == "off"}
    for key, name in READER_PAGES.items():
        m = uncached[key]
        rows.append(_target(f"uncached {name}: server median", f"≤ {TARGET_READER_MS} ms",
                            f"{m.median_ms:.1f} ms", m.median_ms <= TARGET_READER_MS, round(m.median_ms, 2)))  # fmt: skip
    served = results.get("serving")
    if served is not None:
        rows.append(_target("cached report ÷ static file of its size, requests/s (wrk)", f"≥ {serving.TARGET_RATIO}",
                            f"{served.ratio:.2f}", served.ratio >= serving.TARGET_RATIO, round(served.ratio, 3)))  # fmt: skip
    else:
        rows.append(_target("cached report ÷ static file of its size, requests/s (wrk)", f"≥ {serving.TARGET_RATIO}",
                            f"n/a ({results.get('serving_skipped') or '--skip-serving'})", None))  # fmt: skip
    stored = results.get("stored_page")
    figure = "the dashboard as stored in Redis (bytes)"
    if stored is not None:
        rows.append(_target(figure, f"≤ {serving.TARGET_STORED_KB} kB", f"{stored.stored_bytes / 1000:.1f} kB",
                            stored.stored_bytes <= serving.TARGET_STORED_KB * 1000, stored.stored_bytes))  # fmt: skip
    else:
        rows.append(_target(figure, f"≤ {serving.TARGET_STORED_KB} kB",
                            f"n/a ({results.get('serving_skipped') or '--skip-serving'})", None))  # fmt: skip
    book = results.get("workbook")
    rows_read = (book or {}).get("rows", workbooks.DRY_RUN_ROWS)
    figure = f"national emissions workbook ({report.number(rows_read, 0)} rows), dry run"
    if book and "seconds" in book:
        national = rows_read == workbooks.DRY_RUN_ROWS  # the target is set for the national file's size
        rows.append(_target(figure, f"≤ {workbooks.TARGET_DRY_RUN_SECONDS} s", f"{book['seconds']:.2f} s",
                            book["seconds"] <= workbooks.TARGET_DRY_RUN_SECONDS if national else None,
                            book["seconds"]))  # fmt: skip
    else:
        why = (book or {}).get("skipped", "--skip-workbook")
        rows.append(_target(figure, f"≤ {workbooks.TARGET_DRY_RUN_SECONDS} s", f"n/a ({why})", None))
    suite = results.get("suite_seconds")
    figure = "the test suite on SQLite"
    if suite is None:
        rows.append(_target(figure, f"≤ {TARGET_SUITE_SECONDS} s", "n/a (measured by make test)", None))
    else:
        rows.append(_target(figure, f"≤ {TARGET_SUITE_SECONDS} s", f"{suite:.0f} s (--suite-seconds)",
                            suite <= TARGET_SUITE_SECONDS, suite))  # fmt: skip

    # The portal's other targets.
    small = results["queries_small"]
    differs = [m.label for m in uncached.values() if small[m.key]["queries"] != m.queries]
    rows.append(_target("queries independent of the number of municipalities", "same count with 7 and all",
                        "differ: " + ", ".join(differs) if differs else "same", not differs))  # fmt: skip
    statuses = sorted({str(m.status) for m in results["pages"]})
    rows.append(_target("every page answers 200", "200", ", ".join(statuses),
                        all(m.status == 200 for m in results["pages"])))  # fmt: skip
    if uncached:
        slowest = max(uncached.values(), key=lambda m: m.median_ms)
        rows.append(_target("median server time of every page, uncached", f"< {pages.TARGET_MEDIAN_MS} ms",
                            f"{slowest.median_ms:.1f} ms at most ({slowest.label})",
                            slowest.median_ms < pages.TARGET_MEDIAN_MS, round(slowest.median_ms, 2)))  # fmt: skip
    figures = results.get("import")
    if figures is not None:
        rows.append(_target("portal import ÷ COPY", f"≥ {importing.TARGET_SHARE:.0%}", f"{figures.ratio:.1%}",
                            figures.ratio >= importing.TARGET_SHARE, round(figures.ratio, 3)))  # fmt: skip
    return rows
