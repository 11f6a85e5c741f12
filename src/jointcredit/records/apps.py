from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jointcredit.records"
    verbose_name = "双公示"
