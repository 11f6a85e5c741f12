from django.urls import path

from . import views

URL_PREFIX = "staff/calendar/"
app_name = "calendar"
urlpatterns = [
    path("", views.years, name="years"),
    path("<int:year>/", views.year_detail, name="year_detail"),
    path("<int:year>/<str:day>/delete/", views.override_delete, name="override_delete"),
]
