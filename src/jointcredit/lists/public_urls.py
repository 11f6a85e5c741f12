from django.urls import path

from . import public_views

app_name = "lists_public"
urlpatterns = [
    path("lists/red/", public_views.public_list, {"color": "red"}, name="red"),
    path("lists/black/", public_views.public_list, {"color": "black"}, name="black"),
    path("lists/entries/<int:pk>/", public_views.public_detail, name="detail"),
]
