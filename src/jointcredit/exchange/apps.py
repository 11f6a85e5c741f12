from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "jointcredit.exchange"
    verbose_name = "信息推送与反馈"

    def ready(self):
        from jointcredit.calendar.signals import calendar_changed
        from jointcredit.common.workbench_registry import (
            ANALYSIS,
            COOPERATION,
            DAILY,
            register_nav,
            register_todo,
        )

        from .dispatcher import deliveries_created
        from .tasks import on_deliveries_created

        deliveries_created.connect(on_deliveries_created, dispatch_uid="exchange.deliveries_enqueue")

        from jointcredit.audit.extensions import register_checkpoint_listener

        from .audit_checkpoints import checkpoint_announce

        register_checkpoint_listener("exchange.outbox", checkpoint_announce)

        register_nav(label="待处理名单", url_name="exchange:inbox", group=DAILY, order=40)
        register_nav(label="事件订阅", url_name="exchange:subscriptions", group=COOPERATION, order=70)
        register_nav(
            label="反馈统计", url_name="exchange:dashboard", group=ANALYSIS, order=80, office_only=True
        )

        def pushes_awaiting(user):
            from jointcredit.common.workbench_registry import todo_card

            from .selectors import push_filter

            if not getattr(user, "department_id", None):
                return None
            # The inbox always shows the user's own department; ``state`` is the counted filter.
            filters = {"state": "awaiting"}
            return todo_card(
                label="推送至本部门、待执行反馈的名单条目",
                count=push_filter(department_id=user.department_id, **filters).count(),
                url_name="exchange:inbox",
                filters=filters,
            )

        register_todo(key="exchange_pushes_awaiting", provider=pushes_awaiting)

        from .panels import register as register_panels

        register_panels()

        def recompute(sender, years=None, **kwargs):
            from .services import push_deadlines_recompute

            push_deadlines_recompute(years=years)

        calendar_changed.connect(recompute, dispatch_uid="exchange.push_deadlines_recompute", weak=False)
