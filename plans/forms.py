"""Forms for the annual report's texts and the good examples."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import FIRST_YEAR, Indicator
from livskraft.templatetags.livskraft import format_number
from plans.models import FocusArea, GoodExample

MAX_TEXT_LENGTH = 10_000
# The image formats taken for good examples (as Pillow names them): the file suffix each is stored with,
# and the type the browser is told when it is served.
IMAGE_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
MARKDOWN_HELP = gettext_lazy(
    "Markdown: a blank line starts a new paragraph; **bold**, *italic*, lines starting with - make a list, "
    "[text](https://…) a link. HTML is shown as text."
)


class ReportTextsForm(forms.Form):
    """One Markdown field per text of the report, keyed as ReportText.key; the places come from the caller."""

    # When the writer opened the texts: a text someone else saved after that is a conflict (see save_report_texts).
    loaded_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, places: list[tuple[str, str, str]], **kwargs):
        """places: (key, label, current text) for every text the report has room for."""
        super().__init__(*args, **kwargs)
        self.fields["loaded_at"].initial = timezone.now()
        for key, label, current in places:
            self.fields[key] = forms.CharField(
                label=label,
                required=False,
                initial=current,
                max_length=MAX_TEXT_LENGTH,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 4 if key == "introduction" else 3, "data-markdown": ""}),
                help_text=MARKDOWN_HELP if key == "introduction" else "",
            )


class GoodExampleForm(forms.ModelForm):
    """A planner's good example; the focus areas and indicators offered are her municipality's."""

    class Meta:
        model = GoodExample
        fields = ["title", "year", "text", "image", "image_alt", "focus_area", "indicators"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 8, "data-markdown": ""}),
            "indicators": forms.CheckboxSelectMultiple,
            "image": forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        }

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality
        self.fields["focus_area"].queryset = (
            FocusArea.objects.filter(plan__municipality=municipality).select_related("plan").order_by("plan", "order")
        )
        self.fields["focus_area"].label_from_instance = lambda area: f"{area.title} ({area.plan.title})"
        self.fields["indicators"].queryset = Indicator.objects.filter(is_population=False)
        self.fields["indicators"].label_from_instance = lambda indicator: indicator.name
        self.fields["text"].help_text = MARKDOWN_HELP
        self.fields["text"].max_length = MAX_TEXT_LENGTH

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if not FIRST_YEAR <= year <= this_year:
            raise forms.ValidationError(
                _("The year must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": this_year}
            )
        return year

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not image or not hasattr(image, "image"):
            return image  # unchanged, or cleared
        limit = settings.LIVSKRAFT_MAX_IMAGE_BYTES
        if image.size > limit:
            raise forms.ValidationError(
                _("The image is %(size)s MB; the largest image the portal takes is %(limit)s MB.")
                % {"size": format_number(image.size / 2**20, 1), "limit": format_number(limit / 2**20, 0)}
            )
        if image.image.format not in IMAGE_FORMATS:
            raise forms.ValidationError(_("Choose a JPEG, PNG or WebP image."))
        suffix, _type = IMAGE_FORMATS[image.image.format]
        image.name = f"image.{suffix}"  # named by what the file is, not by what the uploader called it
        return image

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image")
        if image and not (cleaned.get("image_alt") or "").strip():
            self.add_error("image_alt", _("Describe the image for readers who cannot see it."))
        return cleaned


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The planner sees this beside the example."),
    )
