"""Throughput under load: the cached public report page against a static file of the same size, both from gunicorn.

gunicorn runs the portal as in production (DEBUG off, a random SECRET_KEY, Redis as the cache shared by
its workers, WhiteNoise serving the collected static files) on a free local port; wrk then loads the
report page (warmed first, so every request is a cache hit) and a static file as large as the page.
The ratio of their requests per second says what the page cache leaves on the table. gunicorn is stopped
afterwards, also when something fails.
"""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from core.cache import VERSION_KEY
from core.redis_cache import ReusingRedisCache

SETTINGS_MODULE = "tools.benchmark.serving_settings"
STATIC_NAME = "benchmark/samme-storrelse-som-rapporten.html"
TARGET_RATIO = 0.9
WRK_INSTALL = "apt-get install -y wrk"


class ServingUnavailable(Exception):
    """Something the serving benchmark needs is missing; the message says how to get it."""


@dataclass
class WrkResult:
    url: str
    requests_per_second: float
    latency: str
    transfer_per_second: str
    errors: list[str] = field(default_factory=list)
    output: str = ""


@dataclass
class ServingFigures:
    page_url: str
    static_url: str
    page_bytes: int
    static_bytes: int
    collectstatic_seconds: float
    page: WrkResult
    static: WrkResult
    command: str

    @property
    def ratio(self) -> float:
        return self.page.requests_per_second / self.static.requests_per_second if self.static.requests_per_second else 0


def check_tools(redis_url: str) -> None:
    if shutil.which("wrk") is None:
        raise ServingUnavailable(f"wrk is not installed: {WRK_INSTALL} (or pass --skip-serving).")
    try:
        import redis  # only the serving benchmark needs it

        redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
    except Exception as error:  # any failure means the same: no Redis to share the cache
        raise ServingUnavailable(f"Redis does not answer at {redis_url} ({error}); pass --redis-url.") from None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def parse_wrk(output: str, url: str) -> WrkResult:
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise RuntimeError(f"wrk printed no Requests/sec for {url}:\n{output}")
    latency = re.search(r"Latency\s+(\S+)", output)
    transfer = re.search(r"Transfer/sec:\s+(\S+)", output)
    errors = [m.group(0) for m in re.finditer(r"(Non-2xx or 3xx responses: \d+|Socket errors: [^\n]+)", output)]
    return WrkResult(
        url=url,
        requests_per_second=float(rate.group(1)),
        latency=latency.group(1) if latency else "",
        transfer_per_second=transfer.group(1) if transfer else "",
        errors=errors,
        output=output,
    )


def wrk(url: str, *, threads: int, connections: int, seconds: int) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    return parse_wrk(done.stdout, url)


def fetch(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (our own gunicorn on 127.0.0.1)
        return response.status, dict(response.headers), response.read()


def _wait_until_up(url: str, process: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            status, _headers, _body = fetch(url)
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout} s:\n{log_path.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the gunicorn we started: its process group, by the id we got when starting it."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def retire_stored_pages(redis_url: str) -> None:
    """Retire the pages an earlier run stored in this Redis: they were rendered from another build of the database,
    whose changes this process wrote without telling Redis. Deleting the data version retires them all, as a
    flush would, without deleting anything else there."""
    ReusingRedisCache(redis_url, {}).delete(VERSION_KEY)


@dataclass
class Server:
    """The gunicorn the benchmark started: where it answers, and what preparing it took."""

    base: str
    static_url: str
    static_bytes: int
    collectstatic_seconds: float
    workers: int
    redis_url: str


@contextlib.contextmanager
def gunicorn(*, page_bytes: int, database_url: str, redis_url: str, workers: int, log) -> Iterator[Server]:
    """Run the portal under gunicorn as in production, with a static file of page_bytes beside its own; stop it after."""
    check_tools(redis_url)
    base_dir = Path(settings.BASE_DIR)
    with tempfile.TemporaryDirectory(prefix="livskraft-bench-static-") as folder:
        folder = Path(folder)
        static_root, extra = folder / "staticfiles", folder / "extra"
        same_size = extra / STATIC_NAME
        same_size.parent.mkdir(parents=True)
        # Text of the page's length, so the two downloads weigh the same on the wire.
        filler = b"<!-- Livskraft benchmark: a static file as large as the cached report page. -->\n"
        same_size.write_bytes((filler * (page_bytes // len(filler) + 1))[:page_bytes])
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
            "LIVSKRAFT_BENCH_STATIC_ROOT": str(static_root),
            "LIVSKRAFT_BENCH_STATIC_EXTRA": str(extra),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
        }
        retire_stored_pages(redis_url)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=base_dir,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
        collect_seconds = time.perf_counter() - started
        log(f"  collectstatic into {static_root} took {collect_seconds:.1f} s")
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "livskraft.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
        log_path = folder / "gunicorn.log"
        with log_path.open("w") as gunicorn_log:
            process = subprocess.Popen(  # noqa: S603
                command, cwd=base_dir, env=env, stdout=gunicorn_log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            base = f"http://127.0.0.1:{port}"
            static_url = f"{base}/static/{STATIC_NAME}"
            _wait_until_up(static_url, process, log_path)
            _status, _headers, static_body = fetch(static_url)
            log(f"  gunicorn on port {port}, {workers} workers")
            yield Server(
                base=base,
                static_url=static_url,
                static_bytes=len(static_body),
                collectstatic_seconds=collect_seconds,
                workers=workers,
                redis_url=redis_url,
            )
        finally:
            _stop(process)
            log("  gunicorn stopped")


def throughput(server: Server, *, page_path: str, threads: int, connections: int, seconds: int, log) -> ServingFigures:
    """wrk against the cached page (warmed first, so every request is a hit) and the static file of its size."""
    page_url = f"{server.base}{page_path}"
    for _n in range(3):  # the first renders and stores the page; the others must be hits
        status, headers, page_body = fetch(page_url)
    if status != 200 or headers.get("X-Cache") != "hit":
        raise RuntimeError(f"{page_url} answered {status}, X-Cache {headers.get('X-Cache')!r}: not a cache hit")
    log(f"  page {len(page_body)} bytes (cache hit), static {server.static_bytes} bytes")
    page = wrk(page_url, threads=threads, connections=connections, seconds=seconds)
    static = wrk(server.static_url, threads=threads, connections=connections, seconds=seconds)
    return ServingFigures(
        page_url=page_url,
        static_url=server.static_url,
        page_bytes=len(page_body),
        static_bytes=server.static_bytes,
        collectstatic_seconds=server.collectstatic_seconds,
        page=page,
        static=static,
        command=f"gunicorn livskraft.wsgi -w {server.workers}; wrk -t{threads} -c{connections} -d{seconds}s",
    )


TARGET_STORED_KB = 25
PAGE_KEYS = "*livskraft:page:*"


@dataclass
class StoredPage:
    """A public page as the page cache keeps it in Redis: the entry's size, and what it holds."""

    path: str
    key: str
    stored_bytes: int  # STRLEN: the pickled (compressed page, headers, encoding) as Redis holds it
    memory_usage: int | None  # MEMORY USAGE: the same with Redis's own bookkeeping
    content_bytes: int  # the compressed page inside
    encoding: str
    keys_scanned: int


def stored_page(server: Server, path: str) -> StoredPage:
    """Find the page's entry in Redis by its content, whatever core/cache.py names it, and measure it.

    The page is requested as a browser without a session asks for it (brotli or gzip), so what comes back is the
    stored content as it is; the entry among the page keys whose content is exactly that is the page's.
    """
    import redis
    from django.core.cache.backends.redis import RedisSerializer

    url = f"{server.base}{path}"
    request = urllib.request.Request(url, headers={"Accept-Encoding": "br, gzip", "Accept-Language": "nb"})  # noqa: S310
    for _n in range(2):  # the first may render and store the page, the second is a hit
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (our own gunicorn)
            body = response.read()
    client = redis.Redis.from_url(server.redis_url)
    serializer = RedisSerializer()
    scanned = 0
    for key in client.scan_iter(match=PAGE_KEYS, count=1000):
        scanned += 1
        if client.type(key) != b"string":
            continue
        entry = serializer.loads(client.get(key))
        if isinstance(entry, tuple) and entry and entry[0] == body:
            return StoredPage(
                path=path,
                key=key.decode(errors="replace"),
                stored_bytes=client.strlen(key),
                memory_usage=client.memory_usage(key),
                content_bytes=len(entry[0]),
                encoding=str(entry[2]) if len(entry) > 2 else "",
                keys_scanned=scanned,
            )
    raise RuntimeError(f"no entry among {scanned} keys {PAGE_KEYS} in {server.redis_url} holds the page {path}")
