"""Exchange (DESIGN.md §2 发起响应、信息推送、执行反馈): outbox feed, subscriptions, webhook deliveries,
pushes to cooperating departments and their feedback. See docs/adr/0004-exchange.md."""

import uuid

from django.conf import settings
from django.db import models


class OutboxEvent(models.Model):
    """Transactional outbox (DESIGN.md §2 Exchange): written in the same transaction as the change.

    ``position`` is assigned after commit by the single sequencer (exchange.sequencer), so the feed
    order is the order in which events became visible, and a reader polling ``after=<position>``
    can never skip an event that committed late.
    """

    # Indexes only for the queries that run (ADR 0008, import throughput): the primary key, the
    # feed/dispatcher's ``position > n ORDER BY position`` (unique), the sequencer's partial index
    # of unsequenced rows and (aggregate_type, aggregate_id) for result-sync receipts. Nothing
    # filters on kind, occurred_at, list_type_code or department alone (the dispatcher matches
    # kinds in Python), and every index costs each emitted event an insert — and the sequencer's
    # UPDATE of ``position`` another one. No FK constraint on department: PostgreSQL checks it row
    # by row at commit (~10 µs an event); departments are never deleted and PROTECT still holds in
    # the ORM.
    id = models.UUIDField("事件标识", primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("事件类型", max_length=64)
    occurred_at = models.DateTimeField("发生时间")
    aggregate_type = models.CharField("对象类型", max_length=64)
    aggregate_id = models.CharField("对象标识", max_length=64)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name="发起部门",
    )
    list_type_code = models.CharField("名单类型", max_length=64, blank=True)
    payload = models.JSONField("内容")
    position = models.BigIntegerField("序位", null=True, blank=True, unique=True)
    sequenced_at = models.DateTimeField("定序时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件"
        indexes = [
            models.Index(fields=["aggregate_type", "aggregate_id"]),
            # The sequencer's work queue: only unsequenced rows, in the order it numbers them.
            models.Index(
                fields=["occurred_at", "id"],
                name="outbox_unsequenced_at",
                condition=models.Q(position__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.aggregate_type}:{self.aggregate_id}"

    def as_feed_item(self) -> dict:
        return {
            "position": self.position,
            "id": str(self.id),
            "type": self.kind,
            "occurred_at": self.occurred_at.isoformat(),
            "data": self.payload,
        }


class FeedCursor(models.Model):
    """How far an internal consumer (the dispatcher) has processed the feed, by position."""

    name = models.CharField("消费者", max_length=32, primary_key=True)
    position = models.BigIntegerField("已处理序位", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "消费进度"
        verbose_name_plural = "消费进度"

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class Subscription(models.Model):
    """A department's webhook endpoint (订阅): which event kinds and list types it receives."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="subscriptions", verbose_name="订阅部门"
    )
    name = models.CharField("名称", max_length=100)
    url = models.URLField("接收地址", max_length=500)
    # Stored as given: HMAC signing needs the raw secret (it is never shown again after creation).
    secret = models.CharField("签名密钥", max_length=128)
    event_kinds = models.JSONField("事件类型", default=list, blank=True, help_text="为空表示全部类型")
    list_type_codes = models.JSONField("名单类型", default=list, blank=True, help_text="为空表示全部名单类型")
    # Opt-in batch mode (docs/webhooks.md): up to this many events in one signed request. 1 = one
    # event per request, the default contract.
    batch_size = models.PositiveSmallIntegerField(
        "每次请求事件数", default=1, help_text="1 表示每个事件一个请求（默认）；大于 1 为批量模式"
    )
    is_active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    deactivated_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件订阅"
        verbose_name_plural = "事件订阅"
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.department} · {self.name}"

    def matches(self, event: OutboxEvent) -> bool:
        return self.matches_kind(event.kind, event.list_type_code)

    def matches_kind(self, kind: str, list_type_code: str) -> bool:
        if self.event_kinds and not any(
            kind == k or (k.endswith(".*") and kind.startswith(k[:-1])) for k in self.event_kinds
        ):
            return False
        return not (self.list_type_codes and list_type_code not in self.list_type_codes)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待投递"
    DELIVERED = "delivered", "已送达"
    DEAD = "dead", "投递失败（死信）"


class Delivery(models.Model):
    """One event × one subscription. ``next_attempt_at`` doubles as the lease: a sender claims a due
    row by pushing it into the future, so a killed worker's rows simply become due again."""

    event = models.ForeignKey(
        OutboxEvent, on_delete=models.PROTECT, related_name="deliveries", verbose_name="事件"
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries", verbose_name="订阅"
    )
    status = models.CharField(
        "状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    horizon_start = models.DateTimeField("重试起算时间", help_text="超过死信期限即转为死信；手工重投时重置")
    last_attempt_at = models.DateTimeField("最近尝试时间", null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "推送投递"
        verbose_name_plural = "推送投递"
        constraints = [
            models.UniqueConstraint(fields=["event", "subscription"], name="delivery_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["subscription", "next_attempt_at"],
                name="delivery_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["subscription", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.status})"


class Push(models.Model):
    """A published list entry pushed to one cooperating department (信息推送), with the measures that
    department must apply and the feedback deadline (push date + N working days)."""

    entry = models.ForeignKey(
        "lists.ListEntry", on_delete=models.PROTECT, related_name="pushes", verbose_name="名单条目"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="pushes", verbose_name="接收部门"
    )
    event = models.ForeignKey(
        OutboxEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="来源事件",
    )
    measures = models.ManyToManyField("measures.Measure", related_name="+", verbose_name="应实施措施")
    pushed_on = models.DateField("推送日期")
    feedback_working_days = models.PositiveSmallIntegerField("反馈期限（工作日）")
    feedback_due = models.DateField(
        "反馈截止日", null=True, blank=True, help_text="为空表示落在未配置节假日的年度（待配置节假日）"
    )
    first_feedback_at = models.DateTimeField("首次反馈时间", null=True, blank=True)
    entry_removed_at = models.DateTimeField("条目移出时间", null=True, blank=True)
    reminded_at = models.DateTimeField("逾期提醒时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "名单推送"
        verbose_name_plural = "名单推送"
        ordering = ["-pushed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "department"], name="push_once_per_department")
        ]
        indexes = [models.Index(fields=["department", "first_feedback_at"])]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.department}"


class FeedbackResult(models.TextChoices):
    PUNISHED = "punished", "已实施惩戒"
    REWARDED = "rewarded", "已实施激励"
    NOT_INVOLVED = "not_involved", "未涉及"
    NOT_APPLICABLE = "not_applicable", "不适用"


class Feedback(models.Model):
    """执行反馈: what a department did with a pushed entry in one business matter."""

    push = models.ForeignKey(Push, on_delete=models.PROTECT, related_name="feedback", verbose_name="推送")
    entry = models.ForeignKey(
        "lists.ListEntry", on_delete=models.PROTECT, related_name="feedback", verbose_name="名单条目"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="feedback", verbose_name="反馈部门"
    )
    measure = models.ForeignKey(
        "measures.Measure", on_delete=models.PROTECT, related_name="feedback", verbose_name="措施"
    )
    matter_name = models.CharField("事项名称", max_length=200, blank=True)
    matter_document_no = models.CharField("文号", max_length=100, blank=True)
    # The recorded check (核查留痕) the department made for this matter, if it cites one. A foreign key
    # by name like ``measure`` above; the rule that it fits (same department, same subject or entry)
    # is the measures app's, registered with ``extensions.register_recorded_check_rule``.
    recorded_check = models.ForeignKey(
        "measures.RecordedCheck",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
        verbose_name="引用的核查留痕",
    )
    result = models.CharField("反馈结果", max_length=16, choices=FeedbackResult.choices)
    reason = models.TextField("说明/理由", blank=True)
    handled_on = models.DateField("实施日期")
    is_late = models.BooleanField("逾期反馈", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="填报人",
    )
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    class Meta:
        verbose_name = "执行反馈"
        verbose_name_plural = "执行反馈"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["result", "handled_on"])]

    def __str__(self) -> str:
        return f"{self.department} · {self.measure} · {self.get_result_display()}"
