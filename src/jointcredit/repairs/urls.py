from . import views

app_name = "repairs"
urlpatterns = views.pages.urls()  # list, new, detail, letter, action
