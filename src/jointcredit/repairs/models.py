"""Credit repair (信用修复), DESIGN.md §2 Objections and repair."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from jointcredit.casework.models import CaseModel, Channel, TargetType


class RepairState(models.TextChoices):
    SUBMITTED = "submitted", "已提交（待受理）"
    UNDER_REVIEW = "under_review", "已受理（审核中）"
    APPROVED = "approved", "准予修复"
    REJECTED = "rejected", "不予修复"


OPEN_REPAIR_STATES = (RepairState.SUBMITTED, RepairState.UNDER_REVIEW)


class RepairApplication(CaseModel):
    """A repair application with proof of correction and a signed 信用承诺书."""

    CASE_NO_PREFIX, TITLE, OPEN_STATES = "历信修", "信用修复", OPEN_REPAIR_STATES

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="repair_applications", verbose_name="主体"
    )
    subject_name = models.CharField("主体名称", max_length=200)
    target_type = models.CharField("修复对象类别", max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField("修复对象标识")
    target_key = models.CharField("修复对象", max_length=40, db_index=True)
    target_label = models.CharField("修复对象摘要", max_length=300)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="repairs", verbose_name="决定部门"
    )
    correction = models.TextField("履行义务、纠正失信行为情况")
    commitment_signatory = models.CharField("承诺人（签署人）", max_length=100)
    commitment_role = models.CharField("签署人身份", max_length=50, default="法定代表人")
    commitment_signed_on = models.DateField("承诺书签署日期")
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
        "状态", default=RepairState.SUBMITTED, choices=RepairState.choices, protected=False, db_index=True
    )
    earliest_on = models.DateField("最早可修复日期")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="受理人",
    )
    decide_due = models.DateField(
        "决定期限（受理后 3 个工作日）", null=True, blank=True, help_text="为空且已受理表示待配置节假日"
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="决定人",
    )
    decision = models.TextField("决定意见", blank=True)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    urged_at = models.DateTimeField("最近催办时间", null=True, blank=True)
    reminded_at = models.DateTimeField("逾期提醒时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "state"], name="repair_dept_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["target_key"],
                name="repair_one_open_per_target",
                condition=models.Q(state__in=["submitted", "under_review"]),
            ),
        ]

    @transition(field=state, source=RepairState.SUBMITTED, target=RepairState.UNDER_REVIEW)
    def accept(self):
        """受理 and start the review."""

    @transition(field=state, source=RepairState.UNDER_REVIEW, target=RepairState.APPROVED)
    def approve(self):
        """准予修复."""

    @transition(
        field=state, source=[RepairState.SUBMITTED, RepairState.UNDER_REVIEW], target=RepairState.REJECTED
    )
    def reject(self):
        """不予受理 / 不予修复 (with reason)."""
