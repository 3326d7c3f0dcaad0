"""Enqueue (or run) the reporting round's reminders: schedule it daily (README.md, "Reminders")."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from indicators.tasks import send_round_reminders


class Command(BaseCommand):
    help = "Enqueue the task that e-mails the reporting round's reminders due today; --now sends them here instead."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Send them in this process instead of the worker.")
        parser.add_argument("--date", default="", help="Send those due on this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, now, date, **options):
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not a date written YYYY-MM-DD.") from None
        if now:
            sent = send_round_reminders.call(today=date)
            self.stdout.write(f"Sent {sent} reminders.")
        else:
            result = send_round_reminders.enqueue(today=date)
            self.stdout.write(f"Enqueued the reminders ({result.id}); `manage.py db_worker` sends them.")
