"""What each role may see and write, judged by the portal's own rules (indicators.access), not by what the code does.

Seeing: a sentinel is unpublished data of one municipality, and Access.can_read says who may see a municipality's
unpublished data: its planners, approvers and readers, and the coordinators of its networks.

Writing: each table's rows belong to a municipality (a value, a plan and what hangs under it, a report, an example,
a role), and the role may write the row when access.py gives her the right there; publication (a value, a report,
an example, an adopted plan) needs the right to publish. What belongs to no municipality (users, permissions,
municipalities, networks' coordinators) only a superuser writes; networks and indicators their coordinators.
A table without a rule here is reported apart, as a write the attack cannot judge.
"""

from dataclasses import dataclass

from indicators.access import Access
from indicators.models import Role, ValueStatus
from plans.models import ExampleStatus, PlanStatus

# Tables whose writes are the machinery's, never a finding: sessions, the admin's log of what it did (the change
# itself is judged), the queue of background tasks (the upload that queues one is judged).
IGNORED = {"sessions.session", "admin.logentry", "django_tasks_database.dbtaskresult"}
# How a row leads to its municipality: a field holding its id, or a foreign key to a row of another table that does.
MUNICIPALITY_OF = {
    "indicators.indicatorvalue": "municipality_id",
    "indicators.valuerevision": ("indicator_value_id", "indicators.indicatorvalue"),
    "indicators.valueimport": "municipality_id",
    "indicators.municipalityrole": "municipality_id",
    "plans.plan": "municipality_id",
    "plans.focusarea": ("plan_id", "plans.plan"),
    "plans.goal": ("focus_area_id", "plans.focusarea"),
    "plans.goalindicator": ("goal_id", "plans.goal"),
    "plans.strategicproject": ("plan_id", "plans.plan"),
    "plans.strategicproject_focus_areas": ("strategicproject_id", "plans.strategicproject"),
    "plans.planchange": ("plan_id", "plans.plan"),
    "plans.budgetline": "municipality_id",
    "plans.budgetimport": "municipality_id",
    "plans.annualreport": "municipality_id",
    "plans.reporttext": ("report_id", "plans.annualreport"),
    "plans.reporttextrevision": ("text_id", "plans.reporttext"),
    "plans.goodexample": "municipality_id",
    "plans.goodexample_indicators": ("goodexample_id", "plans.goodexample"),
}
PLAN_TABLES = {
    "plans.plan",
    "plans.focusarea",
    "plans.goal",
    "plans.goalindicator",
    "plans.strategicproject",
    "plans.strategicproject_focus_areas",
    "plans.planchange",
    "plans.budgetline",
    "plans.budgetimport",
}
SUPERUSER_ONLY = {
    "auth.user_groups",
    "auth.user_user_permissions",
    "auth.group",
    "auth.group_permissions",
    "auth.permission",
    "contenttypes.contenttype",
    "indicators.municipality",
    "indicators.municipalitycode",
    "indicators.networkcoordinator",
}
# Tables through which a role takes rights: a write the role may not make there is counted as taking rights, and
# what she sees and writes afterwards is marked so.
RIGHTS = {"auth.user", "auth.user_groups", "auth.user_user_permissions", "auth.group_permissions",
          "indicators.municipalityrole", "indicators.networkcoordinator", "indicators.networkmembership"}  # fmt: skip
# The fields of a user that only a superuser changes, even on her own row.
USER_POWERS = ("username", "is_staff", "is_superuser", "is_active")


@dataclass
class Actor:
    """The attacker as the rules see her: her access before the attack began, and her user's id."""

    access: Access
    user_id: int | None
    coordinated_networks: set[int]


def may_see(actor: Actor, municipality_id: int) -> bool:
    return actor.access.can_read(municipality_id)


def changed(old: dict | None, new: dict | None, name: str) -> bool:
    return (old or {}).get(name) != (new or {}).get(name)


def publishes(old: dict | None, new: dict | None, *names: str) -> bool:
    """Whether the write sets one of the publication fields (a date, a published copy, a flag) to something new."""
    return new is not None and any(new.get(f) not in (None, "", False) and changed(old, new, f) for f in names)


def becomes(old: dict | None, new: dict | None, name: str, values) -> bool:
    """Whether the row's field takes one of the values by this write (created with it, or changed to it)."""
    return new is not None and new.get(name) in values and changed(old, new, name)


def may_write(label: str, actor: Actor, old: dict | None, new: dict | None, municipality_id: int | None) -> bool | None:
    """Whether the actor may make this change to a row of the table (model label); None when no rule covers it."""
    access = actor.access
    if access.is_superuser:
        return True
    if label in SUPERUSER_ONLY:
        return False
    if label == "auth.user":
        own = actor.user_id is not None and (old or new or {}).get("id") == actor.user_id
        return own and old is not None and new is not None and not any(changed(old, new, f) for f in USER_POWERS)
    if label == "indicators.indicator":
        return access.is_coordinator
    if label == "indicators.network":
        return (old or new)["id"] in actor.coordinated_networks and new is not None and old is not None
    if label == "indicators.networkmembership":
        # A coordinator ends or shortens her networks' memberships; only a superuser adds, deletes or lengthens one.
        if old is None or new is None or old["network_id"] not in actor.coordinated_networks:
            return False
        lengthened = new["joined"] < old["joined"] or (
            old["left"] is not None and (new["left"] is None or new["left"] > old["left"])
        )
        return new["network_id"] == old["network_id"] and not lengthened
    if label == "indicators.accesschange":
        # The record of an access change, written with the change (judged on its own table) by whoever made it; the
        # person it concerns marks it seen. Never rewritten otherwise, never deleted.
        if old is None:
            return new["changed_by_id"] == actor.user_id
        return (
            new is not None
            and old["user_id"] == actor.user_id
            and not any(changed(old, new, name) for name in new if name != "seen_at")
        )
    if label == "indicators.indicatorchange":
        # The history of an indicator's definition: written by the coordinator who changes it, never rewritten.
        return old is None and access.is_coordinator and new["changed_by_id"] == actor.user_id
    if label == "indicators.dataimport":
        return access.is_coordinator and (new or old).get("kind") != "reform"
    if label not in MUNICIPALITY_OF:
        return None
    if municipality_id is None:
        return False
    m = municipality_id
    if label in ("indicators.indicatorvalue", "indicators.valuerevision"):
        status = "new_status" if label == "indicators.valuerevision" else "status"
        approves = becomes(old, new, status, {ValueStatus.APPROVED, ValueStatus.PUBLISHED}) or publishes(
            old, new, "published_at", "published_value", "published_state"
        )
        return access.can_approve(m) if approves else access.can_enter(m) or access.can_approve(m)
    if label == "indicators.valueimport":
        return access.can_enter(m)
    if label == "indicators.municipalityrole":
        # Coordinators may come to give roles in their networks' municipalities; never to themselves.
        return access.can_coordinate(m) and (new or old)["user_id"] != actor.user_id
    if label in PLAN_TABLES:
        if label == "plans.plan" and becomes(old, new, "status", {PlanStatus.ADOPTED}):
            return access.can_approve(m)
        return access.has_role(m, Role.PLANNER, Role.APPROVER)
    if label in ("plans.annualreport", "plans.reporttext", "plans.reporttextrevision"):
        if publishes(old, new, "published_at", "published_body", "published"):
            return access.can_approve(m)
        return access.can_write_report(m)
    if label in ("plans.goodexample", "plans.goodexample_indicators"):
        if becomes(old, new, "status", {ExampleStatus.PUBLISHED}) or publishes(old, new, "published_at"):
            return access.can_coordinate(m)
        return access.can_enter(m) or access.can_coordinate(m)
    return None
