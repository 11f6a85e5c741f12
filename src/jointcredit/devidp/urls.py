from django.urls import include, path

from .views import DevIdpLogin

urlpatterns = [
    path("login/", DevIdpLogin.as_view(), name="devidp_login"),
    path("", include("oidc_provider.urls", namespace="oidc_provider")),
]
