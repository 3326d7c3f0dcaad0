"""Write a backup of the portal's data: a public part and a private part with a checksummed manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from livskraft.backup import PARTS, BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database and the uploaded files into a new directory: public/ holds what is "
        "published and non-personal and may be handed out; private/ holds everything else a full restore needs "
        "(drafts, revisions, uploads, users with password hashes, roles). Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path, help="A directory that does not exist yet, or is empty.")
        parser.add_argument("--database", default="default", help="The database to back up (default: default).")

    def handle(self, *args, directory, database, **options):
        report = self.stdout.write if options["verbosity"] > 1 else (lambda line: None)
        try:
            manifest = write_backup(directory, using=database, report=report)
        except BackupError as refused:
            raise CommandError(f"{refused} No backup was written.") from None
        if options["verbosity"] < 1:
            return
        sizes = dict.fromkeys(PARTS, 0)
        for name, entry in manifest["files"].items():
            sizes[name.split("/", 1)[0]] += entry["bytes"]
        rows = sum(entry["rows"] for entry in manifest["models"])
        media = sum(len(names) for names in manifest["media"].values())
        self.stdout.write(
            f"Backed up {rows} rows of {len(manifest['models'])} models and {media} media files into {directory} "
            f"in {manifest['seconds']} s: public {sizes['public'] / 1024:.1f} KiB, "
            f"private {sizes['private'] / 1024:.1f} KiB."
        )
        self.stdout.write(
            "Hand out only public/; keep private/ (password hashes, drafts, uploads) as safe as the database."
        )
