from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("", views.check, name="index"),
    path("check/", views.check, name="check"),
    path("check/by-name/", views.match, name="match"),
    path("screenings/", views.screenings, name="screenings"),
    path("screenings/<int:screening_id>/", views.screening_detail, name="screening_detail"),
    path("screenings/<int:screening_id>/download/", views.screening_download, name="screening_download"),
    path("recorded-checks/", views.recorded_checks, name="recorded_checks"),
    path("recorded-checks/new/", views.recorded_check_create, name="recorded_check_create"),
    path(
        "recorded-checks/<int:recorded_check_id>/", views.recorded_check_detail, name="recorded_check_detail"
    ),
    path("unchecked-grants/", views.unchecked_grants, name="unchecked_grants"),
    path("memoranda/", views.memoranda, name="memoranda"),
    path("memoranda/new/", views.memorandum_edit, name="memorandum_create"),
    path("memoranda/<str:code>/edit/", views.memorandum_edit, name="memorandum_edit"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("scenarios/<str:code>/edit/", views.scenario_edit, name="scenario_edit"),
    path("list/", views.measures, name="measures"),
    path("list/new/", views.measure_edit, name="measure_create"),
    path("list/<str:code>/edit/", views.measure_edit, name="measure_edit"),
]
