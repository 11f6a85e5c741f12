from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "jointcredit.catalog"
    verbose_name = "公共信用信息目录"
