"""Routes: the toolkit under /o/, a login page, the protected API and a health check."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from demo import views

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/me", views.me, name="api-me"),
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
]
