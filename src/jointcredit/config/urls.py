from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from .api import api, public_api

admin.site.site_header = "联合奖惩信用信息管理系统 · 后台管理"
admin.site.site_title = "JointCredit 后台"
admin.site.index_title = "系统配置"

urlpatterns = [
    path("admin/", admin.site.urls),
    # /api/docs and /api/openapi.json: the staff/machine API's (the public API's are under /api/public/v1/).
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/docs/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/openapi.json", RedirectView.as_view(url="/api/v1/openapi.json", permanent=False)),
    path("api/v1/", api.urls),
    path("api/public/v1/", public_api.urls),
    path("accounts/", include("jointcredit.accounts.urls")),
    path("staff/", include("jointcredit.workbench.urls")),
    *(
        [path("devidp/", include("jointcredit.devidp.urls"))]
        if "jointcredit.devidp" in settings.INSTALLED_APPS
        else []
    ),
    path("", include("jointcredit.portal.urls")),
]

# Capabilities with staff pages add them under /staff/<app>/ through their own urls.py.
for _app in (
    "records",
    "lists",
    "measures",
    "exchange",
    "objections",
    "repairs",
    "grading",
    "commitments",
    "catalog",
    "calendar",
):
    try:
        __import__(f"jointcredit.{_app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"jointcredit.{_app}.urls":
            raise
        continue
    urlpatterns.insert(-1, path(f"staff/{_app}/", include(f"jointcredit.{_app}.urls")))

# Public pages of a capability (e.g. 双公示 search) live in its ``public_urls.py`` with their own
# path prefixes, mounted before the portal's own routes.
for _app in ("records", "lists", "objections", "repairs", "catalog", "grading", "commitments"):
    try:
        __import__(f"jointcredit.{_app}.public_urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"jointcredit.{_app}.public_urls":
            raise
        continue
    urlpatterns.insert(-1, path("", include(f"jointcredit.{_app}.public_urls")))

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
