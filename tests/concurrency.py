"""Real concurrency against PostgreSQL: requests sent at once from threads, each with its own database connection.

Two requests only collide when both have read before either writes. A third connection makes sure they do: it holds
a table lock (EXCLUSIVE: plain reads pass, writes and SELECT … FOR UPDATE wait) until PostgreSQL reports that both
requests are waiting for it, then lets them go together. SQLite takes one writer at a time, so these tests run on
PostgreSQL only (tests marked `postgresql_only`, skipped elsewhere).
"""

import contextlib
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite takes one writer at a time; concurrent writes need PostgreSQL"
)

WAIT_SECONDS = 20


def waiting_connections() -> int:
    """How many connections to this test database wait for a lock, as PostgreSQL sees it.

    pg_locks lists the whole server: another pytest-xdist worker's test database (or another checkout's) must not
    count, so the waiting connections are those whose session is in this database.
    """
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT locks.pid) FROM pg_locks AS locks"
            " JOIN pg_stat_activity AS activity ON activity.pid = locks.pid"
            " WHERE NOT locks.granted AND activity.datname = current_database()"
        )
        return cursor.fetchone()[0]


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def table_locked(model):
    """Hold an EXCLUSIVE lock on the model's table from a connection of its own until the block ends."""
    locked, release = threading.Event(), threading.Event()
    failure = []

    def hold():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {model._meta.db_table} IN EXCLUSIVE MODE")
                locked.set()
                release.wait(WAIT_SECONDS)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failure.append(error)
            locked.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    locked.wait(WAIT_SECONDS)
    try:
        if failure:
            raise failure[0]
        yield
    finally:
        release.set()
        holder.join(WAIT_SECONDS)


def at_once(*requests, lock, waiting: int):
    """Send the requests (functions of a Client, each with its own connection) from threads at the same time.

    lock is the model whose table is held until `waiting` connections wait for a lock; then all go on. Return each
    request's response, or the exception it raised (Django's test client raises a view's exception).
    """
    results: list = [None] * len(requests)

    def send(index, request):
        try:
            results[index] = request(Client())
        except Exception as error:  # noqa: BLE001 - the test asserts on it
            results[index] = error
        finally:
            connection.close()

    with table_locked(lock):
        threads = [threading.Thread(target=send, args=(i, r)) for i, r in enumerate(requests)]
        for thread in threads:
            thread.start()
        _wait_until(lambda: waiting_connections() >= waiting, f"{waiting} requests to wait for the lock")
    for thread in threads:
        thread.join(WAIT_SECONDS)
    return results
