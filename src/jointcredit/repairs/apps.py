from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "jointcredit.repairs"
    verbose_name = "信用修复"
