"""Objections (异议处理), DESIGN.md §2 Objections and repair. What objections and repairs share
(evidence files, verification codes, result-sync receipts and their enums) is in ``casework.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from jointcredit.casework.models import CaseModel, Channel, TargetType


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
