from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "jointcredit.lists"
    verbose_name = "红黑名单"
