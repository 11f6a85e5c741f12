from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """What objections and repairs share: the Evidence, SubjectVerification and SyncReceipt models
    (tables still named ``objections_*``, ADR 0016), templates and the case-handling code."""

    name = "jointcredit.casework"
    verbose_name = "异议与信用修复（共用）"

    def ready(self):
        from jointcredit.subjects.extensions import register_merge_step, register_subject_section

        from .selectors import subject_cases_section
        from .services import identity_applications_subject_merge

        register_subject_section("objections", subject_cases_section)
        register_merge_step(
            "identity_applications",
            identity_applications_subject_merge,
            models=("casework.IdentityApplication",),
        )
