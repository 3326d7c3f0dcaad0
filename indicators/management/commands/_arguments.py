"""What the import commands share: the indicator, municipality and user they name on the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from indicators.models import Indicator, Municipality


def user_named(username: str | None):
    """Return the user the values are recorded as changed by (None when not given), or stop with a message."""
    if not username:
        return None
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(_("No user is called %(user)s.") % {"user": username}) from None


def indicator_coded(code: str) -> Indicator:
    """Return the indicator with the code, or stop with a message."""
    try:
        return Indicator.objects.get(code=code)
    except Indicator.DoesNotExist:
        raise CommandError(_("No indicator has the code %(code)s.") % {"code": code}) from None


def municipality_numbered(number: str) -> Municipality:
    """Return the municipality that had the number most recently, or stop with a message."""
    try:
        return Municipality.objects.by_code(number)
    except Municipality.DoesNotExist:
        raise CommandError(_("No municipality has had the number %(number)s.") % {"number": number}) from None
