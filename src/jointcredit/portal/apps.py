from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jointcredit.portal"
    verbose_name = "信用历下门户"

    def ready(self):
        from jointcredit.subjects.extensions import register_merge_keep

        from .providers import register_defaults

        register_defaults()
        register_merge_keep("portal.CreditReport", "按原标识出具的信用报告，编号可查验，保持原样")
