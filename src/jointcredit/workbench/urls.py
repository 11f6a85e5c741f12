from django.urls import path

from . import contacts, views

URL_PREFIX = "staff/"  # config.urls mounts every app's urls.py, by default at staff/<app>/
app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("subjects/", views.subjects, name="subjects"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("contacts/import/", contacts.contacts_import, name="contacts_import"),
    path("subjects/<str:identifier>/contacts/", contacts.subject_contacts, name="subject_contacts"),
    path(
        "subjects/<str:identifier>/contacts/<int:contact_id>/end/",
        contacts.contact_end,
        name="contact_end",
    ),
    path("subjects/<str:identifier>/", views.subject_detail, name="subject_detail"),
    path("subjects/<str:identifier>/report/", views.subject_report, name="subject_report"),
    path("subjects/<str:identifier>/merge/", views.subject_merge, name="subject_merge"),
]
