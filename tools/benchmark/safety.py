"""Which databases the benchmark may fill: PostgreSQL only, and only a database meant for it.

The benchmark truncates every table, so it refuses any database whose name does not say "bench"
(livskraft_bench, say), which keeps it away from production however DATABASE_URL is set. The one
exception is a test database (named test_…, as Django and pytest name them), and only when the caller
says so explicitly with --i-know-this-is-a-test-database. A database that already holds data is
flushed only with --wipe.
"""

from django.apps import apps
from django.db import OperationalError, connection

BENCH_WORD = "bench"
TEST_PREFIX = "test_"
# Tables that `migrate` fills by itself: rows there do not count as data.
MIGRATE_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


def refusal(*, vendor: str, name: str, test_database_allowed: bool = False) -> str | None:
    """Return why the benchmark must not run against this database, or None when it may."""
    if vendor != "postgresql":
        return (
            f"The benchmark needs PostgreSQL (it writes with COPY and measures PostgreSQL's plans); this database "
            f"is {vendor}. Run it with DATABASE_URL=postgres://postgres@127.0.0.1:5432/livskraft_bench."
        )
    base = str(name).rsplit("/", 1)[-1]
    if BENCH_WORD in base.lower():
        return None
    if test_database_allowed and base.startswith(TEST_PREFIX):
        return None
    if base.startswith(TEST_PREFIX):
        return (
            f"The database {base!r} looks like a test database; the benchmark empties it only when told so with "
            f"--i-know-this-is-a-test-database."
        )
    return (
        f"Refusing to run against the database {base!r}: the benchmark empties every table, so it runs only "
        f"against a database whose name contains {BENCH_WORD!r}, e.g. livskraft_bench "
        f"(createdb -h 127.0.0.1 -U postgres livskraft_bench)."
    )


def tables_with_rows() -> list[str]:
    """Return the project's tables that exist and hold rows, leaving out those migrate fills itself."""
    existing = set(connection.introspection.table_names())
    tables = sorted(
        {model._meta.db_table for model in apps.get_models(include_auto_created=True)} & existing - MIGRATE_TABLES
    )
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(table)})")  # noqa: S608
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def create_if_missing() -> bool:
    """Create the (already accepted) benchmark database when PostgreSQL says it does not exist; True if created.

    Connects to the server's `postgres` maintenance database with the same credentials, as createdb does.
    """
    import psycopg2  # PostgreSQL only, and refusal() has checked that
    from psycopg2 import sql

    try:
        connection.ensure_connection()
        return False
    except OperationalError as error:
        if "does not exist" not in str(error):
            raise
    params = connection.get_connection_params()
    name = params.pop("database", None) or params.pop("dbname")
    params["dbname"] = "postgres"
    maintenance = psycopg2.connect(**params)
    try:
        maintenance.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        maintenance.close()
    connection.close()
    return True
