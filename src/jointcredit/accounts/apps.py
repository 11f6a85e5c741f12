from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jointcredit.accounts"
    verbose_name = "部门与用户"
