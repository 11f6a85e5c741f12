from functools import partial

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jointcredit.records"
    verbose_name = "双公示"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.common.workbench_registry import DAILY, register_nav, register_todo
        from jointcredit.subjects.extensions import register_merge_step, register_subject_section

        from . import selectors, services
        from .fields import RECORD_TYPES

        register_nav(label="双公示", url_name="records:list", group=DAILY, order=20)
        for record_type in RECORD_TYPES:
            register_todo(
                key=f"records_overdue_{record_type}",
                provider=partial(selectors.overdue_todo, record_type=record_type),
            )
        register_subject_section("records", selectors.subject_records_section, as_of=True)
        register_merge_step(
            "records", services.records_subject_merge, models=("records.License", "records.Penalty")
        )
        calendar_changed.connect(_recompute_deadlines, dispatch_uid="records_recompute_deadlines")

        from . import dashboard, public_views

        dashboard.register()

        from . import extracts

        extracts.register()
        # Own portal plug-ins (replace the portal's fall-back adapters): same items plus marks (异议中).
        from jointcredit.common.portal_registry import (
            register_search_provider,
            register_subject_public_section,
        )

        register_search_provider("penalties", "行政处罚", public_views.portal_search("penalty"), order=20)
        register_search_provider("licenses", "行政许可", public_views.portal_search("license"), order=30)
        register_subject_public_section(
            "records",
            "双公示信息（公示期内）",
            public_views.portal_subject_section,
            order=20,
            empty_text="公示期内无行政许可、行政处罚信息。",
        )


def _recompute_deadlines(sender, years=None, **kwargs):
    from .services import records_deadlines_recompute

    records_deadlines_recompute(years=set(years or ()))
