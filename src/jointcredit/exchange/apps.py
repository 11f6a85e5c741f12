from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jointcredit.exchange"
    verbose_name = "信息推送与反馈"
