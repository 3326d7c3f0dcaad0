"""Django's admin for superusers only: everyone else works in the portal, whose pages check every role.

The admin scopes nothing by municipality or network, so a staff user with model permissions could read and change
every municipality's data there. SuperuserAdminConfig makes SuperuserAdminSite the default site, so every
`@admin.register` (Django's own User and Group included) lands on it, and every admin view (lists, forms,
autocomplete, actions, history, the login) asks has_permission() first.
"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig


def is_administrator(user) -> bool:
    """An active superuser: the only user the admin lets in."""
    return bool(user.is_active and user.is_superuser)


class SuperuserAdminSite(AdminSite):
    def has_permission(self, request):
        return is_administrator(request.user)


class SuperuserAdminConfig(AdminConfig):
    default_site = "core.adminsite.SuperuserAdminSite"
