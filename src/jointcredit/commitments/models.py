"""容缺受理 / 告知承诺 (DESIGN.md §2): the signed 承诺书 and the dishonesty record created when it
is broken (deadline missed or promise found false)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jointcredit.common.history import StatusChange


class CommitmentKind(models.TextChoices):
    TOLERANCE = "tolerance", "容缺受理"
    NOTIFICATION = "notification", "告知承诺"


class CommitmentState(models.TextChoices):
    ACTIVE = "active", "履约中"
    FULFILLED = "fulfilled", "已履约"
    BROKEN = "broken", "已违约"


class BreachReason(models.TextChoices):
    OVERDUE = "overdue", "逾期未补齐材料"
    FALSE_PROMISE = "false_promise", "承诺内容不实"


class Commitment(models.Model):
    """信用承诺书 signed at application intake by an eligible subject."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="受理部门"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="commitments", verbose_name="承诺主体"
    )
    subject_name = models.CharField("承诺时主体名称", max_length=200)
    kind = models.CharField(
        "类型", max_length=16, choices=CommitmentKind.choices, default=CommitmentKind.TOLERANCE
    )
    matter = models.CharField("申请事项", max_length=200)
    application_no = models.CharField("受理编号", max_length=100, blank=True)
    missing_items = models.JSONField("容缺材料", default=list)
    signatory_name = models.CharField("签署人", max_length=100)
    signatory_role = models.CharField("签署人身份", max_length=50, default="法定代表人")
    signed_on = models.DateField("签署日期")
    working_days = models.PositiveSmallIntegerField("补齐期限（工作日）")
    deadline = models.DateField(
        "补齐截止日",
        null=True,
        blank=True,
        help_text="为空表示截止日落在节假日未配置的年度（待配置节假日）。",
    )
    eligibility = models.JSONField("受理时资格依据", default=dict)
    state = models.CharField(
        "状态", max_length=16, choices=CommitmentState.choices, default=CommitmentState.ACTIVE, db_index=True
    )
    reminded_at = models.DateTimeField("到期提醒时间", null=True, blank=True)
    fulfilled_at = models.DateTimeField("履约时间", null=True, blank=True)
    fulfil_note = models.CharField("履约说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受理人",
    )
    created_at = models.DateTimeField("受理时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用承诺书"
        verbose_name_plural = "信用承诺书"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline"]), models.Index(fields=["department", "state"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.subject_name} · {self.matter}"

    @property
    def deadline_pending(self) -> bool:
        return self.deadline is None and self.state == CommitmentState.ACTIVE


class BrokenCommitment(models.Model):
    """失信记录: created automatically when a commitment is broken. Read by grading (input provider)
    and offered to the check engine through ``selectors.broken_commitments_for_subjects``."""

    commitment = models.OneToOneField(
        Commitment, on_delete=models.PROTECT, related_name="breach", verbose_name="承诺书"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="broken_commitments", verbose_name="主体"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="认定部门"
    )
    reason = models.CharField("违约情形", max_length=16, choices=BreachReason.choices)
    occurred_on = models.DateField("违约日期")
    note = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="认定人（空为系统自动）",
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "违背信用承诺记录"
        verbose_name_plural = "违背信用承诺记录"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["subject", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.commitment}"


class CommitmentEvent(models.TextChoices):
    SIGNED = "signed", "签署承诺（履约中）"
    FULFILLED = "fulfilled", "履约"
    BROKEN = "broken", "认定违约"


class CommitmentChange(StatusChange):
    """承诺书状态变更历史 (ADR 0036): signed, fulfilled, broken — one row per change, written by the
    services next to the audit row. Valid time: the signing date, the day of fulfilment, the breach's
    违约日期 (the deadline for an overdue one)."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="changes", verbose_name="承诺书"
    )
    event = models.CharField("变更事项", max_length=32, choices=CommitmentEvent.choices)

    class Meta(StatusChange.Meta):
        verbose_name = "承诺书状态变更"
        verbose_name_plural = "承诺书状态变更"
        indexes = [models.Index(fields=["commitment", "recorded_at"], name="commitment_change_commitment")]

    def __str__(self) -> str:
        return f"{self.commitment_id} · {self.get_event_display()} · {self.effective_on}"
