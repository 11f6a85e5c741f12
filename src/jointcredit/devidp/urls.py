from django.urls import include, path

from .views import DevIdpLogin

# Mounted only when the app is installed (settings.DEVIDP), at /devidp/ (the issuer URL).
URL_PREFIX = "devidp/"

urlpatterns = [
    path("login/", DevIdpLogin.as_view(), name="devidp_login"),
    path("", include("oidc_provider.urls", namespace="oidc_provider")),
]
