"""Public 双公示 pages of 信用历下: /gs/ (search with 行政许可 / 行政处罚 tabs) and details."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("gs/", public_views.search, name="records_public_search"),
    path("gs/<str:record_type>/<int:pk>/", public_views.detail, name="records_public_detail"),
]
