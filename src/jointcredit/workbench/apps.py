from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "jointcredit.workbench"
    verbose_name = "工作台"

    def ready(self):
        from .panels import register_defaults

        register_defaults()
