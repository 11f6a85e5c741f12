from django.urls import path

from . import views

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/", views.subjects, name="subjects"),
    path("subjects/<str:identifier>/", views.subject_detail, name="subject_detail"),
]
