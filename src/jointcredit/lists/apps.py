from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "jointcredit.lists"
    verbose_name = "红黑名单"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.common.workbench_registry import CONFIGURATION, DAILY, register_nav, register_todo
        from jointcredit.exchange.extensions import register_entry_ended_q, register_list_type_codes
        from jointcredit.subjects.extensions import register_merge_step, register_subject_section

        from . import selectors, services, todos

        register_list_type_codes(selectors.list_type_codes_existing)
        register_entry_ended_q(selectors.ended_q)

        from . import portal_items

        portal_items.register()

        from . import extracts

        extracts.register()

        register_subject_section("entries", selectors.subject_entries_section, as_of=True)
        register_merge_step("list_entries", services.list_entries_subject_merge, models=("lists.ListEntry",))
        calendar_changed.connect(
            services.on_calendar_changed, dispatch_uid="lists.recompute_statement_deadlines"
        )
        register_nav(label="红黑名单", url_name="lists:entry_list", group=DAILY, order=30)
        register_nav(
            label="名单类型", url_name="lists:type_list", group=CONFIGURATION, order=30, office_only=True
        )
        register_todo(key="list_entries_awaiting", provider=todos.entries_awaiting_todo)
