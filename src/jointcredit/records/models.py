"""双公示 records: 行政许可 (licences) and 行政处罚 (penalties) in the national standard fields.

Stored state is only draft / published / withdrawn. "In its publication window" and "left the
portal" are derived at read time from ``public_until`` (CF_GSJZQ for penalties), so nothing has to
run at midnight for a record to leave the portal.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, transition

from jointcredit.common import clock
from jointcredit.common.history import StatusChange
from jointcredit.importing.pipeline import ImportMode
from jointcredit.subjects.models import SubjectKind

from .fields import LICENSE, PENALTY


class RecordState(models.TextChoices):
    DRAFT = "draft", "草稿（暂不公示）"
    PUBLISHED = "published", "已公示"
    WITHDRAWN = "withdrawn", "已撤销"


class StatusCode(models.TextChoices):
    VALID = "1", "有效"
    INVALID = "2", "无效"


class DisplayStatus(models.TextChoices):
    """What people see; derived from the stored state and dates (``PublicRecord.display_status``)."""

    DRAFT = "draft", "草稿"
    PUBLIC = "public", "公示中"
    EXPIRED = "expired", "公示期满（已移出门户）"
    REPAIRED = "repaired", "信用修复（已提前结束公示）"
    WITHDRAWN = "withdrawn", "已撤销"


class PublicationEndReason(models.TextChoices):
    """Why a published record's window was ended before ``public_until`` was reached."""

    REPAIRED = "repaired", "信用修复"


class ImportBatch(models.Model):
    """One file (or one API/form submission) applied to the records: the import report."""

    class Status(models.TextChoices):
        APPLIED = "applied", "已导入"
        REJECTED = "rejected", "已拒绝（未写入任何数据）"

    record_type = models.CharField(
        "信息类别", max_length=10, choices=[(LICENSE, "行政许可"), (PENALTY, "行政处罚")]
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="导入部门"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    source = models.CharField("来源", max_length=10, default="api", help_text="ui / api / cli / form")
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_size = models.BigIntegerField("文件大小（字节）", default=0)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    mode = models.CharField(
        "导入方式", max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    hold_as_draft = models.BooleanField("暂存为草稿", default=False)
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    total_rows = models.IntegerField("总行数", default=0)
    created_count = models.IntegerField("新增", default=0)
    updated_count = models.IntegerField("变更", default=0)
    unchanged_count = models.IntegerField("未变化", default=0)
    withdrawn_count = models.IntegerField("撤销", default=0)
    rejected_count = models.IntegerField("拒绝行数", default=0)
    error_count = models.IntegerField("错误条数", default=0)
    errors = models.JSONField(
        "错误明细",
        default=list,
        blank=True,
        help_text="每条含 row / field / rule / message；超过上限时只保存前若干条。",
    )
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.get_record_type_display()}导入 #{self.pk} {self.file_name}"

    @property
    def accepted(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count + self.withdrawn_count


class PublicRecord(models.Model):
    """Fields shared by licences and penalties (XK_*/CF_* common part)."""

    # No database FK constraints on department/subject (ADR 0008, import throughput): PostgreSQL checks
    # an FK row by row (~18 µs a row, two FKs = 3.5 s per 100k imported records, more than the
    # records' own indexes). Subjects and departments are never deleted (subjects merge, departments
    # deactivate); PROTECT still holds for ORM deletes, and the importer verifies both set-based.
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name="所属部门",
    )
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        verbose_name="信用主体",
    )
    subject_kind = models.CharField("行政相对人类别", max_length=24, choices=SubjectKind.choices)
    subject_name = models.CharField("行政相对人名称", max_length=200)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    legal_rep = models.CharField("法定代表人", max_length=100, blank=True)
    id_type = models.CharField("证件类型", max_length=24, blank=True)
    id_number = models.CharField("证件号码", max_length=64, blank=True)
    doc_no = models.CharField("决定文书号", max_length=128)
    decision_date = models.DateField("决定日期", db_index=True)
    organ_name = models.CharField("决定机关", max_length=200)
    organ_code = models.CharField("决定机关统一社会信用代码", max_length=18)
    status_code = models.CharField(
        "当前状态", max_length=1, choices=StatusCode.choices, default=StatusCode.VALID
    )
    source_name = models.CharField("数据来源单位", max_length=200, blank=True)
    source_code = models.CharField("数据来源单位统一社会信用代码", max_length=18, blank=True)
    remark = models.TextField("备注", blank=True)
    legacy = models.JSONField(
        "旧版字段",
        default=dict,
        blank=True,
        help_text="2016 版文件中的案件名称、组织机构代码、工商/税务登记号、地方编码、时间戳。",
    )

    state = FSMField(
        "状态", max_length=10, choices=RecordState.choices, default=RecordState.PUBLISHED, protected=False
    )
    publication_deadline = models.DateField(
        "公示期限（决定日期起 7 个工作日）",
        null=True,
        blank=True,
        help_text="为空表示该年度节假日未配置（待配置节假日）。",
    )
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    public_until = models.DateField("公示截止期", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=500, blank=True)
    # db_default: the bulk importer writes rows with its own column list (ADR 0008).
    publication_end_reason = models.CharField(
        "提前结束公示原因",
        max_length=16,
        choices=PublicationEndReason.choices,
        blank=True,
        default="",
        db_default="",
        help_text="信用修复等提前结束公示时填写；为空表示公示期按 public_until 自然届满。",
    )
    expiry_emitted_at = models.DateTimeField(
        "公示期满事件发送时间",
        null=True,
        blank=True,
        help_text="records.sweeps 发出 record.expired 的时间（每条只发一次）。",
    )
    version = models.IntegerField("版本", default=1)
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
        verbose_name="最近导入批次",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    record_type = ""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.doc_no} {self.subject_name}"

    # Transitions are side-effect free; events, audit and history live in services.
    @transition(field=state, source=RecordState.DRAFT, target=RecordState.PUBLISHED)
    def publish(self, *, at) -> None:
        self.published_at = at

    @transition(field=state, source=[RecordState.DRAFT, RecordState.PUBLISHED], target=RecordState.WITHDRAWN)
    def withdraw(self, *, at, reason: str) -> None:
        self.withdrawn_at = at
        self.withdraw_reason = reason
        self.status_code = StatusCode.INVALID

    @property
    def deadline_pending(self) -> bool:
        return self.publication_deadline is None

    def display_status(self, today: date | None = None) -> str:
        today = today or clock.today()
        if self.state == RecordState.DRAFT:
            return DisplayStatus.DRAFT
        if self.state == RecordState.WITHDRAWN:
            return DisplayStatus.WITHDRAWN
        if self.public_until is not None and self.public_until < today:
            # A repaired penalty left the portal early: staff must not read it as 公示期满.
            if self.publication_end_reason == PublicationEndReason.REPAIRED:
                return DisplayStatus.REPAIRED
            return DisplayStatus.EXPIRED
        return DisplayStatus.PUBLIC

    def display_status_label(self, today: date | None = None) -> str:
        return DisplayStatus(self.display_status(today)).label

    @property
    def is_natural_person(self) -> bool:
        return self.subject_kind == SubjectKind.NATURAL


class LicenseCategory(models.TextChoices):
    ORDINARY = "普通", "普通"
    FRANCHISE = "特许", "特许"
    RECOGNITION = "认可", "认可"
    APPROVAL = "核准", "核准"
    REGISTRATION = "登记", "登记"
    OTHER = "其他", "其他"


class License(PublicRecord):
    """行政许可信息."""

    doc_name = models.CharField("行政许可决定文书名称", max_length=200)
    category = models.CharField("许可类别", max_length=10, choices=LicenseCategory.choices)
    certificate_name = models.CharField("许可证书名称", max_length=200, blank=True)
    licence_no = models.CharField("许可编号", max_length=128, blank=True)
    content = models.TextField("许可内容")
    valid_from = models.DateField("有效期自")
    valid_to = models.DateField("有效期至", null=True, blank=True)

    record_type = LICENSE

    class Meta:
        verbose_name = "行政许可"
        verbose_name_plural = "行政许可"
        ordering = ["-decision_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["department", "doc_no"], name="uniq_license_dept_doc")]


class PenaltyTier(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class Penalty(PublicRecord):
    """行政处罚信息."""

    violation_type = models.TextField("违法行为类型")
    facts = models.TextField("违法事实")
    basis = models.TextField("处罚依据")
    categories = models.CharField("处罚类别", max_length=200, help_text="多个类别以“;”分隔。")
    content = models.TextField("处罚内容")
    fine = models.DecimalField("罚款金额（万元）", max_digits=20, decimal_places=6, null=True, blank=True)
    confiscation = models.DecimalField(
        "没收违法所得、没收非法财物的金额（万元）", max_digits=20, decimal_places=6, null=True, blank=True
    )
    licence_affected = models.CharField("暂扣或吊销证照名称及编号", max_length=200, blank=True)
    valid_until = models.DateField("处罚有效期", null=True, blank=True)
    tier = models.CharField(
        "失信严重程度", max_length=10, choices=PenaltyTier.choices, default=PenaltyTier.GENERAL
    )
    repairable_from = models.DateField("可申请信用修复日期", null=True, blank=True)

    record_type = PENALTY

    class Meta:
        verbose_name = "行政处罚"
        verbose_name_plural = "行政处罚"
        ordering = ["-decision_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["department", "doc_no"], name="uniq_penalty_dept_doc")]

    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(";") if c]


class RecordHistory(models.Model):
    """变更记录: every change of a record after its creation, with the values before and after."""

    class Action(models.TextChoices):
        CREATED = "created", "新增"
        UPDATED = "updated", "变更"
        PUBLISHED = "published", "公示"
        WITHDRAWN = "withdrawn", "撤销"

    record_type = models.CharField("信息类别", max_length=10)
    record_id = models.BigIntegerField("记录标识")
    version = models.IntegerField("变更后版本")
    action = models.CharField("动作", max_length=10, choices=Action.choices)
    changed_at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="导入批次",
    )
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)

    class Meta:
        verbose_name = "变更记录"
        verbose_name_plural = "变更记录"
        ordering = ["record_type", "record_id", "version", "id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.record_type}#{self.record_id} v{self.version} {self.get_action_display()}"


class PublicationEvent(models.TextChoices):
    """Steps of a record's publication (公示) — the status history, next to RecordHistory's field
    changes (ADR 0036)."""

    DRAFTED = "drafted", "暂存草稿"
    PUBLISHED = "published", "公示"
    CORRECTED = "corrected", "公示内容更正"
    WITHDRAWN = "withdrawn", "撤销"
    PUBLICATION_ENDED = "publication_ended", "信用修复（提前结束公示）"
    EXPIRED = "expired", "公示期满"


# Steps the public may see on the portal (subjects.privacy.public_timeline applies the policy).
PUBLIC_PUBLICATION_EVENTS = (
    PublicationEvent.PUBLISHED,
    PublicationEvent.CORRECTED,
    PublicationEvent.WITHDRAWN,
    PublicationEvent.PUBLICATION_ENDED,
    PublicationEvent.EXPIRED,
)


class RecordPublicationChange(StatusChange):
    """双公示信息公示状态变更 (ADR 0036): one row per publication step of a licence or penalty. Like
    RecordHistory it names the record by type and id (two tables; no FK: bulk imports COPY these
    rows next to the records, ADR 0023). Valid time: the day the step takes effect — publication
    day, withdrawal day, the day after the window's (shortened) end for an expiry or a repair."""

    record_type = models.CharField(
        "信息类别", max_length=10, choices=[(LICENSE, "行政许可"), (PENALTY, "行政处罚")]
    )
    record_id = models.BigIntegerField("记录标识")
    event = models.CharField("变更事项", max_length=32, choices=PublicationEvent.choices)
    # No FK constraint: an import writes one row per new record by COPY (ADR 0023); users are never
    # deleted (accounts deactivate).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name="操作人",
    )

    class Meta(StatusChange.Meta):
        verbose_name = "双公示公示状态变更"
        verbose_name_plural = "双公示公示状态变更"
        indexes = [models.Index(fields=["record_type", "record_id"], name="record_publication_change")]

    def __str__(self) -> str:
        return f"{self.record_type}#{self.record_id} · {self.get_event_display()} · {self.effective_on}"


MODELS = {LICENSE: License, PENALTY: Penalty}
