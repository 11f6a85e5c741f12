from django.apps import AppConfig


class PlatformsConfig(AppConfig):
    name = "jointcredit.platforms"
    verbose_name = "上下联动"

    def ready(self):
        from jointcredit.common.workbench_registry import register_nav, register_todo

        from . import panels, todos

        register_nav(label="上下联动", url_name="platforms:home", order=80, office_only=True)
        register_todo(key="platforms_held_items", provider=todos.held_items_todo)
        register_todo(key="platforms_rejected_items", provider=todos.rejected_items_todo)
        panels.register()
