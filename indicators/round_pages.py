"""The reporting round's pages: a coordinator opens, changes and closes a round and follows it in its matrix; every
user sees and turns off her reminders. The logic is in indicators/rounds.py, the writes in indicators/services.py.

Only a coordinator of the round's network (or a superuser) reaches a round's pages; anyone else gets a 404.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators.access import networks_coordinated, round_for_user
from indicators.models import FIRST_YEAR, Indicator, Network, Reminder, ReminderSetting, ReportingRound, reporting_year
from indicators.rounds import deadline_text, matrix, members, planner_choices
from indicators.services import close_round, save_round, set_reminders


class IndicatorChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RoundForm(forms.Form):
    """A round's year, deadline and indicators; once open, also who reports for each member."""

    network = forms.ModelChoiceField(label=gettext_lazy("Network"), queryset=Network.objects.none(), empty_label=None)
    year = forms.IntegerField(
        label=gettext_lazy("Year"), help_text=gettext_lazy("The year the figures are for, usually last year.")
    )
    deadline = forms.DateField(
        label=gettext_lazy("Deadline"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "The last day the members submit their figures. Reminders go out a week before and the day after."
        ),
    )
    indicators = IndicatorChoices(
        label=gettext_lazy("Indicators"),
        queryset=Indicator.objects.filter(owner__isnull=True),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one indicator.")},
    )

    def __init__(self, *args, networks, round: ReportingRound | None = None, **kwargs):
        self.round = round
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = networks
        self.fields["deadline"].error_messages["invalid"] = _("Write the deadline as a date, e.g. 15.03.2027.")
        self.member_fields = []
        if round is not None:
            # Which network and year a round is for is settled when it opens.
            self.fields["network"].disabled = self.fields["year"].disabled = True
            municipalities = members(round)
            choices = planner_choices([m.pk for m in municipalities])
            for municipality in municipalities:
                name = f"reporters_{municipality.pk}"
                self.fields[name] = forms.TypedMultipleChoiceField(
                    label=municipality.name,
                    choices=choices.get(municipality.pk, []),
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("None chosen: every planner in %(municipality)s reports.")
                    % {"municipality": municipality.name},
                )
                self.member_fields.append((municipality, name))

    def clean_year(self):
        year = self.cleaned_data["year"]
        last = reporting_year() + 1
        if not FIRST_YEAR <= year <= last:
            raise forms.ValidationError(
                _("Choose a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": last}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        network, year, deadline = cleaned.get("network"), cleaned.get("year"), cleaned.get("deadline")
        if year and deadline and deadline <= datetime.date(year, 12, 31):
            self.add_error(
                "deadline",
                _("The deadline must be after %(year)s: a year's figures are reported once it is over.")
                % {"year": year},
            )
        if (
            network
            and year
            and self.round is None
            and ReportingRound.objects.filter(network=network, year=year).exists()
        ):
            self.add_error(
                "year",
                _("%(network)s already has a reporting round for %(year)s: change that one instead.")
                % {"network": network.name, "year": year},
            )
        return cleaned

    @property
    def reporter_fields(self) -> list:
        """Each member with its field of reporters, in the members' order."""
        return [(municipality, self[name]) for municipality, name in self.member_fields]

    def reporters(self) -> dict[int, list[int]]:
        return {municipality.pk: self.cleaned_data[name] for municipality, name in self.member_fields}


def _summary(form) -> dict | None:
    """The error summary at the top of the form: each problem a link to its field."""
    if not form.errors:
        return None
    problems = [
        {"target": form[name].auto_id if name in form.fields else "round-form", "text": str(error)}
        for name, errors in form.errors.items()
        for error in errors
    ]
    return {"title": _("The round was not saved"), "problems": problems}


@login_required
def round_create(request):
    """Open a reporting round: the year, the deadline and the indicators; then who reports, on the next page."""
    networks = networks_coordinated(request.user)
    if not networks.exists():
        raise Http404
    year = reporting_year()
    initial = {
        "network": networks.first(),
        "year": year,
        # KOSTRA's figures come out on 15 March; a round opened later gets four weeks.
        "deadline": max(datetime.date(year + 1, 3, 15), timezone.localdate() + datetime.timedelta(weeks=4)),
        "indicators": Indicator.objects.filter(owner__isnull=True, is_population=False),
    }
    form = RoundForm(request.POST or None, networks=networks, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        round = save_round(
            round=ReportingRound(network=data["network"], year=data["year"], deadline=data["deadline"]),
            indicators=data["indicators"],
            reporters={},
            user=request.user,
        )
        messages.success(
            request,
            _("The reporting round %(year)s is open, with the deadline %(deadline)s. Its members' planners see it.")
            % {"year": round.year, "deadline": deadline_text(round.deadline)},
        )
        return redirect(round)
    return render(request, "indicators/rounds/form.html", {"form": form, "round": None, "summary": _summary(form)})


@login_required
def round_edit(request, pk: int):
    """Change an open round's deadline, its indicators and who reports for each member."""
    round = round_for_user(request, pk)
    if round.is_closed:
        messages.info(request, _("The round is closed and can no longer be changed."))
        return redirect(round)
    initial = {
        "network": round.network,
        "year": round.year,
        "deadline": round.deadline,
        "indicators": round.indicators.all(),
    }
    for municipality_id, user_id in round.reporters.values_list("municipality_id", "user_id"):
        initial.setdefault(f"reporters_{municipality_id}", []).append(user_id)
    form = RoundForm(
        request.POST or None, networks=Network.objects.filter(pk=round.network_id), round=round, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        round.deadline = form.cleaned_data["deadline"]
        save_round(
            round=round, indicators=form.cleaned_data["indicators"], reporters=form.reporters(), user=request.user
        )
        messages.success(request, _("The round is saved."))
        return redirect(round)
    return render(request, "indicators/rounds/form.html", {"form": form, "round": round, "summary": _summary(form)})


@login_required
def round_matrix(request, pk: int):
    """The round's members × indicators: each figure's status, who is late, who reports and who was reminded when."""
    round = round_for_user(request, pk)
    indicators = list(round.indicators.all())
    rows = matrix(round, indicators)
    return render(
        request,
        "indicators/rounds/matrix.html",
        {
            "round": round,
            "rows": rows,
            "indicators": indicators,
            "late": [row for row in rows if row.late],
            "done": sum(1 for row in rows if row.done),
            "past_deadline": round.is_past_deadline(),
            "deadline": deadline_text(round.deadline),
        },
    )


@require_POST
@login_required
def round_close(request, pk: int):
    """Close the round: its figures freeze, and a late change needs a reason."""
    round = round_for_user(request, pk)
    if close_round(round=round, user=request.user):
        messages.success(
            request,
            _("The round is closed. Its figures change now only with a reason, which their history shows."),
        )
    else:
        messages.info(request, _("The round was closed already."))
    return redirect(round)


@login_required
def reminder_settings(request):
    """The user's reminders: whether she gets them, and the ones she got."""
    setting = ReminderSetting.objects.filter(user=request.user).first()
    if request.method == "POST":
        enabled = request.POST.get("reminders") == "on"
        set_reminders(user=request.user, enabled=enabled)
        messages.success(
            request,
            _("You will get the reporting round's reminders by e-mail.")
            if enabled
            else _("You will get no more reminders. You can turn them on again here."),
        )
        return redirect("reminder_settings")
    reminders = (
        Reminder.objects.filter(user=request.user).select_related("round__network", "municipality").order_by("-sent_at")
    )[:20]
    return render(
        request,
        "indicators/rounds/reminders.html",
        {"setting": setting, "enabled": setting is None or setting.enabled, "reminders": reminders},
    )
