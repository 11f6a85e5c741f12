"""``CaseModel``: the behaviour Objection and RepairApplication share. Abstract (no table, no
migration): fields, the django-fsm state machine, indexes and constraints stay in each app."""

from __future__ import annotations

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


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
