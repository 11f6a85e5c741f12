from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "jointcredit.calendar"
    label = "workcalendar"
    verbose_name = "工作日历"

    def ready(self):
        from jointcredit.common.workbench_registry import CONFIGURATION, register_nav

        register_nav(
            label="节假日日历", url_name="calendar:years", group=CONFIGURATION, order=10, office_only=True
        )
