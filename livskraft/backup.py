"""Back up the whole portal into a public and a private part, and restore both into an empty database.

A backup is a directory:

    manifest.json                  format version, migrations, rows per model and part, SHA-256 of every file
    public/manifest.json           what the public part holds, for whoever receives it on its own
    public/<app>.<model>.jsonl.gz  published, non-personal rows
    public/media/...               images of published good examples
    private/<app>.<model>.jsonl.gz everything else, complete
    private/media/...              every other file in the media storage

Each .jsonl.gz file is gzip-compressed JSON Lines in the format of Django's "jsonl" serializer: one
{"model", "pk", "fields"} object per line, binary fields in base64, primary keys as stored.
Rows are streamed in both directions, so memory stays flat however many values there are.

What is public is declared per model in public_views(); a model not named there is private. A public
view is either complete (the public rows hold every field: restore reads them from the public part,
and the private part holds only the other rows) or a projection (the public rows hold only the
published, non-personal fields: restore reads the complete rows from the private part). No public
view includes a relation to a user, so users appear only in the private part.

Media files are read from and restored into Django's default storage, whatever it is: a folder (MEDIA_ROOT) or
a bucket of object storage shared by several app servers; the backup itself is always a local directory.
"""

import contextlib
import dataclasses
import datetime
import gzip
import hashlib
import io
import json
import posixpath
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from graphlib import TopologicalSorter
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLinesSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, reset_queries, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.utils import timezone

from core import cache
from indicators import read_model as comparisons
from plans import read_model

FORMAT = "livskraft-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PUBLIC = "public"
PRIVATE = "private"
PARTS = (PUBLIC, PRIVATE)
MEDIA = "media"
SUFFIX = ".jsonl.gz"
# Never backed up: migrate creates content types and permissions again (rows that refer to them are written
# with natural keys), and sessions and the background worker's queue of tasks are worthless on a restored server.
# The read model's stored pages (plans.pagesnapshot, indicators.comparisonsnapshot) are rendered again from the data
# (manage.py build_read_model).
EXCLUDED = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "django_tasks_database.dbtaskresult",
        "plans.pagesnapshot",
        "indicators.comparisonsnapshot",
    }
)
# Rows fetched per round trip when reading, and objects per INSERT batch when restoring.
READ_CHUNK = 2000
# Uploads keep whole files in binary fields (up to LIVSKRAFT_MAX_OPEN_DATA_BYTES each, 25 MB by default): fetch
# those rows a few at a time.
BINARY_READ_CHUNK = 4
WRITE_BATCH = 1000
COMPRESS_LEVEL = 6
HASH_BLOCK = 1024 * 1024


class BackupError(Exception):
    """The backup cannot be written or restored; the message says why, and that nothing was written."""


@dataclasses.dataclass(frozen=True)
class PublicView:
    """Which rows of a model are public, and which of their fields.

    rows: the public rows (None: every row). fields: the public fields (None: every field, so the
    public rows are complete and the private part holds only the rest).
    """

    rows: Q | None = None
    fields: tuple[str, ...] | None = None

    @property
    def complete(self) -> bool:
        return self.fields is None


def public_views() -> dict[str, PublicView]:
    """Return what the public part holds, by model label. Every other model is private."""
    from plans.chain import PUBLIC_STATUSES
    from plans.models import ExampleStatus

    return {
        "indicators.municipality": PublicView(),
        "indicators.municipalitycode": PublicView(),
        "indicators.network": PublicView(),
        "indicators.networkmembership": PublicView(),
        "indicators.indicator": PublicView(),
        # Published values as the public reads them: the last published version, never the working copy
        # (value, state, status, comment, review_comment) nor who changed it.
        "indicators.indicatorvalue": PublicView(
            rows=Q(published_at__isnull=False),
            fields=(
                "indicator",
                "municipality",
                "year",
                "published_value",
                "published_state",
                "published_is_sample",
                "published_source",
                "first_published_at",
                "published_at",
                "revised_at",
            ),
        ),
        # Plans the public may read (adopted, replaced, repealed), and what they hold, complete.
        "plans.plan": PublicView(rows=Q(status__in=PUBLIC_STATUSES)),
        "plans.focusarea": PublicView(rows=Q(plan__status__in=PUBLIC_STATUSES)),
        "plans.goal": PublicView(rows=Q(focus_area__plan__status__in=PUBLIC_STATUSES)),
        "plans.goalindicator": PublicView(rows=Q(goal__focus_area__plan__status__in=PUBLIC_STATUSES)),
        "plans.strategicproject": PublicView(rows=Q(plan__status__in=PUBLIC_STATUSES)),
        # Budget lines of public plans, without who entered them.
        "plans.budgetline": PublicView(
            rows=Q(focus_area__plan__status__in=PUBLIC_STATUSES) | Q(project__plan__status__in=PUBLIC_STATUSES),
            fields=(
                "municipality",
                "year",
                "focus_area",
                "project",
                "adopted",
                "revised",
                "accounts",
                "source",
                "changed_at",
            ),
        ),
        "plans.annualreport": PublicView(
            rows=Q(published_at__isnull=False),
            fields=("municipality", "year", "first_published_at", "published_at"),
        ),
        # The published copy of each text of a published report; the working copy (body) may be unpublished.
        "plans.reporttext": PublicView(
            rows=Q(report__published_at__isnull=False) & ~Q(published_body=""),
            fields=("report", "kind", "focus_area", "indicator", "project", "published_body"),
        ),
        "plans.goodexample": PublicView(
            rows=Q(status=ExampleStatus.PUBLISHED),
            fields=(
                "municipality",
                "year",
                "title",
                "text",
                "image",
                "image_alt",
                "focus_area",
                "indicators",
                "published_at",
            ),
        ),
    }


def published_images() -> set[str]:
    """Return the MEDIA_ROOT-relative names of the images the public sees: those of published good examples."""
    from plans.models import ExampleStatus, GoodExample

    return set(
        GoodExample._base_manager.filter(status=ExampleStatus.PUBLISHED)
        .exclude(image="")
        .values_list("image", flat=True)
    )


# --- models -----------------------------------------------------------------------------------------------------


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def backed_up_models() -> list[type[models.Model]]:
    """Return every model whose rows a backup holds, in an order that loads what a row refers to first."""
    chosen = {
        label(model): model
        for model in apps.get_models()
        if label(model) not in EXCLUDED and model._meta.managed and not model._meta.proxy
    }
    graph = TopologicalSorter()
    for name in sorted(chosen):
        model = chosen[name]
        targets = [field.related_model for field in model._meta.fields if field.is_relation]
        targets += [
            field.related_model for field in model._meta.many_to_many if field.remote_field.through._meta.auto_created
        ]
        graph.add(name, *sorted({label(t) for t in targets if t is not model and label(t) in chosen}))
    # Foreign keys are deferred to the commit on PostgreSQL and SQLite, so the order matters only for
    # natural keys (a log entry names its user); a cycle would surface here as graphlib.CycleError.
    return [chosen[name] for name in graph.static_order()]


def uses_natural_keys(model: type[models.Model]) -> bool:
    """Whether rows refer to content types or permissions, whose ids migrate assigns anew: then by natural key."""
    rebuilt = {"contenttypes.contenttype", "auth.permission"}
    relations = [*model._meta.fields, *model._meta.many_to_many]
    return any(field.is_relation and label(field.related_model) in rebuilt for field in relations)


def has_binary_field(model: type[models.Model]) -> bool:
    return any(isinstance(field, models.BinaryField) for field in model._meta.fields)


def check_public_views(views: dict[str, PublicView]) -> None:
    """Refuse a public view that names a missing field or shows a relation to a user."""
    user_model = get_user_model()
    for name, view in views.items():
        model = apps.get_model(name)
        if view.fields is None:
            fields = [*model._meta.fields, *model._meta.many_to_many]
        else:
            try:
                fields = [model._meta.get_field(field) for field in view.fields]
            except FieldDoesNotExist as missing:
                raise ImproperlyConfigured(f"The public view of {name} names a missing field: {missing}") from None
        for field in fields:
            if field.is_relation and field.related_model is user_model:
                raise ImproperlyConfigured(
                    f"The public view of {name} would show {field.name}, a relation to a user: users are never "
                    "public. List the public fields of the model in livskraft/backup.py."
                )


# --- files --------------------------------------------------------------------------------------------------------


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder cuts times to milliseconds (as JavaScript does); a backup keeps every microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class LinesSerializer(JSONLinesSerializer):
    """Django's JSON Lines serializer, writing each line at once.

    json.dump() (what Django calls) encodes in Python, chunk by chunk; json.dumps() encodes in C, which makes
    a backup of the national dataset several times faster. The lines are the same.
    """

    def end_object(self, obj):
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "\n")
        self._current = None


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return sha256_of_stream(stream)


def sha256_of_stream(stream) -> str:
    digest = hashlib.sha256()
    while block := stream.read(HASH_BLOCK):
        digest.update(block)
    return digest.hexdigest()


def file_entry(path: Path) -> dict:
    return {"sha256": sha256_of(path), "bytes": path.stat().st_size}


def counted(objects: Iterable, counter: list[int]) -> Iterator:
    for obj in objects:
        counter[0] += 1
        if counter[0] % READ_CHUNK == 0:
            # With DEBUG on, Django keeps the last 9000 queries (one a row for many-to-many fields); let them go.
            reset_queries()
        yield obj


def write_rows(path: Path, queryset, *, fields=None, natural_keys: bool = False, chunk: int = READ_CHUNK) -> int:
    """Stream the queryset into a gzip-compressed JSON Lines file; return the number of rows (0: no file)."""
    counter = [0]
    # mtime=0 and no file name in the gzip header: the same data always gives the same bytes and checksum.
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=COMPRESS_LEVEL, mtime=0) as zipped,
        io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as text,
    ):
        LinesSerializer().serialize(
            counted(queryset.iterator(chunk_size=chunk), counter),
            stream=text,
            fields=fields,
            use_natural_foreign_keys=natural_keys,
            cls=ExactJSONEncoder,
        )
    if not counter[0]:
        path.unlink()
    return counter[0]


def copy_from_storage(storage, name: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with storage.open(name, "rb") as source, target.open("wb") as copy:
        shutil.copyfileobj(source, copy, HASH_BLOCK)


def media_files(storage) -> list[str]:
    """Return the name of every file in the media storage, sorted."""
    found, folders = [], [""]
    while folders:
        folder = folders.pop()
        try:
            subfolders, names = storage.listdir(folder)
        except FileNotFoundError:  # a local MEDIA_ROOT that nothing was ever uploaded into
            continue
        found += [posixpath.join(folder, name) for name in names]
        folders += [posixpath.join(folder, subfolder) for subfolder in subfolders]
    return sorted(found)


def local_folder(storage) -> Path | None:
    """The folder a storage keeps its files in, or None for object storage."""
    try:
        return Path(storage.path("")).absolute()
    except NotImplementedError:
        return None


# --- database state -------------------------------------------------------------------------------------------------


def applied_migrations(connection) -> dict[str, list[str]]:
    """Return the migrations applied to the database, by app, in name order."""
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def latest_migrations(applied: dict[str, list[str]]) -> dict[str, str]:
    return {app: names[-1] for app, names in applied.items() if names}


class snapshot:  # noqa: N801 (used as a context manager, like transaction.atomic)
    """Read every table in one transaction, so the backup is consistent while the portal keeps working.

    PostgreSQL: REPEATABLE READ, READ ONLY, so every query sees the same snapshot. SQLite: a read
    transaction sees one state of the file throughout.
    """

    def __init__(self, using: str):
        self.using = using
        self.atomic = transaction.atomic(using=using)

    def __enter__(self):
        connection = connections[self.using]
        outermost = not connection.in_atomic_block
        self.atomic.__enter__()
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


# --- backup --------------------------------------------------------------------------------------------------------


def write_backup(target: Path, *, using: str = DEFAULT_DB_ALIAS, report: Callable[[str], None] = lambda line: None):
    """Write a backup of the database and the media storage into the directory target; return the manifest.

    The files are written into a hidden directory beside the target and renamed at the end, so a
    backup that fails halfway never looks like a finished one.
    """
    started = time.monotonic()
    target = Path(target).absolute()
    media_root = local_folder(default_storage)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty directory; choose a new directory.")
    if media_root is not None and (target == media_root or media_root in target.parents):
        raise BackupError(f"{target} is inside MEDIA_ROOT ({media_root}); write the backup somewhere else.")
    views = public_views()
    check_public_views(views)
    work = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
    for part in PARTS:
        (work / part).mkdir(parents=True)
    try:
        with snapshot(using):
            # The moment the data is read as of (the snapshot starts with the transaction).
            created_at = timezone.now().isoformat()
            connection = connections[using]
            applied = applied_migrations(connection)
            entries = [write_model(work, model, views.get(label(model)), using, report) for model in backed_up_models()]
            public_media = published_images()
            media = {PUBLIC: [], PRIVATE: []}
            for name in media_files(default_storage):
                part = PUBLIC if name in public_media else PRIVATE
                copy_from_storage(default_storage, name, work / part / MEDIA / name)
                media[part].append(name)
        write_public_manifest(work, entries, media[PUBLIC], created_at)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": created_at,
            "django_version": django.get_version(),
            "database_vendor": connection.vendor,
            "migrations": latest_migrations(applied),
            "applied_migrations": applied,
            "models": entries,
            "media": media,
            "files": {
                path.relative_to(work).as_posix(): file_entry(path)
                for path in sorted(work.rglob("*"))
                if path.is_file()
            },
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if target.exists():
            target.rmdir()
        work.rename(target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    manifest["seconds"] = round(time.monotonic() - started, 2)
    return manifest


def write_model(work: Path, model, view: PublicView | None, using: str, report) -> dict:
    """Write one model's public and private files; return its manifest entry."""
    name = label(model)
    everything = model._base_manager.using(using).order_by("pk")
    chunk = BINARY_READ_CHUNK if has_binary_field(model) else READ_CHUNK
    entry = {"model": name, "rows": everything.count()}
    if view is None:
        private = everything
        entry["restore_from"] = [PRIVATE]
    else:
        public = everything.filter(view.rows) if view.rows is not None else everything
        path = work / PUBLIC / f"{name}{SUFFIX}"
        rows = write_rows(path, public, fields=view.fields, chunk=chunk)
        entry[PUBLIC] = {
            "file": f"{PUBLIC}/{path.name}" if rows else None,
            "rows": rows,
            "fields": "all" if view.complete else list(view.fields),
        }
        if view.complete:
            # The public rows are whole: the private part holds the others, and restore reads both.
            private = everything.exclude(pk__in=public.values("pk"))
            entry["restore_from"] = [PUBLIC, PRIVATE]
        else:
            private = everything
            entry["restore_from"] = [PRIVATE]
    path = work / PRIVATE / f"{name}{SUFFIX}"
    rows = write_rows(path, private, natural_keys=uses_natural_keys(model), chunk=chunk)
    entry[PRIVATE] = {"file": f"{PRIVATE}/{path.name}" if rows else None, "rows": rows}
    restored = sum(entry[part]["rows"] for part in entry["restore_from"])
    if restored != entry["rows"]:
        raise BackupError(f"{name}: {entry['rows']} rows, but the parts restore would read hold {restored}.")
    if view is None:
        report(f"{name}: {entry['rows']} rows, private")
    else:
        report(f"{name}: {entry['rows']} rows, {entry[PUBLIC]['rows']} public, {entry[PRIVATE]['rows']} private")
    return entry


def write_public_manifest(work: Path, entries: list[dict], media: list[str], created_at: str) -> None:
    """Describe the public part for whoever receives it without the rest of the backup."""
    public = work / PUBLIC
    described = {
        entry["model"]: {
            "file": PurePosixPath(entry[PUBLIC]["file"]).name if entry[PUBLIC]["file"] else None,
            "rows": entry[PUBLIC]["rows"],
            "fields": entry[PUBLIC]["fields"],
        }
        for entry in entries
        if PUBLIC in entry
    }
    content = {
        "format": f"{FORMAT}-public",
        "format_version": FORMAT_VERSION,
        "created_at": created_at,
        "about": (
            "Published, non-personal data from Livskraft: municipalities and their numbers, networks, indicators, "
            "indicator values as last published, public plans with their focus areas, goals, measures, projects "
            "and budget lines, the published texts of published annual reports, and published good examples with "
            "their images (media/). Each .jsonl.gz file is gzip-compressed JSON Lines, one Django serializer "
            'object ({"model", "pk", "fields"}) a line; "fields" lists which fields a file holds. No users.'
        ),
        "models": described,
        "media": media,
        "files": {
            path.relative_to(public).as_posix(): file_entry(path)
            for path in sorted(public.rglob("*"))
            if path.is_file()
        },
    }
    (public / MANIFEST).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- restore -------------------------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict:
    path = source / MANIFEST
    if not source.is_dir():
        raise BackupError(f"{source} is not a directory; give the directory `backup` wrote.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: {source} is not a finished backup.") from None
    except (ValueError, UnicodeDecodeError) as broken:
        raise BackupError(f"{path} is not valid JSON ({broken}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Livskraft backup manifest.")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The backup has format version {manifest.get('format_version')}; this code reads version {FORMAT_VERSION}."
        )
    if not well_formed(manifest):
        raise BackupError(f"{path} is incomplete: it lacks the models, files or migrations it must list.")
    return manifest


def well_formed(manifest: dict) -> bool:
    """Whether the manifest has the lists restore reads, with the types it expects."""
    try:
        models_ok = all(
            isinstance(entry["model"], str)
            and isinstance(entry["rows"], int)
            and all(isinstance(entry[part]["rows"], int) for part in entry["restore_from"])
            for entry in manifest["models"]
        )
        files_ok = all(
            isinstance(entry["sha256"], str) and isinstance(entry["bytes"], int) for entry in manifest["files"].values()
        )
        return (
            models_ok
            and files_ok
            and isinstance(manifest["applied_migrations"], dict)
            and all(isinstance(manifest["media"][part], list) for part in PARTS)
        )
    except (KeyError, TypeError, AttributeError):
        return False


def safe_relative(name: str) -> PurePosixPath:
    """Return the manifest's file name as a path that stays inside the backup, or refuse it."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts or path.parts[0] not in PARTS:
        raise BackupError(f"The manifest names a file outside the backup: {name!r}.")
    return path


def verify_files(source: Path, manifest: dict) -> None:
    """Check every file against its size and SHA-256, and that no file is missing or added."""
    listed = manifest.get("files", {})
    for name, expected in listed.items():
        path = source / safe_relative(name)
        if not path.is_file():
            raise BackupError(f"{name} is missing from the backup.")
        if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{name} does not match its SHA-256 checksum: the backup is damaged or was changed.")
    present = {path.relative_to(source).as_posix() for path in source.rglob("*") if path.is_file()}
    unexpected = sorted(present - set(listed) - {MANIFEST})
    if unexpected:
        raise BackupError(f"Files not listed in the manifest: {', '.join(unexpected[:5])}.")
    for entry in manifest["models"]:
        for part in entry["restore_from"]:
            name = entry[part]["file"]
            if name is not None and name not in listed:
                raise BackupError(f"{entry['model']}: {name} has no checksum in the manifest.")


def check_schema(manifest: dict, connection) -> None:
    """Refuse a backup made with other migrations, or with other models, than this database and code."""
    here = applied_migrations(connection)
    theirs = manifest.get("applied_migrations", {})
    if here != theirs:
        if not here:
            raise BackupError("This database has no migrations applied: run `python manage.py migrate` first.")
        latest_here, latest_theirs = latest_migrations(here), latest_migrations(theirs)
        lines = [
            f"  {app}: backup {latest_theirs.get(app, '(none)')}, this database {latest_here.get(app, '(none)')}"
            for app in sorted(set(here) | set(theirs))
            if here.get(app) != theirs.get(app)
        ]
        raise BackupError(
            "The backup was made with other migrations than this database has:\n"
            + "\n".join(lines)
            + "\nRestore with the code version the backup was made with, migrated to the same migrations."
        )
    known = {label(model) for model in backed_up_models()}
    listed = {entry["model"] for entry in manifest["models"]}
    if known != listed:
        raise BackupError(
            "The backup holds other models than this code has: "
            f"only in the backup {sorted(listed - known)}, only here {sorted(known - listed)}."
        )


def check_empty(using: str) -> None:
    filled = [label(model) for model in backed_up_models() if model._base_manager.using(using).exists()]
    if filled:
        raise BackupError(
            f"The database is not empty ({', '.join(filled[:5])}{' …' if len(filled) > 5 else ''} have rows). "
            "Restore only into an empty database that `migrate` has just created."
        )


def planned_media(source: Path, manifest: dict, storage) -> list[tuple[Path, str]]:
    """Return (backup file, name in the storage) pairs; refuse to overwrite a different file already there."""
    pairs = []
    for part in PARTS:
        for name in manifest.get("media", {}).get(part, []):
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise BackupError(f"The manifest names a media file outside the media storage: {name!r}.")
            stored = source / part / MEDIA / relative
            if f"{part}/{MEDIA}/{name}" not in manifest["files"]:
                raise BackupError(f"{part}/{MEDIA}/{name} has no checksum in the manifest.")
            target = relative.as_posix()
            if storage.exists(target):
                with storage.open(target, "rb") as existing:
                    if sha256_of_stream(existing) != sha256_of(stored):
                        raise BackupError(
                            f"The media file {target} already exists with other content; "
                            "restore into an empty media storage."
                        )
            pairs.append((stored, target))
    return pairs


def restore_backup(
    source: Path,
    *,
    using: str = DEFAULT_DB_ALIAS,
    check_only: bool = False,
    report: Callable[[str], None] = lambda line: None,
) -> dict:
    """Check the backup and the database, then load every row and media file in one transaction.

    Nothing is written unless every check passes; a failure while loading rolls everything back and
    removes the media files already copied. Returns the manifest.
    """
    started = time.monotonic()
    source = Path(source).absolute()
    connection = connections[using]
    manifest = read_manifest(source)
    verify_files(source, manifest)
    check_schema(manifest, connection)
    check_empty(using)
    media = planned_media(source, manifest, default_storage)
    if check_only:
        return manifest
    entries = {entry["model"]: entry for entry in manifest["models"]}
    order = backed_up_models()
    copied: list[str] = []
    try:
        with transaction.atomic(using=using):
            for model in order:
                entry = entries[label(model)]
                rows = sum(
                    load_rows(source / safe_relative(entry[part]["file"]), model, using)
                    for part in entry["restore_from"]
                    if entry[part]["file"]
                )
                stored = model._base_manager.using(using).count()
                if rows != entry["rows"] or stored != entry["rows"]:
                    raise BackupError(f"{label(model)}: the manifest says {entry['rows']} rows, {rows} were read.")
                report(f"{label(model)}: {rows} rows")
            # Foreign keys are checked at commit; check them now, before any media file is copied.
            connection.check_constraints()
            reset_sequences(connection, order)
            # Rows were inserted without signals: retire every cached public page (a Redis cache outlives the
            # database it was filled from), and every page the read model stored.
            cache.bump()
            read_model.forget(None)
            comparisons.forget(None)
            for stored, target in media:
                if default_storage.exists(target):
                    continue
                with stored.open("rb") as stream:
                    saved = default_storage.save(target, File(stream))
                copied.append(saved)
                if saved != target:
                    raise BackupError(f"The media storage saved {target} as {saved}; restore into an empty one.")
    except BaseException:
        for name in copied:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise
    manifest["seconds"] = round(time.monotonic() - started, 2)
    manifest["media_copied"] = len(copied)
    return manifest


def load_rows(path: Path, model, using: str) -> int:
    """Insert the rows of one file in batches; return how many."""
    count = 0
    batch = []
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for deserialized in serializers.deserialize("jsonl", stream, using=using):
            if type(deserialized.object) is not model:
                raise BackupError(f"{path.name} holds a {label(type(deserialized.object))} row.")
            batch.append(deserialized)
            count += 1
            if len(batch) >= WRITE_BATCH:
                insert(batch, model, using)
                batch = []
                # With DEBUG on, Django keeps the last 9000 queries, each batch's INSERT whole; let them go.
                reset_queries()
    if batch:
        insert(batch, model, using)
    return count


def insert(batch: list, model, using: str) -> None:
    """Insert deserialized rows as they were stored: bulk INSERTs, then their many-to-many links.

    bulk_create() runs neither save() nor signals, which is right for rows that are restored rather than
    changed. Fields that set themselves on save (auto_now) would be overwritten by bulk_create(), so such a
    model is saved row by row as loaddata does, with raw=True.
    """
    if any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in model._meta.fields):
        for deserialized in batch:
            deserialized.save(using=using)
        return
    model._base_manager.using(using).bulk_create([deserialized.object for deserialized in batch])
    links: dict[type[models.Model], list] = {}
    for deserialized in batch:
        for name, related in deserialized.m2m_data.items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            source = through._meta.get_field(field.m2m_field_name()).attname
            target = through._meta.get_field(field.m2m_reverse_field_name()).attname
            links.setdefault(through, []).extend(
                through(**{source: deserialized.object.pk, target: pk}) for pk in related
            )
    for through, rows in links.items():
        through._base_manager.using(using).bulk_create(rows)


def reset_sequences(connection, order) -> None:
    """Move PostgreSQL's id sequences past the restored ids, so new rows get fresh ones (a no-op on SQLite)."""
    tables = list(order)
    for model in order:
        tables += [
            field.remote_field.through
            for field in model._meta.many_to_many
            if field.remote_field.through._meta.auto_created
        ]
    statements = connection.ops.sequence_reset_sql(no_style(), tables)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
