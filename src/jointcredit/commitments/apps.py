from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "jointcredit.commitments"
    verbose_name = "信用承诺与容缺受理"
