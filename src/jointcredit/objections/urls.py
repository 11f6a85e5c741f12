from django.urls import path

from . import views

app_name = "objections"
urlpatterns = [
    path("", views.objection_list, name="list"),
    path("new/", views.objection_new, name="new"),
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/<int:pk>/acknowledge/", views.receipt_ack, name="receipt_ack"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("<int:pk>/", views.objection_detail, name="detail"),
    path("<int:pk>/letters/<str:letter>.<str:fmt>", views.objection_letter, name="letter"),
    path("<int:pk>/<str:step>/", views.objection_action, name="action"),
]
