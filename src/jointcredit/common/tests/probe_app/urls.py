from django.http import HttpResponse
from django.urls import path

app_name = "probe"
urlpatterns = [path("", lambda request: HttpResponse("probe"), name="home")]
