from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Installed for its templates only (letters' base, the portal's identity pages); no models:
    the shared tables (Evidence, SubjectVerification, SyncReceipt) stay in ``objections``."""

    name = "jointcredit.casework"
    verbose_name = "异议与信用修复（共用）"
