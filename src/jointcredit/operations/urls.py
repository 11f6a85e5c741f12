from django.urls import path

from . import views

URL_PREFIX = "staff/operations/"
app_name = "operations"
urlpatterns = [
    path("partitions/", views.partition_list, name="partitions"),
    path("partitions/archive/", views.partition_archive, name="partition_archive"),
]
