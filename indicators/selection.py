"""Download any selection of published figures: municipalities × indicators × years, as CSV, XLSX or JSON-stat."""

from django import forms
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators import exports
from indicators.importers.spreadsheet import export_xlsx
from indicators.models import FIRST_YEAR, LAST_YEAR, Indicator, IndicatorValue, Municipality

FORMATS = [("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON-stat 2.0")]


class SelectionForm(forms.Form):
    kommune = forms.MultipleChoiceField(
        label=gettext_lazy("Municipalities"),
        required=False,
        help_text=gettext_lazy("Choose none for every municipality. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    indikator = forms.MultipleChoiceField(
        label=gettext_lazy("Indicators"), required=False, help_text=gettext_lazy("Choose none for every indicator.")
    )
    fra = forms.IntegerField(label=gettext_lazy("From year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    til = forms.IntegerField(label=gettext_lazy("To year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS, initial="csv", widget=forms.RadioSelect)

    def __init__(self, *args, municipalities, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = {m.kommunenummer: m for m in municipalities if m.kommunenummer}
        self.fields["kommune"].choices = [
            (code, f"{m.name} ({code})" + (f", {_('until')} {m.dissolved.year - 1}" if m.dissolved else ""))
            for code, m in sorted(self.municipalities.items(), key=lambda item: item[1].name)
        ]
        self.fields["kommune"].widget.attrs["size"] = 10
        self.indicators = {i.code: i for i in indicators}
        self.fields["indikator"].choices = [(code, i.name) for code, i in self.indicators.items()]
        self.fields["indikator"].widget.attrs["size"] = min(10, max(len(self.indicators), 2))

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("fra"), cleaned.get("til")
        if first and last and first > last:
            self.add_error("til", _("The last year cannot come before the first year."))
        return cleaned

    def values(self):
        """The values chosen (before the published filter)."""
        values = IndicatorValue.objects.all()
        data = self.cleaned_data
        if data["kommune"]:
            values = values.filter(municipality__in=[self.municipalities[c] for c in data["kommune"]])
        if data["indikator"]:
            values = values.filter(indicator__in=[self.indicators[c] for c in data["indikator"]])
        if data["fra"]:
            values = values.filter(year__gte=data["fra"])
        if data["til"]:
            values = values.filter(year__lte=data["til"])
        return values


def download(request):
    """Choose municipalities, indicators and years, and download their published figures."""
    has_published = IndicatorValue.objects.published().filter(municipality=OuterRef("pk"))
    municipalities = Municipality.objects.filter(Exists(has_published)).prefetch_related("codes")
    form = SelectionForm(
        request.GET if "format" in request.GET else None,
        municipalities=list(municipalities),
        indicators=list(Indicator.objects.all()),
    )
    if form.is_bound and form.is_valid():
        records = exports.published_records(form.values())
        fmt = form.cleaned_data["format"]
        if fmt == "json":
            return exports.response(
                exports.records_jsonstat(records, title=_("Livskraft: a selection")), "livskraft-utvalg"
            )
        rows = exports.table_rows(records)
        if fmt == "xlsx":
            reply = HttpResponse(
                export_xlsx(list(rows)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            reply["Content-Disposition"] = 'attachment; filename="livskraft-utvalg.xlsx"'
            return reply
        return exports.csv_response(rows, "livskraft-utvalg.csv")
    return render(request, "indicators/download.html", {"form": form}, status=400 if form.is_bound else 200)
