from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "jointcredit.subjects"
    verbose_name = "信用主体"
