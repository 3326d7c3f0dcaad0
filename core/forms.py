"""Forms shared by the whole site."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from core.adminsite import is_administrator
from core.throttle import LoginRefused, LoginThrottle, client_address


class ThrottledLoginMixin:
    """Refuse a login before checking the password after too many failures (core/throttle.py).

    A refusal is kept on the request as `login_refused`, for the view to answer 429.
    """

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if not (username and password):
            return super().clean()  # nothing to check: the form reports the missing field

        address = client_address(self.request) if self.request is not None else None
        try:
            attempt = LoginThrottle().begin(username, address)
        except LoginRefused as refused:
            if self.request is not None:
                self.request.login_refused = refused
            raise ValidationError(
                ngettext(
                    "Too many failed attempts. Wait %(minutes)d minute and try again.",
                    "Too many failed attempts. Wait %(minutes)d minutes and try again.",
                    refused.minutes,
                ),
                code="throttled",
                params={"minutes": refused.minutes},
            ) from None
        try:
            cleaned_data = super().clean()
        except ValidationError:
            raise  # a failed login: the attempt keeps its place in the counts
        except Exception:
            attempt.abandoned()  # the password was never judged
            raise
        attempt.succeeded()
        return cleaned_data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """Django's login form without autofocus, so the first Tab still reaches the skip link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form, counted with the site's own so that it is no way around the limits.

    Only an administrator (an active superuser) gets in; anyone else is told no more than for a wrong password.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": gettext_lazy(
            "Enter the user name and password of an administrator. Planners, approvers and coordinators work in "
            "the portal: log in there."
        ),
    }

    def confirm_login_allowed(self, user):
        AuthenticationForm.confirm_login_allowed(self, user)  # active; the admin's own check asks for staff
        if not is_administrator(user):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
