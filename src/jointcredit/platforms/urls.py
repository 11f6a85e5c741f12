from django.urls import path

from . import views

app_name = "platforms"
urlpatterns = [
    path("", views.home, name="home"),
    path("held/", views.held, name="held"),
    path("held/<int:item_id>/apply/", views.held_apply, name="held_apply"),
    path("held/<int:item_id>/reject/", views.held_reject, name="held_reject"),
    path("rejected/", views.rejected, name="rejected"),
    path("rejected/<int:item_id>/resend/", views.rejected_resend, name="rejected_resend"),
    path("<slug:code>/exchange/", views.exchange_now, name="exchange_now"),
    path("<slug:code>/config/", views.config, name="config"),
    path("<slug:code>/files/", views.file_list, name="files"),
    path("<slug:code>/files/receipt/", views.file_receipt, name="file_receipt"),
    path("<slug:code>/files/<int:file_id>.<str:fmt>", views.file_download, name="file_download"),
]
