"""Writing the annual report and the good examples: planners write, approvers publish reports, coordinators
publish examples. Every view checks access on the server; what a user may not see answers 404."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from indicators.access import Access, access_for, municipality_for_user, object_for_user
from indicators.models import IndicatorValue, Municipality, ValueStatus
from plans.annual_report import report_places
from plans.forms import GoodExampleForm, ReportTextsForm, ReturnForm
from plans.models import AnnualReport, ExampleStatus, GoodExample
from plans.services import TextConflict, publish_report, save_example, save_report_texts, set_example_status

logger = logging.getLogger(__name__)


@login_required
def report_edit(request, code: str, year: int):
    """Write the report's texts; an approver also publishes the report from here."""
    municipality, access = municipality_for_user(request, code, may=Access.can_write_report, year=year)
    report = AnnualReport.objects.filter(municipality=municipality, year=year).first()
    groups = report_places(municipality, year, report)
    places = [(p.key, p.label, p.body) for group in groups for p in group.places]
    form = ReportTextsForm(request.POST or None, places=places)
    can_publish = access.can_approve(municipality.pk)
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "publish" and not can_publish:
            raise Http404
        conflicts = {}
        if form.is_valid():
            bodies = {key: value for key, value in form.cleaned_data.items() if key != "loaded_at"}
            try:
                with transaction.atomic():
                    if report is None:
                        report, _created = AnnualReport.objects.get_or_create(municipality=municipality, year=year)
                    changed = save_report_texts(
                        report=report, bodies=bodies, user=request.user, loaded_at=form.cleaned_data["loaded_at"]
                    )
                    if action == "publish":
                        publish_report(report=report, user=request.user)
            except TextConflict as conflict:
                conflicts = conflict.texts
        if conflicts:
            # Keep what this writer typed; saving again deliberately replaces the other texts.
            data = form.data.copy()
            data["loaded_at"] = timezone.now().isoformat()
            form.data = data
            messages.error(
                request,
                _(
                    "Nothing was saved: someone else saved texts while you were writing. Compare the texts "
                    "marked below and save again to keep yours."
                ),
            )
        elif form.is_valid():
            if action == "publish":
                messages.success(request, _("The annual report is published. The public reads it as it stands now."))
            else:
                messages.success(
                    request,
                    ngettext("Saved %(count)s changed text.", "Saved %(count)s changed texts.", changed)
                    % {"count": changed},
                )
            return redirect("report_edit", municipality.kommunenummer, year)
        else:
            messages.error(request, _("Nothing was saved. Correct the fields marked below."))
    else:
        conflicts = {}
    for group in groups:
        for place in group.places:
            place.conflict = conflicts.get(place.key)
    fields = {name: form[name] for name in form.fields}
    unpublished = (
        IndicatorValue.objects.filter(municipality=municipality, year=year)
        .exclude(status=ValueStatus.PUBLISHED)
        .aggregate(count=Count("pk"))["count"]
    )
    return render(
        request,
        "plans/reports/report_edit.html",
        {
            "municipality": municipality,
            "year": year,
            "report": report,
            "groups": [(group, [(p, fields[p.key]) for p in group.places]) for group in groups],
            "loaded_at": form["loaded_at"],
            "can_publish": can_publish,
            "has_unpublished_texts": any(p.body != p.published_body for g in groups for p in g.places),
            "unpublished_values": unpublished,
        },
    )


@login_required
def my_examples(request):
    """The good examples of the user's municipalities, and for coordinators those waiting to be published."""
    access = access_for(request.user)
    own = access.municipality_ids
    coordinated = set(Municipality.objects.values_list("pk", flat=True)) if access.is_superuser else access.coordinated
    examples = (
        GoodExample.objects.filter(
            Q(municipality_id__in=own) | Q(municipality_id__in=coordinated, status__in=ExampleStatus.values[1:])
        )
        .select_related("municipality", "changed_by")
        .prefetch_related("municipality__codes")
        .order_by("-changed_at")
    )
    writable = (
        Municipality.objects.filter(pk__in=[pk for pk in own if access.can_enter(pk)])
        .prefetch_related("codes")
        .order_by("name")
    )
    rows = [
        {
            "example": example,
            "can_edit": access.can_enter(example.municipality_id) and example.status == ExampleStatus.DRAFT,
            "can_review": example.municipality_id in coordinated and example.status != ExampleStatus.DRAFT,
        }
        for example in examples
    ]
    return render(
        request,
        "plans/reports/my_examples.html",
        {"rows": rows, "writable": writable, "return_form": ReturnForm(), "is_coordinator": bool(coordinated)},
    )


def _example_form_page(request, form, municipality, example=None):
    if request.method == "POST" and form.is_valid():
        submit = request.POST.get("action") == "submit"
        try:
            example = save_example(form=form, user=request.user, submit=submit)
        except OSError:
            logger.exception("Could not store the image of a good example")
            form.add_error(
                "image",
                _(
                    "The image could not be stored just now. Try again in a while, or save the example without "
                    "the image and add it later."
                ),
            )
        else:
            messages.success(
                request,
                _("The example is submitted; the network coordinator publishes it.")
                if submit
                else _("Saved as draft."),
            )
            return redirect("my_examples") if submit else redirect("example_edit", example.pk)
    if request.method == "POST":
        messages.error(request, _("Nothing was saved. Correct the fields marked below."))
    return render(
        request, "plans/reports/example_form.html", {"form": form, "municipality": municipality, "example": example}
    )


@login_required
def example_create(request, code: str):
    """A planner writes a new good example for her municipality."""
    municipality, access = municipality_for_user(request, code, may=Access.can_enter)
    form = GoodExampleForm(request.POST or None, request.FILES or None, municipality=municipality)
    return _example_form_page(request, form, municipality)


@login_required
def example_edit(request, pk: int):
    """A planner edits a draft example (a returned one is a draft again) and submits it."""
    example, _access = object_for_user(
        request, GoodExample.objects.select_related("municipality"), pk=pk, may=Access.can_enter
    )
    if example.status != ExampleStatus.DRAFT:
        messages.warning(request, _("A submitted or published example can be changed once the coordinator returns it."))
        return redirect("my_examples")
    form = GoodExampleForm(
        request.POST or None, request.FILES or None, instance=example, municipality=example.municipality
    )
    return _example_form_page(request, form, example.municipality, example)


@login_required
@require_POST
def example_review(request, pk: int):
    """The network coordinator publishes a submitted example, or returns one (published or not) with a reason."""
    example, _access = object_for_user(request, GoodExample.objects.all(), pk=pk, may=Access.can_coordinate)
    action = request.POST.get("action")
    if action == "publish" and example.status == ExampleStatus.SUBMITTED:
        set_example_status(example=example, status=ExampleStatus.PUBLISHED, user=request.user)
        messages.success(request, _("Published “%(title)s”.") % {"title": example.title})
    elif action == "return" and example.status != ExampleStatus.DRAFT:
        form = ReturnForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Write why the example is returned, so the planner can improve it."))
            return redirect("my_examples")
        set_example_status(
            example=example, status=ExampleStatus.DRAFT, user=request.user, review_comment=form.cleaned_data["reason"]
        )
        messages.success(request, _("Returned “%(title)s” to the planner.") % {"title": example.title})
    else:
        messages.warning(request, _("The example cannot take this step."))
    return redirect("my_examples")
