from django.urls import path

from . import public_views as v

app_name = "repairs_public"
urlpatterns = [
    path("credit-service/repairs/", v.start, name="create"),
    path("credit-service/repairs/new/<str:target_type>/<int:target_id>/", v.repair_new, name="new"),
    path(
        "credit-service/repairs/template/<str:target_type>/<int:target_id>.pdf",
        v.commitment_template,
        name="commitment_template",
    ),
    path("credit-service/repairs/<int:pk>/", v.repair_detail, name="detail"),
    path("credit-service/repairs/<int:pk>/letters/<str:letter>.pdf", v.repair_letter, name="letter"),
]
