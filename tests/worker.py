"""The background worker in tests: the database backend's own `db_worker`, run until its queue is empty."""

import signal

import pytest
from django.core.management import call_command

# The worker closes and reopens database connections between tasks (close_old_connections), as in production, so a
# test that runs it cannot sit inside one transaction: its data is committed, and flushed when it ends.
uses_worker = pytest.mark.django_db(transaction=True)
SIGNALS = [signal.SIGINT, signal.SIGTERM, *([signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else [])]


def run_worker() -> None:
    """Run every queued task, as `python manage.py db_worker --batch` does, and return when none is left."""
    # The worker takes over Ctrl-C and SIGTERM to stop cleanly; give them back to pytest afterwards.
    handlers = {number: signal.getsignal(number) for number in SIGNALS}
    try:
        call_command("db_worker", batch=True, interval=0, startup_delay=False, reload=False, verbosity=0)
    finally:
        for number, handler in handlers.items():
            signal.signal(number, handler)
