from django.urls import path

from . import views

app_name = "repairs"
urlpatterns = [
    path("", views.repair_list, name="list"),
    path("new/", views.repair_new, name="new"),
    path("<int:pk>/", views.repair_detail, name="detail"),
    path("<int:pk>/letters/<str:letter>.<str:fmt>", views.repair_letter, name="letter"),
    path("<int:pk>/<str:step>/", views.repair_action, name="action"),
]
