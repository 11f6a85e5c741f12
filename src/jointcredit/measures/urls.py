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
    path("memoranda/", views.memoranda, name="memoranda"),
    path("list/", views.measures, name="measures"),
]
