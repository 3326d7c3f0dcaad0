"""Importing open data in the browser: a network coordinator uploads an SSB table in JSON-stat 2.0, sees what
it would change, and imports it in one transaction. The same checks as `manage.py import_jsonstat`."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.access import access_for
from indicators.importers.base import ImportRejected
from indicators.importers.ssb_jsonstat import apply_jsonstat, read_jsonstat
from indicators.models import DataImport, Municipality, ValueState
from livskraft.templatetags.livskraft import format_number

# The preview lists this many changes; the counts cover them all.
PREVIEW_ROWS = 500


class DataImportForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("JSON-stat file"),
        help_text=gettext_lazy("A table saved from SSB's PxWebApi v2 with outputFormat=json-stat2."),
    )

    class Meta:
        model = DataImport
        fields = ["indicator", "contents", "table"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].label_from_instance = lambda indicator: indicator.name
        self.order_fields(["file", "indicator", "contents", "table"])

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s MB; the largest file the portal takes is %(limit)s MB.")
                % {"size": format_number(upload.size / 2**20, 1), "limit": format_number(limit / 2**20, 0)}
            )
        return upload


def _coordinator(request):
    access = access_for(request.user)
    if not (access.is_superuser or access.is_coordinator):
        raise Http404
    return access


@login_required
def upload(request):
    """Upload an SSB JSON-stat file for an indicator; the next page checks it before anything is stored."""
    _coordinator(request)
    form = DataImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = form.save(commit=False)
        upload = form.cleaned_data["file"]
        stored.uploaded_by, stored.filename, stored.content = request.user, upload.name[-255:], upload.read()
        stored.save()
        return redirect("opendata_preview", stored.pk)
    recent = DataImport.objects.filter(uploaded_by=request.user).select_related("indicator").defer("content")[:10]
    return render(request, "reporting/opendata_upload.html", {"form": form, "recent": recent})


@login_required
def preview(request, pk: int):
    """Show what the file would change (new, changed, unchanged, skipped and why), or every problem; import on confirm."""
    access = _coordinator(request)
    stored = get_object_or_404(DataImport.objects.select_related("indicator"), pk=pk, uploaded_by=request.user)

    def allowed(municipality_id: int) -> bool:
        return access.is_superuser or municipality_id in access.coordinated

    problems, checked = [], None
    try:
        checked = read_jsonstat(
            bytes(stored.content),
            filename=stored.filename,
            indicator=stored.indicator,
            contents=stored.contents,
            table=stored.table,
            allowed=allowed,
        )
    except ImportRejected as rejected:
        problems = rejected.problems
    if request.method == "POST" and checked is not None and stored.confirmed_at is None:
        with transaction.atomic():
            result = apply_jsonstat(checked, user=request.user)
            stored.confirmed_at = timezone.now()
            stored.created, stored.updated, stored.unchanged = result.created, result.updated, result.unchanged
            stored.save(update_fields=["confirmed_at", "created", "updated", "unchanged"])
        messages.success(
            request,
            _("Imported %(file)s: %(created)s new values, %(updated)s changed, %(unchanged)s unchanged.")
            % {
                "file": stored.filename,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect("opendata_preview", stored.pk)
    changes = [c for c in checked.changes if c.kind != "unchanged"] if checked else []
    names = Municipality.objects.in_bulk({c.proposed.municipality_id for c in changes[:PREVIEW_ROWS]})
    rows = [{"change": c, "municipality": names[c.proposed.municipality_id]} for c in changes[:PREVIEW_ROWS]]
    return render(
        request,
        "reporting/opendata_preview.html",
        {
            "stored": stored,
            "checked": checked,
            "counts": checked.counts if checked else None,
            "rows": rows,
            "more": max(len(changes) - PREVIEW_ROWS, 0),
            "problems": problems,
            "states": dict(ValueState.choices),
        },
    )
