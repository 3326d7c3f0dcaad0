"""Who may see and change which municipality's unpublished values.

Every view that shows or changes unpublished data asks an Access object, which is
built from two queries once per request. Superusers may do everything.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from indicators.models import MunicipalityRole, NetworkMembership, Role

CACHE_ATTRIBUTE = "_livskraft_access"


@dataclass
class Access:
    is_superuser: bool = False
    roles: dict[int, set[str]] = field(default_factory=dict)
    # Municipalities a coordinator follows: every member, past or present, of her networks.
    coordinated: set[int] = field(default_factory=set)
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

    @property
    def sees_reporting_overview(self) -> bool:
        """Coordinators and approvers follow the whole network's reporting round."""
        return self.is_superuser or self.is_coordinator or any(Role.APPROVER in r for r in self.roles.values())

    @property
    def municipality_ids(self) -> set[int]:
        """The municipalities the user works with through a role (not as coordinator)."""
        return set(self.roles)

    def require(self, allowed: bool) -> None:
        if not allowed:
            raise PermissionDenied


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
        coordinated = NetworkMembership.objects.filter(network__coordinators__user=user).values_list(
            "municipality_id", flat=True
        )
        access.coordinated = set(coordinated)
        access.is_coordinator = user.coordinator_of.exists() if not access.coordinated else True
    if user.is_authenticated:
        setattr(user, CACHE_ATTRIBUTE, access)
    return access
