from django.urls import path

from . import views

app_name = "objections"
urlpatterns = [
    *views.pages.urls(),  # list, new, detail, letter, action
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/<int:pk>/acknowledge/", views.receipt_ack, name="receipt_ack"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
]
