"""Objections (异议处理) and the pieces repairs share: evidence files, subject verification codes
and result-sync receipts (修复/更正结果同步回执). DESIGN.md §2 Objections and repair."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from jointcredit.casework.models import CaseModel


class TargetType(models.TextChoices):
    LIST_ENTRY = "list_entry", "红黑名单条目"
    PENALTY = "penalty", "行政处罚信息"
    LICENSE = "license", "行政许可信息"


class Channel(models.TextChoices):
    PORTAL = "portal", "网上申请（信用历下）"
    STAFF = "staff", "部门代为登记"
    API = "api", "接口"


class ObjectionState(models.TextChoices):
    SUBMITTED = "submitted", "已提交（待受理）"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    UNDER_REVIEW = "under_review", "核查中"
    UPHELD = "upheld", "异议不成立（驳回）"
    CORRECTED = "corrected", "异议成立（已更正/撤销）"


OPEN_OBJECTION_STATES = (ObjectionState.SUBMITTED, ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW)


class Resolution(models.TextChoices):
    REVOKE = "revoke", "撤销"
    CORRECT = "correct", "更正"


class Objection(CaseModel):
    """One objection against one list entry or 双公示 record, decided by the department that made it
    (“谁决定、谁负责”). Transitions are side-effect free; ``objections.services`` runs them."""

    CASE_NO_PREFIX, TITLE, OPEN_STATES = "历信异", "异议", OPEN_OBJECTION_STATES

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="objections", verbose_name="主体"
    )
    subject_name = models.CharField("主体名称", max_length=200)
    target_type = models.CharField("异议对象类别", max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField("异议对象标识")
    target_key = models.CharField("异议对象", max_length=40, db_index=True, help_text="target_type:target_id")
    target_label = models.CharField("异议对象摘要", max_length=300)
    target_version = models.IntegerField("提出时记录版本", null=True, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="objections",
        verbose_name="处理部门（认定/决定部门）",
    )
    statement = models.TextField("异议内容及理由")
    contact_name = models.CharField("联系人", max_length=100)
    contact_email = models.EmailField("联系邮箱")
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    channel = models.CharField("提出方式", max_length=10, choices=Channel.choices)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="代为登记人",
    )
    state = FSMField(
        "状态",
        default=ObjectionState.SUBMITTED,
        choices=ObjectionState.choices,
        protected=False,
        db_index=True,
    )
    accept_due = models.DateField("受理期限", null=True, blank=True, help_text="为空表示待配置节假日")
    decide_due = models.DateField(
        "办结期限", null=True, blank=True, help_text="受理后计算；为空表示待配置节假日"
    )
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受理人",
    )
    not_accepted_reason = models.TextField("不予受理理由", blank=True)
    review_started_at = models.DateTimeField("开始核查时间", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定人",
    )
    decision = models.TextField("处理意见", blank=True)
    resolution = models.CharField("更正方式", max_length=10, choices=Resolution.choices, blank=True)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    urged_at = models.DateTimeField("最近催办时间", null=True, blank=True)
    reminded_at = models.DateTimeField("逾期提醒时间", null=True, blank=True)
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "异议申请"
        verbose_name_plural = "异议申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "state"], name="objection_dept_state")]
        constraints = [
            # One open objection per entry/record, also under concurrent filing.
            models.UniqueConstraint(
                fields=["target_key"],
                name="objection_one_open_per_target",
                condition=models.Q(state__in=["submitted", "accepted", "under_review"]),
            ),
        ]

    # --- transitions (no side effects) ------------------------------------------------------
    @transition(field=state, source=ObjectionState.SUBMITTED, target=ObjectionState.ACCEPTED)
    def accept(self):
        """受理."""

    @transition(field=state, source=ObjectionState.SUBMITTED, target=ObjectionState.NOT_ACCEPTED)
    def reject(self):
        """不予受理 (with reason)."""

    @transition(field=state, source=ObjectionState.ACCEPTED, target=ObjectionState.UNDER_REVIEW)
    def review(self):
        """核查."""

    @transition(field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.UPHELD)
    def uphold(self):
        """驳回: the entry stays as it is."""

    @transition(field=state, source=ObjectionState.UNDER_REVIEW, target=ObjectionState.CORRECTED)
    def correct(self):
        """异议成立: the entry/record is corrected or revoked."""


class Evidence(models.Model):
    """An uploaded file (PDF/JPG/PNG by magic bytes) of an objection or a repair application."""

    class Kind(models.TextChoices):
        EVIDENCE = "evidence", "证明材料"
        PROOF = "proof", "履行/整改证明"
        COMMITMENT = "commitment", "签署的信用承诺书"

    owner_type = models.CharField("所属", max_length=16)  # "objection" | "repair"
    owner_id = models.BigIntegerField("所属标识")
    kind = models.CharField("材料类别", max_length=16, choices=Kind.choices, default=Kind.EVIDENCE)
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="上传人",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["owner_type", "owner_id"])]

    def __str__(self) -> str:
        return self.name


class SubjectVerification(models.Model):
    """A one-time code sent by email so that a subject can file online (identifier + code)."""

    identifier = models.CharField("主体标识", max_length=64, db_index=True)
    email = models.EmailField("邮箱")
    code_hash = models.CharField("验证码摘要", max_length=128)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "主体身份验证码"
        verbose_name_plural = "主体身份验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.identifier} · {self.created_at:%Y-%m-%d %H:%M}"


class ReceiptSource(models.TextChoices):
    OBJECTION = "objection", "异议更正"
    REPAIR = "repair", "信用修复"


class ReceiptChannel(models.TextChoices):
    UI = "ui", "工作台确认"
    API = "api", "接口确认"
    WEBHOOK = "webhook", "事件推送送达（2xx）自动确认"


class SyncReceipt(models.Model):
    """修复/更正结果同步回执: a receiving department confirms it has lifted the measures."""

    source_type = models.CharField("来源", max_length=16, choices=ReceiptSource.choices)
    source_id = models.BigIntegerField("来源标识")
    target_type = models.CharField("对象类别", max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField("对象标识")
    subject_name = models.CharField("主体名称", max_length=200)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="sync_receipts", verbose_name="接收部门"
    )
    event_ids = models.JSONField("相关事件", default=list, blank=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="确认人",
    )
    channel = models.CharField("确认方式", max_length=10, choices=ReceiptChannel.choices, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)
    remind_count = models.PositiveSmallIntegerField("提醒次数", default=0)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "结果同步回执"
        verbose_name_plural = "结果同步回执"
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_type", "source_id", "department"], name="receipt_once_per_department"
            )
        ]
        indexes = [models.Index(fields=["department", "acknowledged_at"], name="receipt_dept_ack")]

    def __str__(self) -> str:
        return f"{self.get_source_type_display()} {self.source_id} → {self.department}"
