"""A Redis server of the test's own (redis-server on a port of 6390-6399), which the test stops, starts and hangs.

Under pytest-xdist each worker takes ten ports of its own (gw0 6390-6399, gw1 6400-6409, ...): a test that stops
its server and starts it again on the same port must not find another worker's server there meanwhile.

Tests that take Redis away never touch the shared server on 6379. Stopping ends the process (its data is gone,
as after a crash without persistence); pausing freezes it with SIGSTOP, so it keeps its data and its port
accepts connections that are never answered: a hung or overloaded Redis.
"""

import itertools
import os
import shutil
import signal
import socket
import subprocess
import time

FIRST_PORT = 6390
PORTS_PER_WORKER = 10
_databases = itertools.cycle(range(16))


class RedisProcess:
    """One redis-server process on a port of its own, with its data in folder."""

    def __init__(self, port: int, folder):
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen | None = None
        # A database number of its own per test: the cache's outage state is kept per address.
        self.location = f"redis://127.0.0.1:{port}/{next(_databases)}"

    def start(self) -> float:
        """Start the server and return the time (time.monotonic()) from which it answers."""
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.folder), "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # It could not listen (another program holds the port): whatever answers there is not ours.
                raise RuntimeError(f"redis-server exited at start on port {self.port} (code {self.process.returncode})")
            if self.answers():
                return time.monotonic()
            time.sleep(0.01)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        self.resume()
        self.process.terminate()
        self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGCONT)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def cache_settings(self) -> dict:
        """CACHES as livskraft/settings.py builds them for REDIS_URL, pointing at this server."""
        from django.conf import settings

        timeout = settings.LIVSKRAFT_CACHE_TIMEOUT_MS / 1000
        return {
            "default": {
                "BACKEND": "core.redis_cache.ReusingRedisCache",
                "LOCATION": self.location,
                "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
            }
        }


def ports() -> range:
    """Return this process's ports: 6390-6399 in a plain run, ten more for each pytest-xdist worker after gw0."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # gw0, gw1, ... set by pytest-xdist in its workers
    first = FIRST_PORT + PORTS_PER_WORKER * int(worker.removeprefix("gw"))
    return range(first, first + PORTS_PER_WORKER)


def free_port() -> int:
    for port in ports():
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    mine = ports()
    raise RuntimeError(f"no free port in {mine.start}-{mine.stop - 1} for a Redis of the test's own")
