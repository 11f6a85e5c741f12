from django.urls import path

from jointcredit.common.replicas import lag_tolerant_urls

from . import views

URL_PREFIX = ""  # config.urls mounts every app's urls.py, by default at staff/<app>/
app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("subjects/<str:slug>/", views.subject, name="subject"),
    path("subjects/<str:slug>/report/", views.report_create, name="report_create"),
    path("reports/verify/", views.report_lookup, name="report_lookup"),
    path("reports/<str:number>/", views.report_detail, name="report_detail"),
    path("reports/<str:number>/pdf/", views.report_pdf, name="report_pdf"),
    path("downloads/", views.extracts, name="extracts"),
    path("downloads/<str:day>/<str:name>", views.extract_file, name="extract_file"),
    path("guide/objection/", views.guide_objection, name="guide_objection"),
    path("guide/repair/", views.guide_repair, name="guide_repair"),
]
# Public pages: their GETs may be answered by a read replica (ADR 0048).
lag_tolerant_urls(urlpatterns)
