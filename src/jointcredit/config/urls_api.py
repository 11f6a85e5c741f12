"""URLs of the API process (``settings_api``, ADR 0014): the two JSON APIs, mounted exactly as in
``config/urls.py`` (the same NinjaAPI objects, so the same operations, schemas and errors)."""

from django.urls import path

from .api import api, public_api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/public/v1/", public_api.urls),
]
