from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "jointcredit.portal"
    verbose_name = "信用历下门户"

    def ready(self):
        from .providers import register_defaults

        register_defaults()
