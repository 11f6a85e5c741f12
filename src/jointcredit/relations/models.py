"""关联人登记信息: imports of 法定代表人, 负责人, 董事/监事/高级管理人员 and 股东 from registration data
files (ADR 0046). The periods themselves are ``subjects.RelatedPerson`` rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RelatedImportBatch(models.Model):
    """One registration data file applied to the related persons: the import report."""

    class Status(models.TextChoices):
        APPLIED = "applied", "已导入"
        REJECTED = "rejected", "已拒绝（未写入任何数据）"

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
    source = models.CharField("来源", max_length=10, default="api", help_text="ui / api / cli")
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_size = models.BigIntegerField("文件大小（字节）", default=0)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    as_of = models.DateField("资料日期", help_text="登记信息所反映的日期；未写任职起的身份自该日起算。")
    full_snapshot = models.BooleanField(
        "全量快照",
        default=False,
        help_text="文件列出所含企业的全部关联人：文件中企业名下未再列出的在任身份于资料日期前一日终止。",
    )
    status = models.CharField("结果", max_length=10, choices=Status.choices)
    total_rows = models.IntegerField("总行数", default=0)
    created_count = models.IntegerField("新增任职", default=0)
    updated_count = models.IntegerField("变更", default=0)
    unchanged_count = models.IntegerField("未变化", default=0)
    ended_count = models.IntegerField("终止任职", default=0)
    company_count = models.IntegerField("涉及企业", default=0)
    rejected_count = models.IntegerField("拒绝行数", default=0)
    error_count = models.IntegerField("错误条数", default=0)
    errors = models.JSONField(
        "错误明细",
        default=list,
        blank=True,
        help_text="每条含 row / field / rule / message；超过上限时只保存前若干条。",
    )
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "关联人导入批次"
        verbose_name_plural = "关联人导入批次"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"关联人导入 #{self.pk} {self.file_name}"

    @property
    def accepted(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count
