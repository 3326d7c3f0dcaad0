"""The reporting round: planners enter and submit a year's values, approvers approve, return and publish them.

Every view checks access on the server (indicators.access); a municipality the user
has no role in is a 404, not a 403, so the pages do not reveal what exists.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators.access import Access, access_for, municipality_for_user, object_for_user
from indicators.entry import ImportForm, ValueForm, entry_groups
from indicators.importers.base import MAX_PROBLEMS, ImportRejected
from indicators.importers.spreadsheet import COLUMNS, STATE_NAMES, download_response, read_values
from indicators.models import (
    FIRST_YEAR,
    NETWORK_SLUG,
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    ValueImport,
    ValueRevision,
    ValueState,
    ValueStatus,
    reporting_year,
)
from indicators.numbers import field_text
from indicators.services import ConflictError, ProposedValue, apply_values, change_status


@login_required
def start(request):
    """List the municipalities the user works with, each with its reporting status for the reporting year."""
    access = access_for(request.user)
    year = reporting_year()
    ids = access.municipality_ids | access.coordinated
    municipalities = Municipality.objects.all() if access.is_superuser else Municipality.objects.filter(pk__in=ids)
    municipalities = (
        municipalities.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=datetime.date(year, 1, 1)))
        .prefetch_related("codes")
        .annotate(
            **{
                f"count_{status}": Count("values", filter=Q(values__year=year, values__status=status))
                for status in ValueStatus.values
            }
        )
        .order_by("name")
    )
    rows = [
        {
            "municipality": m,
            "roles": sorted(access.roles.get(m.pk, set())),
            "can_enter": access.can_enter(m.pk),
            "can_approve": access.can_approve(m.pk),
            "counts": {status: getattr(m, f"count_{status}") for status in ValueStatus.values},
        }
        for m in municipalities
    ]
    return render(
        request,
        "indicators/reporting/start.html",
        {
            "year": year,
            "rows": rows,
            "indicator_count": Indicator.objects.count(),
            "sees_overview": access.sees_reporting_overview,
            "is_coordinator": access.is_superuser or access.is_coordinator,
            "statuses": ValueStatus.choices,
        },
    )


@login_required
def entry(request, code: str, year: int):
    """A municipality's year: every indicator it tracks, to enter, save as draft and submit for approval."""
    municipality, access = municipality_for_user(request, code, may=Access.can_read, year=year)
    if code != municipality.kommunenummer:
        return redirect("entry", municipality.kommunenummer, year)
    can_enter = access.can_enter(municipality.pk)
    groups = entry_groups(municipality, year)
    rows = [row for group in groups for row in group.rows]
    if request.method == "POST":
        if not can_enter:
            raise Http404
        action = request.POST.get("action")
        for row in rows:
            row.form = ValueForm(request.POST, row=row, prefix=f"i{row.indicator.pk}")
        # Check every form, not just up to the first invalid one, so every error is shown at once.
        results = [row.form.is_valid() for row in rows]
        valid = all(results)
        if not valid:
            messages.error(request, _("Nothing was saved. Correct the fields marked below."))
        elif _save_entries(request, municipality, year, rows, action):
            return redirect("entry", municipality.kommunenummer, year)
    else:
        for row in rows:
            initial = {"state": ValueState.REPORTED, "version": 0}
            if row.value is not None:
                initial = {
                    "state": row.value.state,
                    "value": field_text(row.value.value),
                    "comment": row.value.comment,
                    "version": row.value.version,
                }
            row.form = ValueForm(initial=initial, row=row, prefix=f"i{row.indicator.pk}")
    counts = dict.fromkeys(ValueStatus.values, 0)
    for row in rows:
        if row.value is not None:
            counts[row.value.status] += 1
    return render(
        request,
        "indicators/reporting/entry.html",
        {
            "municipality": municipality,
            "year": year,
            "groups": groups,
            "can_enter": can_enter,
            "can_approve": access.can_approve(municipality.pk),
            "counts": counts,
            "not_entered": sum(1 for row in rows if row.value is None),
            "has_errors": request.method == "POST",
        },
    )


def _save_entries(request, municipality, year, rows, action) -> bool:
    """Save the changed values as drafts and, for action "submit", submit every draft; False on a problem."""
    submitting = action == "submit"
    proposed = []
    for row in rows:
        form = row.form
        if form.is_blank:
            continue
        data = form.cleaned_data
        comment = data["comment"].strip()
        if submitting and form.warnings() and not comment:
            form.add_error("comment", _("Explain the figure before you submit it: it looks implausible."))
        proposed.append(
            ProposedValue(
                indicator_id=row.indicator.pk,
                municipality_id=municipality.pk,
                year=year,
                value=data["value"],
                state=data["state"],
                comment=comment,
                expected_version=data["version"],
                reason=data["reason"].strip() or None,
            )
        )
    if any(row.form.errors for row in rows):
        messages.error(request, _("Nothing was saved. Correct the fields marked below."))
        return False
    try:
        with transaction.atomic():
            result = apply_values(
                proposed=proposed, user=request.user, source=_("Entered in the portal"), reason=_("Entered")
            )
            submitted = 0
            if submitting:
                drafts = IndicatorValue.objects.filter(municipality=municipality, year=year, status=ValueStatus.DRAFT)
                submitted = change_status(
                    values=drafts, status=ValueStatus.SUBMITTED, user=request.user, reason=_("Submitted for approval")
                )
    except ConflictError as error:
        by_indicator = {c.proposed.indicator_id: c for c in error.conflicts}
        for row in rows:
            conflict = by_indicator.get(row.indicator.pk)
            if conflict is None:
                continue
            row.conflict = conflict.stored
            # Keep what the planner typed; saving again deliberately replaces the other value.
            data = row.form.data.copy()
            data[row.form.add_prefix("version")] = conflict.stored.version if conflict.stored else 0
            row.form.data = data
            row.form.add_error(None, _("Someone else saved this value while you were editing it."))
        messages.error(
            request,
            _(
                "Nothing was saved: someone else changed values while you were editing. Compare the values "
                "marked below and save again to keep yours."
            ),
        )
        return False
    if submitting:
        messages.success(
            request,
            ngettext(
                "Saved. %(count)s value was submitted for approval.",
                "Saved. %(count)s values were submitted for approval.",
                submitted,
            )
            % {"count": submitted},
        )
    else:
        messages.success(
            request,
            ngettext("Saved %(count)s value as draft.", "Saved %(count)s values as drafts.", result.written)
            % {"count": result.written},
        )
    return True


@login_required
def review(request, code: str, year: int):
    """An approver's view of the year: approve or return submitted values, publish approved ones."""
    municipality, access = municipality_for_user(request, code, may=Access.can_approve, year=year)
    values = (
        IndicatorValue.objects.filter(municipality=municipality, year=year)
        .exclude(status=ValueStatus.DRAFT)
        .select_related("indicator", "changed_by")
        .with_population()
        .order_by("indicator__order", "indicator__code")
    )
    if request.method == "POST":
        action = request.POST.get("action")
        chosen = values.filter(pk__in=[v for v in request.POST.getlist("value") if v.isdigit()])
        reason = request.POST.get("reason", "").strip()
        if action == "approve":
            moved = change_status(
                values=chosen.filter(status=ValueStatus.SUBMITTED),
                status=ValueStatus.APPROVED,
                user=request.user,
                reason=_("Approved"),
            )
            message = ngettext("Approved %(count)s value.", "Approved %(count)s values.", moved)
        elif action == "return":
            if not reason:
                messages.error(request, _("Write why the values are returned, so the planner can correct them."))
                return redirect("review", municipality.kommunenummer, year)
            moved = change_status(
                values=chosen.exclude(status=ValueStatus.PUBLISHED),
                status=ValueStatus.DRAFT,
                user=request.user,
                reason=reason,
                review_comment=reason,
            )
            message = ngettext(
                "Returned %(count)s value to the planner.", "Returned %(count)s values to the planner.", moved
            )
        elif action == "publish":
            moved = change_status(
                values=chosen.filter(status=ValueStatus.APPROVED),
                status=ValueStatus.PUBLISHED,
                user=request.user,
                reason=_("Published"),
            )
            message = ngettext("Published %(count)s value.", "Published %(count)s values.", moved)
        else:
            raise Http404
        if moved:
            messages.success(request, message % {"count": moved})
        else:
            messages.warning(request, _("Choose one or more values that can take this step."))
        return redirect("review", municipality.kommunenummer, year)
    return render(
        request,
        "indicators/reporting/review.html",
        {"municipality": municipality, "year": year, "values": values},
    )


@login_required
def history(request, pk: int):
    """Every change to one value: who, when, old → new, and why."""
    value, _access = object_for_user(
        request,
        IndicatorValue.objects.select_related("indicator", "municipality", "changed_by").prefetch_related(
            "municipality__codes"
        ),
        pk=pk,
        may=Access.can_read,
    )
    revisions = (
        ValueRevision.objects.filter(indicator_value=value).select_related("changed_by").order_by("-changed_at", "-pk")
    )
    return render(request, "indicators/reporting/history.html", {"value": value, "revisions": revisions})


@login_required
def overview(request, year: int):
    """The network's reporting round: municipalities × indicators, each cell the value's status."""
    access = access_for(request.user)
    if not access.sees_reporting_overview or not FIRST_YEAR <= year <= reporting_year() + 1:
        raise Http404
    network = Network.objects.filter(slug=NETWORK_SLUG).first()
    if network is None:
        raise Http404
    municipalities = list(network.members_in(year).prefetch_related("codes").order_by("name"))
    indicators = list(Indicator.objects.all())
    statuses = {
        (municipality_id, indicator_id): status
        for municipality_id, indicator_id, status in IndicatorValue.objects.filter(
            year=year, municipality__in=municipalities
        ).values_list("municipality_id", "indicator_id", "status")
    }
    labels = dict(ValueStatus.choices)
    missing = _("Not entered")
    rows, totals = [], dict.fromkeys([*ValueStatus.values, "missing"], 0)
    for municipality in municipalities:
        cells, counts = [], dict.fromkeys(totals, 0)
        for indicator in indicators:
            status = statuses.get((municipality.pk, indicator.pk), "missing")
            cells.append({"status": status, "label": labels.get(status, missing), "indicator": indicator})
            counts[status] += 1
            totals[status] += 1
        rows.append({"municipality": municipality, "cells": cells, "counts": counts})
    return render(
        request,
        "indicators/reporting/overview.html",
        {
            "year": year,
            "network": network,
            "indicators": indicators,
            "rows": rows,
            "totals": totals,
            "legend": [*ValueStatus.choices, ("missing", missing)],
            "years": range(reporting_year(), reporting_year() - 5, -1),
        },
    )


def _template_rows(municipality, year) -> list[list]:
    """The import template: every indicator for the municipality and year, with any value already stored."""
    header = list(COLUMNS)
    rows = [header]
    code = municipality.kommunenummer
    for group in entry_groups(municipality, year):
        for row in group.rows:
            value = row.value
            rows.append(
                [
                    code,
                    row.indicator.code,
                    year,
                    value.value if value else None,
                    "" if value is None or value.state == ValueState.REPORTED else STATE_NAMES[value.state],
                    value.comment if value else "",
                ]
            )
    return rows


@login_required
def import_template(request, code: str, year: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    municipality, access = municipality_for_user(request, code, may=Access.can_enter, year=year)
    return download_response(_template_rows(municipality, year), f"livskraft-{municipality.kommunenummer}-{year}", fmt)


@login_required
def import_values(request, code: str, year: int):
    """Upload a spreadsheet; it is checked in full on the next page before anything is stored."""
    municipality, access = municipality_for_user(request, code, may=Access.can_enter, year=year)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        stored = ValueImport.objects.create(
            uploaded_by=request.user,
            municipality=municipality,
            year=year,
            filename=upload.name[-255:],
            content=upload.read(),
        )
        return redirect("import_preview", stored.pk)
    recent = ValueImport.objects.filter(municipality=municipality).select_related("uploaded_by").defer("content")[:10]
    return render(
        request,
        "indicators/reporting/import.html",
        {"municipality": municipality, "year": year, "form": form, "recent": recent},
    )


@login_required
def import_preview(request, pk: int):
    """Show what the file would change, or every problem in it; store it all in one transaction on confirm."""
    stored, access = object_for_user(
        request,
        ValueImport.objects.select_related("municipality"),
        pk=pk,
        uploaded_by=request.user,
        may=Access.can_enter,
    )
    municipality = stored.municipality
    problems, rows = [], []
    try:
        rows = read_values(
            bytes(stored.content), stored.filename, may_enter=access.can_enter, last_year=reporting_year() + 1
        )
    except ImportRejected as rejected:
        problems = rejected.problems
    if request.method == "POST" and not problems and stored.confirmed_at is None:
        proposed = [
            ProposedValue(
                indicator_id=row.indicator.pk,
                municipality_id=row.municipality_id,
                year=row.year,
                value=row.value,
                state=row.state,
                comment=row.comment or None,
            )
            for row in rows
        ]
        with transaction.atomic():
            result = apply_values(
                proposed=proposed, user=request.user, source=stored.source, reason=_("Imported from a spreadsheet")
            )
            stored.confirmed_at, stored.rows = timezone.now(), len(rows)
            stored.save(update_fields=["confirmed_at", "rows"])
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
        return redirect("entry", municipality.kommunenummer, stored.year)
    existing = {
        (v.municipality_id, v.indicator_id, v.year): v
        for v in IndicatorValue.objects.filter(
            municipality_id__in={r.municipality_id for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__in={r.year for r in rows},
        )
    }
    preview = [{"row": row, "current": existing.get((row.municipality_id, row.indicator.pk, row.year))} for row in rows]
    return render(
        request,
        "indicators/reporting/import_preview.html",
        {
            "stored": stored,
            "municipality": municipality,
            "problems": problems,
            "max_problems": MAX_PROBLEMS,
            "preview": preview,
        },
    )
