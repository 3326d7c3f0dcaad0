from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from livskraft import accessibility
from livskraft.forms import LoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("logg-inn/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("tilgjengelighet/", accessibility.statement, name="accessibility"),
    path("api/v1/", include("indicators.api.urls")),
    path("", include("plans.urls")),
    path("", include("indicators.urls")),
]
