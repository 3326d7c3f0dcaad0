"""Writes that span several rows of the annual report and the good examples, each in one transaction."""

from django.db import transaction
from django.utils import timezone

from core import cache
from indicators.cache_scopes import of_municipalities
from plans.models import (
    AnnualReport,
    ExampleStatus,
    GoodExample,
    ReportText,
    ReportTextKind,
    ReportTextRevision,
)

# Which foreign key a text of each kind points to.
TARGET_FIELD = {
    ReportTextKind.FOCUS_AREA: "focus_area_id",
    ReportTextKind.INDICATOR: "indicator_id",
    ReportTextKind.PROJECT: "project_id",
}


def parse_key(key: str) -> tuple[str, int | None]:
    """Return (kind, target id) for a text key such as "introduction" or "indicator-12"; ValueError if malformed."""
    kind, _sep, target = key.partition("-")
    if kind not in ReportTextKind.values:
        raise ValueError(f"unknown kind of report text: {key!r}")
    if kind == ReportTextKind.INTRODUCTION:
        if target:
            raise ValueError(f"the introduction has no target: {key!r}")
        return kind, None
    if not target.isdigit():
        raise ValueError(f"a {kind} text needs a numeric target: {key!r}")
    return kind, int(target)


class TextConflict(Exception):
    """Someone else saved texts after the writer opened them; nothing was written."""

    def __init__(self, texts: list[ReportText]):
        super().__init__(f"{len(texts)} texts were changed by someone else")
        self.texts = {text.key: text for text in texts}


def save_report_texts(*, report: AnnualReport, bodies: dict[str, str], user, loaded_at=None) -> int:
    """Store the changed texts of the report (keyed as ReportText.key) with a revision each; return how many changed.

    Keys must name places the caller has checked belong to the report's municipality
    and year. A text that is unchanged writes nothing. With loaded_at (when the writer
    opened the texts), a text someone else has saved since, to something other than
    what this writer sends, raises TextConflict and nothing is written.
    """
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        existing = {text.key: text for text in ReportText.objects.select_for_update().filter(report=report)}
        if loaded_at is not None:
            conflicts = [
                text
                for key, text in existing.items()
                if key in bodies
                and text.changed_at > loaded_at
                and text.changed_by_id != getattr(user, "pk", None)
                and text.body != bodies[key].replace("\r\n", "\n").strip()
            ]
            if conflicts:
                raise TextConflict(conflicts)
        revisions = []
        for key, body in bodies.items():
            body = body.replace("\r\n", "\n").strip()
            text = existing.get(key)
            if text is None:
                if not body:
                    continue
                kind, target = parse_key(key)
                text = ReportText(report=report, kind=kind, body=body, changed_by=user, changed_at=now)
                if target is not None:
                    setattr(text, TARGET_FIELD[kind], target)
                text.save()
            elif text.body == body:
                continue
            else:
                text.body, text.changed_by, text.changed_at = body, user, now
                text.save(update_fields=["body", "changed_by", "changed_at"])
            revisions.append(ReportTextRevision(text=text, body=body, changed_by=user, changed_at=now))
            changed += 1
        ReportTextRevision.objects.bulk_create(revisions)
    return changed


def publish_report(*, report: AnnualReport, user) -> int:
    """Publish the report: the public now reads every text as it stands. Return how many texts changed."""
    now = timezone.now()
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().get(pk=report.pk)
        texts = [t for t in ReportText.objects.select_for_update().filter(report=report) if t.has_unpublished_changes]
        for text in texts:
            text.published_body = text.body
        ReportText.objects.bulk_update(texts, ["published_body"])
        cache.changed(of_municipalities({report.municipality_id}))  # bulk writes send no signals
        ReportTextRevision.objects.bulk_create(
            ReportTextRevision(text=t, body=t.body, changed_by=user, changed_at=now, published=True) for t in texts
        )
        report.first_published_at = report.first_published_at or now
        report.published_at, report.published_by = now, user
        report.save(update_fields=["first_published_at", "published_at", "published_by"])
    return len(texts)


def save_example(*, form, user, submit: bool) -> GoodExample:
    """Save a good example from its valid form as a draft, or submitted; with its new image, if one was chosen.

    The image is written first, then the row in one transaction. If the row cannot be saved the image written for it
    is removed again, and an image the example no longer shows (replaced or cleared) is removed once the row is
    saved: no file stays on disk that no example refers to. A write of the image that fails (a full disk) raises
    OSError having written nothing at all.
    """
    example = form.save(commit=False)
    now = timezone.now()
    if example.pk is None:
        example.created_by, example.created_at = user, now
    example.changed_by, example.changed_at = user, now
    example.status = ExampleStatus.SUBMITTED if submit else ExampleStatus.DRAFT
    if submit:
        example.review_comment = ""
    stored = GoodExample.objects.filter(pk=example.pk).values_list("image", flat=True).first() if example.pk else None
    new_image = form.cleaned_data.get("image") if "image" in form.changed_data else None
    if new_image:
        example.image.save(new_image.name, new_image, save=False)  # the file first: a row never names a missing one
    try:
        with transaction.atomic():
            example.save()
            form.save_m2m()
    except BaseException:
        if new_image:
            example.image.storage.delete(example.image.name)
        raise
    if stored and stored != example.image.name:
        storage = example.image.storage
        transaction.on_commit(lambda: storage.delete(stored))
    return example


def set_example_status(*, example: GoodExample, status: str, user, review_comment: str = "") -> None:
    """Move a good example to the status; publishing stamps the time, returning records why."""
    now = timezone.now()
    example.status, example.changed_by, example.changed_at = status, user, now
    example.review_comment = review_comment
    if status == ExampleStatus.PUBLISHED:
        example.published_at = now
    example.save(update_fields=["status", "changed_by", "changed_at", "review_comment", "published_at"])
