from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """What objections and repairs share: the Evidence, SubjectVerification and SyncReceipt models
    (tables still named ``objections_*``, ADR 0016), templates and the case-handling code."""

    name = "jointcredit.casework"
    verbose_name = "异议与信用修复（共用）"
