"""Background tasks: open-data imports (check an uploaded file, write it once its uploader confirms), and the
reporting round's reminders (send_round_reminders, enqueued daily by `manage.py send_reminders`).

The views of indicators/opendata.py store the upload and enqueue these tasks; the database backend
(django-tasks-db) keeps the queue, and `python manage.py db_worker` runs it. A task keeps its DataImport's status,
progress, problems and summary (the preview) up to date, and the preview page shows only those, so no request ever
parses the file. The check and the write are opendata's _check() and _apply(), the seam where the kinds of file
differ; this module imports opendata as a module, since opendata enqueues these tasks and both load each other.
"""

import datetime
import logging
from dataclasses import asdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from indicators import opendata, rounds
from indicators.access import access_for
from indicators.importers.base import ImportRejected, Problem
from indicators.models import DataImport

logger = logging.getLogger(__name__)
Status = DataImport.Status

# Progress in per cent at each step; a reader that reports its own progress fills the span between two steps.
STARTED = 5
FILE_READ = 10
CHECK_DONE = 90  # the check of an upload; its summary is stored at 100
RECHECK_DONE = 60  # the check before writing; writing takes the rest, in one transaction nobody sees into


def _update(pk: int, **fields) -> None:
    # A queryset update: no save() signal, so a progress step does not retire every cached public page.
    DataImport.objects.filter(pk=pk).update(**fields)


def _progress_between(pk: int, start: int, end: int):
    """Return a callback that stores a reader's share of its work (0–1) as progress from start to end."""
    shown = [start]

    def report(share: float) -> None:
        percent = start + round((end - start) * min(max(share, 0), 1))
        if percent > shown[0]:
            shown[0] = percent
            _update(pk, progress=percent)

    return report


def _problems(problems) -> list[dict]:
    return [asdict(problem) for problem in problems]


def _failure(error: Exception) -> list[dict]:
    """The reasons an unexpected error gives the uploader: its messages where they are meant for people."""
    if isinstance(error, ImportRejected):
        return _problems(error.problems)
    if isinstance(error, ValidationError):
        return [{"message": message, "line": None, "column": ""} for message in error.messages]
    message = _("The portal stopped with an error (%(error)s). Nothing was written; tell an administrator.")
    return [{"message": message % {"error": type(error).__name__}, "line": None, "column": ""}]


@task()
def check_import(pk: int, language: str = settings.LANGUAGE_CODE) -> str:
    """Check the stored upload and store its problems or its preview; return the status it ends in."""
    with translation.override(language):
        _update(pk, status=Status.CHECKING, progress=STARTED, problems=[], summary={})
        stored = DataImport.objects.select_related("indicator").get(pk=pk)
        _update(pk, progress=FILE_READ)
        try:
            checked = opendata._check(stored, on_progress=_progress_between(pk, FILE_READ, CHECK_DONE))
            summary = opendata.summary(stored, checked)
        except ImportRejected as rejected:
            _update(pk, status=Status.REJECTED, progress=100, problems=_problems(rejected.problems))
            return Status.REJECTED
        except Exception as error:
            logger.exception("Checking the open-data upload %s failed", pk)
            _update(pk, status=Status.FAILED, progress=100, problems=_failure(error))
            raise
        _update(pk, status=Status.CHECKED, progress=100, summary=summary)
        return Status.CHECKED


@task()
def apply_import(pk: int, user_id: int, language: str = settings.LANGUAGE_CODE) -> str:
    """Check the stored upload again (the data may have changed) and write it in one transaction, or nothing."""
    with translation.override(language):
        stored = DataImport.objects.select_related("indicator").get(pk=pk)
        if stored.status != Status.IMPORTING or stored.confirmed_at is not None:
            return stored.status  # confirmed twice, or already done: the first task writes it
        user = get_user_model().objects.get(pk=user_id)
        _update(pk, progress=STARTED)
        try:
            if not opendata.SOURCES[stored.kind].allowed_for(access_for(user)):
                raise ImportRejected([Problem(_("You may no longer import this kind of file."))])
            checked = opendata._check(stored, on_progress=_progress_between(pk, FILE_READ, RECHECK_DONE))
            _update(pk, progress=RECHECK_DONE)
            with transaction.atomic():
                stored.created, stored.updated, stored.unchanged = opendata._apply(stored, checked, user)
                stored.confirmed_at = timezone.now()
                stored.status, stored.progress = Status.IMPORTED, 100
                stored.save(
                    update_fields=["created", "updated", "unchanged", "confirmed_at", "status", "progress", "vintage"]
                )
        except (ImportRejected, ValidationError) as error:
            _update(pk, status=Status.FAILED, progress=100, problems=_failure(error))
            return Status.FAILED
        except Exception as error:
            # The transaction is rolled back; the worker records the traceback for the administrators.
            logger.exception("Importing the open-data upload %s failed", pk)
            _update(pk, status=Status.FAILED, progress=100, problems=_failure(error))
            raise
        return Status.IMPORTED


@task()
def send_round_reminders(today: str = "") -> int:
    """Send the reporting round's reminders due today (or on the ISO date given); return how many were sent."""
    return rounds.send_reminders(today=datetime.date.fromisoformat(today) if today else None)
