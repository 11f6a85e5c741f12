from django.urls import path

from jointcredit.casework import views as casework_views

from . import views

app_name = "objections"
urlpatterns = [
    *views.pages.urls(),  # list, new, detail, letter, action
    path("receipts/", views.receipt_list, name="receipts"),
    path("receipts/<int:pk>/acknowledge/", views.receipt_ack, name="receipt_ack"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("identity/", casework_views.identity_queue, name="identity_queue"),
    path("identity/<int:pk>/", casework_views.identity_detail, name="identity_detail"),
]
