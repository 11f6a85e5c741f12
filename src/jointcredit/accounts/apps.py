from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jointcredit.accounts"
    verbose_name = "部门与用户"

    def ready(self):
        from jointcredit.common.workbench_registry import CONFIGURATION, register_nav

        register_nav(
            label="部门与代报授权",
            url_name="accounts:departments",
            group=CONFIGURATION,
            order=20,
            office_only=True,
        )
        register_nav(
            label="用户与角色",
            url_name="accounts:users",
            group=CONFIGURATION,
            order=21,
            roles=("department_admin",),
        )
