"""信用报告: every generated report is kept so that its QR code / verification URL shows exactly the
content that was printed (the snapshot), and a hash proves it was not altered."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportAudience(models.TextChoices):
    PUBLIC = "public", "公开版"
    STAFF = "staff", "内部版"


class CreditReport(models.Model):
    number = models.CharField("报告编号", max_length=32, unique=True)
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="credit_reports", verbose_name="主体"
    )
    audience = models.CharField(
        "版本", max_length=8, choices=ReportAudience.choices, default=ReportAudience.PUBLIC
    )
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="生成人",
    )
    snapshot = models.JSONField("报告内容快照")
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64)

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ["-generated_at"]
        indexes = [models.Index(fields=["subject", "-generated_at"], name="credit_report_subject")]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_audience_display()}）"

    @property
    def is_staff_report(self) -> bool:
        return self.audience == ReportAudience.STAFF
