"""Importing open data in the browser: upload a file, see everything it would change, import it in one transaction.

Three kinds, with the same checks as their management commands:

- an SSB table: a Statistikkbanken download as CSV or Excel, or JSON-stat 2.0 (`import_ssb`, `import_jsonstat`), by
  network coordinators and administrators;
- Miljødirektoratet's greenhouse-gas emissions workbook (`import_emissions`), likewise;
- a municipal reform from KLASS (`import_klass`), by administrators only: it changes the national code history.

SSB's and Miljødirektoratet's figures are official statistics: after the preview they are published as the source's
figures for every municipality in the file (services.apply_values(official=True)). The file is stored as sent
(DataImport), so every imported figure can be traced to it.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.validators import FileExtensionValidator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.access import access_for
from indicators.importers.base import ImportRejected
from indicators.importers.klass_json import apply_plan, plan_changes, read_changes, read_codes
from indicators.importers.miljodir import DEFAULT_CODE, apply_emissions, read_emissions
from indicators.importers.ssb_jsonstat import apply_jsonstat
from indicators.importers.statbank import read_ssb_download, split_categories
from indicators.models import DataImport, Indicator, Municipality, Unit, ValueState
from indicators.numbers import format_number

# The preview lists this many changes; the counts cover them all.
PREVIEW_ROWS = 500
Kind = DataImport.Kind


def _size_checked(upload):
    limit = settings.LIVSKRAFT_MAX_OPEN_DATA_BYTES
    if upload is not None and upload.size > limit:
        raise forms.ValidationError(
            _("The file is %(size)s MB; the largest file the portal takes is %(limit)s MB.")
            % {"size": format_number(upload.size / 2**20, 1), "limit": format_number(limit / 2**20, 0)}
        )
    return upload


class SsbImportForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("File from SSB"),
        help_text=gettext_lazy(
            "A table saved from Statistikkbanken with “Lagre som” / “Save as” as CSV or Excel (.xlsx), in Norwegian "
            "or English, or from PxWebApi v2 as JSON-stat (.json)."
        ),
        validators=[FileExtensionValidator(["json", "csv", "xlsx"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,.xlsx"}),
    )

    class Meta:
        model = DataImport
        fields = ["indicator", "contents", "categories", "table", "series_break"]
        widgets = {"categories": forms.Textarea(attrs={"rows": 4})}
        labels = {"contents": gettext_lazy("Contents (statistikkvariabel)")}
        help_texts = {
            "contents": gettext_lazy(
                "When the table has several contents (statistikkvariabel), the one to import: a ContentsCode for "
                "JSON-stat, or the contents as the download names it, e.g. Areal."
            ),
            "categories": gettext_lazy(
                "When the table has several categories, the ones whose sum is the figure, one per line as the "
                "download names them. Land used for development is the sum of table 09594's eleven built-up "
                "classes, from Boligbebyggelse (Residential areas) to the unclassified built-up areas."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].required = True
        self.fields["indicator"].help_text = ""
        self.fields["indicator"].label_from_instance = lambda indicator: indicator.name
        self.order_fields(["file", "indicator", "contents", "categories", "table", "series_break"])

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])


class EmissionsImportForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("Excel file"),
        help_text=gettext_lazy(
            "“Klimagassutslipp i kommuner” downloaded from Miljødirektoratet as Excel (.xlsx): the national file, "
            "or the file for one municipality."
        ),
    )

    class Meta:
        model = DataImport
        fields = ["indicator", "municipality", "series_break"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["indicator"]
        field.required = True
        field.label = _("Indicator for the total")
        field.queryset = Indicator.objects.filter(Q(amount_unit=Unit.TONNES_CO2E) | Q(unit=Unit.TONNES_CO2E)).exclude(
            code__startswith=f"{DEFAULT_CODE}-"
        )
        field.initial = field.queryset.filter(code=DEFAULT_CODE).values_list("pk", flat=True).first()
        field.label_from_instance = lambda indicator: indicator.name
        place = self.fields["municipality"]
        place.label = _("Municipality (optional)")
        place.help_text = _(
            "Only for the download for one municipality, when the check asks for it: the name in the file is shared "
            "by several municipalities (Herøy) or unknown. The national file names every municipality itself."
        )
        place.queryset = Municipality.objects.prefetch_related("codes")
        place.label_from_instance = lambda municipality: f"{municipality.name} ({municipality.kommunenummer})"
        self.order_fields(["file", "indicator", "municipality", "series_break"])

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])


class ReformImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("KLASS changes"),
        help_text=gettext_lazy(
            "The answer of classifications/131/changes.json for the period of the reform (codeChanges)."
        ),
    )
    codes = forms.FileField(
        label=gettext_lazy("KLASS numbers in force (optional)"),
        required=False,
        help_text=gettext_lazy("The answer of classifications/131/codes.json; the result is checked against it."),
    )

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])

    def clean_codes(self):
        return _size_checked(self.cleaned_data.get("codes"))

    def save(self, commit=True):
        stored = DataImport(kind=Kind.REFORM)
        codes = self.cleaned_data.get("codes")
        if codes is not None:
            stored.codes_content = codes.read()
        return stored


@dataclass(frozen=True)
class Source:
    """One kind of open data: who may import it, its form, and how it is checked and applied."""

    kind: str
    url_name: str
    form: type
    administrators_only: bool = False

    def allowed_for(self, access) -> bool:
        return access.is_superuser if self.administrators_only else access.is_superuser or access.is_coordinator


SOURCES = {
    Kind.SSB: Source(Kind.SSB, "opendata_upload", SsbImportForm),
    Kind.EMISSIONS: Source(Kind.EMISSIONS, "emissions_upload", EmissionsImportForm),
    Kind.REFORM: Source(Kind.REFORM, "reform_upload", ReformImportForm, administrators_only=True),
}


def _access(request, source: Source):
    access = access_for(request.user)
    if not source.allowed_for(access):
        raise Http404
    return access


def _upload(request, kind):
    source = SOURCES[kind]
    _access(request, source)
    form = source.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = form.save(commit=False)
        upload = form.cleaned_data["file"]
        stored.kind = kind
        stored.uploaded_by, stored.filename, stored.content = request.user, upload.name[-255:], upload.read()
        stored.save()
        return redirect("opendata_preview", stored.pk)
    recent = (
        DataImport.objects.filter(uploaded_by=request.user, kind=kind)
        .select_related("indicator")
        .defer("content", "codes_content")[:10]
    )
    return render(request, "indicators/reporting/opendata_upload.html", {"form": form, "recent": recent, "kind": kind})


@login_required
def upload(request):
    """Upload an SSB table (CSV, Excel or JSON-stat) for an indicator; the next page checks it before anything is
    stored."""
    return _upload(request, Kind.SSB)


@login_required
def upload_emissions(request):
    """Upload Miljødirektoratet's emissions workbook; the next page checks it before anything is stored."""
    return _upload(request, Kind.EMISSIONS)


@login_required
def upload_reform(request):
    """Upload a KLASS reform answer (administrators); the next page shows the events before anything is stored."""
    return _upload(request, Kind.REFORM)


def _check(stored: DataImport, allowed):
    """Return the checked file, or raise ImportRejected listing every problem."""
    data = bytes(stored.content)
    if stored.kind == Kind.SSB:
        return read_ssb_download(
            data,
            filename=stored.filename,
            indicator=stored.indicator,
            contents=stored.contents,
            categories=split_categories(stored.categories),
            table=stored.table,
            allowed=allowed,
        )
    if stored.kind == Kind.EMISSIONS:
        return read_emissions(
            data,
            filename=stored.filename,
            indicator=stored.indicator,
            allowed=allowed,
            municipality=stored.municipality,
        )
    codes = bytes(stored.codes_content)
    plan = plan_changes(read_changes(data), read_codes(codes) if codes else None)
    if plan.problems:
        raise ImportRejected(plan.problems)
    return plan


def _date(text: str) -> datetime.date | None:
    """The day of an ISO date or time as a source writes it ("2024-02-20T07:00:00Z"), or None."""
    try:
        return datetime.date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _apply(stored: DataImport, checked, user) -> tuple[int, int, int]:
    """Write the checked file; return (created, changed, unchanged) as the upload records them."""
    if stored.kind == Kind.SSB:
        stored.vintage = stored.vintage or _date(checked.updated)
        result = apply_jsonstat(checked, user=user, data_import=stored, series_break=stored.series_break)
        return result.created, result.updated, result.unchanged
    if stored.kind == Kind.EMISSIONS:
        results = apply_emissions(checked, user=user, data_import=stored, series_break=stored.series_break).values()
        return tuple(sum(getattr(r, name) for r in results) for name in ("created", "updated", "unchanged"))
    result = apply_plan(checked)
    return (
        result.municipalities_created + result.codes_created,
        result.municipalities_updated + result.codes_ended,
        checked.counts["unchanged_events"],
    )


def _value_rows(checked, parts) -> tuple[list[dict], int]:
    """The first PREVIEW_ROWS changed values as table rows, and how many more there are."""
    changes = [(part, c) for part, part_changes in parts for c in part_changes if c.kind != "unchanged"]
    shown = changes[:PREVIEW_ROWS]
    names = Municipality.objects.in_bulk({c.proposed.municipality_id for _part, c in shown})
    rows = [{"part": part, "change": c, "municipality": names[c.proposed.municipality_id]} for part, c in shown]
    return rows, max(len(changes) - PREVIEW_ROWS, 0)


@login_required
def preview(request, pk: int):
    """Show what the file would change (new, changed, unchanged, skipped and why), or every problem; import on confirm."""
    stored = get_object_or_404(DataImport.objects.select_related("indicator"), pk=pk, uploaded_by=request.user)
    source = SOURCES[stored.kind]
    _access(request, source)

    def allowed(municipality_id: int) -> bool:
        # Official statistics are the source's figures for every municipality in the file, members of a network or
        # not, predecessors included (Fjord's figures before 2020 are Norddal's and Stordal's): whoever may import
        # the source may import all of it.
        return True

    problems, checked = [], None
    try:
        checked = _check(stored, allowed)
    except ImportRejected as rejected:
        problems = rejected.problems
    if request.method == "POST" and checked is not None and stored.confirmed_at is None:
        with transaction.atomic():
            stored.created, stored.updated, stored.unchanged = _apply(stored, checked, request.user)
            stored.confirmed_at = timezone.now()
            stored.save(update_fields=["confirmed_at", "created", "updated", "unchanged", "vintage"])
        if stored.kind == Kind.REFORM:
            message = _("Imported %(file)s: %(created)s new rows, %(updated)s changed.")
        else:
            message = _("Imported %(file)s: %(created)s new values, %(updated)s changed, %(unchanged)s unchanged.")
        messages.success(
            request,
            message
            % {
                "file": stored.filename,
                "created": stored.created,
                "updated": stored.updated,
                "unchanged": stored.unchanged,
            },
        )
        return redirect("opendata_preview", stored.pk)
    context = {"stored": stored, "checked": checked, "problems": problems, "source": source}
    if checked is not None and stored.kind == Kind.SSB:
        rows, more = _value_rows(checked, [(None, checked.changes)])
        context.update(counts=checked.counts, rows=rows, more=more)
    elif checked is not None and stored.kind == Kind.EMISSIONS:
        rows, more = _value_rows(checked, [(part, part.changes) for part in checked.parts])
        context.update(counts=checked.counts, rows=rows, more=more)
    elif checked is not None:
        context.update(counts=checked.counts)
    context["states"] = dict(ValueState.choices)
    return render(request, "indicators/reporting/opendata_preview.html", context)
