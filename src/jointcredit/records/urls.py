from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("timeliness/", views.timeliness, name="timeliness"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("<str:record_type>/new/", views.record_new, name="new"),
    path("<str:record_type>/import/", views.record_import, name="import"),
    path("<str:record_type>/import/template.<str:fmt>", views.import_template, name="import_template"),
    path("<str:record_type>/export/", views.record_export, name="export"),
    path("<str:record_type>/<int:pk>/", views.record_detail, name="detail"),
    path("<str:record_type>/<int:pk>/publish/", views.record_publish, name="publish"),
    path("<str:record_type>/<int:pk>/withdraw/", views.record_withdraw, name="withdraw"),
]
