from django.urls import path

from . import views

URL_PREFIX = "staff/"  # config.urls mounts every app's urls.py, by default at staff/<app>/
app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("subjects/", views.subjects, name="subjects"),
    path("subjects/<str:identifier>/", views.subject_detail, name="subject_detail"),
    path("subjects/<str:identifier>/report/", views.subject_report, name="subject_report"),
    path("subjects/<str:identifier>/merge/", views.subject_merge, name="subject_merge"),
]
