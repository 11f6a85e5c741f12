from django.apps import AppConfig


class ProbeConfig(AppConfig):
    name = "jointcredit.common.tests.probe_app"
    label = "probe"
