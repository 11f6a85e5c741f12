from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "jointcredit.workbench"
    verbose_name = "工作台"
