"""The site's addresses: login, language, health, the accessibility statement, the API and the apps' pages."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from core.cache import public_page
from core.errors import health
from core.forms import AdminLoginForm, LoginForm
from core.throttle import refused_login_status
from livskraft import accessibility

# The admin's login counts failures with the site's login (core/throttle.py).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    # Before the admin's own URLs, so that its login, too, answers 429 to a refused attempt.
    path(f"{settings.ADMIN_URL}login/", refused_login_status(admin.site.login)),
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
    path("tilgjengelighet/", public_page(accessibility.statement), name="accessibility"),
    path("api/v1/", include("api.urls")),
    path("", include("plans.urls")),
    path("", include("indicators.urls")),
]
