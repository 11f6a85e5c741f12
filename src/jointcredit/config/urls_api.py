"""URLs of the API process (``settings_api``, ADR 0014): the two JSON APIs, mounted as in
``config/urls.py`` (the same NinjaAPI objects, so the same operations, schemas and errors).

Django tries URL patterns in order, and ninja lists them in router order: ``GET /check`` came
after 32 other patterns, each a regex match on every check. The hottest reads (DESIGN.md §5) are
tried first here. No other pattern matches their paths, so every path resolves to the same view as
on the web process (tests/test_api_process.py checks every operation's path)."""

from django.urls import path

from .api import api, public_api

HOT_PATTERNS = ("check", "subjects/<identifier>")


def _hot_first(urls):
    patterns, app_name, namespace = urls
    hot = [p for p in patterns if str(p.pattern) in HOT_PATTERNS]
    return [*hot, *(p for p in patterns if p not in hot)], app_name, namespace


urlpatterns = [
    path("api/v1/", _hot_first(api.urls)),
    path("api/public/v1/", public_api.urls),
]
