"""Server time, SQL queries and bytes of public pages, measured in-process with Django's test client.

Each page is requested twice to warm up, then `requests` times with a clock around the client call (the
time Django takes to answer, without a network), then once more inside CaptureQueriesContext to count
its queries. With the page cache off (LIVSKRAFT_PAGE_CACHE_SECONDS=0) every request renders the page;
with it on, the warm-up stores it and the timed requests are hits. DEBUG is off while measuring, as in
production, so the database cursor does not record every query.
"""

import contextlib
import gc
import math
import re
import statistics
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

WARM_UPS = 2
CACHE_ON_SECONDS = 600


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    cached: bool = True  # served through core.cache.public_page


TARGET_MEDIAN_MS = 100  # every page's median server time, with the page cache off


@dataclass
class Measurement:
    key: str
    label: str
    path: str
    cache: str  # "off", "hit", or "not cached" for a page the cache does not serve
    status: int
    requests: int
    median_ms: float
    p95_ms: float
    queries: int
    bytes: int
    note: str = ""


def pages(*, indicator_code: str, municipality_code: str, year: int) -> list[Page]:
    return [
        Page("front", "Front page", "/"),
        Page("dashboard", "Municipality dashboard", f"/kommune/{municipality_code}/"),
        Page("comparison", "Indicator comparison (network)", f"/indikator/{indicator_code}/"),
        Page("comparison_all", "Indicator comparison (all)", f"/indikator/{indicator_code}/?utvalg=alle"),
        Page("report", "Annual report", f"/kommune/{municipality_code}/arsrapport/{year}/"),
        Page("api_municipality", "API values of a municipality", f"/api/v1/values/?kommune={municipality_code}",
             cached=False),
        Page("api_indicator_year", "API values of an indicator, one year",
             f"/api/v1/values/?indikator={indicator_code}&fra={year}&til={year}", cached=False),
    ]  # fmt: skip


def host() -> str:
    """A host name the settings allow, so that the client's requests pass ALLOWED_HOSTS."""
    for name in settings.ALLOWED_HOSTS:
        if name and "*" not in name and not name.startswith("."):
            return name
    return "127.0.0.1"


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest sample at or above the share of all samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def compared_count(html: bytes) -> int | None:
    """How many municipalities a comparison page lists in its "Your municipality" choice, if it has one."""
    found = re.search(rb'<select[^>]*name="kommune"[^>]*>(.*?)</select>', html, re.DOTALL)
    if not found:
        return None
    return len(re.findall(rb'<option value="\d{4}"', found.group(1)))


@contextlib.contextmanager
def heap_of_a_worker():
    """Time pages as a web worker serves them, not with the migration's and the build's objects about.

    This process still holds some 150 000 objects from `migrate` and from building the dataset, which a gunicorn
    worker never has; Python's collector would scan them all in every full collection and add a third to the
    pages' times. Frozen (gc.freeze), they are left out of collections until the pages are measured. Yields how
    many were frozen. Measured in a fresh process against the same database, the pages take as long as here.
    """
    gc.collect()
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        gc.unfreeze()


def measure(page: Page, *, requests: int, cache_on: bool) -> Measurement:
    client = Client(HTTP_HOST=host())
    seconds = CACHE_ON_SECONDS if cache_on else 0
    with override_settings(DEBUG=False, LIVSKRAFT_PAGE_CACHE_SECONDS=seconds):
        for _n in range(WARM_UPS):
            response = client.get(page.path, secure=True)
            _body(response)
        samples, hits = [], 0
        for _n in range(requests):
            started = time.perf_counter()
            response = client.get(page.path, secure=True)
            body = _body(response)
            samples.append((time.perf_counter() - started) * 1000)
            hits += response.get("X-Cache") == "hit"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path, secure=True)
            body = _body(response)
    if not cache_on:
        cache = "off"
    elif not page.cached:
        cache = "not cached"
    else:
        cache = "hit" if hits == requests else f"hit {hits}/{requests}"
    note = ""
    if page.key.startswith("comparison"):
        count = compared_count(body)
        note = f"compares {count} municipalities" if count is not None else ""
    elif page.key.startswith("api") and response.status_code == 200:
        total = re.search(rb'"count":\s*(\d+)', body)
        note = f"{int(total.group(1))} values in all, 100 a page" if total else ""
    return Measurement(
        key=page.key,
        label=page.label,
        path=page.path,
        cache=cache,
        status=response.status_code,
        requests=requests,
        median_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        queries=len(queries.captured_queries),
        bytes=len(body),
        note=note,
    )


def count_queries(page: Page) -> tuple[int, int, int]:
    """(status, queries, bytes) of one request with the cache off, after one warm-up."""
    client = Client(HTTP_HOST=host())
    with override_settings(DEBUG=False, LIVSKRAFT_PAGE_CACHE_SECONDS=0):
        _body(client.get(page.path, secure=True))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.path, secure=True)
            body = _body(response)
    return response.status_code, len(queries.captured_queries), len(body)
