from datetime import date

from django.db import models
from django.db.models import Q

from jointcredit.subjects.models import RelatedRole


class MeasureKind(models.TextChoices):
    INCENTIVE = "incentive", "激励"
    PUNISHMENT = "punishment", "惩戒"


class Scenario(models.Model):
    """业务场景: where measures bite (行政许可审批, 招投标, 评先评优…). Data the office maintains, so a
    memorandum that needs a new scenario (e.g. 限制高消费) is entered without a release. Measures,
    checks, screenings and recorded checks name a scenario by its ``code``, which never changes; a
    scenario that is no longer used is retired (``is_active``), never deleted, so every stored
    reference keeps its name (ADR 0045)."""

    code = models.SlugField(
        "场景代码",
        max_length=32,
        unique=True,
        help_text="小写字母开头，由小写字母、数字和下划线组成；登记后不可修改。",
    )
    name = models.CharField("场景名称", max_length=100)
    departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="scenarios", verbose_name="使用部门"
    )
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField("登记时间", null=True, blank=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "业务场景"
        verbose_name_plural = "业务场景"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Memorandum(models.Model):
    """联合奖惩备忘录: signed by several departments, lists measures."""

    code = models.SlugField("备忘录代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    document_no = models.CharField("文号", max_length=100, blank=True)
    signed_on = models.DateField("签署日期", null=True, blank=True)
    signatories = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="memoranda", verbose_name="签署部门"
    )
    feedback_working_days = models.PositiveSmallIntegerField("反馈期限（工作日）", default=10)
    is_active = models.BooleanField("有效", default=True)
    effective_from = models.DateField("生效日期", null=True, blank=True, help_text="为空表示自始有效")
    effective_until = models.DateField(
        "失效日期", null=True, blank=True, help_text="为空表示长期有效（含当日）"
    )
    version = models.PositiveIntegerField("版本", default=1, help_text="每次修改加一；修改前后的内容记入审计")

    class Meta:
        verbose_name = "联合奖惩备忘录"
        verbose_name_plural = "联合奖惩备忘录"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


def in_force_q(on: date, prefix: str = "") -> Q:
    """``effective_from ≤ on ≤ effective_until`` (nulls open) for memoranda and measures, in SQL."""
    return (Q(**{f"{prefix}effective_from__isnull": True}) | Q(**{f"{prefix}effective_from__lte": on})) & (
        Q(**{f"{prefix}effective_until__isnull": True}) | Q(**{f"{prefix}effective_until__gte": on})
    )


class Measure(models.Model):
    """One joint measure (措施清单条目), one row per version: the versions of a measure share its
    ``code``; the current one has no ``superseded_by``. Editing a measure in force closes the
    current version the day before the change takes effect and adds the next (ADR 0045), so a
    check dated before the change still applies what was in force then.
    """

    memorandum = models.ForeignKey(
        Memorandum, on_delete=models.PROTECT, related_name="measures", verbose_name="所属备忘录"
    )
    code = models.SlugField("措施代码", max_length=64)
    name = models.CharField("措施名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=MeasureKind.choices)
    legal_basis = models.TextField("依据", blank=True)
    implementing_departments = models.ManyToManyField(
        "accounts.Department", blank=True, related_name="implemented_measures", verbose_name="实施部门"
    )
    scenarios = models.JSONField(
        "适用业务场景", default=list, help_text="业务场景代码列表（业务场景表 Scenario 的 code）"
    )
    reaches_subject = models.BooleanField("作用于主体本身", default=True)
    reach_roles = models.JSONField(
        "作用于关联人身份",
        default=list,
        blank=True,
        help_text="关联人身份代码列表：" + "、".join(f"{v}={label}" for v, label in RelatedRole.choices),
    )
    directly_responsible_roles = models.JSONField(
        "仅对负有直接责任者生效的身份",
        default=list,
        blank=True,
        help_text="列在此处的身份，只有标记为“对失信行为负有直接责任”的关联人才受此措施约束。",
    )
    # Ownership (ADR 0046): how far a measure reaching 股东 follows shareholdings. Depth 1 = the
    # listed organisation's own shareholders; 2 = also the shareholders of a company that holds
    # shares in it; and so on. With a minimum share, every holding along the chain must reach it.
    shareholder_depth = models.PositiveSmallIntegerField(
        "股东穿透层级",
        default=1,
        help_text="作用于股东时追溯的持股层级：1 = 直接股东；2 = 含股东的股东（间接持股），"
        "依此类推，最多 5 层。",
    )
    shareholder_min_share = models.DecimalField(
        "股东最低持股比例（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="为空表示不论持股比例；填写后只作用于持股比例不低于此值的股东（间接持股时每一层都须达到）。",
    )
    is_active = models.BooleanField("有效", default=True)
    effective_from = models.DateField("生效日期", null=True, blank=True, help_text="为空表示自始有效")
    effective_until = models.DateField(
        "失效日期", null=True, blank=True, help_text="为空表示长期有效（含当日）"
    )
    version = models.PositiveIntegerField("版本", default=1)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="被新版本取代",
    )

    class Meta:
        verbose_name = "奖惩措施"
        verbose_name_plural = "奖惩措施"
        ordering = ["memorandum", "code", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="measure_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(superseded_by__isnull=True), name="measure_code_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"

    @property
    def is_punishment(self) -> bool:
        return self.kind == MeasureKind.PUNISHMENT

    @property
    def is_incentive(self) -> bool:
        return self.kind == MeasureKind.INCENTIVE


class CatalogVersion(models.Model):
    """One row whose ``version`` grows on every change to memoranda or measures.

    The check engine keeps the measure catalogue in process memory (it is read on every check and
    changes a few times a year); each worker compares its copy's version with this row at most
    once a second, so an edit made in one worker reaches all the others within a second.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.PositiveBigIntegerField("版本", default=0)
    changed_at = models.DateTimeField("变更时间", null=True, blank=True)

    class Meta:
        verbose_name = "措施目录版本"
        verbose_name_plural = "措施目录版本"

    def __str__(self) -> str:
        return f"措施目录版本 {self.version}"


class Screening(models.Model):
    """批量比对: one uploaded file of identifiers checked against one scenario on one date.

    Only the summary lives in the table; the per-row result (one line per input row, including
    invalid ones) is a gzip CSV in the default storage so that a million-row batch costs one file,
    not a million rows.
    """

    scenario = models.CharField("业务场景", max_length=32)
    on = models.DateField("比对日期")
    file_name = models.CharField("上传文件名", max_length=255)
    total = models.PositiveIntegerField("总行数", default=0)
    hit = models.PositiveIntegerField("命中", default=0)
    clear = models.PositiveIntegerField("未命中", default=0)
    invalid = models.PositiveIntegerField("无效", default=0)
    result_path = models.CharField("结果文件", max_length=255, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="比对人",
    )
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属部门",
    )
    created_at = models.DateTimeField("比对时间", auto_now_add=True)

    class Meta:
        verbose_name = "批量比对"
        verbose_name_plural = "批量比对"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} · {scenario_name(self.scenario)} · {self.created_at:%Y-%m-%d %H:%M}"


class RecordedCheck(models.Model):
    """核查留痕: one check a department made for a business case, kept with its answer.

    The answer is stored as the API returned it, with a SHA-256 digest over a canonical serialisation
    of the request and the answer (``recorded_checks.canonical_document``); the digest also goes on
    the audit chain, so the stored answer cannot be changed unnoticed. ``GET /checks/{id}`` asks the
    check again as of ``on`` with what the history knew at ``known_at`` (or ``created_at``) and says
    whether it reproduces the stored answer (ADR 0037).
    """

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="核查部门"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name="核查人"
    )
    identifier = models.CharField("核查标识", max_length=64)
    subject = models.ForeignKey(
        "subjects.Subject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recorded_checks",
        verbose_name="主体",
    )
    scenario = models.CharField("业务场景", max_length=32)
    on = models.DateField("核查日期")
    known_at = models.DateTimeField("记录时点", null=True, blank=True, help_text="为空表示核查当时的记录")
    case_no = models.CharField("业务案卷号", max_length=100)
    matter_name = models.CharField("事项名称", max_length=200)
    answer = models.JSONField("核查结果")
    digest = models.CharField("摘要（SHA-256）", max_length=64)
    created_at = models.DateTimeField("核查时间")

    class Meta:
        verbose_name = "核查留痕"
        verbose_name_plural = "核查留痕"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "created_at"], name="recorded_check_dept"),
            models.Index(fields=["subject", "department"], name="recorded_check_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.case_no} · {self.identifier} · {scenario_name(self.scenario)} · {self.on}"

    @property
    def hit_count(self) -> int:
        return len(self.answer.get("hits") or [])


def scenario_name(code: str) -> str:
    """The Chinese name of a scenario code (retired ones too) for a row's ``__str__`` (one query;
    pages use the cached catalogue through the ``scenario_label`` template filter)."""
    return Scenario.objects.filter(code=code).values_list("name", flat=True).first() or code
