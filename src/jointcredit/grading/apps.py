from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "jointcredit.grading"
    verbose_name = "信用分级"
