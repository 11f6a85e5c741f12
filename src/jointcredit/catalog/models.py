"""公共信用信息目录 (catalog of credit data items), 应用清单 (who uses which item in which check
scenario), 归集 (submissions and the rows they bring) and 归集任务 (due dates per period).

An item's field definitions are versioned: every change that touches ``fields`` (or the item's
other attributes) bumps ``version`` and snapshots the definition in ``CatalogItemVersion``. Each
stored row remembers the version it was validated against (``CatalogRecord.item_version``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from jointcredit.common import clock
from jointcredit.importing.pipeline import ImportMode
from jointcredit.measures.models import scenario_name
from jointcredit.subjects.models import SubjectKind


class Category(models.TextChoices):
    BASIC = "basic", "基础信息"
    GOOD = "good", "良好信息"
    DISHONEST = "dishonest", "失信信息"
    OTHER = "other", "其他信息"


class Disclosure(models.TextChoices):
    PUBLIC = "public", "公开"
    AUTHORIZED = "authorized", "授权查询"
    GOVERNMENT = "government", "政务共享"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "按月"
    QUARTERLY = "quarterly", "按季度"
    HALF_YEARLY = "half_yearly", "按半年"
    YEARLY = "yearly", "按年"
    ON_OCCURRENCE = "on_occurrence", "实时（发生后报送，无周期任务）"


class FieldType(models.TextChoices):
    TEXT = "text", "文本"
    DATE = "date", "日期"
    DECIMAL = "decimal", "数值"
    INTEGER = "integer", "整数"
    CHOICE = "choice", "选项"
    BOOLEAN = "boolean", "是/否"


class SubjectScope(models.TextChoices):
    LEGAL = "legal", "法人及非法人组织（含个体工商户）"
    NATURAL = "natural", "自然人"
    ANY = "any", "法人和自然人"


def _year_start():
    return clock.today().replace(month=1, day=1)


class CatalogItem(models.Model):
    code = models.SlugField("信息项代码", max_length=40, unique=True)
    name = models.CharField("信息项名称", max_length=100, unique=True)
    category = models.CharField("信息类别", max_length=10, choices=Category.choices)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="catalog_items", verbose_name="提供部门"
    )
    description = models.TextField("说明", blank=True)
    legal_basis = models.CharField("归集依据", max_length=300, blank=True)
    subject_scope = models.CharField(
        "主体范围", max_length=10, choices=SubjectScope.choices, default=SubjectScope.LEGAL
    )
    fields = models.JSONField(
        "数据项（字段定义）",
        default=list,
        help_text="每个字段：code、label、type（text/date/decimal/integer/choice/boolean）、"
        "required、max_length、choices、min、max。",
    )
    frequency = models.CharField("更新频率", max_length=16, choices=Frequency.choices)
    due_working_days = models.PositiveSmallIntegerField("报送期限（周期结束后工作日）", default=10)
    disclosure = models.CharField("公开属性", max_length=12, choices=Disclosure.choices)
    retention_months = models.PositiveSmallIntegerField("保存/使用期限（月）", default=60)
    collect_from = models.DateField(
        "归集起始日", default=_year_start, help_text="从这一天所在的周期起生成归集任务。"
    )
    version = models.PositiveIntegerField("版本", default=1)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信用信息目录项"
        verbose_name_plural = "信用信息目录"
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    def field_codes(self) -> list[str]:
        return [f["code"] for f in self.fields]


class CatalogItemVersion(models.Model):
    item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="versions", verbose_name="信息项"
    )
    version = models.PositiveIntegerField("版本")
    definition = models.JSONField("定义快照", default=dict)
    note = models.CharField("变更说明", max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="变更人",
    )
    changed_at = models.DateTimeField("变更时间", default=timezone.now)

    class Meta:
        verbose_name = "目录项版本"
        verbose_name_plural = "目录项版本"
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="catalog_item_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}"


class Usage(models.Model):
    """应用清单: ``department`` uses ``item`` in check scenario ``scenario``."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="使用部门"
    )
    item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="usages", verbose_name="信息项"
    )
    scenario = models.CharField("应用场景", max_length=32, help_text="业务场景代码（measures.Scenario）")
    purpose = models.CharField("使用方式", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "应用清单条目"
        verbose_name_plural = "应用清单"
        ordering = ["department", "scenario", "item"]
        constraints = [
            models.UniqueConstraint(fields=["department", "item", "scenario"], name="catalog_usage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department} · {scenario_name(self.scenario)} · {self.item.name}"


class CollectionTask(models.Model):
    """One reporting period of one periodic item: due ``due_date`` (working days after the period
    end; null = 待配置节假日). Submission facts are kept here so the dashboard is one query."""

    item = models.ForeignKey(
        CatalogItem, on_delete=models.CASCADE, related_name="tasks", verbose_name="信息项"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="报送部门"
    )
    period = models.CharField("报送周期", max_length=10, help_text="2026-10、2026Q3、2026H1、2026")
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    due_date = models.DateField(
        "报送截止日", null=True, blank=True, help_text="为空表示该年度节假日未配置（待配置节假日）。"
    )
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    submissions = models.PositiveIntegerField("报送次数", default=0)
    rows = models.PositiveIntegerField("报送行数", default=0)
    rejected_rows = models.PositiveIntegerField("错误行数", default=0)
    reminded_at = models.DateTimeField("催报时间", null=True, blank=True)

    class Meta:
        verbose_name = "归集任务"
        verbose_name_plural = "归集任务"
        ordering = ["-period_end", "item"]
        constraints = [models.UniqueConstraint(fields=["item", "period"], name="catalog_task_unique")]
        indexes = [models.Index(fields=["department", "due_date"], name="catalog_task_dept_due")]

    def __str__(self) -> str:
        return f"{self.item.name} {self.period}"

    def status(self, today) -> str:
        if self.first_submitted_at is not None:
            if self.due_date is None:
                return "submitted"
            return "on_time" if timezone.localdate(self.first_submitted_at) <= self.due_date else "late"
        if self.due_date is None:
            return "pending_calendar"
        return "missing" if self.due_date < today else "open"


TASK_STATUS_LABELS = {
    "on_time": "按时报送",
    "late": "逾期报送",
    "missing": "逾期未报",
    "open": "未到期",
    "pending_calendar": "待配置节假日",
    "submitted": "已报送",
}


class Submission(models.Model):
    """One form entry, API call or file applied to an item (the import report, like
    ``records.ImportBatch``). A rejected submission wrote nothing but is kept for error rates."""

    class Status(models.TextChoices):
        APPLIED = "applied", "已归集"
        REJECTED = "rejected", "已拒绝（未写入任何数据）"

    item = models.ForeignKey(
        CatalogItem, on_delete=models.PROTECT, related_name="submissions", verbose_name="信息项"
    )
    item_version = models.PositiveIntegerField("目录版本")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="报送部门"
    )
    task = models.ForeignKey(
        CollectionTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submission_set",
        verbose_name="归集任务",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    source = models.CharField("来源", max_length=10, default="api", help_text="form / api / file / cli")
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    mode = models.CharField(
        "导入方式", max_length=16, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    total_rows = models.IntegerField("总行数", default=0)
    created_count = models.IntegerField("新增", default=0)
    updated_count = models.IntegerField("变更", default=0)
    unchanged_count = models.IntegerField("未变化", default=0)
    rejected_count = models.IntegerField("拒绝行数", default=0)
    error_count = models.IntegerField("错误条数", default=0)
    errors = models.JSONField("错误明细", default=list, blank=True)
    submitted_at = models.DateTimeField("报送时间", default=timezone.now)

    class Meta:
        verbose_name = "归集批次"
        verbose_name_plural = "归集批次"
        ordering = ["-id"]
        indexes = [models.Index(fields=["department", "submitted_at"], name="catalog_sub_dept_time")]

    def __str__(self) -> str:
        return f"{self.item.name} 归集 #{self.pk}"

    @property
    def accepted(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count


class CatalogRecord(models.Model):
    """One row of an item about one subject. ``row_key`` identifies the row within its item:
    the 信息编号 when given, else subject + 信息日期, so a re-submission updates instead of
    duplicating."""

    item = models.ForeignKey(
        CatalogItem, on_delete=models.PROTECT, related_name="records", verbose_name="信息项"
    )
    item_version = models.PositiveIntegerField("目录版本")
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name="提供部门",
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="+", verbose_name="信用主体"
    )
    subject_kind = models.CharField("主体类别", max_length=24, choices=SubjectKind.choices)
    subject_name = models.CharField("主体名称", max_length=200)
    row_key = models.CharField("行标识", max_length=200)
    ref_no = models.CharField("信息编号", max_length=100, blank=True)
    occurred_on = models.DateField("信息日期")
    retain_until = models.DateField("使用期限至")
    data = models.JSONField("数据", default=dict)
    submission = models.ForeignKey(
        Submission,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name="归集批次",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    updated_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "归集信息"
        verbose_name_plural = "归集信息"
        constraints = [models.UniqueConstraint(fields=["item", "row_key"], name="catalog_record_key_unique")]
        indexes = [models.Index(fields=["subject", "item"], name="catalog_rec_subject")]

    def __str__(self) -> str:
        return f"{self.item.name}：{self.subject_name}（{self.occurred_on}）"
