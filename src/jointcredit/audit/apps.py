from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "jointcredit.audit"
    verbose_name = "审计日志"
