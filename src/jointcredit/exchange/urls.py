from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:push_id>/", views.push_detail, name="push_detail"),
    path("feedback/import/", views.feedback_import, name="feedback_import"),
    path(
        "feedback/import/template.<str:fmt>", views.feedback_import_template, name="feedback_import_template"
    ),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/<int:subscription_id>/", views.subscription_detail, name="subscription_detail"),
    path("deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="delivery_redeliver"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("cases/", views.cases, name="cases"),
]
