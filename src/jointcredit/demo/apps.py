from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jointcredit.demo"
    verbose_name = "演示数据"
