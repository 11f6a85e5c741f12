from django.urls import path

from . import public_views

app_name = "publicity_public"
urlpatterns = [
    path("publicity/", public_views.index, name="index"),
    path("publicity/feed/", public_views.ArticleFeed(), name="feed"),
    path("publicity/articles/<int:pk>/", public_views.article_detail, name="detail"),
    path("publicity/<str:kind>/", public_views.article_list, name="list"),
]
