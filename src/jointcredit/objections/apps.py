from django.apps import AppConfig


class ObjectionsConfig(AppConfig):
    name = "jointcredit.objections"
    verbose_name = "异议处理"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.casework.kinds import register_case_kind
        from jointcredit.common.workbench_registry import PROTECTION, register_nav, register_todo
        from jointcredit.subjects.extensions import register_merge_step

        from . import selectors, services, todos
        from .kind import OBJECTION

        register_case_kind(OBJECTION)
        register_merge_step("objections", services.objections_subject_merge, models=("objections.Objection",))
        calendar_changed.connect(services.on_calendar_changed, dispatch_uid="objections.recompute_deadlines")
        register_nav(label="异议处理", url_name="objections:list", group=PROTECTION, order=45)
        register_nav(label="结果同步回执", url_name="objections:receipts", group=PROTECTION, order=47)
        register_todo(key="objections_to_handle", provider=todos.objections_todo)
        register_todo(key="objections_overdue_office", provider=todos.overdue_office_todo)
        register_todo(key="sync_receipts_to_confirm", provider=todos.receipts_todo)

        from jointcredit.records.extensions import register_record_mark

        from . import dashboard

        dashboard.register()
        register_record_mark(
            key="objection",
            label="异议中",
            tone="warn",
            provider=selectors.records_under_objection,
            note="行政相对人已对该信息提出异议，决定部门已受理、正在核查；核查结论作出前本信息继续公示。",
        )
