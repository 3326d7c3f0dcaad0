"""The site's addresses: login, language, health, the accessibility statement, the API and the apps' pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from core.accounts import PasswordResetDoneView, PasswordResetView
from core.cache import public_page, register_only
from core.errors import health
from core.forms import AdminLoginForm, LoginForm, PasswordChangeForm
from core.throttle import refused_login_status
from livskraft import accessibility

# The admin's login counts failures with the site's login (core/throttle.py).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    # Before the admin's own URLs, so that its login, too, answers 429 to a refused attempt.
    path(f"{settings.ADMIN_URL}login/", refused_login_status(admin.site.login)),
    # The admin's "Change password" leads to the portal's own page, in the visitor's language.
    path(f"{settings.ADMIN_URL}password_change/", RedirectView.as_view(pattern_name="password_change")),
    # A URL of this name makes the admin's login offer "Forgotten your password?", here the portal's reset.
    path(
        f"{settings.ADMIN_URL}password_reset/",
        RedirectView.as_view(pattern_name="password_reset"),
        name="admin_password_reset",
    ),
    # Not at /admin/, where every scanner looks first: settings.ADMIN_URL (LIVSKRAFT_ADMIN_URL).
    path(settings.ADMIN_URL, admin.site.urls),
    # Choosing a language needs no CSRF token: the worst a forged request can do is switch someone's language,
    # and without a token in every page's switcher, public pages are the same for everyone and can be cached.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("helse/", health, name="health"),
    path(
        "logg-inn/",
        refused_login_status(auth_views.LoginView.as_view(authentication_form=LoginForm)),
        name="login",
    ),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own password views in the portal's templates (templates/registration/).
    path(
        "passord/endre/", auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm), name="password_change"
    ),
    path("passord/endret/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("passord/glemt/", refused_login_status(PasswordResetView.as_view()), name="password_reset"),
    path("passord/glemt/sendt/", PasswordResetDoneView.as_view(), name="password_reset_done"),
    # The link in the mail; after a new password is set, its owner is logged in (also at an address the login
    # throttle holds back, see core/throttle.py).
    path(
        "passord/nytt/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(post_reset_login=True),
        name="password_reset_confirm",
    ),
    path("passord/nytt/ferdig/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tilgjengelighet/", public_page(accessibility.statement, scopes=register_only), name="accessibility"),
    path("api/v1/", include("api.urls")),
    path("", include("plans.urls")),
    path("", include("indicators.urls")),
]
