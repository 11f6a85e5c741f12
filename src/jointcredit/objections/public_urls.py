from django.urls import path

from jointcredit.casework import public_views as portal

from . import public_views as v

app_name = "objections_public"
urlpatterns = [
    path("credit-service/", portal.identify, name="create"),
    path("credit-service/verify/", portal.verify, name="verify"),
    path("credit-service/mine/", portal.mine, name="mine"),
    path("credit-service/logout/", portal.logout, name="logout"),
    path("credit-service/sso/login/", portal.sso_login, name="sso_login"),
    path("credit-service/sso/callback/", portal.sso_callback, name="sso_callback"),
    path("credit-service/identity/new/", portal.identity_new, name="identity_new"),
    path("credit-service/identity/<int:pk>/", portal.identity_status, name="identity"),
    path("credit-service/objections/new/<str:target_type>/<int:target_id>/", v.objection_new, name="new"),
    path("credit-service/objections/<int:pk>/", v.objection_detail, name="detail"),
    path("credit-service/objections/<int:pk>/letters/<str:letter>.pdf", v.objection_letter, name="letter"),
]
