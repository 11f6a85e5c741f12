from django.urls import path

from . import views

app_name = "grading"
urlpatterns = [
    path("", views.home, name="home"),
    path("subjects/<str:identifier>/", views.subject_grade, name="subject"),
    path("proposals/", views.proposals, name="proposals"),
    path("rules/", views.rules, name="rules"),
    path("inspections/", views.plan_list, name="plan_list"),
    path("inspections/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("inspections/<int:pk>/export.<str:fmt>", views.plan_export, name="plan_export"),
    path("honours/", views.honours_page, name="honours"),
]
