"""Writing rows with PostgreSQL's COPY through Django's connection (psycopg2's copy_expert): large imports, the benchmark."""

import datetime
import io
from collections.abc import Iterable, Iterator

from django.core.management.color import no_style
from django.db import connection

NULL = "\\N"
# COPY's text format: a backslash, tab, newline or carriage return inside a value is escaped.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value: str) -> str:
    """Return a string as one field of COPY's text format."""
    return value.translate(_ESCAPES)


def field(value) -> str:
    """Return any Python value as one field of COPY's text format (None is NULL)."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str):
        return text(value)
    return str(value)


def line(values: Iterable) -> str:
    return "\t".join(field(v) for v in values) + "\n"


class LineReader(io.TextIOBase):
    """A read-only text file over an iterator of lines, so COPY streams rows without holding them all."""

    def __init__(self, lines: Iterator[str]):
        self._lines = iter(lines)
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        if size is None or size < 0:
            rest = self._buffer + "".join(self._lines)
            self._buffer = ""
            return rest
        parts, length = [self._buffer], len(self._buffer)
        while length < size:
            chunk = next(self._lines, None)
            if chunk is None:
                break
            parts.append(chunk)
            length += len(chunk)
        joined = "".join(parts)
        self._buffer = joined[size:]
        return joined[:size]


def raw_cursor():
    """Return psycopg2's own cursor behind a new Django cursor (the caller closes it)."""
    return connection.cursor().cursor


def copy_in(table: str, columns: list[str], source, *, fmt: str = "text") -> None:
    """COPY rows into the table from a file-like object (text lines, or binary from copy_out).

    A failure is raised as Django's own database error (IntegrityError, OperationalError…), as the ORM raises it:
    psycopg2's cursor, used directly, would raise its own, which no caller or middleware expects. So a lost
    connection, a full disk or a lock that times out answers 503 (core.middleware.DatabaseUnavailableMiddleware)
    and a duplicate key is the IntegrityError the writer handles.
    """
    options = " WITH (FORMAT binary)" if fmt == "binary" else ""
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN{options}", source)


def copy_lines(table: str, columns: list[str], lines: Iterable[str]) -> None:
    copy_in(table, columns, LineReader(iter(lines)))


def copy_out(table: str, columns: list[str], target) -> None:
    """COPY the whole table out in binary format into a binary file-like object."""
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) TO STDOUT WITH (FORMAT binary)", target)


def columns_of(model) -> list[str]:
    """The model's concrete columns, in the order COPY reads them."""
    return [f.column for f in model._meta.concrete_fields]


def next_id(model) -> int:
    """The first free primary key of the model's table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608  (a model's table)
        return cursor.fetchone()[0]


def reset_sequences(*models) -> None:
    """Point the tables' id sequences past the ids COPY wrote."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


def truncate(*models) -> None:
    tables = ", ".join(m._meta.db_table for m in models)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def analyze(*models) -> None:
    """VACUUM ANALYZE the tables (outside a transaction), so the planner knows their new size."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
