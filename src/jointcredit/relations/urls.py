from django.urls import path

from . import views

app_name = "relations"
urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/template.<str:fmt>", views.import_template, name="import_template"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("subjects/<str:identifier>/", views.subject_related, name="subject"),
    path("subjects/<str:identifier>/<int:link_id>/end/", views.related_end, name="end"),
]
