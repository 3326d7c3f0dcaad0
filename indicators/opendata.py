"""Importing open data in the browser: upload a file, see everything it would change, import it in one transaction.

The file is checked and written by the background worker (indicators/tasks.py), never in a request: the upload
queues the check, the preview page shows its progress and then its stored problems or preview, and confirming
queues the import.

Three kinds, with the same checks as their management commands:

- an SSB table: a Statistikkbanken download as CSV or Excel, or JSON-stat 2.0 (`import_ssb`, `import_jsonstat`), by
  network coordinators and administrators;
- Miljødirektoratet's greenhouse-gas emissions workbook (`import_emissions`), likewise;
- a municipal reform from KLASS (`import_klass`), by administrators only: it changes the national code history;
- SSB's KOSTRA groups from KLASS (`importers/kostra_groups.py`), by administrators only: they change every
  comparison's peer groups.

SSB's and Miljødirektoratet's figures are official statistics: after the preview they are published as the source's
figures for every municipality in the file (services.apply_values(official=True)). The file is stored as sent
(DataImport), so every imported figure can be traced to it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.validators import FileExtensionValidator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from indicators import tasks
from indicators.access import access_for
from indicators.importers.base import ImportRejected, Problem, source_date
from indicators.importers.klass_json import apply_plan, plan_changes, read_changes, read_codes
from indicators.importers.kostra_groups import SOURCE as PEER_GROUPS_SOURCE
from indicators.importers.kostra_groups import apply_groups, read_groups
from indicators.importers.miljodir import DEFAULT_CODE, apply_emissions, read_emissions
from indicators.importers.ssb_jsonstat import apply_jsonstat
from indicators.importers.ssb_population import apply_population, read_population
from indicators.importers.statbank import read_ssb_download, split_categories
from indicators.models import DataImport, Indicator, Municipality, Unit, ValueState
from indicators.numbers import format_number
from indicators.services import ApplyResult

# The preview lists this many changes; the counts cover them all.
PREVIEW_ROWS = 500
Kind = DataImport.Kind
Status = DataImport.Status
# While an upload is in one of these, the worker has it: the preview page shows how far it has come.
WORKING = {Status.UPLOADED, Status.CHECKING, Status.IMPORTING}


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


class PopulationImportForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "SSB table 07459 (population on 1 January by region, age and year) saved from Statistikkbanken as CSV."
        ),
        validators=[FileExtensionValidator(["csv", "txt"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt"}),
    )

    class Meta:
        model = DataImport
        fields = ["series_break"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["file", "series_break"])

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])

    def save(self, commit=True):
        stored = super().save(commit=False)
        stored.indicator = Indicator.objects.population()
        return stored


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


class PeerGroupImportForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("KLASS correspondence 131–112"),
        help_text=gettext_lazy(
            "The answer of classifications/131/correspondsAt?targetClassificationId=112&date=… as JSON or CSV, "
            "or a correspondence table (correspondenceMaps)."
        ),
    )

    class Meta:
        model = DataImport
        fields = ["applies_from"]
        widgets = {"applies_from": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(["file", "applies_from"])

    def clean_file(self):
        return _size_checked(self.cleaned_data["file"])


def _read_ssb(stored: DataImport, data: bytes, on_progress):
    return read_ssb_download(
        data,
        filename=stored.filename,
        indicator=stored.indicator,
        contents=stored.contents,
        categories=split_categories(stored.categories),
        table=stored.table,
    )


def _write_ssb(stored: DataImport, checked, user) -> ApplyResult:
    stored.vintage = stored.vintage or source_date(checked.updated)
    return apply_jsonstat(checked, user=user, data_import=stored, series_break=stored.series_break)


def _details_ssb(checked) -> tuple[list, dict]:
    return [(None, checked.changes)], {
        "table": checked.table,
        "contents": checked.contents,
        "updated": checked.updated,
        # A Statistikkbanken download's columns and categories, and its sums without a figure; JSON-stat has none.
        "used_columns": list(getattr(checked, "used_columns", [])),
        "categories": list(getattr(checked, "categories", [])),
        "incomplete": [str(note) for note in getattr(checked, "incomplete", [])],
    }


def _read_population(stored: DataImport, data: bytes, on_progress):
    return read_population(data, filename=stored.filename)


def _write_population(stored: DataImport, checked, user) -> ApplyResult:
    return apply_population(checked, user=user, data_import=stored, series_break=stored.series_break)


def _details_population(checked) -> tuple[list, dict]:
    return [(None, checked.changes)], {"years": checked.file.years}


def _read_emissions(stored: DataImport, data: bytes, on_progress):
    return read_emissions(
        data,
        filename=stored.filename,
        indicator=stored.indicator,
        municipality=stored.municipality,
        on_progress=on_progress,
    )


def _write_emissions(stored: DataImport, checked, user) -> ApplyResult:
    return ApplyResult.total(
        apply_emissions(checked, user=user, data_import=stored, series_break=stored.series_break).values()
    )


def _details_emissions(checked) -> tuple[list, dict]:
    return [(part, part.changes) for part in checked.parts], {
        "parts": [{"code": p.code, "sector": p.sector, "counts": _counts(p.counts)} for p in checked.parts],
        "skipped_sectors": [list(skipped) for skipped in checked.skipped_sectors],
    }


def _read_reform(stored: DataImport, data: bytes, on_progress):
    codes = bytes(stored.codes_content)
    plan = plan_changes(read_changes(data), read_codes(codes) if codes else None)
    if plan.problems:
        raise ImportRejected(plan.problems)
    return plan


def _write_reform(stored: DataImport, checked, user) -> ApplyResult:
    """A reform's rows as the upload counts them: new municipalities and numbers, changed ones, unchanged events."""
    result = apply_plan(checked)
    return ApplyResult(
        created=result.municipalities_created + result.codes_created,
        updated=result.municipalities_updated + result.codes_ended,
        unchanged=checked.counts["unchanged_events"],
    )


def _read_peer_groups(stored: DataImport, data: bytes, on_progress):
    return read_groups(data, valid_from=stored.applies_from)


def _write_peer_groups(stored: DataImport, checked, user) -> ApplyResult:
    return apply_groups(checked, data_import=stored, source=f"{PEER_GROUPS_SOURCE}: {stored.filename}")


@dataclass(frozen=True)
class Source:
    """One kind of open data: who may import it, its upload form, and its reader and writer.

    read(stored, data, on_progress) checks the whole file and returns what importing it would do, or raises
    ImportRejected; write(stored, checked, user) writes it and returns what it did (an ApplyResult); details(checked) gives the
    preview's changes by part, and what the preview shows of the file besides. A new source is these three functions
    and a line in SOURCES; the upload, the worker, the preview and the confirmation are the same for all.
    """

    kind: str
    url_name: str
    form: type
    read: Callable
    write: Callable
    details: Callable | None = None
    administrators_only: bool = False

    def allowed_for(self, access) -> bool:
        return access.is_superuser if self.administrators_only else access.is_superuser or access.is_coordinator


SOURCES = {
    Kind.SSB: Source(Kind.SSB, "opendata_upload", SsbImportForm, _read_ssb, _write_ssb, _details_ssb),
    Kind.POPULATION: Source(
        Kind.POPULATION,
        "population_upload",
        PopulationImportForm,
        _read_population,
        _write_population,
        _details_population,
    ),  # fmt: skip
    Kind.EMISSIONS: Source(
        Kind.EMISSIONS, "emissions_upload", EmissionsImportForm, _read_emissions, _write_emissions, _details_emissions
    ),
    Kind.REFORM: Source(
        Kind.REFORM, "reform_upload", ReformImportForm, _read_reform, _write_reform, administrators_only=True
    ),
    Kind.PEER_GROUPS: Source(
        Kind.PEER_GROUPS,
        "peer_groups_upload",
        PeerGroupImportForm,
        _read_peer_groups,
        _write_peer_groups,
        administrators_only=True,
    ),
}


def _access(request, source: Source):
    access = access_for(request.user)
    if not source.allowed_for(access):
        raise Http404
    return access


@login_required
def upload(request, kind: str):
    """Upload a file of one kind of open data (SOURCES; the address names the kind); the worker checks it, and the
    next page shows the result."""
    source = SOURCES[kind]
    _access(request, source)
    form = source.form(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        stored = form.save(commit=False)
        upload = form.cleaned_data["file"]
        stored.kind = kind
        stored.uploaded_by, stored.filename, stored.content = request.user, upload.name[-255:], upload.read()
        stored.save()
        tasks.check_import.enqueue(stored.pk, language=get_language())
        return redirect("opendata_preview", stored.pk)
    recent = (
        DataImport.objects.filter(uploaded_by=request.user, kind=kind)
        .select_related("indicator")
        .defer("content", "codes_content", "problems", "summary")[:10]
    )
    return render(request, "indicators/reporting/opendata_upload.html", {"form": form, "recent": recent, "kind": kind})


def _check(stored: DataImport, *, on_progress=None):
    """Return the checked file, or raise ImportRejected listing every problem.

    Official statistics are the source's figures for every municipality in the file, members of a network or not,
    predecessors included (Fjord's figures before 2020 are Norddal's and Stordal's): whoever may import the source
    imports all of it, so no reader is told to leave a municipality out.

    on_progress(share), when given, hears how much of its work (0 to 1) a reader that can tell has done.
    """
    return SOURCES[stored.kind].read(stored, bytes(stored.content), on_progress)


def _apply(stored: DataImport, checked, user) -> tuple[int, int, int]:
    """Write the checked file; return (created, changed, unchanged) as the upload records them."""
    result = SOURCES[stored.kind].write(stored, checked, user)
    return result.created, result.updated, result.unchanged


def _figure(value) -> dict | None:
    """A stored or proposed figure as JSON: the number as text (exact), and its state."""
    if value is None:
        return None
    return {"value": None if value.value is None else str(value.value), "state": value.state}


def _value_rows(parts) -> tuple[list[dict], int]:
    """The first PREVIEW_ROWS changed values as table rows, and how many more there are."""
    changes = [(part, c) for part, part_changes in parts for c in part_changes if c.kind != "unchanged"]
    shown = changes[:PREVIEW_ROWS]
    names = dict(
        Municipality.objects.filter(pk__in={c.proposed.municipality_id for _part, c in shown}).values_list("pk", "name")
    )
    rows = [
        {
            "municipality": names[c.proposed.municipality_id],
            "sector": part.sector if part is not None else "",
            "year": c.proposed.year,
            "now": _figure(c.current),
            "after": _figure(c.proposed),
        }
        for part, c in shown
    ]
    return rows, max(len(changes) - PREVIEW_ROWS, 0)


def _counts(result) -> dict:
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def summary(stored: DataImport, checked) -> dict:
    """Return the preview of a checked file as JSON, kept on the upload so the page never reads the file again."""
    if stored.kind == Kind.REFORM:
        return {
            "counts": checked.counts,
            "events": [str(event) for event in checked.events],
            "warnings": [str(warning) for warning in checked.warnings],
            "checked_on": checked.checked_on.isoformat() if checked.checked_on else "",
        }
    if stored.kind == Kind.PEER_GROUPS:
        return {
            "counts": checked.counts,
            "versions": [
                {"from": v.valid_from.isoformat(), "groups": len(v.groups), "municipalities": len(v.members)}
                for v in checked.versions
            ],
            "group_changes": checked.changes[:PREVIEW_ROWS],
            "more": max(len(checked.changes) - PREVIEW_ROWS, 0),
            "left_out": checked.left_out,
            "replaces_examples": checked.replaces_examples,
        }
    parts, details = SOURCES[stored.kind].details(checked)
    rows, more = _value_rows(parts)
    return {
        "counts": _counts(checked.counts),
        "rows": rows,
        "more": more,
        "skipped_regions": [list(skipped) for skipped in checked.skipped_regions()],
        # Figures filed on a municipality under a number it did not have that year: said, never done silently.
        "filed_elsewhere": list(checked.filed_elsewhere()),
        **details,
    }


def _stored(request, pk: int, *, deferred=()) -> tuple[DataImport, Source]:
    """Return the upload and its kind: only to its uploader, and only while her role may import the kind; else 404.

    The file itself is never loaded: the worker reads it.
    """
    stored = get_object_or_404(
        DataImport.objects.select_related("indicator").defer("content", "codes_content", *deferred),
        pk=pk,
        uploaded_by=request.user,
    )
    source = SOURCES[stored.kind]
    _access(request, source)
    return stored, source


def _progress_text(stored: DataImport) -> str:
    if stored.status == Status.UPLOADED:
        return _("Waiting for the check to start …")
    if stored.status == Status.CHECKING:
        return _("Checking the file … %(percent)s %%") % {"percent": stored.progress}
    if stored.status == Status.IMPORTING:
        return _("Importing … %(percent)s %%") % {"percent": stored.progress}
    return stored.get_status_display()


def _shown_figure(figure: dict | None) -> dict | None:
    if figure is None or figure["value"] is None:
        return figure
    return {**figure, "value": Decimal(figure["value"])}


@login_required
def preview(request, pk: int):
    """Show how far the check has come, the file's problems, or what it would change; on confirm, start the import.

    Everything shown comes from the upload's stored status, problems and summary: the worker reads the file.
    """
    stored, source = _stored(request, pk)
    if request.method == "POST":
        # Only a checked, unconfirmed upload moves on, once: confirming twice queues one import.
        if DataImport.objects.filter(pk=stored.pk, status=Status.CHECKED, confirmed_at=None).update(
            status=Status.IMPORTING, progress=0
        ):
            tasks.apply_import.enqueue(stored.pk, request.user.pk, language=get_language())
        return redirect("opendata_preview", stored.pk)
    context = {
        "stored": stored,
        "source": source,
        "working": stored.status in WORKING,
        "progress_text": _progress_text(stored),
        "problems": [Problem(**problem) for problem in stored.problems],
        "states": dict(ValueState.choices),
    }
    shown = dict(stored.summary)
    if shown and stored.kind == Kind.REFORM and shown["checked_on"]:
        shown["checked_on"] = datetime.date.fromisoformat(shown["checked_on"])
    if shown.get("rows"):
        shown["rows"] = [
            {**row, "now": _shown_figure(row["now"]), "after": _shown_figure(row["after"])} for row in shown["rows"]
        ]
    if shown:
        context.update(checked=shown, counts=shown["counts"], rows=shown.get("rows"), more=shown.get("more"))
    return render(request, "indicators/reporting/opendata_preview.html", context)


@login_required
def status(request, pk: int):
    """The upload's status and progress as JSON, for the preview page's script (static/js/opendata-progress.js)."""
    stored, _source = _stored(request, pk, deferred=("problems", "summary"))
    return JsonResponse(
        {
            "status": stored.status,
            "progress": stored.progress,
            "working": stored.status in WORKING,
            "text": _progress_text(stored),
        }
    )
