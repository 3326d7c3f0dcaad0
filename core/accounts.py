"""Password change and reset: Django's own views, with the reset request throttled (core/throttle.py)."""

from django.conf import settings
from django.contrib.auth import views as auth_views

from core.forms import ThrottledPasswordResetForm


def link_minutes() -> int:
    """Return how long a reset link works, in whole minutes (PASSWORD_RESET_TIMEOUT)."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, handing the request to the form so that it can count per address."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_minutes": link_minutes()}

    def form_valid(self, form):
        self.extra_email_context = {"link_minutes": link_minutes()}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    """The same page whether or not the address belongs to an account, saying how long the link works."""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "link_minutes": link_minutes()}
