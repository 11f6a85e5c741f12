from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jointcredit.records"
    verbose_name = "双公示"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.subjects.extensions import register_subject_section
        from jointcredit.workbench.registry import register_nav, register_todo

        from . import selectors

        register_nav(label="双公示", url_name="records:list", order=20)
        register_todo(key="records_overdue", provider=selectors.overdue_todo)
        register_subject_section("records", selectors.subject_records_section)
        calendar_changed.connect(_recompute_deadlines, dispatch_uid="records_recompute_deadlines")


def _recompute_deadlines(sender, years=None, **kwargs):
    from .services import records_deadlines_recompute

    records_deadlines_recompute(years=set(years or ()))
