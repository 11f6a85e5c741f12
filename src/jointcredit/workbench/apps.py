from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "jointcredit.workbench"
    verbose_name = "工作台"

    def ready(self):
        from jointcredit.common.workbench_registry import ANALYSIS, DAILY, PROTECTION, register_nav

        from .panels import register_defaults

        register_nav(label="信用主体", url_name="workbench:subjects", group=DAILY, order=10)
        register_nav(label="统计分析", url_name="workbench:dashboard", group=ANALYSIS, order=10)
        register_defaults()
        register_nav(label="预留联系方式", url_name="workbench:contacts", group=PROTECTION, order=48)
