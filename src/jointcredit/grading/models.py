"""Credit grading (信用分级), 双随机 inspection plans and honours (DESIGN.md §2 Grading, inspections).

Grades are internal: no model here is ever read by the portal or the public API — except honours
(荣誉称号 are public: the portal shows those held, ADR 0036).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from jointcredit.common.history import StatusChange


class Grade(models.TextChoices):
    A = "A", "A 级（诚信）"
    B = "B", "B 级（良好）"
    C = "C", "C 级（关注）"
    D = "D", "D 级（失信）"


GRADE_ORDER = ["A", "B", "C", "D"]

# CF_CFLB categories (DESIGN.md §2 Penalty) → default points deducted per penalty.
DEFAULT_PENALTY_CATEGORY_POINTS = {
    "警告": 2,
    "通报批评": 3,
    "罚款": 5,
    "没收违法所得": 8,
    "没收非法财物": 8,
    "暂扣许可证件": 10,
    "降低资质等级": 10,
    "吊销许可证件": 15,
    "限制开展生产经营活动": 15,
    "责令停产停业": 15,
    "责令关闭": 20,
    "限制从业": 15,
    "行政拘留": 10,
    "其他": 3,
}


def default_penalty_points() -> dict:
    return dict(DEFAULT_PENALTY_CATEGORY_POINTS)


class GradingRuleSet(models.Model):
    """评分规则 (versioned). The office publishes a new version; old versions stay for explanations.

    score = base_score − Σ deductions × decay + Σ credits; grade by thresholds (score ≥ threshold_a → A…).
    decay = 0.5 ^ (age in days / half_life_days) for past items; items still in force do not decay.
    """

    version = models.PositiveIntegerField("版本", unique=True)
    is_active = models.BooleanField("当前生效", default=False, db_index=True)
    base_score = models.DecimalField("基础分", max_digits=6, decimal_places=2, default=Decimal("85"))
    penalty_category_points = models.JSONField("处罚类别扣分（按 CF_CFLB）", default=default_penalty_points)
    fine_points_per_10k = models.DecimalField(
        "罚款每万元扣分", max_digits=6, decimal_places=3, default=Decimal("0.5")
    )
    fine_points_cap = models.DecimalField(
        "罚款扣分上限（每条）", max_digits=6, decimal_places=2, default=Decimal("10")
    )
    revocation_points = models.DecimalField(
        "吊销许可证件另扣分", max_digits=6, decimal_places=2, default=Decimal("15")
    )
    black_entry_points = models.DecimalField(
        "黑名单条目扣分", max_digits=6, decimal_places=2, default=Decimal("40")
    )
    related_black_points = models.DecimalField(
        "关联主体在黑名单扣分",
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        help_text="本主体的法定代表人/负责人/负有直接责任的关联人在黑名单，或本人任职的组织在黑名单。",
    )
    red_entry_points = models.DecimalField(
        "红名单条目加分", max_digits=6, decimal_places=2, default=Decimal("10")
    )
    broken_commitment_points = models.DecimalField(
        "违背信用承诺扣分", max_digits=6, decimal_places=2, default=Decimal("15")
    )
    licence_points = models.DecimalField(
        "有效行政许可加分（每条）", max_digits=6, decimal_places=2, default=Decimal("1")
    )
    licence_points_cap = models.DecimalField(
        "行政许可加分上限", max_digits=6, decimal_places=2, default=Decimal("5")
    )
    honour_points = models.DecimalField(
        "荣誉称号加分（每项）", max_digits=6, decimal_places=2, default=Decimal("5")
    )
    extra_source_points = models.JSONField(
        "其他来源分值",
        default=dict,
        blank=True,
        help_text="其他模块登记的评分来源：{来源代码: 分值}，负数为扣分。",
    )
    repair_relief = models.DecimalField(
        "信用修复减免比例",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        help_text="已修复的失信信息扣分乘以 (1 − 该比例)。",
    )
    half_life_days = models.PositiveIntegerField("衰减半衰期（天）", default=365)
    threshold_a = models.DecimalField("A 级最低分", max_digits=6, decimal_places=2, default=Decimal("90"))
    threshold_b = models.DecimalField("B 级最低分", max_digits=6, decimal_places=2, default=Decimal("75"))
    threshold_c = models.DecimalField("C 级最低分", max_digits=6, decimal_places=2, default=Decimal("60"))
    black_max_grade = models.CharField(
        "在黑名单时最高等级", max_length=1, choices=Grade.choices, default=Grade.D
    )
    note = models.CharField("修订说明", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="发布人",
    )
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用评分规则"
        verbose_name_plural = "信用评分规则"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"评分规则 v{self.version}{'（生效）' if self.is_active else ''}"


class SubjectGrade(models.Model):
    """Current grade of a subject with its explanation (which inputs contributed how many points)."""

    subject = models.OneToOneField(
        "subjects.Subject",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="credit_grade",
        verbose_name="主体",
    )
    grade = models.CharField("等级", max_length=1, choices=Grade.choices, db_index=True)
    score = models.IntegerField("得分")
    ruleset_version = models.PositiveIntegerField("规则版本")
    explanation = models.JSONField("评分说明", default=list, blank=True)
    digest = models.CharField(
        "评分说明摘要",
        max_length=40,
        blank=True,
        help_text="只在说明变化时改写本行，全量评级不必重写一百万行。",
    )
    computed_on = models.DateField("评价基准日", help_text="等级、得分或说明最近一次变化时的基准日。")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "信用等级"
        verbose_name_plural = "信用等级"

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.grade} ({self.score})"


class GradeHistory(models.Model):
    """A row only when a subject's grade or score changes (first grading included)."""

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.CASCADE, related_name="+", verbose_name="主体"
    )
    grade = models.CharField("等级", max_length=1, choices=Grade.choices)
    score = models.IntegerField("得分")
    previous_grade = models.CharField("原等级", max_length=1, blank=True)
    previous_score = models.IntegerField("原得分", null=True, blank=True)
    ruleset_version = models.PositiveIntegerField("规则版本")
    explanation = models.JSONField("评分说明", default=list, blank=True)
    computed_on = models.DateField("评价基准日")
    computed_at = models.DateTimeField("计算时间")
    trigger = models.CharField(
        "触发方式",
        max_length=16,
        default="bulk",
        help_text="bulk（全量）/ incremental（增量）/ manual（手工）",
    )

    class Meta:
        verbose_name = "信用等级历史"
        verbose_name_plural = "信用等级历史"
        ordering = ["-computed_at", "-id"]
        indexes = [models.Index(fields=["subject", "-computed_at"], name="grade_history_subject")]

    def __str__(self) -> str:
        return f"{self.subject_id}: {self.previous_grade or '—'} → {self.grade}"


class GradingRun(models.Model):
    """One bulk run of ``jointcredit grade`` (the subjects not changed keep their row untouched)."""

    on = models.DateField("评价基准日")
    ruleset_version = models.PositiveIntegerField("规则版本")
    subjects = models.PositiveIntegerField("主体数", default=0)
    inputs = models.PositiveIntegerField("评分信息条数", default=0)
    created = models.PositiveIntegerField("新评级", default=0)
    changed = models.PositiveIntegerField("等级或得分变化", default=0)
    explanation_updated = models.PositiveIntegerField("仅说明变化", default=0)
    seconds = models.FloatField("耗时（秒）", default=0)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    distribution = models.JSONField("等级分布", default=dict)

    class Meta:
        verbose_name = "全量评级运行"
        verbose_name_plural = "全量评级运行"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.on} v{self.ruleset_version} · {self.subjects}"


# --- 双随机、一公开 ------------------------------------------------------------------------------

# Allowed ratio band per grade, in percent (DESIGN.md §2: A ≤5%, B 5–20%, C 21–60%, D 61–100%).
DEFAULT_RATIO_BANDS = {"A": [0, 5], "B": [5, 20], "C": [21, 60], "D": [61, 100]}
DEFAULT_RATES = {"A": 5, "B": 10, "C": 30, "D": 70}


class PlanState(models.TextChoices):
    DRAWN = "drawn", "已抽取"
    PUBLISHED = "published", "已公开"


class InspectionPlan(models.Model):
    """双随机抽查计划: population filter, per-grade ratios, recorded seed, snapshot of the population."""

    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="检查部门"
    )
    name = models.CharField("计划名称", max_length=200)
    industry = models.CharField("行业", max_length=100, blank=True)
    region_code = models.CharField("行政区划码", max_length=6, blank=True)
    subject_kind = models.CharField("主体类别", max_length=24, blank=True)
    ratios = models.JSONField("分级抽查比例（%）", help_text='{"A": {"min": 0, "max": 5, "rate": 5}, …}')
    seed = models.BigIntegerField("随机种子", unique=True)
    inspectors_per_subject = models.PositiveSmallIntegerField("每户执法人员数", default=2)
    population_size = models.PositiveIntegerField("抽查对象总数")
    population_digest = models.CharField("对象快照摘要", max_length=64)
    population_snapshot = models.JSONField("对象快照", help_text="[[主体ID, 等级, 标记], …]（按主体ID排序）")
    summary = models.JSONField("抽取结果汇总", default=dict)
    state = models.CharField("状态", max_length=16, choices=PlanState.choices, default=PlanState.DRAWN)
    drawn_at = models.DateTimeField("抽取时间")
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="创建人",
    )

    class Meta:
        verbose_name = "双随机抽查计划"
        verbose_name_plural = "双随机抽查计划"
        ordering = ["-drawn_at", "-id"]

    def __str__(self) -> str:
        return self.name


class InspectionSample(models.Model):
    REASONS = [
        ("ratio", "按等级比例抽取"),
        ("red_lower", "红名单按下限比例抽取"),
        ("black", "黑名单重点监管必查"),
    ]

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.CASCADE, related_name="samples", verbose_name="抽查计划"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="+", verbose_name="被抽中主体"
    )
    grade = models.CharField("抽取时等级", max_length=1)
    reason = models.CharField("抽取方式", max_length=16, choices=REASONS)
    inspectors = models.JSONField("执法检查人员", default=list)

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "subject"], name="uniq_inspection_sample")]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.subject_id}"


# --- 评先评优 ----------------------------------------------------------------------------------


class Honour(models.Model):
    """A 荣誉称号 held by a subject; revoked when the holder becomes seriously dishonest (seed §四二)."""

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="+", verbose_name="主体"
    )
    title = models.CharField("荣誉称号", max_length=200)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="授予部门"
    )
    awarded_on = models.DateField("授予日期")
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="撤销人",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "荣誉称号"
        verbose_name_plural = "荣誉称号"
        ordering = ["-awarded_on", "-id"]
        indexes = [models.Index(fields=["subject", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.title} · {self.subject_id}"


class HonourState(models.TextChoices):
    HELD = "held", "有效"
    REVOKED = "revoked", "已撤销"


class HonourEvent(models.TextChoices):
    AWARDED = "awarded", "授予"
    REVOKED = "revoked", "撤销"


class HonourChange(StatusChange):
    """荣誉称号状态变更 (ADR 0036): awarded (valid from the award date) and revoked (valid from the
    day of revocation), written by ``grading.honours`` next to the audit row. The state is derived
    from ``revoked_at`` on the honour; these rows are its history."""

    honour = models.ForeignKey(
        Honour, on_delete=models.CASCADE, related_name="changes", verbose_name="荣誉称号"
    )
    event = models.CharField("变更事项", max_length=32, choices=HonourEvent.choices)

    class Meta(StatusChange.Meta):
        verbose_name = "荣誉称号状态变更"
        verbose_name_plural = "荣誉称号状态变更"
        indexes = [models.Index(fields=["honour", "recorded_at"], name="honour_change_honour")]

    def __str__(self) -> str:
        return f"{self.honour_id} · {self.get_event_display()} · {self.effective_on}"


class FeedCursor(models.Model):
    """How far grading has read the outbox feed (records arrive set-based, without model signals)."""

    name = models.CharField("消费者", max_length=32, unique=True)
    position = models.BigIntegerField("已处理序位", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "事件消费进度"
        verbose_name_plural = "事件消费进度"

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"
