"""Grants and withdrawals of access: the one path for every municipality role, network coordinator and membership.

The portal's access pages and the admin both call these functions. Each checks on the server that the acting user
may make the change (AccessRefused, with a reason she can read, when not), writes it, records it as an
AccessChange with who, when, before and after, and, once the change is committed, tells the user it concerns by
e-mail. The rules:

- a superuser may do everything but change her own access;
- a network coordinator gives planner, approver and reader roles in the municipalities that are members of her
  networks today, withdraws them there and in former members, and adds and removes the members of her networks;
- only a superuser makes someone a network coordinator, or ends it;
- nobody changes her own roles: a coordinator cannot make herself an approver, and so publish.
"""

import datetime
import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from indicators.access import access_for
from indicators.models import (
    AccessChange,
    Municipality,
    MunicipalityRole,
    Network,
    NetworkCoordinator,
    NetworkMembership,
    Role,
)

logger = logging.getLogger(__name__)
What = AccessChange.What
Action = AccessChange.Action
# The notice on a user's start page lists at most this many of her changes, newest first.
NOTICE_LIMIT = 10


class AccessRefused(Exception):
    """The acting user may not make the change; str() says why, in her language."""


# --- the rules ----------------------------------------------------------------------------------------------------


def refuse_own(by, user) -> None:
    """Refuse a change of the acting user's own access."""
    if user is not None and user.pk == by.pk:
        raise AccessRefused(_("You cannot change your own roles: ask another coordinator or an administrator."))


def check_role(by, user, municipality: Municipality, *, granting: bool) -> None:
    """Raise AccessRefused unless the acting user may give (granting) or withdraw the user's role there."""
    refuse_own(by, user)
    access = access_for(by)
    allowed = access.can_grant_roles(municipality.pk) if granting else access.can_withdraw_roles(municipality.pk)
    if not allowed:
        raise AccessRefused(
            _("You can only change roles in the municipalities of your networks, and %(municipality)s is not one.")
            % {"municipality": municipality.name}
        )


def check_coordinator(by, user) -> None:
    """Raise AccessRefused unless the acting user may make the user a coordinator, or end it."""
    refuse_own(by, user)
    if not (by.is_active and by.is_superuser):
        raise AccessRefused(_("Only an administrator can make someone a network coordinator, or end it."))


def coordinates(user, network: Network) -> bool:
    """Return whether the user may change the network's members: a superuser, or one of its coordinators."""
    if not user.is_active:
        return False
    return user.is_superuser or NetworkCoordinator.objects.filter(user=user, network=network).exists()


def check_membership(by, network: Network) -> None:
    """Raise AccessRefused unless the acting user may change the network's members."""
    if not coordinates(by, network):
        raise AccessRefused(
            _("You can only change the members of the networks you coordinate, and %(network)s is not one.")
            % {"network": network.name}
        )


def check_joining(by, network: Network) -> None:
    """Raise AccessRefused unless the acting user may add a municipality to the network: only an administrator.

    A new member widens what the network's coordinators may do (they give roles there and read its drafts), so a
    coordinator who could add members could grant herself more. She ends memberships; she does not start them.
    """
    check_membership(by, network)
    if not by.is_superuser:
        raise AccessRefused(
            _(
                "Only an administrator adds a municipality to a network: a new member widens what the network's "
                "coordinators may do."
            )
        )


def check_narrowing(by, membership: NetworkMembership, joined: datetime.date, left: datetime.date | None) -> None:
    """Raise AccessRefused if a coordinator would lengthen a membership: only an administrator widens one."""
    check_membership(by, membership.network)
    if by.is_superuser:
        return
    earlier = joined < membership.joined
    later = membership.left is not None and (left is None or left > membership.left)
    if earlier or later:
        raise AccessRefused(_("Only an administrator makes a membership longer; you can end it or shorten it."))


def networks_for(user):
    """Return the networks whose members the user may change: every network for a superuser."""
    networks = Network.objects.all()
    return networks if user.is_superuser else networks.filter(coordinators__user=user)


# --- municipality roles -------------------------------------------------------------------------------------------


def _roles_of(user, municipality) -> list[str]:
    held = set(MunicipalityRole.objects.filter(user=user, municipality=municipality).values_list("role", flat=True))
    return [role for role in Role.values if role in held]


def _already(user, role: str, municipality) -> AccessRefused:
    return AccessRefused(
        _("%(user)s is already %(role)s in %(municipality)s.")
        % {"user": user.get_username(), "role": Role(role).label.lower(), "municipality": municipality.name}
    )


def grant_role(*, by, user, municipality: Municipality, role: str, login_url: str) -> AccessChange:
    """Give the user the role (planner, approver, reader) in the municipality, and tell her."""
    check_role(by, user, municipality, granting=True)
    with transaction.atomic():
        before = _roles_of(user, municipality)
        if role in before:
            raise _already(user, role, municipality)
        try:
            with transaction.atomic():
                MunicipalityRole.objects.create(user=user, municipality=municipality, role=role)
        except IntegrityError:  # given at the same moment by someone else
            raise _already(user, role, municipality) from None
        after = [r for r in Role.values if r in {*before, role}]
        change = _record(
            by, user=user, municipality=municipality, what=role, action=Action.GRANTED, before=before, after=after
        )
    _tell(change, login_url=login_url)
    return change


def withdraw_role(*, by, role: MunicipalityRole, login_url: str) -> AccessChange:
    """Take the role from its user, and tell her."""
    user, municipality = role.user, role.municipality
    check_role(by, user, municipality, granting=False)
    with transaction.atomic():
        before = _roles_of(user, municipality)
        deleted, _count = MunicipalityRole.objects.filter(pk=role.pk).delete()
        if not deleted:
            raise AccessRefused(_("The role was already withdrawn."))
        after = [r for r in before if r != role.role]
        change = _record(
            by,
            user=user,
            municipality=municipality,
            what=role.role,
            action=Action.WITHDRAWN,
            before=before,
            after=after,
        )
    _tell(change, login_url=login_url)
    return change


# --- network coordinators -----------------------------------------------------------------------------------------


def grant_coordinator(*, by, user, network: Network, login_url: str) -> AccessChange:
    """Make the user a coordinator of the network (superusers only), and tell her."""
    check_coordinator(by, user)
    with transaction.atomic():
        try:
            with transaction.atomic():
                NetworkCoordinator.objects.create(user=user, network=network)
        except IntegrityError:
            raise AccessRefused(
                _("%(user)s already coordinates %(network)s.") % {"user": user.get_username(), "network": network.name}
            ) from None
        change = _record(
            by,
            user=user,
            network=network,
            what=What.COORDINATOR,
            action=Action.GRANTED,
            before=[],
            after=["coordinator"],
        )
    _tell(change, login_url=login_url)
    return change


def withdraw_coordinator(*, by, coordinator: NetworkCoordinator, login_url: str) -> AccessChange:
    """End the user's coordination of the network (superusers only), and tell her."""
    user, network = coordinator.user, coordinator.network
    check_coordinator(by, user)
    with transaction.atomic():
        deleted, _count = NetworkCoordinator.objects.filter(pk=coordinator.pk).delete()
        if not deleted:
            raise AccessRefused(_("The role was already withdrawn."))
        change = _record(
            by,
            user=user,
            network=network,
            what=What.COORDINATOR,
            action=Action.WITHDRAWN,
            before=["coordinator"],
            after=[],
        )
    _tell(change, login_url=login_url)
    return change


# --- network members ----------------------------------------------------------------------------------------------


def _periods(network, municipality) -> list[list]:
    memberships = NetworkMembership.objects.filter(network=network, municipality=municipality).order_by("joined")
    return [[m.joined.isoformat(), m.left.isoformat() if m.left else None] for m in memberships]


def check_dates(municipality, joined: datetime.date, left: datetime.date | None) -> None:
    """Raise AccessRefused for a membership that ends before it starts, or starts after the municipality ended."""
    if left is not None and left < joined:
        raise AccessRefused(_("A municipality cannot leave a network before it joined."))
    if municipality.dissolved and joined >= municipality.dissolved:
        raise AccessRefused(
            _("%(municipality)s was dissolved on %(date)s and cannot join a network after that.")
            % {"municipality": municipality.name, "date": date_format(municipality.dissolved, "j.n.Y")}
        )


def check_period(network, municipality, joined: datetime.date, left: datetime.date | None, *, exclude=None) -> None:
    """Raise AccessRefused unless the period is a possible membership that overlaps none of the municipality's
    other memberships of the network (exclude: the membership being changed)."""
    check_dates(municipality, joined, left)
    overlapping = NetworkMembership.objects.filter(network=network, municipality=municipality).filter(
        Q(left__isnull=True) | Q(left__gte=joined)
    )
    if left is not None:
        overlapping = overlapping.filter(joined__lte=left)
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    if overlapping.exists():
        raise AccessRefused(
            _("%(municipality)s is already a member of %(network)s in that period.")
            % {"municipality": municipality.name, "network": network.name}
        )


def add_member(
    *, by, network: Network, municipality: Municipality, joined: datetime.date, left: datetime.date | None = None
) -> NetworkMembership:
    """Make the municipality a member of the network from the day it joined (administrators only)."""
    check_joining(by, network)
    with transaction.atomic():
        check_period(network, municipality, joined, left)
        before = _periods(network, municipality)
        membership = NetworkMembership.objects.create(
            network=network, municipality=municipality, joined=joined, left=left
        )
        _record_membership(by, membership, Action.GRANTED, before)
    return membership


def remove_member(*, by, membership: NetworkMembership, left: datetime.date) -> NetworkMembership:
    """End the municipality's membership on the day given (its last day in the network); its history stays."""
    check_membership(by, membership.network)
    if membership.left is not None:
        raise AccessRefused(_("%(municipality)s has already left.") % {"municipality": membership.municipality.name})
    return change_membership(by=by, membership=membership, joined=membership.joined, left=left)


def change_membership(
    *, by, membership: NetworkMembership, joined: datetime.date, left: datetime.date | None
) -> NetworkMembership:
    """Change when the municipality joined or left the network: giving an open membership its last day ends it."""
    network, municipality = membership.network, membership.municipality
    check_narrowing(by, membership, joined, left)
    with transaction.atomic():
        check_period(network, municipality, joined, left, exclude=membership)
        before = _periods(network, municipality)
        ends = membership.left is None and left is not None
        membership.joined, membership.left = joined, left
        membership.save(update_fields=["joined", "left"])
        _record_membership(by, membership, Action.WITHDRAWN if ends else Action.CHANGED, before)
    return membership


def delete_membership(*, by, membership: NetworkMembership) -> None:
    """Delete a membership made by mistake (administrators, in the admin); the record keeps it."""
    check_joining(by, membership.network)
    with transaction.atomic():
        before = _periods(membership.network, membership.municipality)
        NetworkMembership.objects.filter(pk=membership.pk).delete()
        _record_membership(by, membership, Action.WITHDRAWN, before)


def _record_membership(by, membership, action, before) -> AccessChange:
    return _record(
        by,
        municipality=membership.municipality,
        network=membership.network,
        what=What.MEMBERSHIP,
        action=action,
        before=before,
        after=_periods(membership.network, membership.municipality),
    )


# --- the record and the user's notice -----------------------------------------------------------------------------


def _record(by, **fields) -> AccessChange:
    return AccessChange.objects.create(changed_by=by, **fields)


def history_for(user):
    """Return the access changes the user administers, newest first: all for a superuser; for a coordinator, those
    of the municipalities she follows and of her networks."""
    changes = AccessChange.objects.select_related("changed_by", "user", "municipality", "network")
    if user.is_superuser:
        return changes
    access = access_for(user)
    networks = NetworkCoordinator.objects.filter(user=user).values("network_id")
    return changes.filter(Q(municipality_id__in=access.coordinated) | Q(network_id__in=networks))


def unseen_changes(user) -> list[AccessChange]:
    """Return the changes of the user's own access she has not marked seen, newest first (at most NOTICE_LIMIT)."""
    if not user.is_authenticated:
        return []
    return list(
        AccessChange.objects.filter(user=user, seen_at__isnull=True).select_related(
            "changed_by", "municipality", "network"
        )[:NOTICE_LIMIT]
    )


def mark_seen(user) -> int:
    """Mark every change of the user's access seen; return how many were not."""
    return AccessChange.objects.filter(user=user, seen_at__isnull=True).update(seen_at=timezone.now())


def language_for(change: AccessChange) -> str:
    """The language the user is told in: her municipality's written form for a role there, else the portal's."""
    if change.municipality_id is not None:
        return change.municipality.language_form
    return settings.LANGUAGE_CODE


def _tell(change: AccessChange, *, login_url: str) -> None:
    """E-mail the user about the change once it is committed, if she has an address; her start page tells her too."""
    user = change.user
    if not user.email:
        return
    transaction.on_commit(lambda: _send(change, login_url=login_url))


def _send(change: AccessChange, *, login_url: str) -> None:
    user = change.user
    with translation.override(language_for(change)):
        subject = _("Your access to Livskraft has changed")
        body = render_to_string(
            "indicators/access/role_changed.txt",
            {
                "change": change,
                "name": user.get_full_name() or user.get_username(),
                "username": user.get_username(),
                "by": change.changed_by.get_full_name() or change.changed_by.get_username(),
                # An account made for the grant has no password yet: she chooses one through "Forgot your password?".
                "needs_password": not user.has_usable_password(),
                "login_url": login_url,
            },
        )
    try:
        send_mail(subject, body, None, [user.email])
    except (smtplib.SMTPException, OSError):
        # The change stands: she sees it on her start page when she logs in. Tell whoever runs the portal.
        logger.exception("Could not e-mail %s about access change %s", user.get_username(), change.pk)


# --- accounts ---------------------------------------------------------------------------------------------------


class UserNotFound(Exception):
    """No single active user answers to what was typed; str() says what to do, in the user's language."""


def find_user(identifier: str):
    """Return the active user with the user name, or the one with the e-mail address (either case).

    Returns None for an e-mail address nobody has (the caller may create an account); raises UserNotFound when the
    name or address is ambiguous, belongs to a deactivated account, or is neither a user name nor an address.
    """
    identifier = identifier.strip()
    User = get_user_model()
    found = User.objects.filter(**{User.USERNAME_FIELD: identifier}).first()
    if found is None:
        with_address = list(User.objects.filter(email__iexact=identifier)[:2])
        if len(with_address) > 1:
            raise UserNotFound(
                _("Several users have the e-mail address %(email)s: give the user name instead.")
                % {"email": identifier}
            )
        found = with_address[0] if with_address else None
    if found is None:
        if "@" not in identifier:
            raise UserNotFound(
                _("No user has the user name %(name)s. Give her e-mail address to make her an account.")
                % {"name": identifier}
            )
        return None
    if not found.is_active:
        raise UserNotFound(
            _("The account %(name)s is deactivated: an administrator can activate it again.")
            % {"name": found.get_username()}
        )
    return found


def create_account(*, email: str):
    """Create an account for the e-mail address, named by it, with no password: she chooses one herself."""
    email = email.strip()
    User = get_user_model()
    username = email.lower()
    if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
        raise UserNotFound(
            _("An account is already named %(name)s: give its user name as it is written.") % {"name": username}
        )
    user = User(**{User.USERNAME_FIELD: username}, email=email)
    user.set_unusable_password()
    user.save()
    return user
