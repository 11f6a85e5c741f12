"""Red and black lists (DESIGN.md §2 Red and black lists)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from jointcredit.common.history import StatusChange


class ListColor(models.TextChoices):
    RED = "red", "红名单（诚信典型）"
    BLACK = "black", "黑名单（严重失信主体）"


class ListCategory(models.TextChoices):
    # Black-list categories (seed §四一)
    HEALTH_SAFETY = "black_health_safety", "严重危害人民群众身体健康和生命安全"
    MARKET_ORDER = "black_market_order", "严重破坏市场公平竞争秩序和社会正常秩序"
    REFUSE_JUDGMENT = "black_refuse_judgment", "有履行能力但拒不履行司法/行政决定"
    DEFENCE_DUTY = "black_defence_duty", "拒不履行国防义务"
    BLACK_OTHER = "black_other", "法律法规规定的其他严重失信行为"
    # Red-list sources (seed §三一)
    GOOD_RATING = "red_good_rating", "信用评级良好（A级）"
    MORAL_MODEL = "red_moral_model", "诚信道德模范"
    YOUTH_VOLUNTEER = "red_youth_volunteer", "优秀青年志愿者"
    ASSOCIATION = "red_association", "行业协会商会推荐的诚信会员"
    MEDIA = "red_media", "新闻媒体挖掘的诚信主体"


class ListType(models.Model):
    """A list configured by the office: who may initiate it, on what basis, for how long, which
    memorandum's measures apply."""

    code = models.SlugField("名单代码", max_length=64, unique=True)
    name = models.CharField("名单名称", max_length=200)
    color = models.CharField("颜色", max_length=8, choices=ListColor.choices)
    category = models.CharField("类别/来源", max_length=32, choices=ListCategory.choices)
    initiating_departments = models.ManyToManyField(
        "accounts.Department", related_name="initiable_list_types", verbose_name="认定部门"
    )
    legal_basis = models.TextField("认定依据（文件名称+条款）")
    validity_days = models.PositiveIntegerField("最长有效期（天）", default=1095)
    min_repair_days = models.PositiveIntegerField("最短公示期后方可修复（天）", default=365)
    repairable = models.BooleanField("可信用修复", default=True)
    statement_working_days = models.PositiveSmallIntegerField("陈述申辩期限（工作日）", default=5)
    memorandum = models.ForeignKey(
        "measures.Memorandum",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="list_types",
        verbose_name="适用备忘录",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "名单类型"
        verbose_name_plural = "名单类型"
        ordering = ["color", "code"]

    def __str__(self) -> str:
        return self.name


class AuthorityLevel(models.TextChoices):
    CITY = "city", "市级"
    PROVINCE = "province", "省级"
    NATIONAL = "national", "国家级"
    COURT = "court", "法院"
    TAX = "tax", "税务"


class OutsideAuthority(models.Model):
    """外部认定单位: a city/provincial/national body, a court or the tax administration whose list
    entries, removals and repairs reach the district through an upstream platform (上下联动). Not a
    district department: it has no users and decides nothing here (ADR 0038)."""

    code = models.CharField(
        "单位代码", max_length=32, unique=True, help_text="统一社会信用代码或平台单位编码"
    )
    name = models.CharField("单位名称", max_length=200)
    level = models.CharField("层级", max_length=16, choices=AuthorityLevel.choices)
    region_code = models.CharField("地方编码（DFBM）", max_length=12)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "外部认定单位"
        verbose_name_plural = "外部认定单位"
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return self.name


class EntryState(models.TextChoices):
    DRAFT = "draft", "拟列入"
    NOTIFIED = "notified", "已告知"
    DECIDED = "decided", "已认定"
    PUBLISHED = "published", "已发布"
    REMOVED = "removed", "已移出"


class RemovalReason(models.TextChoices):
    EXPIRED = "expired", "有效期届满"
    REPAIRED = "repaired", "信用修复"
    REVOKED = "revoked", "撤销（异议成立等）"
    CORRECTED = "corrected", "更正"
    SUPERSEDED = "superseded", "被列入黑名单而移出红名单"


# Short wording of each removal reason for status labels ("已移出（信用修复）") and withdrawn pushes.
REMOVAL_SHORT_LABELS = {
    RemovalReason.EXPIRED: "有效期届满",
    RemovalReason.REPAIRED: "信用修复",
    RemovalReason.REVOKED: "撤销",
    RemovalReason.CORRECTED: "更正",
    RemovalReason.SUPERSEDED: "列入黑名单移出红名单",
}


class StatementOutcome(models.TextChoices):
    """陈述申辩的处理结果 (recorded by the department before it decides)."""

    WAIVED = "waived", "当事人明确放弃陈述申辩"
    NOT_ADOPTED = "not_adopted", "陈述申辩理由不成立，不予采纳"
    ADOPTED = "adopted", "陈述申辩理由成立，予以采纳（不予列入）"


class ListEntry(ConcurrentTransitionMixin, models.Model):
    """One subject on one list. Transitions are declared here without side effects; services in
    ``lists.services`` run them and emit events/audit in the same transaction.

    Status is derived at read time from dates: a published entry whose ``valid_until`` has passed
    is out of the system (``is_effective`` False) even before the sweep records its expiry event.
    """

    list_type = models.ForeignKey(
        ListType, on_delete=models.PROTECT, related_name="entries", verbose_name="名单类型"
    )
    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.PROTECT, related_name="list_entries", verbose_name="主体"
    )
    subject_name = models.CharField("列入时主体名称", max_length=200)
    # Copied from the subject when the entry is first saved: the portal's name search applies the
    # natural-person rule (full name only) without joining the subjects table (10M rows).
    subject_kind = models.CharField("主体类别", max_length=24, blank=True, editable=False)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="list_entries", verbose_name="认定部门"
    )
    state = FSMField(
        "状态", default=EntryState.DRAFT, choices=EntryState.choices, protected=False, db_index=True
    )
    reason = models.TextField("列入事由")
    legal_basis = models.TextField("认定依据")
    document_no = models.CharField("认定文书号", max_length=100, blank=True)
    decided_on = models.DateField("认定日期", null=True, blank=True)
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True, db_index=True)
    notified_at = models.DateTimeField("告知时间", null=True, blank=True)
    notified_on = models.DateField(
        "告知日期", null=True, blank=True, help_text="告知书送达日期，陈述申辩期限自次日起按工作日计算。"
    )
    notice_no = models.CharField("告知书文号", max_length=100, blank=True)
    statement_working_days = models.PositiveSmallIntegerField(
        "陈述申辩期限（工作日）",
        null=True,
        blank=True,
        help_text="告知时从名单类型复制，之后修改名单类型不影响已告知条目。",
    )
    statement_deadline = models.DateField(
        "陈述申辩截止日", null=True, blank=True, help_text="为空且已告知时表示“待配置节假日”"
    )
    statement_outcome = models.CharField(
        "陈述申辩处理结果", max_length=16, choices=StatementOutcome.choices, blank=True
    )
    statement_content = models.TextField("陈述申辩内容", blank=True)
    statement_handling = models.TextField("处理意见", blank=True)
    statement_recorded_at = models.DateTimeField("陈述申辩登记时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    removed_at = models.DateTimeField("移出时间", null=True, blank=True)
    removal_reason = models.CharField("移出原因", max_length=16, choices=RemovalReason.choices, blank=True)
    removal_note = models.TextField("移出说明", blank=True)
    expiry_emitted_at = models.DateTimeField("到期事件发出时间", null=True, blank=True)
    # 上级平台下发的条目: issued by an outside authority (due process happened upstream); the
    # department above is then the district department that records it (承接部门, ADR 0038).
    source_authority = models.ForeignKey(
        OutsideAuthority,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name="外部认定单位",
    )
    under_objection = models.BooleanField("异议中", default=False, db_index=True)
    # [[opened_on, closed_on | null], …] as ISO dates: a copy of the objection steps of the history
    # (ListEntryChange) on the row itself, so the as-of check answers "under objection on D" from the
    # one indexed query it already makes (ADR 0032).
    objection_periods = models.JSONField("异议期间", default=list, blank=True, editable=False)
    # 对失信行为负有直接责任的人员, chosen by the deciding approver at 认定 from the subject's related
    # persons in force (ADR 0046). ``responsible_chosen`` False: no choice was made, and measures
    # limited to directly responsible persons fall back to each link's own flag.
    responsible_persons = models.ManyToManyField(
        "subjects.RelatedPerson",
        blank=True,
        related_name="responsible_for_entries",
        verbose_name="负有直接责任的人员",
    )
    responsible_chosen = models.BooleanField("认定时已确定直接责任人", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "名单条目"
        verbose_name_plural = "名单条目"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["subject", "state"]),
            models.Index(fields=["state", "valid_until"]),
            models.Index(fields=["department", "state"], name="list_entry_dept_state"),
            # Portal search by 认定文书号 (equality); name fragments use the PostgreSQL trigram index
            # of migration 0006.
            models.Index(fields=["document_no"], name="list_entry_document_no"),
        ]
        constraints = [
            # “日期顺序”: a database-level guard behind the service checks.
            models.CheckConstraint(
                condition=(
                    models.Q(valid_until__isnull=True)
                    | models.Q(decided_on__isnull=True)
                    | models.Q(valid_until__gte=models.F("decided_on"))
                ),
                name="list_entry_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.list_type} · {self.subject_name}"

    def save(self, *args, **kwargs):
        if not self.subject_kind and self.subject_id:
            self.subject_kind = self.subject.kind
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "subject_kind"}
        super().save(*args, **kwargs)

    @property
    def issuer_name(self) -> str:
        """认定单位 as people read it: the outside authority for an upstream entry, else the department."""
        return self.source_authority.name if self.source_authority else self.department.name

    # --- derived status ---------------------------------------------------------------------
    def is_effective(self, on: date) -> bool:
        """In force on ``on``: published, started and not past ``valid_until``."""
        if self.state != EntryState.PUBLISHED:
            return False
        if self.valid_from and on < self.valid_from:
            return False
        return not (self.valid_until and on > self.valid_until)

    def is_expired(self, on: date) -> bool:
        return self.state == EntryState.PUBLISHED and self.valid_until is not None and on > self.valid_until

    @property
    def is_black(self) -> bool:
        return self.list_type.color == ListColor.BLACK

    @property
    def statement_deadline_pending(self) -> bool:
        """告知后截止日落在未配置节假日的年度：显示“待配置节假日”，配置后自动重算。"""
        return (
            self.state == EntryState.NOTIFIED
            and self.notified_on is not None
            and self.statement_deadline is None
        )

    def end_reason(self, on: date) -> str:
        """Why the entry is out of force on ``on`` ("" while it is not): the stored removal reason, or
        ``expired`` derived from ``valid_until`` before (or without) anyone removing it."""
        if self.state == EntryState.REMOVED:
            return self.removal_reason
        return RemovalReason.EXPIRED if self.is_expired(on) else ""

    def end_reason_label(self, on: date) -> str:
        return REMOVAL_SHORT_LABELS.get(self.end_reason(on), "")

    def display_status(self, on: date) -> str:
        """Status shown to people: the stored state, except a published entry past its validity
        reads as 已到期 (derived from dates, not stored) and a removed one names its reason
        (已移出（信用修复）, 已移出（撤销）…), so staff can tell repaired from expired from revoked."""
        if self.is_expired(on):
            return "已到期"
        if self.state == EntryState.REMOVED and self.removal_reason:
            return f"已移出（{REMOVAL_SHORT_LABELS.get(self.removal_reason, self.removal_reason)}）"
        if self.state == EntryState.PUBLISHED and self.valid_from and on < self.valid_from:
            return "已发布（未生效）"
        return self.get_state_display()

    # --- transitions (no side effects) ------------------------------------------------------
    @transition(field=state, source=EntryState.DRAFT, target=EntryState.NOTIFIED)
    def notify(self):
        """告知: black lists only (prior notice with right to 陈述申辩)."""

    @transition(field=state, source=EntryState.NOTIFIED, target=EntryState.DECIDED)
    def decide(self):
        """认定 after the statement period."""

    @transition(field=state, source=[EntryState.DECIDED, EntryState.DRAFT], target=EntryState.PUBLISHED)
    def publish(self):
        """发布: black from decided; red straight from draft (services enforce which)."""

    @transition(
        field=state,
        source=[EntryState.PUBLISHED, EntryState.DECIDED, EntryState.NOTIFIED, EntryState.DRAFT],
        target=EntryState.REMOVED,
    )
    def remove(self):
        """移出 with a ``removal_reason``."""


class ChangeEvent(models.TextChoices):
    CREATED = "created", "拟列入"
    NOTIFIED = "notified", "告知"
    DECIDED = "decided", "认定"
    PUBLISHED = "published", "发布"
    CORRECTED = "corrected", "更正"
    OBJECTION_OPENED = "objection_opened", "异议受理（异议中）"
    OBJECTION_CLOSED = "objection_closed", "异议办结"
    REMOVED = "removed", "移出"
    EXPIRED = "expired", "有效期届满"


# Steps the public may see on the portal (subjects.privacy.public_timeline applies the policy).
PUBLIC_EVENTS = (
    ChangeEvent.PUBLISHED,
    ChangeEvent.CORRECTED,
    ChangeEvent.OBJECTION_OPENED,
    ChangeEvent.OBJECTION_CLOSED,
    ChangeEvent.REMOVED,
    ChangeEvent.EXPIRED,
)


class ListEntryChange(StatusChange):
    """名单条目状态变更历史: one row per change of a list entry (ADR 0032)."""

    entry = models.ForeignKey(
        ListEntry, on_delete=models.CASCADE, related_name="changes", verbose_name="名单条目"
    )
    event = models.CharField("变更事项", max_length=32, choices=ChangeEvent.choices)
    removal_reason = models.CharField("移出原因", max_length=16, choices=RemovalReason.choices, blank=True)

    class Meta(StatusChange.Meta):
        verbose_name = "名单条目状态变更"
        verbose_name_plural = "名单条目状态变更"
        indexes = [models.Index(fields=["entry", "recorded_at"], name="list_entry_change_entry")]

    def __str__(self) -> str:
        return f"{self.entry_id} · {self.get_event_display()} · {self.effective_on}"

    @property
    def label(self) -> str:
        """How the step reads on a timeline: 移出（信用修复）, 有效期届满, 发布 …"""
        if self.event == ChangeEvent.REMOVED and self.removal_reason:
            return f"移出（{REMOVAL_SHORT_LABELS.get(self.removal_reason, self.removal_reason)}）"
        return self.get_event_display()
