"""What objections and repairs share, DESIGN.md §2 Objections and repair.

``CaseModel`` is abstract (no table): fields, the django-fsm state machine, indexes and constraints stay
in each app. Evidence, SubjectVerification and SyncReceipt are concrete and were first created by
``objections``' migrations; they moved here in state only and keep their ``objections_*`` tables
(``db_table``), so no row moved. ADR 0016."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class TargetType(models.TextChoices):
    LIST_ENTRY = "list_entry", "红黑名单条目"
    PENALTY = "penalty", "行政处罚信息"
    LICENSE = "license", "行政许可信息"


class Channel(models.TextChoices):
    PORTAL = "portal", "网上申请（信用历下）"
    STAFF = "staff", "部门代为登记"
    API = "api", "接口"


class CaseModel(ConcurrentTransitionMixin, models.Model):
    CASE_NO_PREFIX = ""  # 历信异 / 历信修: 案件编号 历信异〔2026〕12号
    TITLE = ""  # shown before the id in lists and the admin
    OPEN_STATES: tuple = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.TITLE} {self.pk} · {self.subject_name} · {self.target_label}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def case_no(self) -> str:
        return f"{self.CASE_NO_PREFIX}〔{self.created_at:%Y}〕{self.pk}号" if self.created_at else ""


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
        db_table = "objections_evidence"
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
        db_table = "objections_subjectverification"
        verbose_name = "主体身份验证码"
        verbose_name_plural = "主体身份验证码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.identifier} · {self.created_at:%Y-%m-%d %H:%M}"


class ReceiptSource(models.TextChoices):
    OBJECTION = "objection", "异议更正"
    REPAIR = "repair", "信用修复"
    # An outside authority's removal, correction or repair delivered by an upstream platform (ADR 0044).
    PLATFORM = "platform", "上级平台下发"


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
        db_table = "objections_syncreceipt"
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


class IdentityState(models.TextChoices):
    PENDING = "pending", "待核验身份"
    VERIFIED = "verified", "已核验"
    REJECTED = "rejected", "核验未通过"


class IdentityApplication(models.Model):
    """The fallback without single sign-on or a contact on file: the visitor uploads 营业执照 /
    身份证 and 授权委托书 and a clerk of the department holding the subject's information checks them.
    Until ``verified`` the visitor sees only what the public sees (docs/identity.md)."""

    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="identity_applications",
        verbose_name="主体",
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="核验部门"
    )
    applicant_name = models.CharField("经办人姓名", max_length=100)
    contact_email = models.EmailField("联系邮箱")
    contact_phone = models.CharField("联系电话", max_length=30, blank=True)
    token_hash = models.CharField("续办凭据摘要", max_length=64)
    state = FSMField("状态", default=IdentityState.PENDING, choices=IdentityState.choices, protected=False)
    reason = models.TextField("核验意见", blank=True)
    decided_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="核验人",
    )
    decided_at = models.DateTimeField("核验时间", null=True, blank=True)
    created_at = models.DateTimeField("提交时间")

    class Meta:
        verbose_name = "身份核验申请"
        verbose_name_plural = "身份核验申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "state"], name="identity_app_dept_state")]

    def __str__(self) -> str:
        return f"身份核验 {self.pk} · {self.get_state_display()}"

    @transition(field=state, source=IdentityState.PENDING, target=IdentityState.VERIFIED)
    def verify(self, *, by, at, reason: str = "") -> None:
        self.decided_by, self.decided_at, self.reason = by, at, reason

    @transition(field=state, source=IdentityState.PENDING, target=IdentityState.REJECTED)
    def reject(self, *, by, at, reason: str) -> None:
        self.decided_by, self.decided_at, self.reason = by, at, reason
