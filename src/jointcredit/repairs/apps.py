from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "jointcredit.repairs"
    verbose_name = "信用修复"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.casework.kinds import register_case_kind
        from jointcredit.common.workbench_registry import PROTECTION, register_nav, register_todo
        from jointcredit.subjects.extensions import register_merge_step

        from . import services, todos
        from .kind import REPAIR

        register_case_kind(REPAIR)
        register_merge_step("repairs", services.repairs_subject_merge, models=("repairs.RepairApplication",))
        calendar_changed.connect(services.on_calendar_changed, dispatch_uid="repairs.recompute_deadlines")
        register_nav(label="信用修复", url_name="repairs:list", group=PROTECTION, order=46)
        register_todo(key="repairs_to_decide", provider=todos.repairs_todo)
        register_todo(key="repairs_overdue_office", provider=todos.overdue_office_todo)

        from . import dashboard

        dashboard.register()
