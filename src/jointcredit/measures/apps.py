from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "jointcredit.measures"
    verbose_name = "联合奖惩措施"
