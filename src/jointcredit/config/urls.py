from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from jointcredit.common.discovery import app_modules
from jointcredit.common.replicas import lag_tolerant_urls

from .api import api, public_api

admin.site.site_header = "联合奖惩信用信息管理系统 · 后台管理"
admin.site.site_title = "JointCredit 后台"
admin.site.index_title = "后台管理"


def _superusers_only(request) -> bool:
    """The Django admin is for superusers (bootstrap, emergencies); the office configures the system in
    the workbench's 系统配置 pages, audited through the services (issue #19 §2)."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    # /api/docs and /api/openapi.json: the staff/machine API's (the public API's are under /api/public/v1/).
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/docs/", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/openapi.json", RedirectView.as_view(url="/api/v1/openapi.json", permanent=False)),
    path("api/v1/", api.urls),
    path("api/public/v1/", public_api.urls),
]

# Public pages of a capability (e.g. 双公示 search) live in its ``public_urls.py`` with their own
# path prefixes, before every app's ``urls.py``: the portal's own routes start at "". Their GETs may be
# answered by a read replica (ADR 0048).
_public = app_modules("public_urls")
for _label, module in _public:
    lag_tolerant_urls(module.urlpatterns)
urlpatterns += [path("", include(module)) for _label, module in _public]

# Every app's ``urls.py`` (common.discovery) under its ``URL_PREFIX``, by default its staff pages at
# /staff/<app>/ (accounts: /accounts/, the workbench: /staff/, the portal: /).
urlpatterns += [
    path(getattr(module, "URL_PREFIX", f"staff/{label}/"), include(module))
    for label, module in app_modules("urls")
]

if settings.DEBUG:  # pragma: no cover
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
