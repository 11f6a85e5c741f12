from django.urls import path

from . import views

app_name = "commitments"
urlpatterns = [
    path("", views.commitment_list, name="list"),
    path("new/", views.commitment_new, name="new"),
    path("<int:pk>/", views.commitment_detail, name="detail"),
    path("<int:pk>/pdf/", views.commitment_pdf_view, name="pdf"),
]
