"""Restore a backup written by the backup command into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from livskraft.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` into an empty database that `migrate` has just created, "
        "and its files into the media storage. Refuses, writing nothing, when the database holds data, when the backup "
        "was made with other migrations, or when a file fails its checksum. Everything loads in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="The directory `manage.py backup` wrote.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the backup's checksums and migrations and that the database is empty; write nothing.",
        )
        parser.add_argument("--database", default="default", help="The database to restore into (default: default).")

    def handle(self, *args, directory, check, database, **options):
        report = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            manifest = restore_backup(directory, using=database, check_only=check, report=report)
        except BackupError as refused:
            raise CommandError(f"{refused} Nothing was restored.") from None
        except Exception as failed:
            raise CommandError(
                f"The restore failed and was rolled back; nothing was restored. {type(failed).__name__}: {failed}"
            ) from failed
        if options["verbosity"] < 1:
            return
        rows = sum(entry["rows"] for entry in manifest["models"])
        if check:
            self.stdout.write(
                f"{directory} is intact and fits this database: {rows} rows of {len(manifest['models'])} models "
                f"would be restored. Nothing was written."
            )
            return
        self.stdout.write(
            f"Restored {rows} rows of {len(manifest['models'])} models and {manifest['media_copied']} media files "
            f"from {directory} (backed up {manifest['created_at']}) in {manifest['seconds']} s."
        )
