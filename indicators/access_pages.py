"""Who has which role where, for network coordinators and administrators: grant and withdraw roles, manage a
network's members, and read the record of every change (issue 18).

Every change goes through indicators.grants, which checks the rules on the server and records it; these pages only
offer what the user may do. Anyone else gets 403: the page's existence is no secret, its contents are. An object out
of the user's reach (a role in Halden for a coordinator whose networks Halden is not in) is a 404, as elsewhere.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from indicators import grants
from indicators.access import Access, access_for
from indicators.grants import AccessRefused, UserNotFound
from indicators.models import (
    AccessChange,
    Municipality,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Role,
)

# The record shows this many changes a page, newest first.
HISTORY_PAGE = 50
USERNAME_LENGTH = 150


class MunicipalityChoice(forms.ModelChoiceField):
    """A municipality by name and number: two municipalities may share a name (Herøy)."""

    def label_from_instance(self, municipality):
        return f"{municipality.name} ({municipality.kommunenummer})"


class UserField(forms.CharField):
    """A user by user name or e-mail address; an address nobody has is taken as a new account's."""

    def __init__(self, **kwargs):
        super().__init__(
            label=gettext_lazy("User name or e-mail address"),
            help_text=gettext_lazy(
                "An e-mail address nobody has yet gets a new account, and an e-mail asking her to choose a password."
            ),
            max_length=254,
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value).strip()
        try:
            found = grants.find_user(value)
        except UserNotFound as problem:
            raise ValidationError(str(problem)) from None
        if found is None:
            try:
                validate_email(value)
            except ValidationError:
                raise ValidationError(_("“%(text)s” is not an e-mail address.") % {"text": value}) from None
            if len(value) > USERNAME_LENGTH:
                raise ValidationError(
                    _("A new account's e-mail address can have at most %(count)s characters.")
                    % {"count": USERNAME_LENGTH}
                )
        return found or value


class GrantRoleForm(forms.Form):
    municipality = MunicipalityChoice(label=gettext_lazy("Municipality"), queryset=Municipality.objects.none())
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[("", "---------"), *Role.choices],
        help_text=gettext_lazy(
            "Planners enter and submit values; approvers approve, return and publish them; readers see drafts."
        ),
    )
    user = UserField()

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, prefix="role", **kwargs)
        self.fields["municipality"].queryset = municipalities


class GrantCoordinatorForm(forms.Form):
    network = forms.ModelChoiceField(label=gettext_lazy("Network"), queryset=Network.objects.all())
    user = UserField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="coordinator", **kwargs)


class DayInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class AddMemberForm(forms.Form):
    municipality = MunicipalityChoice(label=gettext_lazy("Municipality"), queryset=Municipality.objects.none())
    joined = forms.DateField(label=gettext_lazy("Member from"), widget=DayInput())

    def __init__(self, *args, network, **kwargs):
        super().__init__(*args, initial={"joined": timezone.localdate()}, **kwargs)
        current = network.memberships.filter(Q(left__isnull=True) | Q(left__gte=timezone.localdate()))
        self.fields["municipality"].queryset = (
            Municipality.objects.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=timezone.localdate()))
            .exclude(pk__in=current.values("municipality_id"))
            .prefetch_related("codes")
        )


class EndMembershipForm(forms.Form):
    left = forms.DateField(
        label=gettext_lazy("Last day as a member"),
        widget=DayInput(),
        help_text=gettext_lazy("Its figures stay in the network's reports for the years it was a member."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, initial={"left": timezone.localdate()}, **kwargs)


def _summary(*forms_shown) -> dict | None:
    """The error summary of the form that came back with problems: each problem a link to its field (a problem of
    the whole form: to its first field). None when no form has one."""
    for form in forms_shown:
        if form is None or not form.is_bound or not form.errors:
            continue
        first = next(iter(form.fields))
        problems = []
        for name, errors in form.errors.items():
            target = form[first if name == NON_FIELD_ERRORS else name].auto_id
            problems.extend({"target": target, "text": error} for error in errors)
        return {"title": _("Nothing was saved"), "problems": problems}
    return None


def _administrator(request) -> Access:
    """Return the user's access; 403 unless she is a superuser or a network coordinator."""
    access = access_for(request.user)
    if not access.administers_access:
        raise PermissionDenied
    return access


def _login_url(request) -> str:
    return request.build_absolute_uri(reverse("login"))


def _told(user) -> str:
    """How she learns of the change, for the message to whoever made it."""
    if user.email:
        return _("She is told by e-mail and on her start page.")
    return _("She has no e-mail address, so she is told on her start page when she logs in.")


def _grantable(access: Access):
    """The municipalities the user may give roles in, with their numbers."""
    municipalities = Municipality.objects.filter(Q(dissolved__isnull=True) | Q(dissolved__gt=timezone.localdate()))
    if not access.is_superuser:
        municipalities = municipalities.filter(pk__in=access.coordinated_now)
    return municipalities.prefetch_related("codes")


def _grant(form, grant) -> bool:
    """Find or make the chosen user and call grant(user) in one transaction; put a refusal on the form."""
    try:
        with transaction.atomic():
            user = form.cleaned_data["user"]
            if isinstance(user, str):
                user = grants.create_account(email=user)
            form.change = grant(user)
    except (AccessRefused, UserNotFound) as refused:
        form.add_error(None, str(refused))
        return False
    return True


@login_required
def roles(request):
    """Who has which role where, with forms to give a role (and, for administrators, a coordinator role), and the
    record of every change below."""
    access = _administrator(request)
    by = request.user
    role_form = GrantRoleForm(municipalities=_grantable(access))
    coordinator_form = GrantCoordinatorForm() if access.is_superuser else None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "role":
            role_form = GrantRoleForm(request.POST, municipalities=_grantable(access))
            if role_form.is_valid() and _grant(
                role_form,
                lambda user: grants.grant_role(
                    by=by,
                    user=user,
                    municipality=role_form.cleaned_data["municipality"],
                    role=role_form.cleaned_data["role"],
                    login_url=_login_url(request),
                ),
            ):
                change = role_form.change
                messages.success(
                    request,
                    _("%(user)s is now %(role)s in %(municipality)s.")
                    % {
                        "user": change.user.get_username(),
                        "role": change.get_what_display().lower(),
                        "municipality": change.municipality.name,
                    }
                    + " "
                    + _told(change.user),
                )
                return redirect("access_roles")
        elif action == "coordinator":
            if coordinator_form is None:
                raise PermissionDenied
            coordinator_form = GrantCoordinatorForm(request.POST)
            if coordinator_form.is_valid() and _grant(
                coordinator_form,
                lambda user: grants.grant_coordinator(
                    by=by, user=user, network=coordinator_form.cleaned_data["network"], login_url=_login_url(request)
                ),
            ):
                change = coordinator_form.change
                messages.success(
                    request,
                    _("%(user)s now coordinates %(network)s.")
                    % {"user": change.user.get_username(), "network": change.network.name}
                    + " "
                    + _told(change.user),
                )
                return redirect("access_roles")
        else:
            raise BadRequest

    held = MunicipalityRole.objects.select_related("user", "municipality").prefetch_related("municipality__codes")
    networks = grants.networks_for(by).order_by("name")
    coordinators = NetworkCoordinator.objects.select_related("user", "network").order_by(
        "network__name", "user__username"
    )
    if not access.is_superuser:
        held = held.filter(municipality_id__in=access.coordinated)
        coordinators = coordinators.filter(network__in=networks)
    rows = sorted(held, key=lambda r: (r.municipality.name, r.user.get_username(), Role.values.index(r.role)))
    with_roles = {row.municipality_id for row in rows}
    without_roles = (
        Municipality.objects.filter(memberships__network__in=networks)
        .filter(Q(memberships__left__isnull=True) | Q(memberships__left__gte=timezone.localdate()))
        .exclude(pk__in=with_roles)
        .distinct()
        .order_by("name")
    )
    history = Paginator(grants.history_for(by), HISTORY_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "indicators/access/roles.html",
        {
            "role_form": role_form,
            "coordinator_form": coordinator_form,
            "rows": rows,
            "without_roles": without_roles,
            "coordinators": coordinators,
            "networks": networks,
            "history": history,
            "is_superuser": access.is_superuser,
            "summary": _summary(role_form, coordinator_form),
        },
    )


@login_required
def role_withdraw(request, pk: int):
    """Ask, then withdraw one role (POST)."""
    access = _administrator(request)
    role = get_object_or_404(MunicipalityRole.objects.select_related("user", "municipality"), pk=pk)
    if not access.can_withdraw_roles(role.municipality_id):
        raise Http404
    if request.method == "POST":
        try:
            change = grants.withdraw_role(by=request.user, role=role, login_url=_login_url(request))
        except AccessRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("%(user)s is no longer %(role)s in %(municipality)s.")
                % {
                    "user": role.user.get_username(),
                    "role": change.get_what_display().lower(),
                    "municipality": role.municipality.name,
                }
                + " "
                + _told(role.user),
            )
        return redirect("access_roles")
    return render(
        request,
        "indicators/access/withdraw.html",
        {
            "subject": role.user,
            "own": role.user_id == request.user.pk,
            "role": role.get_role_display().lower(),
            "place": role.municipality.name,
        },
    )


@login_required
def coordinator_withdraw(request, pk: int):
    """Ask, then end one user's coordination of a network (POST); administrators only."""
    access = _administrator(request)
    if not access.is_superuser:
        raise PermissionDenied
    coordinator = get_object_or_404(NetworkCoordinator.objects.select_related("user", "network"), pk=pk)
    if request.method == "POST":
        try:
            grants.withdraw_coordinator(by=request.user, coordinator=coordinator, login_url=_login_url(request))
        except AccessRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("%(user)s no longer coordinates %(network)s.")
                % {"user": coordinator.user.get_username(), "network": coordinator.network.name}
                + " "
                + _told(coordinator.user),
            )
        return redirect("access_roles")
    return render(
        request,
        "indicators/access/withdraw.html",
        {
            "subject": coordinator.user,
            "own": coordinator.user_id == request.user.pk,
            "role": AccessChange.What.COORDINATOR.label.lower(),
            "place": coordinator.network.name,
        },
    )


@login_required
def network_members(request, slug: str):
    """A network's members, past and present, with a form to add one and the record of its membership changes."""
    _administrator(request)
    network = get_object_or_404(grants.networks_for(request.user), slug=slug)
    form = AddMemberForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        try:
            grants.add_member(
                by=request.user, network=network, municipality=municipality, joined=form.cleaned_data["joined"]
            )
        except AccessRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(municipality)s is a member of %(network)s.")
                % {"municipality": municipality.name, "network": network.name},
            )
            return redirect("network_members", network.slug)
    memberships = sorted(
        network.memberships.select_related("municipality").prefetch_related("municipality__codes"),
        key=lambda m: (m.municipality.name, m.joined),
    )
    today = timezone.localdate()
    history = Paginator(
        grants.history_for(request.user).filter(network=network, what=AccessChange.What.MEMBERSHIP), HISTORY_PAGE
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "indicators/access/network.html",
        {
            "network": network,
            "form": form,
            "may_add": request.user.is_superuser,
            "current": [m for m in memberships if m.left is None or m.left >= today],
            "former": [m for m in memberships if m.left is not None and m.left < today],
            "history": history,
            "summary": _summary(form),
        },
    )


@login_required
def membership_end(request, pk: int):
    """Ask for the last day, then end a municipality's membership of the network (POST)."""
    _administrator(request)
    membership = get_object_or_404(
        NetworkMembership.objects.select_related("municipality", "network").filter(
            network__in=grants.networks_for(request.user)
        ),
        pk=pk,
    )
    form = EndMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grants.remove_member(by=request.user, membership=membership, left=form.cleaned_data["left"])
        except AccessRefused as refused:
            form.add_error("left", str(refused))
        else:
            messages.success(
                request,
                _("%(municipality)s is no longer a member of %(network)s after %(date)s.")
                % {
                    "municipality": membership.municipality.name,
                    "network": membership.network.name,
                    "date": date_format(form.cleaned_data["left"], "j.n.Y"),
                },
            )
            return redirect("network_members", membership.network.slug)
    return render(
        request,
        "indicators/access/membership_end.html",
        {"membership": membership, "form": form, "summary": _summary(form)},
    )


@login_required
@require_POST
def notice_seen(request):
    """Mark the changes of the user's own access seen: the notice on her start page goes away."""
    grants.mark_seen(request.user)
    back = request.POST.get("next")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("reporting_start")
    return redirect(back)
