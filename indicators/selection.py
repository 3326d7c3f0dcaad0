"""Download any selection of published figures: municipalities × indicators × years, as CSV, XLSX or JSON-stat."""

from django import forms
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from indicators import exports
from indicators.importers.spreadsheet import export_xlsx
from indicators.models import FIRST_YEAR, LAST_YEAR, Indicator, IndicatorValue, Municipality, NetworkMembership

FORMATS = [
    ("csv", gettext_lazy("CSV: a table for spreadsheets, separated by semicolons")),
    ("xlsx", gettext_lazy("XLSX: an Excel workbook")),
    ("json", gettext_lazy("JSON-stat 2.0: for programs, as SSB publishes")),
]


class SelectionForm(forms.Form):
    kommune = forms.MultipleChoiceField(
        label=gettext_lazy("Municipalities"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("Choose none for every municipality."),
    )
    nettverk = forms.MultipleChoiceField(
        label=gettext_lazy("Networks"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("Every municipality that is a member today, together with those chosen below."),
    )
    indikator = forms.MultipleChoiceField(
        label=gettext_lazy("Indicators"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("Choose none for every indicator."),
    )
    # A choice of the years with published figures (set in __init__); the field itself takes any year in range, so
    # that a plain address with another year still works.
    fra = forms.IntegerField(
        label=gettext_lazy("From year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR, widget=forms.Select
    )
    til = forms.IntegerField(
        label=gettext_lazy("To year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR, widget=forms.Select
    )
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=FORMATS, initial="csv", widget=forms.RadioSelect)

    def __init__(self, *args, municipalities, indicators, networks, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipalities = {m.kommunenummer: m for m in municipalities if m.kommunenummer}
        self.fields["kommune"].choices = [
            (code, municipality_label(m, code))
            for code, m in sorted(self.municipalities.items(), key=lambda item: item[1].name)
        ]
        self.indicators = {i.code: i for i in indicators}
        self.fields["indikator"].choices = [(code, i.name) for code, i in self.indicators.items()]
        # Each network's members today, among the municipalities with published figures.
        self.networks = {
            slug: (name, [code for code, m in self.municipalities.items() if m.pk in members])
            for slug, (name, members) in networks.items()
        }
        self.fields["nettverk"].choices = [
            (
                slug,
                ngettext(
                    "Every member of %(network)s today (%(count)s municipality)",
                    "Every member of %(network)s today (%(count)s municipalities)",
                    len(codes),
                )
                % {"network": name, "count": len(codes)},
            )
            for slug, (name, codes) in self.networks.items()
            if codes
        ]

    def offer_years(self, years) -> None:
        """Offer the years with published figures (oldest first) in the choices of the first and last year."""
        years = list(years)
        # The years as text: a number would be shown with a thousands separator ("2 023").
        choices = [(y, str(y)) for y in years]
        self.fields["fra"].widget.choices = [("", _("The first year with figures")), *choices]
        self.fields["til"].widget.choices = [("", _("The last year with figures")), *choices[::-1]]

    def member_names(self, slug: str) -> list[str]:
        """The names of the network's members today, as the form offers them."""
        return [self.municipalities[code].name for code in self.networks.get(slug, ("", []))[1]]

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("fra"), cleaned.get("til")
        if first and last and first > last:
            self.add_error("til", _("The last year cannot come before the first year."))
        return cleaned

    def chosen_codes(self) -> list[str]:
        """The municipality numbers chosen, one by one or as a network's members; empty for every municipality."""
        codes = dict.fromkeys(self.cleaned_data["kommune"])
        for slug in self.cleaned_data["nettverk"]:
            codes.update(dict.fromkeys(self.networks[slug][1]))
        return list(codes)

    def values(self):
        """The values chosen (before the published filter)."""
        values = IndicatorValue.objects.all()
        data = self.cleaned_data
        codes = self.chosen_codes()
        if codes:
            values = values.filter(municipality__in=[self.municipalities[c] for c in codes])
        if data["indikator"]:
            values = values.filter(indicator__in=[self.indicators[c] for c in data["indikator"]])
        if data["fra"]:
            values = values.filter(year__gte=data["fra"])
        if data["til"]:
            values = values.filter(year__lte=data["til"])
        return values


def municipality_label(municipality: Municipality, code: str) -> str:
    """ "Rana (1833)", or for a municipality that no longer exists "Agdenes (5016, until 2019)"."""
    if municipality.dissolved:
        return _("%(name)s (%(code)s, until %(year)s)") % {
            "name": municipality.name,
            "code": code,
            "year": municipality.dissolved.year - 1,
        }
    return f"{municipality.name} ({code})"


def current_networks() -> dict[str, tuple[str, set[int]]]:
    """Every network with members today: slug → (name, the ids of its members). One query."""
    today = timezone.localdate()
    networks: dict[str, tuple[str, set[int]]] = {}
    for slug, name, municipality_id in (
        NetworkMembership.objects.filter(joined__lte=today, municipality__dissolved__isnull=True)
        .exclude(left__lt=today)
        .order_by("network__name")
        .values_list("network__slug", "network__name", "municipality_id")
    ):
        networks.setdefault(slug, (name, set()))[1].add(municipality_id)
    return networks


def download(request):
    """Choose municipalities, indicators and years, and download their published figures."""
    has_published = IndicatorValue.objects.published().filter(municipality=OuterRef("pk"))
    municipalities = Municipality.objects.filter(Exists(has_published)).prefetch_related("codes")
    form = SelectionForm(
        request.GET if "format" in request.GET else None,
        municipalities=list(municipalities),
        indicators=list(Indicator.objects.all()),
        networks=current_networks(),
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
    # The years offered are read only for the form shown: a download takes any year in range without them.
    form.offer_years(IndicatorValue.objects.published().order_by("year").values_list("year", flat=True).distinct())
    network_members = {slug: form.member_names(slug) for slug in form.networks}
    return render(
        request,
        "indicators/download.html",
        {"form": form, "network_members": network_members},
        status=400 if form.is_bound else 200,
    )
