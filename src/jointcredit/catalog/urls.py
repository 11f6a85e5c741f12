from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("tasks/", views.tasks, name="tasks"),
    path("usages/", views.usages, name="usages"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("subjects/<str:identifier>/", views.subject_page, name="subject"),
    path("config/", views.config_items, name="config_items"),
    path("config/new/", views.config_item_new, name="config_item_new"),
    path("config/<slug:code>/", views.config_item, name="config_item"),
    path("items/<str:code>/", views.item_detail, name="item"),
    path("items/<str:code>/submit/", views.item_submit, name="submit"),
]
