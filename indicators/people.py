"""How a person is named to others: her full name, else what she is in the municipality, never her login name.

Login names are half of what a password guesser needs, so no page shows them to anyone but the person herself
and the administrators in Django's admin. Someone without a full name is named by her role in the municipality
the page is about ("Planner in Rana"), as the network's coordinator, as an administrator, or by the municipality.
"""

from django.db.models import CharField, Value
from django.utils.translation import gettext as _

from indicators.models import MunicipalityRole, NetworkCoordinator, Role

# What each user is in one municipality: user id → label, for the names of one page.
Roles = dict[int, str]
COORDINATOR = "coordinator"
STRENGTH = [Role.APPROVER, Role.PLANNER, Role.READER, COORDINATOR]


def organisation(municipality) -> str:
    """Who changed something, as the public reads it: the municipality, never one of its people."""
    return _("%(name)s municipality") % {"name": municipality.name}


def roles_in(municipality) -> Roles:
    """Return what each user with a role in the municipality, or coordinating one of its networks, is (one query)."""
    coordinating = (
        NetworkCoordinator.objects.filter(network__memberships__municipality=municipality)
        .order_by()
        .values_list("user_id", Value(COORDINATOR, output_field=CharField()))
    )
    held = MunicipalityRole.objects.filter(municipality=municipality).order_by().values_list("user_id", "role")
    labels = dict(Role.choices)
    found: Roles = {}
    # A municipal role says more than coordinating, and the strongest role most: approver, planner, reader.
    for user_id, role in sorted(held.union(coordinating), key=lambda row: STRENGTH.index(row[1]), reverse=True):
        if role == COORDINATOR:
            found[user_id] = _("Network coordinator")
        else:
            found[user_id] = _("%(role)s in %(name)s") % {"role": labels[role], "name": municipality.name}
    return found


def display_name(user, municipality=None, *, roles: Roles | None = None) -> str:
    """Name the user as others read her: full name, else her role in the municipality, else "Administrator" for a
    superuser, else the municipality.

    `roles` is roles_in(municipality), given when several people of one page are named; without it, naming
    someone without a full name costs a query.
    """
    if user is None:
        return ""
    if full_name := user.get_full_name():
        return full_name
    if municipality is None:
        return _("A user of Livskraft")
    if roles is None:
        roles = roles_in(municipality)
    if user.pk in roles:
        return roles[user.pk]
    return _("Administrator") if user.is_superuser else organisation(municipality)


class Names:
    """Names people of several municipalities on one page, looking up each municipality's roles once."""

    def __init__(self):
        self._roles: dict[int, Roles] = {}

    def __call__(self, user, municipality=None) -> str:
        if user is None or municipality is None or user.get_full_name():
            return display_name(user, municipality)
        if municipality.pk not in self._roles:
            self._roles[municipality.pk] = roles_in(municipality)
        return display_name(user, municipality, roles=self._roles[municipality.pk])
