from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

URL_PREFIX = "accounts/"  # config.urls mounts every app's urls.py, by default at staff/<app>/
app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tokens/", views.tokens, name="tokens"),
    path("departments/", views.departments, name="departments"),
    path("departments/<slug:code>/", views.department_detail, name="department_detail"),
    path("users/", views.users, name="users"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
]
