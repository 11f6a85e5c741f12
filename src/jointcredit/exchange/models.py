import uuid

from django.db import models


class OutboxEvent(models.Model):
    """Transactional outbox (DESIGN.md §2 Exchange): written in the same transaction as the change.

    ``position`` is assigned after commit by the single sequencer (exchange.sequencer), so the feed
    order is the order in which events became visible, and a reader polling ``after=<position>``
    can never skip an event that committed late.
    """

    id = models.UUIDField("事件标识", primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("事件类型", max_length=64, db_index=True)
    occurred_at = models.DateTimeField("发生时间", db_index=True)
    aggregate_type = models.CharField("对象类型", max_length=64)
    aggregate_id = models.CharField("对象标识", max_length=64)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name="发起部门")
    list_type_code = models.CharField("名单类型", max_length=64, blank=True, db_index=True)
    payload = models.JSONField("内容")
    position = models.BigIntegerField("序位", null=True, blank=True, unique=True)
    sequenced_at = models.DateTimeField("定序时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"]),
                   models.Index(fields=["sequenced_at"], name="outbox_unsequenced",
                                condition=models.Q(position__isnull=True))]

    def __str__(self) -> str:
        return f"{self.kind} {self.aggregate_type}:{self.aggregate_id}"
