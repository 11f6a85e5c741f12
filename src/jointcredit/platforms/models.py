"""上下联动: the district's node in the national credit network (DESIGN.md §2, ADR 0038).

A ``Platform`` row says which upstream platform (city, province, 信用中国) the district exchanges
with and over which transport. ``OutgoingItem`` is one change reported up (上行) with its
idempotency key and the upstream receipt; ``InboundItem`` is one item the platform delivered (下行)
and what became of it here (applied, linked to a district entry, held for a clerk, rejected).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .formats import ACTIONS, ITEM_TYPES


class Transport(models.TextChoices):
    EXCHANGE_DB = "exchange_db", "前置库（交换数据库）"
    HTTPS = "https", "HTTPS 接口（签名 JSON）"
    FILE = "file", "文件上传（XLSX/CSV）"


class Platform(models.Model):
    code = models.SlugField("平台代码", max_length=20, unique=True)
    name = models.CharField("平台名称", max_length=200)
    transport = models.CharField(
        "交换方式", max_length=16, choices=Transport.choices, default=Transport.EXCHANGE_DB
    )
    # Transport settings ({"database": "platform_exchange"}; https: {"url", "key_env"}; file:
    # {"file_format": "xlsx"|"csv"}, validated by ``transports.config``) and the national list
    # codes the platform uses mapped to the district's list types
    # ({"list_types": {"SXBZXR": "black_refuse_judgment"}}).
    settings = models.JSONField("交换参数", default=dict, blank=True)
    region_code = models.CharField("本地地方编码（DFBM）", max_length=12, default="370102")
    receiving_department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="承接部门",
        help_text="登记上级平台下发条目、处理暂挂和退回事项的部门（通常为区信用办所在部门）。",
    )
    is_active = models.BooleanField("启用", default=True)
    incoming_position = models.BigIntegerField("下行已读位置", default=0)
    receipts_position = models.BigIntegerField("回执已读位置", default=0)
    last_exchange_at = models.DateTimeField("最近一次成功交换", null=True, blank=True)
    last_error = models.TextField("最近一次交换错误", blank=True)
    # Schedule and back-off (ADR 0043): the worker's exchange task runs a platform's round when
    # ``next_round_at`` has come; a failed round puts it off exponentially (``failures``).
    interval_minutes = models.PositiveIntegerField(
        "交换周期（分钟）",
        default=1,
        help_text="每隔多少分钟与该平台交换一轮；文件方式即生成上报文件的周期。",
    )
    next_round_at = models.DateTimeField("下一轮交换时间", null=True, blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "上级平台"
        verbose_name_plural = "上级平台"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def exchange_alias(self) -> str:
        """The database alias of the platform's exchange database (settings ``database``)."""
        from django.conf import settings as django_settings

        return (self.settings or {}).get("database") or django_settings.PLATFORM_EXCHANGE_DATABASE

    @property
    def feed_cursor_name(self) -> str:
        return f"platform:{self.code}"


class OutgoingState(models.TextChoices):
    STAGED = "staged", "待发送"
    SENT = "sent", "已发送"
    ACCEPTED = "accepted", "已接收"
    REJECTED = "rejected", "被退回"
    RESENT = "resent", "已更正重发"


class OutgoingItem(models.Model):
    """One change reported up: staged from the outbox feed in the transaction that advances the
    platform's cursor, so each change is staged exactly once (``idempotency_key`` = platform +
    event id, + ``#n`` for the n-th correction sent after a rejection)."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="outgoing", verbose_name="平台"
    )
    idempotency_key = models.CharField("幂等键", max_length=100, unique=True)
    event_id = models.UUIDField("事件编号")
    item_type = models.CharField("信息类别", max_length=16)  # list_entry | license | penalty | repair
    action = models.CharField("变更类型", max_length=16)  # new | changed | removed | withdrawn | approved
    source_key = models.CharField("对象", max_length=64, db_index=True)  # list_entry:12, penalty:7
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="部门",
    )
    payload = models.JSONField("上报内容")
    state = models.CharField(
        "状态", max_length=12, choices=OutgoingState.choices, default=OutgoingState.STAGED, db_index=True
    )
    rejection_reason = models.TextField("退回原因", blank=True)
    resend_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="更正重发自"
    )
    file = models.ForeignKey(
        "OutgoingFile",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name="上报文件",
    )
    staged_at = models.DateTimeField("暂存时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    receipt_at = models.DateTimeField("回执时间", null=True, blank=True)

    class Meta:
        verbose_name = "上报事项"
        verbose_name_plural = "上报事项"
        ordering = ["id"]
        indexes = [models.Index(fields=["platform", "state"], name="platform_outgoing_state")]

    def __str__(self) -> str:
        return self.idempotency_key

    @property
    def item_type_label(self) -> str:
        return ITEM_TYPES.get(self.item_type, self.item_type)

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


class InboundKind(models.TextChoices):
    ENTRY = "entry", "名单条目"
    REMOVAL = "removal", "移出"
    REPAIR = "repair", "信用修复"
    CORRECTION = "correction", "更正"


class InboundState(models.TextChoices):
    APPLIED = "applied", "已生效"
    LINKED = "linked", "已关联本区条目"
    HELD = "held", "暂挂待处理"
    REJECTED = "rejected", "已退回"


class InboundItem(models.Model):
    """One item the platform delivered, once per (platform, item key): a duplicated delivery finds
    its row and changes nothing."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="inbound", verbose_name="平台"
    )
    item_key = models.CharField("下发编号", max_length=100)
    incoming_row_id = models.BigIntegerField("前置库行号")
    kind = models.CharField("类别", max_length=16, choices=InboundKind.choices)
    authority = models.ForeignKey(
        "lists.OutsideAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="认定单位",
    )
    payload = models.JSONField("下发内容")
    state = models.CharField("处理结果", max_length=12, choices=InboundState.choices, db_index=True)
    reason = models.TextField("暂挂/退回原因", blank=True)
    entry = models.ForeignKey(
        "lists.ListEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="名单条目",
    )
    # A 双公示 record an end item (removal, repair, correction) ended (ADR 0044): type and id, as
    # casework targets name them.
    record_type = models.CharField("双公示信息类别", max_length=10, blank=True)
    record_id = models.BigIntegerField("双公示信息编号", null=True, blank=True)
    received_at = models.DateTimeField("接收时间")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    # False until the outcome (applied, held, rejected) is written back to the incoming row.
    status_written = models.BooleanField("已回写状态", default=False)

    class Meta:
        verbose_name = "下发事项"
        verbose_name_plural = "下发事项"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "item_key"], name="platform_inbound_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.platform.code}:{self.item_key}"


class ReconciliationReport(models.Model):
    """A daily reconciliation (对账): counts and per-item digests of what each side holds in force."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="reconciliations", verbose_name="平台"
    )
    run_at = models.DateTimeField("对账时间")
    district_count = models.PositiveIntegerField("本区在效条目数")
    platform_count = models.PositiveIntegerField("平台在效条目数")
    # 双公示 records (ADR 0044): published records here vs the platform's record holdings.
    district_record_count = models.PositiveIntegerField("本区在公示双公示信息数", default=0)
    platform_record_count = models.PositiveIntegerField("平台持有双公示信息数", default=0)
    # [{"key", "problem": missing_up|missing_down|different, "entry_id", "detail"}]
    lines = models.JSONField("差异明细", default=list)

    class Meta:
        verbose_name = "对账报告"
        verbose_name_plural = "对账报告"
        ordering = ["-run_at"]

    def __str__(self) -> str:
        return f"{self.platform.code} {self.run_at:%Y-%m-%d %H:%M}"


class OutgoingFile(models.Model):
    """A file of the file transport (信用济南-style upload platforms): the items of one item type
    sent in one round. Its XLSX/CSV is rendered from the items' rows when downloaded; the
    platform's receipt file is read back against it (``transports.files``)."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="files", verbose_name="平台"
    )
    item_type = models.CharField("信息类别", max_length=16)
    created_at = models.DateTimeField("生成时间")
    item_count = models.PositiveIntegerField("条数")
    receipt_at = models.DateTimeField("回执导入时间", null=True, blank=True)
    receipt_name = models.CharField("回执文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "上报文件"
        verbose_name_plural = "上报文件"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.platform.code}-{self.item_type}-{self.pk}"

    @property
    def item_type_label(self) -> str:
        return ITEM_TYPES.get(self.item_type, self.item_type)
