from django.apps import AppConfig


class RelationsConfig(AppConfig):
    name = "jointcredit.relations"
    verbose_name = "关联人登记信息"

    def ready(self):
        from jointcredit.common.workbench_registry import DAILY, register_nav

        register_nav(label="关联人导入", url_name="relations:imports", group=DAILY, order=25)
