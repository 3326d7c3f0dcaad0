"""Who may see and change which municipality's data: every permission lookup of the views, in one shape.

A view looks up what it shows and what the user may do with it in one call, which answers 404 when she may not:

    municipality, access = municipality_for_user(request, code, may=Access.can_enter)
    plan, access = object_for_user(request, Plan.objects.all(), pk=pk, may=Access.can_read)

Access is built from two queries once per request. Superusers may do everything. A page for no municipality in
particular (a list of one's own municipalities, the network's overview) asks access_for(request.user) itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar

from django.db.models import QuerySet
from django.db.models.query import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.middleware import Redirect
from indicators.models import (
    FIRST_YEAR,
    Municipality,
    MunicipalityRole,
    Network,
    NetworkMembership,
    ReportingRound,
    Role,
    reporting_year,
)

CACHE_ATTRIBUTE = "_livskraft_access"


@dataclass
class Access:
    is_superuser: bool = False
    roles: dict[int, set[str]] = field(default_factory=dict)
    # Municipalities a coordinator follows: every member, past or present, of her networks.
    coordinated: set[int] = field(default_factory=set)
    # The members of her networks today: where she gives roles (she withdraws them wherever she follows).
    coordinated_now: set[int] = field(default_factory=set)
    is_coordinator: bool = False

    def has_role(self, municipality_id: int, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles.get(municipality_id, set()) & set(roles))

    def can_read(self, municipality_id: int) -> bool:
        """May see the municipality's drafts and the status of its values."""
        return self.has_role(municipality_id, *Role.values) or municipality_id in self.coordinated

    def can_enter(self, municipality_id: int) -> bool:
        return self.has_role(municipality_id, Role.PLANNER)

    def can_approve(self, municipality_id: int) -> bool:
        return self.has_role(municipality_id, Role.APPROVER)

    def can_write_report(self, municipality_id: int) -> bool:
        """Planners write the annual report's texts; approvers write them too, and publish them."""
        return self.has_role(municipality_id, Role.PLANNER, Role.APPROVER)

    def can_coordinate(self, municipality_id: int) -> bool:
        """The network's coordinators publish and return the good examples of its members."""
        return self.is_superuser or municipality_id in self.coordinated

    def can_grant_roles(self, municipality_id: int) -> bool:
        """Gives planner, approver and reader roles in the municipality: a superuser, or a coordinator of a network
        it is a member of today."""
        return self.is_superuser or municipality_id in self.coordinated_now

    def can_withdraw_roles(self, municipality_id: int) -> bool:
        """Withdraws roles in the municipality: also in a former member, so a coordinator can tidy up after it."""
        return self.is_superuser or municipality_id in self.coordinated

    @property
    def administers_access(self) -> bool:
        """Superusers and network coordinators see who has which role where, and change it within their reach."""
        return self.is_superuser or self.is_coordinator

    def anyone(self, municipality_id: int) -> bool:
        """Public pages: anyone may look the municipality up (what she sees of it is the view's business)."""
        return True

    @property
    def manages_indicators(self) -> bool:
        """Coordinators and administrators define the indicators (indicators/definitions.py)."""
        return self.is_superuser or self.is_coordinator

    def can_define(self, indicator) -> bool:
        """May change the indicator's definition: a shared indicator, or one a member of her networks owns."""
        return self.manages_indicators and (
            self.is_superuser or indicator.owner_id is None or indicator.owner_id in self.coordinated
        )

    @property
    def sees_reporting_overview(self) -> bool:
        """Coordinators and approvers follow the whole network's reporting round."""
        return self.is_superuser or self.is_coordinator or any(Role.APPROVER in r for r in self.roles.values())

    @property
    def reads_only(self) -> bool:
        """A politician: a reader of one or more municipalities, with no other role, coordinating no network."""
        return (
            not self.is_superuser
            and not self.is_coordinator
            and bool(self.roles)
            and all(roles == {Role.READER} for roles in self.roles.values())
        )

    @property
    def municipality_ids(self) -> set[int]:
        """The municipalities the user works with through a role (not as coordinator)."""
        return set(self.roles)


def access_for(user) -> Access:
    """Return the user's access, computed once per user object (that is, once per request)."""
    cached = getattr(user, CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if not user.is_authenticated or not user.is_active:
        access = Access()
    elif user.is_superuser:
        access = Access(is_superuser=True, is_coordinator=True)
    else:
        access = Access()
        for municipality_id, role in MunicipalityRole.objects.filter(user=user).values_list("municipality_id", "role"):
            access.roles.setdefault(municipality_id, set()).add(role)
        today = timezone.localdate()
        for municipality_id, left in NetworkMembership.objects.filter(network__coordinators__user=user).values_list(
            "municipality_id", "left"
        ):
            access.coordinated.add(municipality_id)
            if left is None or left >= today:
                access.coordinated_now.add(municipality_id)
        access.is_coordinator = user.coordinator_of.exists() if not access.coordinated else True
    if user.is_authenticated:
        setattr(user, CACHE_ATTRIBUTE, access)
    return access


T = TypeVar("T")
# What a view asks of the user: Access.can_read, Access.can_enter, Access.can_approve, … (unbound, given the access).
May = Callable[[Access, int], bool]


def municipality_for_user(request, code: str, *, may: May, year: int | None = None) -> tuple[Municipality, Access]:
    """Return the municipality that has or had the number, with its codes, and the user's access.

    Answers 404 when no municipality ever had the number, when may(access, its id) is false, or when a year is
    given that the reporting round cannot take. A GET for a former number is redirected to the same page under
    the current number (query string kept): permanently for public pages (may=Access.anyone), since the number
    moved for good, and temporarily for pages behind a role, which no search engine or shared cache keeps.
    """
    if year is not None and not FIRST_YEAR <= year <= reporting_year() + 1:
        raise Http404
    try:
        municipality = Municipality.objects.by_code(code)
    except Municipality.DoesNotExist:
        raise Http404(_("No municipality has had the number %(code)s.") % {"code": code}) from None
    access = access_for(request.user)
    if not may(access, municipality.pk):
        raise Http404
    prefetch_related_objects([municipality], "codes")
    if code.strip() != municipality.kommunenummer and request.method in ("GET", "HEAD"):
        match = request.resolver_match
        url = reverse(match.view_name, args=match.args, kwargs={**match.kwargs, "code": municipality.kommunenummer})
        raise Redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url, permanent=may == Access.anyone)
    return municipality, access


def object_for_user(
    request,
    queryset: QuerySet[T],
    *,
    may: May,
    municipality_of: Callable[[T], int] = attrgetter("municipality_id"),
    **lookup,
) -> tuple[T, Access]:
    """Return the object the lookup finds, and the user's access; 404 when there is none or may(access, the id of
    its municipality) is false. municipality_of finds that id where the object has no municipality_id itself."""
    obj = get_object_or_404(queryset, **lookup)
    access = access_for(request.user)
    if not may(access, municipality_of(obj)):
        raise Http404
    return obj, access


def networks_coordinated(user) -> QuerySet[Network]:
    """The networks whose reporting rounds the user runs: those she coordinates, or every one for a superuser."""
    if not user.is_authenticated or not user.is_active:
        return Network.objects.none()
    return Network.objects.all() if user.is_superuser else Network.objects.filter(coordinators__user=user)


def round_for_user(request, pk: int) -> ReportingRound:
    """Return the reporting round with its network for one of its network's coordinators; 404 for anyone else."""
    round = get_object_or_404(ReportingRound.objects.select_related("network"), pk=pk)
    if not networks_coordinated(request.user).filter(pk=round.network_id).exists():
        raise Http404
    return round
