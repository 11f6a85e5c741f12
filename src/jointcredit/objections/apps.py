from django.apps import AppConfig


class ObjectionsConfig(AppConfig):
    name = "jointcredit.objections"
    verbose_name = "异议处理"
