"""Rows rendered ahead from other rows (the read models of plans/read_model.py and indicators/read_model.py), kept
fresh without trusting any cache: a row exists only while it is fresh.

Rows are kept per *owner* (a municipality, an indicator), named by a column of the row's table. forget() deletes
owners' rows in the transaction of the write that changed them; claim() starts the rebuild of one owner's rows, in
a transaction of its own, after the writes have committed.

On PostgreSQL the two are ordered by advisory locks of one lock class per read model: forget() takes a shared lock
on each owner (an exclusive one on owner 0, "every owner", when it forgets all) until its transaction ends; claim()
takes the exclusive lock on its owner, and a shared one on owner 0, without waiting. So the data a build reads after
claiming includes every write whose forget() came before, a forget() that comes after waits for the build's commit
and deletes what it stored, and an owner being written right now is left for the task that follows that commit. On
SQLite the DELETE takes the database's one write lock, which orders every writer after the build's transaction.
"""

from django.db import connection

EVERY_OWNER = 0


def forget(model, column: str, owners: set[int] | None, *, lock_class: int) -> None:
    """Delete the rows of the owners (None: every row) in the caller's transaction, and hold the locks until it ends.

    A raw DELETE: a queryset's delete() would read every row's HTML to send post_delete signals.
    """
    if owners is not None and not owners:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if owners is None:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int, %s::int)", [lock_class, EVERY_OWNER])
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the model's own table name
            return
        ids = sorted(owners)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_advisory_xact_lock_shared(%s::int, id) FROM unnest(%s::int[]) AS id ORDER BY id",
                [lock_class, ids],
            )
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)  # noqa: S608


def claim(model, column: str, owner: int, *, lock_class: int) -> bool:
    """Take the owner for the caller's transaction, after every write to its data has committed, and delete its old
    rows; False if a write is under way (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock_shared(%s::int, %s::int) AND pg_try_advisory_xact_lock(%s::int, %s::int)",
                [lock_class, EVERY_OWNER, lock_class, owner],
            )
            if not cursor.fetchone()[0]:
                return False
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} = %s", [owner])  # noqa: S608
    return True
