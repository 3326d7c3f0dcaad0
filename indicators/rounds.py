"""The reporting round's deadline: who reports for each member, what is due, the coordinator's matrix, and reminders.

A network's coordinator opens a round for a year (indicators.models.ReportingRound): its indicators, its deadline
and who reports for each member (named reporters, or else the member's planners). A member has delivered an
indicator when its figure is submitted, approved or published.

Reminders (send_reminders(), run daily by the `send_reminders` command through the task queue): each reporter of
a member that has not delivered every indicator of an open round gets at most two e-mails per round and member:

- "before": on the first run in the seven days up to and including the deadline;
- "late": on the first run after the deadline. Only once: the coordinator sees in the matrix who is still late and
  who was reminded when, and follows up herself; a weekly nag teaches people to ignore the portal's mail.

A Reminder row is written before its e-mail is sent, in one transaction, under the constraint
indicators_reminder_once: a second run (or two at once) finds the row and sends nothing. A user who has turned
reminders off (ReminderSetting) gets none. The e-mail is in the member's written form (nb or nn).
"""

import datetime
import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from indicators.models import (
    Indicator,
    IndicatorValue,
    Municipality,
    MunicipalityRole,
    NetworkMembership,
    Reminder,
    ReminderKind,
    ReminderSetting,
    ReportingRound,
    Role,
    RoundReporter,
    ValueStatus,
)

logger = logging.getLogger(__name__)

# A figure counts as delivered once the planner has submitted it.
DELIVERED = (ValueStatus.SUBMITTED, ValueStatus.APPROVED, ValueStatus.PUBLISHED)
# The first reminder goes out this long before the deadline.
REMIND_BEFORE = datetime.timedelta(days=7)
# The key of a cell with no figure yet.
NOT_STARTED = "missing"


def deadline_text(day: datetime.date) -> str:
    """The deadline as the active language writes a date: 15. mars 2027, 15 March 2027."""
    return date_format(day, "j. F Y" if (translation.get_language() or "nb")[:2] in ("nb", "nn") else "j F Y")


def status_rows(municipalities: list[Municipality], indicators: list[Indicator], year: int) -> list[dict]:
    """Each municipality's row of the status matrix: a cell per indicator, counts per status (one query).

    A row holds the municipality, its cells (status, label, indicator), its counts by status (NOT_STARTED for no
    figure), how many figures are entered and how many are sent on (submitted or further).
    """
    statuses = {
        (municipality_id, indicator_id): status
        for municipality_id, indicator_id, status in IndicatorValue.objects.filter(
            year=year, municipality__in=[m.pk for m in municipalities], indicator__in=[i.pk for i in indicators]
        ).values_list("municipality_id", "indicator_id", "status")
    }
    labels = {**dict(ValueStatus.choices), NOT_STARTED: _("Not entered")}
    rows = []
    for municipality in municipalities:
        cells, counts = [], dict.fromkeys([*ValueStatus.values, NOT_STARTED], 0)
        for indicator in indicators:
            status = statuses.get((municipality.pk, indicator.pk), NOT_STARTED)
            cells.append({"status": status, "label": labels[status], "indicator": indicator})
            counts[status] += 1
        sent = sum(counts[status] for status in DELIVERED)
        rows.append(
            {
                "municipality": municipality,
                "cells": cells,
                "counts": counts,
                "entered": len(indicators) - counts[NOT_STARTED],
                "sent": sent,
            }
        )
    return rows


def members(round: ReportingRound) -> list[Municipality]:
    """The round's members: those of its network at some point in its year, with their codes (two queries)."""
    return list(round.network.members_in(round.year).prefetch_related("codes").order_by("name"))


def reporters_by_member(round: ReportingRound, municipality_ids) -> dict[int, list]:
    """Who reports for each member: its named reporters who are still its planners, or else its planners (two
    queries)."""
    named = defaultdict(list)
    for reporter in RoundReporter.objects.filter(round=round, municipality_id__in=municipality_ids).select_related(
        "user"
    ):
        named[reporter.municipality_id].append(reporter.user)
    planners = defaultdict(list)
    for role in MunicipalityRole.objects.filter(
        municipality_id__in=municipality_ids, role=Role.PLANNER, user__is_active=True
    ).select_related("user"):
        planners[role.municipality_id].append(role.user)
    reporters = {}
    for municipality_id in municipality_ids:
        # A named reporter reports while she is a planner there; with none left, the planners do.
        planning = planners.get(municipality_id, [])
        ids = {user.pk for user in planning}
        chosen = [user for user in named.get(municipality_id, []) if user.pk in ids]
        reporters[municipality_id] = sorted(chosen or planning, key=str)
    return reporters


def planner_choices(municipality_ids) -> dict[int, list[tuple[int, str]]]:
    """Each municipality's planners as (user id, name) choices, for naming a round's reporters (one query)."""
    choices = defaultdict(list)
    for municipality_id, user_id, username, first, last in (
        MunicipalityRole.objects.filter(municipality_id__in=municipality_ids, role=Role.PLANNER, user__is_active=True)
        .order_by("user__username")
        .values_list("municipality_id", "user_id", "user__username", "user__first_name", "user__last_name")
    ):
        name = f"{first} {last}".strip()
        choices[municipality_id].append((user_id, f"{name} ({username})" if name else username))
    return choices


@dataclass
class MemberRow:
    """One member in the coordinator's matrix: its figures' statuses, who reports, who was reminded when."""

    municipality: Municipality
    cells: list
    counts: dict
    delivered: int
    total: int
    late: bool
    reporters: list = field(default_factory=list)
    reminders: list = field(default_factory=list)
    reminders_off: set = field(default_factory=set)

    @property
    def done(self) -> bool:
        return self.delivered == self.total


def matrix(
    round: ReportingRound, indicators: list[Indicator], *, today: datetime.date | None = None
) -> list[MemberRow]:
    """The round's members × its indicators, the late first, with reporters and reminders (seven queries, however
    many members)."""
    municipalities = members(round)
    ids = [m.pk for m in municipalities]
    reporters = reporters_by_member(round, ids)
    reminders = defaultdict(list)
    for reminder in Reminder.objects.filter(round=round).select_related("user").order_by("sent_at"):
        reminders[reminder.municipality_id].append(reminder)
    user_ids = {user.pk for users in reporters.values() for user in users}
    off = set(ReminderSetting.objects.filter(user_id__in=user_ids, enabled=False).values_list("user_id", flat=True))
    past = round.is_past_deadline(today)
    rows = []
    for row in status_rows(municipalities, indicators, round.year):
        m = row["municipality"]
        rows.append(
            MemberRow(
                municipality=m,
                cells=row["cells"],
                counts=row["counts"],
                delivered=row["sent"],
                total=len(indicators),
                late=past and row["sent"] < len(indicators),
                reporters=reporters[m.pk],
                reminders=reminders.get(m.pk, []),
                reminders_off={user.pk for user in reporters[m.pk] if user.pk in off},
            )
        )
    # The late first, then those with least delivered: who to chase.
    rows.sort(key=lambda r: (not r.late, r.done, r.delivered, r.municipality.name))
    return rows


@dataclass(frozen=True)
class DueItem:
    """What one planner owes one round for one municipality: "Frist 15. mars 2027: 4 av 6 indikatorer levert"."""

    round: ReportingRound
    municipality: Municipality
    delivered: int
    total: int

    @property
    def done(self) -> bool:
        return self.delivered >= self.total

    @property
    def late(self) -> bool:
        return not self.done and self.round.is_past_deadline()

    @property
    def deadline_text(self) -> str:
        return deadline_text(self.round.deadline)


def due_for(user, planner_of: dict[int, Municipality]) -> list[DueItem]:
    """The open rounds' items the user reports for, in the municipalities she plans for (at most five queries).

    planner_of: the municipalities where she is a planner, by id, with their codes (the start page has them).
    """
    if not planner_of:
        return []
    ids = list(planner_of)
    rounds = list(
        ReportingRound.objects.filter(closed_at__isnull=True, network__memberships__municipality__in=ids)
        .distinct()
        .select_related("network")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.only("pk")))
        .order_by("deadline", "pk")
    )
    if not rounds:
        return []
    named = defaultdict(set)
    for round_id, municipality_id, user_id in RoundReporter.objects.filter(
        round__in=rounds, municipality_id__in=ids
    ).values_list("round_id", "municipality_id", "user_id"):
        named[(round_id, municipality_id)].add(user_id)
    memberships = defaultdict(list)
    for network_id, municipality_id, joined, left in NetworkMembership.objects.filter(
        network__in={r.network_id for r in rounds}, municipality_id__in=ids
    ).values_list("network_id", "municipality_id", "joined", "left"):
        memberships[(network_id, municipality_id)].append((joined, left))
    delivered = defaultdict(set)
    for municipality_id, year, indicator_id in IndicatorValue.objects.filter(
        municipality_id__in=ids, year__in={r.year for r in rounds}, status__in=DELIVERED
    ).values_list("municipality_id", "year", "indicator_id"):
        delivered[(municipality_id, year)].add(indicator_id)
    items = []
    for round in rounds:
        first, last = datetime.date(round.year, 1, 1), datetime.date(round.year, 12, 31)
        wanted = {indicator.pk for indicator in round.indicators.all()}
        for municipality_id in ids:
            periods = memberships.get((round.network_id, municipality_id), [])
            if not any(joined <= last and (left is None or left >= first) for joined, left in periods):
                continue
            reporters = named.get((round.pk, municipality_id))
            if reporters and user.pk not in reporters:
                continue  # the coordinator named others to report for this member
            items.append(
                DueItem(
                    round=round,
                    municipality=planner_of[municipality_id],
                    delivered=len(wanted & delivered[(municipality_id, round.year)]),
                    total=len(wanted),
                )
            )
    return items


def reminder_kind(round: ReportingRound, today: datetime.date) -> str | None:
    """Which reminder the round's reporters are due today, if any."""
    if today > round.deadline:
        return ReminderKind.LATE
    if today >= round.deadline - REMIND_BEFORE:
        return ReminderKind.BEFORE
    return None


def site_url(path: str) -> str:
    """The address of a page of the portal, for an e-mail (settings.LIVSKRAFT_SITE_URL)."""
    return settings.LIVSKRAFT_SITE_URL.rstrip("/") + path


def reminder_message(
    round: ReportingRound, municipality: Municipality, user, kind: str, delivered: int, total: int
) -> EmailMessage:
    """The reminder e-mail, plain text, in the member's written form (bokmål or nynorsk)."""
    with translation.override(municipality.language_form or settings.LANGUAGE_CODE):
        context = {
            "round": round,
            "municipality": municipality,
            "user": user,
            "late": kind == ReminderKind.LATE,
            "deadline": deadline_text(round.deadline),
            "delivered": delivered,
            "total": total,
            "missing": total - delivered,
            "entry_url": site_url(reverse("entry", args=[municipality.kommunenummer, round.year])),
            "settings_url": site_url(reverse("reminder_settings")),
        }
        if kind == ReminderKind.LATE:
            subject = _("Past the deadline: %(municipality)s's figures for %(year)s") % {
                "municipality": municipality.name,
                "year": round.year,
            }
        else:
            subject = _("Reminder: %(municipality)s's figures for %(year)s are due by %(deadline)s") % {
                "municipality": municipality.name,
                "year": round.year,
                "deadline": context["deadline"],
            }
        body = render_to_string("indicators/rounds/reminder_email.txt", context)
    return EmailMessage(subject=subject, body=body, to=[user.email])


def send_reminders(*, today: datetime.date | None = None) -> int:
    """Send the reminders due today in every open round; return how many were sent."""
    today = today or timezone.localdate()
    sent = 0
    rounds = ReportingRound.objects.filter(closed_at__isnull=True, deadline__gte=today - datetime.timedelta(days=366))
    for round in rounds.select_related("network").prefetch_related("indicators"):
        kind = reminder_kind(round, today)
        if kind is None:
            continue
        wanted = {indicator.pk for indicator in round.indicators.all()}
        municipalities = members(round)
        delivered = defaultdict(set)
        for municipality_id, indicator_id in IndicatorValue.objects.filter(
            municipality__in=municipalities, year=round.year, indicator__in=wanted, status__in=DELIVERED
        ).values_list("municipality_id", "indicator_id"):
            delivered[municipality_id].add(indicator_id)
        behind = [m for m in municipalities if len(delivered[m.pk]) < len(wanted)]
        reporters = reporters_by_member(round, [m.pk for m in behind])
        off = set(ReminderSetting.objects.filter(enabled=False).values_list("user_id", flat=True))
        for municipality in behind:
            for user in reporters[municipality.pk]:
                if user.pk in off or not user.email or not user.is_active:
                    continue
                sent += _remind(round, municipality, user, kind, len(delivered[municipality.pk]), len(wanted))
    return sent


def _remind(round, municipality, user, kind, delivered, total) -> bool:
    """Record the reminder and send it, both or neither; False when it was sent before (or sending failed)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(round=round, municipality=municipality, user=user, kind=kind)
            reminder_message(round, municipality, user, kind, delivered, total).send()
    except IntegrityError:
        return False  # recorded already: sent by an earlier run, or by one running beside this one
    except (smtplib.SMTPException, OSError):
        # Not recorded, so the next run tries again.
        logger.exception("Sending a reminder to user %s failed", user.pk)
        return False
    return True
