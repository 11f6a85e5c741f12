from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "查询员"
    CLERK = "clerk", "经办人"
    APPROVER = "approver", "审批人"
    DEPARTMENT_ADMIN = "department_admin", "部门管理员"
    OFFICE_ADMIN = "office_admin", "信用办管理员"


class Department(models.Model):
    """成员单位. A department is usually both initiating (发起) and cooperating (配合)."""

    code = models.SlugField(
        "部门代码",
        max_length=32,
        unique=True,
        help_text="稳定的英文代码，如 fgj（区发改局），用于接口和命令行。",
    )
    name = models.CharField("部门名称", max_length=100, unique=True)
    organ_name = models.CharField(
        "机关全称",
        max_length=100,
        blank=True,
        help_text="文书落款使用的全称，例如“济南市历下区市场监督管理局”；为空时使用部门名称。",
    )
    doc_abbr = models.CharField(
        "发文机关代字",
        max_length=20,
        blank=True,
        help_text="文书编号的机关代字，例如“历市监”（编号形如 历市监失信告〔2026〕3号）；为空时用部门名称。",
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, null=True, blank=True)
    is_initiating = models.BooleanField("发起部门", default=True)
    is_cooperating = models.BooleanField("配合单位", default=True)
    is_credit_office = models.BooleanField("信用办所在部门", default=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def signature(self) -> str:
        """The organ's full name as letters are signed (落款)."""
        return self.organ_name or self.name


class DocumentSequence(models.Model):
    """The last number a department gave a kind of document in a year (失信告〔2026〕3号 is the
    department's third notice of 2026), taken under a row lock so numbers never repeat or skip."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="+", verbose_name="部门"
    )
    kind = models.CharField("文书种类", max_length=20, help_text="编号中的文书代字，例如“失信告”“失信认”。")
    year = models.PositiveSmallIntegerField("年度")
    last = models.PositiveIntegerField("已用最大序号", default=0)

    class Meta:
        verbose_name = "文书编号"
        verbose_name_plural = "文书编号"
        constraints = [
            models.UniqueConstraint(fields=["department", "kind", "year"], name="document_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.kind}〔{self.year}〕{self.last}号"


class DelegationScope(models.TextChoices):
    """What a delegation covers: the record types of 双公示 and the catalog's collected items."""

    LICENSE = "license", "行政许可"
    PENALTY = "penalty", "行政处罚"
    CATALOG = "catalog", "目录信息归集"


class Delegation(models.Model):
    """代为报送: ``department`` reports ``scope`` data on behalf of ``on_behalf_of`` — e.g. 区行政审批
    服务局 publishes the licences of the departments whose approvals moved to it. A grant covers
    its scope only (issue #16 §5, ADR 0019): it never lets the agent touch the other department's
    penalties, list entries or cases."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="delegations", verbose_name="代报部门"
    )
    on_behalf_of = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="delegations_received", verbose_name="被代报部门"
    )
    scope = models.CharField("代报范围", max_length=16, choices=DelegationScope.choices)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "代为报送授权"
        verbose_name_plural = "代为报送授权"
        ordering = ["department", "on_behalf_of", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["department", "on_behalf_of", "scope"], name="delegation_unique"),
            models.CheckConstraint(
                condition=~models.Q(department=models.F("on_behalf_of")), name="delegation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} 代 {self.on_behalf_of} 报送{self.get_scope_display()}"


class User(AbstractUser):
    """Every user belongs to one department and holds one or more roles there."""

    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="所属部门",
    )
    roles = models.JSONField(
        "角色",
        default=list,
        blank=True,
        help_text="viewer / clerk / approver / department_admin / office_admin",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_office_admin(self) -> bool:
        return Role.OFFICE_ADMIN in self.roles

    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [labels.get(r, r) for r in self.roles]

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(models.Model):
    """Bearer token for machine clients. Only a SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途说明", max_length=100, blank=True)
    prefix = models.CharField("令牌前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
