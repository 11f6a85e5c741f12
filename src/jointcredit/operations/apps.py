from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "jointcredit.operations"
    label = "operations"
    verbose_name = "运行维护"

    def ready(self):
        from jointcredit.common.workbench_registry import CONFIGURATION, register_nav

        register_nav(
            label="数据分区",
            url_name="operations:partitions",
            group=CONFIGURATION,
            order=90,
            office_only=True,
        )
