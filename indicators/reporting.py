"""The reporting round: planners enter and submit a year's values, approvers approve, return and publish them.

Every view checks access on the server (indicators.access); a municipality the user
has no role in is a 404, not a 403, so the pages do not reveal what exists.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from indicators.access import Access, access_for, municipality_for_user, networks_coordinated, object_for_user
from indicators.entry import (
    ImportForm,
    Published,
    ValueForm,
    amount_with_unit,
    change_from,
    entry_groups,
    figure_warnings,
    hint_words,
    latest_published,
    problem_links,
    require_explanations,
    use_typed_population,
)
from indicators.grants import unseen_changes
from indicators.importers.base import MAX_PROBLEMS, ImportRejected, Problem
from indicators.importers.spreadsheet import (
    STATE_NAMES_BY_LANGUAGE,
    TEMPLATE_COLUMNS,
    Template,
    read_values,
    template_response,
)
from indicators.models import (
    FIRST_YEAR,
    NETWORK_SLUG,
    Indicator,
    IndicatorValue,
    Municipality,
    Network,
    ReportingRound,
    Role,
    Unit,
    ValueImport,
    ValueRevision,
    ValueState,
    ValueStatus,
    reporting_year,
)
from indicators.numbers import field_text, quantity, unit_label
from indicators.rounds import due_for, status_rows
from indicators.services import (
    ClosedRoundError,
    ConflictError,
    ProposedValue,
    apply_values,
    change_status,
    report_error,
)

# More work the apps on the floors above offer on "Min rapportering", beside entering, approving and reporting:
# functions of (the user's municipalities, the reporting year, her Access) that return, per municipality id, links as
# (label, address). An app registers one in its AppConfig.ready() through offer_start_links().
START_LINKS: list[Callable[[list[Municipality], int, Access], dict[int, list[tuple[str, str]]]]] = []


def offer_start_links(offer) -> None:
    """Add links per municipality to "Min rapportering" (see START_LINKS)."""
    if offer not in START_LINKS:
        START_LINKS.append(offer)


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
    municipalities = list(municipalities)
    is_coordinator = access.is_superuser or access.is_coordinator
    # The floors above offer more work per municipality (plans: the climate measures' statuses).
    more_links: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for offer in START_LINKS:
        for pk, links in offer(municipalities, year, access).items():
            more_links[pk].extend(links)
    rows = [
        {
            "municipality": m,
            "roles": sorted(access.roles.get(m.pk, set())),
            "can_enter": access.can_enter(m.pk),
            "can_approve": access.can_approve(m.pk),
            "more_links": more_links.get(m.pk, []),
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
            "is_coordinator": is_coordinator,
            "statuses": ValueStatus.choices,
            "access_notices": unseen_changes(request.user),
            # What the open rounds ask of her as a planner, and, for a coordinator, her networks' rounds.
            "due": due_for(
                request.user, {m.pk: m for m in municipalities if Role.PLANNER in access.roles.get(m.pk, ())}
            ),
            "rounds": (
                ReportingRound.objects.filter(network__in=networks_coordinated(request.user))
                .select_related("network")
                .order_by("-year", "network__name")[:10]
                if is_coordinator
                else []
            ),
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
    frozen = ReportingRound.objects.frozen_cells(
        indicator_ids={row.indicator.pk for row in rows}, municipality_ids={municipality.pk}, years={year}
    )
    for row in rows:
        row.in_closed_round = (row.indicator.pk, municipality.pk, year) in frozen
    summary = None
    if request.method == "POST":
        if not can_enter:
            raise Http404
        action = request.POST.get("action")
        for row in rows:
            row.form = ValueForm(request.POST, row=row, prefix=f"i{row.indicator.pk}")
        # Check every form, not just up to the first invalid one, so every error is shown at once.
        results = [row.form.is_valid() for row in rows]
        use_typed_population(rows)
        if action == "submit":
            require_explanations(rows)
        if all(results) and not any(row.form.errors for row in rows):
            summary = _save_entries(request, municipality, year, rows, action)
            if summary is None:
                return redirect("entry", municipality.kommunenummer, year)
        else:
            summary = {"title": _("Nothing was saved")}
        summary["problems"] = problem_links(rows)
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
            "summary": summary,
            "hint_words": hint_words(),
            "in_closed_round": bool(frozen),
        },
    )


def _save_entries(request, municipality, year, rows, action) -> dict | None:
    """Save the changed values (every form valid) as drafts and, for action "submit", submit every draft.

    Return None when saved, or the error summary's title and lead when nothing was saved.
    """
    submitting = action == "submit"
    proposed = []
    for row in rows:
        form = row.form
        if form.is_blank:
            continue
        data = form.cleaned_data
        comment = data["comment"].strip()
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
    try:
        with transaction.atomic():
            result = apply_values(
                proposed=proposed, user=request.user, source=_("Entered in the portal"), reason=_("Entered")
            )
            reported = 0
            for row in rows:
                if row.form.reported_error:
                    report_error(row.value, text=row.form.reported_error, user=request.user)
                    reported += 1
            submitted, sent = 0, set()
            if submitting:
                drafts = IndicatorValue.objects.filter(municipality=municipality, year=year, status=ValueStatus.DRAFT)
                sent = set(drafts.values_list("indicator_id", flat=True))
                submitted = change_status(
                    values=drafts, status=ValueStatus.SUBMITTED, user=request.user, reason=_("Submitted for approval")
                )
    except ClosedRoundError as error:
        # Closed while she was editing: the page now asks for the reasons.
        for row in rows:
            if any(p.indicator_id == row.indicator.pk for p in error.proposals):
                row.in_closed_round = True
                row.form.add_error("reason", _("The reporting round is closed: say why this figure changes."))
        return {"title": _("Nothing was saved"), "lead": _("The reporting round closed while you were editing.")}
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
        return {
            "title": _("Nothing was saved"),
            "lead": _(
                "Someone else changed values while you were editing. Compare the values marked below and save "
                "again to keep yours."
            ),
        }
    if submitting:
        warned = sum(1 for row in rows if row.indicator.pk in sent and row.form.warnings())
        if submitted:
            message = ngettext(
                "%(count)s figure is saved and submitted for approval.",
                "%(count)s figures are saved and submitted for approval.",
                submitted,
            ) % {"count": submitted}
        else:
            message = _("Saved. There were no drafts to submit.")
        if warned:
            message += " " + ngettext(
                "%(count)s of them carries a warning; the approver sees it with your comment.",
                "%(count)s of them carry warnings; the approver sees them with your comments.",
                warned,
            ) % {"count": warned}
    else:
        warned = sum(1 for row in rows if row.form.warnings())
        # A comment on the source's figure is saved, but the figure stays published: it is no draft.
        commented = sum(
            1
            for row in rows
            if row.is_official and row.form.cleaned_data.get("comment", "").strip() != row.value.comment
        )
        drafts = result.written - commented
        message = ngettext("Saved %(count)s value as draft.", "Saved %(count)s values as drafts.", drafts) % {
            "count": drafts
        }
        if commented:
            message = (message + " " if drafts else "") + ngettext(
                "Your comment on the source's figure is saved.",
                "Your %(count)s comments on the source's figures are saved.",
                commented,
            ) % {"count": commented}
        if warned:
            message += " " + ngettext(
                "%(count)s figure on the page carries a warning: explain it before you submit.",
                "%(count)s figures on the page carry warnings: explain them before you submit.",
                warned,
            ) % {"count": warned}
    if reported:
        sent_on = ngettext(
            "Your error report is sent to the network's coordinators.",
            "Your %(count)s error reports are sent to the network's coordinators.",
            reported,
        ) % {"count": reported}
        # Only an error reported: "Saved 0 values as drafts" would leave the planner wondering what happened.
        message = sent_on if not submitting and not result.written else f"{message} {sent_on}"
    messages.success(request, message)
    return None


# The longest reason for returning a figure the approver's page takes: a sentence or two for the planner.
RETURN_REASON_LENGTH = 1000


@dataclass
class ReviewRow:
    """One figure on the approver's page, with what she needs to judge it: the last published figure, the change
    from it, the plausibility warnings and the planner's comment; and, after a post, her choice and reason."""

    value: IndicatorValue
    published: Published | None
    chosen: bool = False
    reason: str = ""
    error: str = ""

    @property
    def amount(self) -> Decimal | None:
        return self.value.value if self.value.state == ValueState.REPORTED else None

    @property
    def change(self):
        return change_from(self.value.indicator, self.amount, self.value.population, self.published)

    @property
    def warnings(self) -> list[str]:
        amount = self.amount
        if amount is None:
            return []
        return figure_warnings(self.value.indicator, amount, self.value.population, self.published)


@login_required
def review(request, code: str, year: int):
    """An approver's view of the year: approve or return submitted values, publish approved ones."""
    municipality, access = municipality_for_user(request, code, may=Access.can_approve, year=year)
    values = (
        IndicatorValue.objects.filter(municipality=municipality, year=year)
        .exclude(status=ValueStatus.DRAFT)
        .exclude(is_official=True)  # the source's figures are published as the source published them
        .select_related("indicator", "changed_by")
        .with_population()
        .order_by("indicator__order", "indicator__code")
    )
    rows = [ReviewRow(value, None) for value in values]
    published = latest_published(municipality, year, {row.value.indicator_id: row.value.indicator for row in rows})
    for row in rows:
        row.published = published.get(row.value.indicator_id)
    summary = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("approve", "return", "publish"):
            raise Http404
        chosen_ids = set(request.POST.getlist("value"))
        for row in rows:
            row.chosen = str(row.value.pk) in chosen_ids
            row.reason = request.POST.get(f"reason-{row.value.pk}", "").strip()
        chosen = [row for row in rows if row.chosen]
        if not chosen:
            messages.warning(request, _("Choose one or more figures first."))
            return redirect("review", municipality.kommunenummer, year)
        if action == "return":
            summary = _check_reasons(chosen)
        if summary is None:
            _move(request, action, chosen)
            return redirect("review", municipality.kommunenummer, year)
    counts = dict.fromkeys(ValueStatus.values, 0)
    for row in rows:
        counts[row.value.status] += 1
    return render(
        request,
        "indicators/reporting/review.html",
        {"municipality": municipality, "year": year, "rows": rows, "counts": counts, "summary": summary},
    )


def _check_reasons(chosen: list[ReviewRow]) -> dict | None:
    """Give each chosen row without a usable reason its error; return the error summary, or None when all have one."""
    problems = []
    for row in chosen:
        name = row.value.indicator.name
        if row.value.status == ValueStatus.PUBLISHED:
            continue  # published figures are not returned; _move() says so
        if not row.reason:
            row.error = _("Write why you return this figure, so the planner can correct it.")
        elif len(row.reason) > RETURN_REASON_LENGTH:
            row.error = _("Write the reason in at most %(max)s characters (it has %(count)s).") % {
                "max": RETURN_REASON_LENGTH,
                "count": len(row.reason),
            }
        if row.error:
            problems.append({"target": f"reason-{row.value.pk}", "text": f"{name}: {row.error}"})
    if not problems:
        return None
    return {"title": _("Nothing was returned"), "problems": problems}


def _move(request, action: str, chosen: list[ReviewRow]) -> None:
    """Take the step on every chosen figure that can take it, and say plainly what happened to the others."""
    user = request.user
    steps = {
        # action: (the status a figure must have, the status it moves to)
        "approve": (ValueStatus.SUBMITTED, ValueStatus.APPROVED),
        "publish": (ValueStatus.APPROVED, ValueStatus.PUBLISHED),
        "return": (None, ValueStatus.DRAFT),
    }
    required, target = steps[action]
    if action == "return":
        able = [row for row in chosen if row.value.status != ValueStatus.PUBLISHED]
    else:
        able = [row for row in chosen if row.value.status == required]
    left = [row for row in chosen if row not in able]
    moved = 0
    with transaction.atomic():
        if action == "return":
            # Each figure goes back with its own reason, which the planner reads beside it.
            for row in able:
                moved += change_status(
                    values=IndicatorValue.objects.filter(pk=row.value.pk).exclude(status=ValueStatus.PUBLISHED),
                    status=target,
                    user=user,
                    reason=row.reason,
                    review_comment=row.reason,
                )
        elif able:
            moved = change_status(
                values=IndicatorValue.objects.filter(pk__in=[row.value.pk for row in able], status=required),
                status=target,
                user=user,
                reason=_("Approved") if action == "approve" else _("Published"),
            )
    if moved:
        done = {
            "approve": ngettext(
                "Approved %(count)s figure. Publish it when it may be shown to the public.",
                "Approved %(count)s figures. Publish them when they may be shown to the public.",
                moved,
            ),
            "publish": ngettext(
                "Published %(count)s figure: the public pages show it now.",
                "Published %(count)s figures: the public pages show them now.",
                moved,
            ),
            "return": ngettext(
                "Returned %(count)s figure to the planner with your reason.",
                "Returned %(count)s figures to the planner with your reasons.",
                moved,
            ),
        }[action]
        messages.success(request, done % {"count": moved})
    # Say plainly what happened to the chosen figures that could not take the step, and why.
    if action == "approve":
        _tell(request, left, _("Already approved: %(names)s."))
    elif action == "publish":
        already = [row for row in left if row.value.status == ValueStatus.PUBLISHED]
        waiting = [row for row in left if row not in already]
        _tell(
            request,
            waiting,
            ngettext(
                "Not published, because it is not approved yet: %(names)s. Approve it first, then publish it.",
                "Not published, because they are not approved yet: %(names)s. Approve them first, then publish them.",
                len(waiting),
            ),
        )
        _tell(request, already, _("Already published: %(names)s."))
    else:
        _tell(
            request,
            left,
            ngettext(
                "Not returned, because it is published: %(names)s. The planner changes a published figure on the "
                "entry page, with a reason.",
                "Not returned, because they are published: %(names)s. The planner changes a published figure on "
                "the entry page, with a reason.",
                len(left),
            ),
        )


def _tell(request, rows: list[ReviewRow], message: str) -> None:
    """Warn about the rows (if any) with the message, naming their indicators."""
    if rows:
        messages.warning(request, message % {"names": ", ".join(row.value.indicator.name for row in rows)})


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
    rows = status_rows(municipalities, indicators, year)
    missing = _("Not entered")
    totals = dict.fromkeys([*ValueStatus.values, "missing"], 0)
    # Who has not reported comes first: the fewest figures entered, then the fewest sent on.
    behind = sorted(
        (row for row in rows if row["counts"]["missing"]),
        key=lambda row: (row["entered"], row["sent"], row["municipality"].name),
    )
    # What the members believe is wrong in the source's figures, for the coordinator to take up with the source.
    reported_errors = (
        IndicatorValue.objects.filter(municipality__in=municipalities, is_official=True)
        .exclude(error_report="")
        .select_related("indicator", "municipality", "error_reported_by")
        .order_by("-error_reported_at")
    )
    only_missing = request.GET.get("vis") == "mangler"
    shown = behind if only_missing else rows
    for row in shown:
        for status, count in row["counts"].items():
            totals[status] += count
    return render(
        request,
        "indicators/reporting/overview.html",
        {
            "year": year,
            "network": network,
            "indicators": indicators,
            "rows": shown,
            "behind": behind,
            "complete": len(rows) - len(behind),
            "member_count": len(rows),
            "only_missing": only_missing,
            "reported_errors": reported_errors,
            "totals": totals,
            "legend": [*ValueStatus.choices, ("missing", missing)],
            "years": range(reporting_year(), reporting_year() - 5, -1),
            # The year's round, with its deadline; its coordinators follow it on its own page.
            "round": ReportingRound.objects.filter(network=network, year=year).first(),
            "runs_rounds": access.is_superuser or access.is_coordinator,
        },
    )


def _template(municipality, year) -> Template:
    """The import template, in the planner's language: every indicator she reports for the year, with any figure
    already stored. The population is left out: it comes from SSB."""
    language = (get_language() or "nb")[:2]
    states = STATE_NAMES_BY_LANGUAGE.get(language, STATE_NAMES_BY_LANGUAGE["nb"])
    rows = [list(TEMPLATE_COLUMNS)]
    code = municipality.kommunenummer
    for group in entry_groups(municipality, year):
        for row in group.rows:
            indicator, value = row.indicator, row.value
            if indicator.is_population:
                continue
            rows.append(
                [
                    code,
                    indicator.code,
                    indicator.name,
                    template_unit(indicator),
                    year,
                    value.value if value else None,
                    "" if value is None or value.state == ValueState.REPORTED else states[value.state],
                    value.comment if value else "",
                ]
            )
    names = ", ".join(states.values())
    return Template(
        title=_("Figures %(year)s") % {"year": year},
        rows=rows,
        instructions_title=_("Instructions"),
        instructions=[
            _("How to fill in the figures for %(municipality)s, %(year)s")
            % {"municipality": municipality.name, "year": year},
            _(
                "Write each figure in the column “verdi”, one row per indicator. Do not change the columns "
                "kommunenummer, indikator and år: they tell the portal which figure a row is."
            ),
            _("The columns indikatornavn and enhet tell you what each row is and which unit to write it in."),
            _(
                "Where the unit says “total for the municipality”, write the total amount, for example tonnes of "
                "household waste or km² of built-up land. The portal divides it by the population and shows the "
                "figure per inhabitant."
            ),
            _("The population is not in the template: the portal takes it from Statistics Norway (SSB)."),
            _("Numbers may be written 1 234,5 or 1234.5. A share in per cent is at most 100."),
            _(
                "If there is no figure, leave “verdi” empty and choose in “tilstand”: %(states)s. Leave “tilstand” "
                "empty when you write a figure."
            )
            % {"states": names},
            _(
                "Write in “kommentar” what moved since last year, and why. A figure that looks implausible needs a "
                "comment before it is submitted."
            ),
            _(
                "Upload the file on the import page. The portal shows every change, or every problem, before "
                "anything is stored. Imported figures become drafts, which you submit for approval on the entry page."
            ),
        ],
        states=list(states.values()),
        state_prompt=_("Leave empty when you write a figure; otherwise choose why there is none: %(states)s.")
        % {"states": names},
        state_error=_("Choose one of these: %(states)s. Or leave the cell empty.") % {"states": names},
    )


def template_unit(indicator: Indicator) -> str:
    """What the template's enhet column says: the unit to write, and for a total what the portal computes."""
    if indicator.is_per_inhabitant:
        return _("%(amount_unit)s, total for the municipality (the portal computes %(unit)s)") % {
            "amount_unit": indicator.get_amount_unit_display(),
            "unit": unit_label(indicator),
        }
    if indicator.unit == Unit.PERCENT:
        return _("per cent (at most 100)")
    return indicator.get_unit_display()


@login_required
def import_template(request, code: str, year: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    municipality, access = municipality_for_user(request, code, may=Access.can_enter, year=year)
    return template_response(_template(municipality, year), f"livskraft-{municipality.kommunenummer}-{year}", fmt)


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


def _import_populations(rows) -> dict[tuple[int, int], Decimal]:
    """The population each row's per-inhabitant figure divides by: one typed in the file itself, as on the entry
    page, else the one stored for the municipality and year (one query)."""
    wanted = {(r.municipality_id, r.year) for r in rows if r.indicator.is_per_inhabitant}
    if not wanted:
        return {}
    stored = IndicatorValue.objects.filter(
        indicator__is_population=True,
        state=ValueState.REPORTED,
        municipality_id__in={m for m, _year in wanted},
        year__in={y for _m, y in wanted},
    ).values_list("municipality_id", "year", "value")
    populations = {(m, y): people for m, y, people in stored}
    for row in rows:
        if row.indicator.is_population:
            if row.state == ValueState.REPORTED:
                populations[(row.municipality_id, row.year)] = row.value
            else:
                populations.pop((row.municipality_id, row.year), None)
    return populations


def _preview_text(amount, state_label: str, indicator: Indicator, population) -> dict:
    """A figure in the import preview: the amount with its unit and, for a per-inhabitant indicator, the figure per
    inhabitant it gives (or why it gives none yet)."""
    if amount is None:
        return {"amount": state_label}
    text = {"amount": amount_with_unit(amount, indicator)}
    if indicator.is_per_inhabitant:
        figure = indicator.per_inhabitant(amount, population)
        text["figure"] = quantity(figure, indicator) if figure is not None else None
    return text


def _official_problems(rows, existing) -> list[Problem]:
    """A row that would change the source's own figure (official statistics): the spreadsheet cannot change it."""
    problems = []
    for row in rows:
        current = existing.get((row.municipality_id, row.indicator.pk, row.year))
        if current is not None and current.changes_official(row.state, row.value):
            problems.append(
                Problem(
                    _(
                        "%(indicator)s %(year)s is the source's official figure (%(source)s) and cannot be changed "
                        "here. Leave the row out, or report an error in the figure on the year's page."
                    )
                    % {"indicator": row.indicator.name, "year": row.year, "source": current.source},
                    line=row.line,
                )
            )
    return problems


def _closed_round_problems(rows, existing) -> list[Problem]:
    """A row that would change a figure a closed reporting round holds: that takes a reason, on the entry page."""
    frozen = ReportingRound.objects.frozen_cells(
        indicator_ids={r.indicator.pk for r in rows},
        municipality_ids={r.municipality_id for r in rows},
        years={r.year for r in rows},
    )
    problems = []
    for row in rows:
        key = (row.indicator.pk, row.municipality_id, row.year)
        current = existing.get((row.municipality_id, row.indicator.pk, row.year))
        if key in frozen and (current is None or (current.state, current.value) != (row.state, row.value)):
            problems.append(
                Problem(
                    _(
                        "%(indicator)s %(year)s belongs to a closed reporting round and cannot be changed from a "
                        "spreadsheet. Leave the row out, and change the figure on the year's page with a reason."
                    )
                    % {"indicator": row.indicator.name, "year": row.year},
                    line=row.line,
                )
            )
    return problems


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
    existing = {
        (v.municipality_id, v.indicator_id, v.year): v
        for v in IndicatorValue.objects.filter(
            municipality_id__in={r.municipality_id for r in rows},
            indicator_id__in={r.indicator.pk for r in rows},
            year__in={r.year for r in rows},
        )
    }
    problems += _official_problems(rows, existing)
    problems += _closed_round_problems(rows, existing)
    if request.method == "POST" and stored.confirmed_at is not None:
        messages.info(request, _("This file has already been imported; nothing was changed."))
        return redirect("import_preview", stored.pk)
    if request.method == "POST" and not problems:
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
            # Only an unconfirmed upload is imported, once: of two confirmations sent at once, the second waits for
            # the first's row lock here and then finds the upload confirmed.
            if not ValueImport.objects.filter(pk=stored.pk, confirmed_at=None).update(
                confirmed_at=timezone.now(), rows=len(rows)
            ):
                messages.info(request, _("This file has already been imported; nothing was changed."))
                return redirect("import_preview", stored.pk)
            result = apply_values(
                proposed=proposed, user=request.user, source=stored.source, reason=_("Imported from a spreadsheet")
            )
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
    populations = _import_populations(rows)
    preview = []
    for row in rows:
        current = existing.get((row.municipality_id, row.indicator.pk, row.year))
        population = populations.get((row.municipality_id, row.year))
        preview.append(
            {
                "row": row,
                "current": current,
                "current_text": _preview_text(current.value, current.get_state_display(), row.indicator, population)
                if current
                else None,
                "file_text": _preview_text(row.value, row.state_label, row.indicator, population),
            }
        )
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
