from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "jointcredit.catalog"
    verbose_name = "公共信用信息目录"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.common.workbench_registry import (
            ANALYSIS,
            CONFIGURATION,
            COOPERATION,
            register_nav,
            register_todo,
        )
        from jointcredit.measures.extensions import register_check_context
        from jointcredit.subjects.extensions import register_merge_step, register_subject_section

        from . import hooks, services
        from .selectors import catalog_info_for

        register_subject_section("catalog", hooks.subject_section, needs_viewer=True)
        register_merge_step(
            "catalog", services.catalog_records_subject_merge, models=("catalog.CatalogRecord",)
        )
        register_check_context("catalog", title="相关公共信用信息（应用清单）", provider=catalog_info_for)
        register_nav(label="信用信息目录", url_name="catalog:home", group=COOPERATION, order=30)
        register_nav(label="归集完整性", url_name="catalog:dashboard", group=ANALYSIS, order=31)
        register_nav(
            label="信用信息目录项",
            url_name="catalog:config_items",
            group=CONFIGURATION,
            order=45,
            office_only=True,
        )
        register_todo(key="catalog_overdue", provider=hooks.overdue_todo)
        calendar_changed.connect(hooks.on_calendar_changed, dispatch_uid="catalog.tasks_recompute")
        hooks.register_portal()
        hooks.register_grading()
