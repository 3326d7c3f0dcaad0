"""What a reader's browser fetches and waits for: public pages in Chromium, against the benchmark's gunicorn.

Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) visits each page as an anonymous visitor
in bokmål, RUNS times, each run in a fresh browser context (an empty cache, no cookies):

- **first visit**: the bytes that came over the network for the page and everything it loads (CSS, scripts,
  fonts, images), as sent, compressed and with their headers: the sum of CDP's Network.loadingFinished
  encodedDataLength over the requests not answered from the browser's cache, once the page has loaded and
  the network has been idle for half a second. What DevTools calls "transferred".
- **repeat visit**: the same address again in a new tab of the same context (the cache warm), counted the
  same way: the HTML, and whatever the browser revalidates or fetches again; static files with far-future
  caching come from its cache and count nothing.
- **DOMContentLoaded**: from the first visit's navigation timing (domContentLoadedEventEnd, from the start of
  the navigation).
- **total blocking time**: the sum of (duration − 50 ms) of the main thread's long tasks (PerformanceObserver
  'longtask', registered before the page's first script) after the first contentful paint (a task under way at
  the paint counts from the paint on), up to the settled point: the page loaded, the network idle for half a
  second, and one second more for the charts. Lighthouse's definition (it ends at time to interactive), without
  its simulated slow CPU: the figure is this machine's.

The figures are the medians over the runs. Each page is visited once before, uncounted, so that it is served
from the page cache as most readers get it, and Chromium has started: what is measured is what the browser does,
not how long the server takes to render.

Chromium advertises brotli only over HTTPS; the benchmark's gunicorn speaks plain HTTP on 127.0.0.1, so the
runs ask for it explicitly (Accept-Encoding: gzip, deflate, br), as every browser does from an https:// site.
"""

import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# As the browser tests start it (tests/conftest.py): no sandbox (we may be root), no GPU, nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNS = 5
SETTLE_MS = 1000  # after the network is idle: deferred scripts draw the charts
LONG_TASK_MS = 50
ACCEPT_ENCODING = "gzip, deflate, br"

TARGET_FIRST_KB = 450
TARGET_REPEAT_KB = 30
TARGET_DCL_SECONDS = 0.8
TARGET_TBT_MS = 200

# Long tasks and paints from the page's start, kept in a global the measurement reads at the settled point.
OBSERVE = """
window.__bench = {longTasks: [], fcp: null};
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    window.__bench.longTasks.push({start: entry.startTime, duration: entry.duration});
  }
}).observe({type: "longtask", buffered: true});
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.name === "first-contentful-paint") window.__bench.fcp = entry.startTime;
  }
}).observe({type: "paint", buffered: true});
"""
READ = f"""
() => {{
  const navigation = performance.getEntriesByType("navigation")[0];
  const fcp = window.__bench.fcp;
  let blocking = 0;
  for (const task of window.__bench.longTasks) {{
    // A task under way at the first paint counts from the paint on, as Lighthouse clips it.
    const start = Math.max(task.start, fcp ?? 0);
    blocking += Math.max(0, task.start + task.duration - start - {LONG_TASK_MS});
  }}
  return {{
    dcl: navigation.domContentLoadedEventEnd,
    load: navigation.loadEventEnd,
    fcp: fcp,
    tbt: blocking,
    longTasks: window.__bench.longTasks.length,
  }};
}}
"""


class BrowserUnavailable(Exception):
    """Chromium or Playwright is missing; the message says how to get it."""


@dataclass
class Visit:
    """One visit of a page: the bytes over the network, requests by where they were answered, and timings."""

    transferred: int
    requests: int
    from_network: int
    from_cache: int
    status: int
    encoding: str
    dcl_ms: float
    load_ms: float
    fcp_ms: float | None
    tbt_ms: float
    long_tasks: int


@dataclass
class PageWeight:
    key: str
    label: str
    path: str
    runs: int
    first: list[Visit] = field(default_factory=list)
    repeat: list[Visit] = field(default_factory=list)

    @property
    def first_bytes(self) -> int:
        return round(statistics.median(v.transferred for v in self.first))

    @property
    def repeat_bytes(self) -> int:
        return round(statistics.median(v.transferred for v in self.repeat))

    @property
    def dcl_ms(self) -> float:
        return statistics.median(v.dcl_ms for v in self.first)

    @property
    def tbt_ms(self) -> float:
        return statistics.median(v.tbt_ms for v in self.first)

    def summary(self) -> dict:
        return {"first_bytes": self.first_bytes, "repeat_bytes": self.repeat_bytes, "dcl_ms": round(self.dcl_ms, 1),
                "tbt_ms": round(self.tbt_ms, 1)}  # fmt: skip


def check_tools() -> None:
    if not CHROMIUM.exists():
        raise BrowserUnavailable(f"{CHROMIUM} is missing: apt-get install -y chromium (or pass --skip-browser).")
    try:
        import playwright.sync_api  # noqa: F401  (only the browser part needs it)
    except ImportError:
        raise BrowserUnavailable("Playwright is not installed (or pass --skip-browser).") from None


class _Network:
    """Counts what one tab fetched, from CDP's Network events."""

    def __init__(self, cdp):
        self.transferred = 0
        self.finished = 0
        self.cached: set[str] = set()
        self.inline: set[str] = set()  # data: addresses, which come from nowhere
        self.main: dict = {}
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.requestServedFromCache", lambda event: self.cached.add(event["requestId"]))
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _request(self, event):
        if event["request"]["url"].startswith("data:"):
            self.inline.add(event["requestId"])

    def _response(self, event):
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self.cached.add(event["requestId"])
        if event["type"] == "Document" and not self.main:
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            self.main = {"status": response["status"], "encoding": headers.get("content-encoding", "")}

    def _finished(self, event):
        if event["requestId"] in self.inline:
            return
        self.finished += 1
        if event["requestId"] not in self.cached:
            self.transferred += int(event["encodedDataLength"])


def _visit(context, url: str) -> Visit:
    tab = context.new_page()
    try:
        cdp = context.new_cdp_session(tab)
        network = _Network(cdp)
        tab.goto(url, wait_until="load")
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(SETTLE_MS)
        timing = tab.evaluate(READ)
        return Visit(
            transferred=network.transferred,
            requests=network.finished,
            from_network=network.finished - len(network.cached - network.inline),
            from_cache=len(network.cached - network.inline),
            status=network.main.get("status", 0),
            encoding=network.main.get("encoding", ""),
            dcl_ms=timing["dcl"],
            load_ms=timing["load"],
            fcp_ms=timing["fcp"],
            tbt_ms=timing["tbt"],
            long_tasks=timing["longTasks"],
        )
    finally:
        tab.close()


def measure(base: str, page_list, *, runs: int = RUNS, log) -> list[PageWeight]:
    """Visit each page runs times with an empty cache, and once more each time with the cache warm."""
    check_tools()
    from playwright.sync_api import sync_playwright

    # The sync API runs an event loop in this thread while the browser is open, and Django refuses database
    # access from a thread with a running loop; nothing here touches the database.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    results = []
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            try:
                for page in page_list:
                    url = base + page.path
                    weight = PageWeight(key=page.key, label=page.label, path=page.path, runs=runs)
                    for run in range(runs + 1):
                        context = chromium.new_context(
                            locale="nb-NO",
                            viewport={"width": 1280, "height": 800},
                            extra_http_headers={"Accept-Encoding": ACCEPT_ENCODING},
                        )
                        context.add_init_script(OBSERVE)
                        try:
                            first, repeat = _visit(context, url), _visit(context, url)
                        finally:
                            context.close()
                        if run:  # the first run warms the page cache and Chromium
                            weight.first.append(first)
                            weight.repeat.append(repeat)
                    log(f"  {page.label}: first visit {weight.first_bytes / 1000:.0f} kB, repeat "
                        f"{weight.repeat_bytes / 1000:.1f} kB, DOMContentLoaded {weight.dcl_ms:.0f} ms, "
                        f"total blocking time {weight.tbt_ms:.0f} ms")  # fmt: skip
                    results.append(weight)
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    return results
