from __future__ import annotations

from django.db import models
from django.db.models.functions import Substr

from .identifiers import IdType


class SubjectKind(models.TextChoices):
    LEGAL = "legal", "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    NATURAL = "natural", "自然人"


ID_TYPE_CHOICES = [(k, v) for k, v in IdType.LABELS.items()]


class Subject(models.Model):
    """信用主体: one row per identifier.

    ``identifier`` is the USCC for organisations and 个体工商户 that have one; the document number
    for natural persons; for a 个体工商户 without a USCC it is the operator's ID prefixed by the
    placeholder (``00000000000000000X:<证件号>``) so that it never collides with the operator's
    own natural-person subject.
    """

    # Indexes (migration 0003, ADR 0008): each costs every imported subject an insert, so only those a
    # query uses. No index on kind (3 values, never selective); plain btrees on name (the portal's
    # exact-name match for persons), region_code and industry (inspection populations), without
    # the ``varchar_pattern_ops`` twins Django adds for LIKE 'x%' (no such query: the portal's prefix
    # search uses ``subject_name_c``, fragments the trigram index).
    kind = models.CharField("主体类别", max_length=24, choices=SubjectKind.choices)
    id_type = models.CharField("证件类型", max_length=24, choices=ID_TYPE_CHOICES)
    identifier = models.CharField("统一社会信用代码/证件号码", max_length=64, unique=True)
    name = models.CharField("名称/姓名", max_length=200)
    operator_id_number = models.CharField(
        "经营者证件号码",
        max_length=64,
        blank=True,
        help_text="个体工商户无统一社会信用代码时填写经营者身份证号。",
    )
    legal_representative = models.CharField("法定代表人/负责人", max_length=100, blank=True)
    region_code = models.CharField("行政区划码", max_length=6, blank=True)
    industry = models.CharField("行业", max_length=100, blank=True)
    address = models.CharField("住所", max_length=255, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="merged_from",
        verbose_name="已合并至",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信用主体"
        verbose_name_plural = "信用主体"
        ordering = ["id"]
        indexes = [
            # Positions 9–17 of a USCC are the legacy 组织机构代码: old records match on it.
            models.Index(Substr("identifier", 9, 9), name="subject_org_code_idx"),
            # The db_index=True indexes of these columns, renamed in place (migration 0003).
            models.Index(fields=["name"], name="subject_name_idx"),
            models.Index(fields=["region_code"], name="subject_region_idx"),
            models.Index(fields=["industry"], name="subject_industry_idx"),
            # Merged subjects are rare: only they are indexed (merged_from, screening's merged rows).
            models.Index(
                fields=["merged_into"],
                name="subject_merged_into_idx",
                condition=models.Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.identifier}）"

    @property
    def is_natural_person(self) -> bool:
        return self.kind == SubjectKind.NATURAL

    @property
    def kind_label(self) -> str:
        """主体类别 as printed (API schemas read it like a field)."""
        return self.get_kind_display()


class SubjectAlias(models.Model):
    """Other identifiers that lead to the same subject: legacy 组织机构代码, 工商注册号, 税务登记号,
    the operator's ID of a 个体工商户."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="aliases", verbose_name="主体"
    )
    id_type = models.CharField(
        "证件类型", max_length=24, choices=ID_TYPE_CHOICES + [("tax_reg_no", "税务登记号")]
    )
    value = models.CharField("号码", max_length=64)
    source = models.CharField("来源", max_length=100, blank=True)

    class Meta:
        verbose_name = "主体别名标识"
        verbose_name_plural = "主体别名标识"
        constraints = [models.UniqueConstraint(fields=["id_type", "value"], name="uniq_subject_alias")]
        indexes = [models.Index(fields=["value"])]

    def __str__(self) -> str:
        return f"{self.get_id_type_display()} {self.value}"


class SubjectNameChange(models.Model):
    """名称变更历史: the name the subject had until ``changed_at``."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="name_history", verbose_name="主体"
    )
    old_name = models.CharField("原名称", max_length=200)
    new_name = models.CharField("新名称", max_length=200)
    changed_at = models.DateTimeField("变更时间", auto_now_add=True)
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        verbose_name = "名称变更"
        verbose_name_plural = "名称变更"
        ordering = ["-changed_at"]
        # Matching by former name (ADR 0041): exact lookups (natural persons); name fragments use the
        # PostgreSQL trigram index ``subject_old_name_trgm`` (migration 0005).
        indexes = [models.Index(fields=["old_name"], name="subject_old_name_idx")]

    def __str__(self) -> str:
        return f"{self.old_name} → {self.new_name}"


class RelatedRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人"
    PRINCIPAL = "principal", "主要负责人"
    SENIOR_MANAGER = "senior_manager", "高级管理人员"
    DIRECTOR = "director", "董事"
    SUPERVISOR = "supervisor", "监事"
    SHAREHOLDER = "shareholder", "股东"
    LICENSED_PROFESSIONAL = "licensed_professional", "注册执业人员"


class RelatedPerson(models.Model):
    """关联人 of an organisation, one row per period a role was held (ADR 0046).

    ``person`` is itself a subject — a natural person, or a company holding shares (股东) — so the
    check finds it by its identifier. A role is in force on D when ``valid_from <= D <= valid_until``
    (nulls are open ends); ending a role sets ``valid_until`` and keeps the row, so as-of checks
    answer with the roles held on their date. At most one open period (no ``valid_until``) per
    organisation, person and role."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="related_persons", verbose_name="所属主体"
    )
    person = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="roles_in", verbose_name="关联人"
    )
    role = models.CharField("身份", max_length=32, choices=RelatedRole.choices)
    directly_responsible = models.BooleanField("对失信行为负有直接责任", default=False)
    valid_from = models.DateField("任职起", null=True, blank=True)
    valid_until = models.DateField("任职止", null=True, blank=True)
    share_ratio = models.DecimalField(
        "持股比例（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="股东的持股比例，0–100；其他身份为空。",
    )
    # Database defaults: bulk writers (demo data, imports by COPY) name only the columns they fill.
    source = models.CharField(
        "来源",
        max_length=100,
        blank=True,
        db_default="",
        help_text="手工登记，或登记信息导入批次（如“关联人导入 #12”）。",
    )
    end_reason = models.CharField("终止原因", max_length=200, blank=True, db_default="")
    # The registration import (relations.RelatedImportBatch) that recorded the period; no foreign
    # key: the importer sits above this app and writes by COPY (ADR 0023).
    batch_id = models.PositiveBigIntegerField("导入批次", null=True, blank=True)

    class Meta:
        verbose_name = "关联人"
        verbose_name_plural = "关联人"
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "person", "role"],
                condition=models.Q(valid_until__isnull=True),
                name="related_person_one_open_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(subject=models.F("person")), name="related_person_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="related_person_period_order",
            ),
        ]
        indexes = [models.Index(fields=["person", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.person.name} @ {self.subject.name}"

    def in_force(self, on) -> bool:
        """Held on ``on`` (nulls are open ends)."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


class SubjectContact(models.Model):
    """A contact channel on file for a subject (预留联系方式), recorded by a department from data it
    holds (登记注册信息, 许可申请材料…): an e-mail address, a phone number or both. The portal sends
    one-time codes only to the e-mail addresses on file, never to an address the visitor types
    (docs/identity.md). A contact is in use until it is ended (``ended_at``); nothing is deleted."""

    subject = models.ForeignKey(
        Subject, on_delete=models.CASCADE, related_name="contacts", verbose_name="主体"
    )
    email = models.EmailField("邮箱", blank=True)
    phone = models.CharField("手机或电话", max_length=20, blank=True)
    source = models.CharField("来源", max_length=100, help_text="如：企业登记信息、行政许可申请材料")
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="登记部门"
    )
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="登记人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    ended_at = models.DateTimeField("停用时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="停用人",
    )
    end_reason = models.CharField("停用原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "主体预留联系方式"
        verbose_name_plural = "主体预留联系方式"
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["subject", "ended_at"], name="subject_contact_in_use")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", phone=""), name="subject_contact_email_or_phone"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} · {self.email or self.phone}"

    @property
    def active(self) -> bool:
        """In use: not ended (derived from the stored date)."""
        return self.ended_at is None
