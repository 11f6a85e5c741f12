from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "jointcredit.common"
    verbose_name = "公共组件"
