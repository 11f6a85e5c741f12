from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "jointcredit.commitments"
    verbose_name = "信用承诺与容缺受理"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.common.workbench_registry import DAILY, register_nav, register_todo
        from jointcredit.grading import hooks
        from jointcredit.grading.inputs import register_grade_input
        from jointcredit.measures.extensions import register_check_context
        from jointcredit.subjects.extensions import register_merge_step, register_subject_section

        from . import selectors, services, todos

        # Broken commitments lower the grade (source "broken_commitment") and trigger a regrade.
        register_grade_input("commitments.broken", selectors.broken_commitments_input)
        hooks.watch("commitments", "BrokenCommitment")
        register_subject_section("commitments", selectors.subject_commitments_section, as_of=True)
        register_merge_step(
            "commitments",
            services.commitments_subject_merge,
            models=("commitments.Commitment", "commitments.BrokenCommitment"),
        )
        # The dishonesty record shows on the staff check page in every scenario.
        register_check_context(
            "commitments",
            title="违背信用承诺记录（容缺受理）",
            provider=selectors.broken_commitments_check_context,
        )
        calendar_changed.connect(services.on_calendar_changed, dispatch_uid="commitments.recompute_deadlines")
        register_nav(label="容缺受理", url_name="commitments:list", group=DAILY, order=66)
        register_todo(key="commitments_due_soon", provider=todos.due_soon_todo)
