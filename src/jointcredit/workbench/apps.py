from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "jointcredit.workbench"
    verbose_name = "工作台"

    def ready(self):
        from jointcredit.common.workbench_registry import register_nav

        from .panels import register_defaults

        register_defaults()
        register_nav(label="预留联系方式", url_name="workbench:contacts", order=48)
