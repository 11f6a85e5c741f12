"""双随机、一公开: published inspection plans and results on the portal (no grades, persons masked)."""

from django.urls import path

from . import public_views

app_name = "inspections_public"
urlpatterns = [
    path("inspections/", public_views.plan_list, name="list"),
    path("inspections/<int:pk>/", public_views.plan_detail, name="detail"),
    path("inspections/<int:pk>/export.csv", public_views.plan_export, name="export"),
]
