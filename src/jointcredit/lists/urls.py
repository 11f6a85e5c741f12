from django.urls import path

from . import views

app_name = "lists"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("new/", views.entry_create, name="entry_create"),
    path("export/", views.entry_export, name="entry_export"),
    path("types/", views.type_list, name="type_list"),
    path("types/new/", views.type_edit, name="type_create"),
    path("types/<slug:code>/edit/", views.type_edit, name="type_edit"),
    path("<int:pk>/", views.entry_detail, name="entry_detail"),
    path("<int:pk>/<str:step>/", views.entry_action, name="entry_action"),
    path("<int:pk>/documents/<str:kind>.<str:fmt>", views.entry_document, name="entry_document"),
]
