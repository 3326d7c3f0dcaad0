"""Forms shared by the whole site."""

import unicodedata

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from core.adminsite import is_administrator
from core.throttle import ADDRESS, LoginRefused, LoginThrottle, client_address, reset_limits


def refusal_message(refused: LoginRefused) -> str:
    """Tell how long to wait: in seconds under a minute, else in whole minutes (rounded up)."""
    if refused.seconds < 60:
        return ngettext(
            "Too many failed attempts. Wait %(seconds)d second and try again.",
            "Too many failed attempts. Wait %(seconds)d seconds and try again.",
            refused.seconds,
        ) % {"seconds": refused.seconds}
    return ngettext(
        "Too many failed attempts. Wait %(minutes)d minute and try again.",
        "Too many failed attempts. Wait %(minutes)d minutes and try again.",
        refused.minutes,
    ) % {"minutes": refused.minutes}


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
            raise ValidationError(refusal_message(refused), code="throttled") from None
        try:
            cleaned_data = super().clean()
        except ValidationError:
            raise  # a failed login: the attempt keeps its place in the counts
        except Exception:
            attempt.abandoned()  # the password was never judged
            raise
        attempt.succeeded()
        return cleaned_data


class LoginForm(ThrottledLoginMixin, auth_forms.AuthenticationForm):
    """Django's login form without autofocus, so the first Tab still reaches the skip link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.pop("autofocus", None)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's password change form without autofocus, so the first Tab still reaches the skip link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)


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
        auth_forms.AuthenticationForm.confirm_login_allowed(self, user)  # active; the admin's own check asks for staff
        if not is_administrator(user):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class ThrottledPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, limited per address (refused with a message) and per e-mail address (silently).

    Too many requests from one address are refused on the form, kept on the request as `login_refused` for the
    view to answer 429. Too many for one e-mail address send no further mail, and the visitor sees the same
    page as always: whether a mail is sent is never shown, so the form tells no one whether the address is known.
    """

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["email"].widget.attrs.pop("autofocus", None)

    def clean(self):
        cleaned_data = super().clean()
        address = client_address(self.request) if self.request is not None else None
        if address and "email" in cleaned_data:
            try:
                reset_limits()[ADDRESS].take(address)
            except LoginRefused as refused:
                if self.request is not None:
                    self.request.login_refused = refused
                message = ngettext(
                    "Too many reset requests from your address. Wait %(minutes)d minute and try again.",
                    "Too many reset requests from your address. Wait %(minutes)d minutes and try again.",
                    refused.minutes,
                )
                raise ValidationError(message % {"minutes": refused.minutes}, code="throttled") from None
        return cleaned_data

    def get_users(self, email):
        """The active users with this e-mail address, accounts without a password yet included.

        Django's own form leaves those out. Here they are the accounts made when a coordinator gave a role to an
        e-mail address nobody had (indicators/grants.py), and this is how such an account chooses its first password.
        """
        try:
            reset_limits()["email"].take(email)
        except LoginRefused:
            return iter(())  # enough mails to this address for now
        field = get_user_model().get_email_field_name()
        wanted = unicodedata.normalize("NFKC", email).casefold()
        users = get_user_model()._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (user for user in users if unicodedata.normalize("NFKC", getattr(user, field)).casefold() == wanted)
