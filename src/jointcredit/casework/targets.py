"""What an objection or a repair is about: a list entry or a 双公示 record. One place resolves the
target, says which department decides it, whether it can be contested or repaired, and applies
the outcome through the owning app's services (lists, records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from jointcredit.casework.models import TargetType
from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed


@dataclass
class Target:
    type: str
    obj: object

    @property
    def key(self) -> str:
        return f"{self.type}:{self.obj.pk}"

    @property
    def id(self) -> int:
        return self.obj.pk

    @property
    def department(self):
        return self.obj.department

    @property
    def subject(self):
        return self.obj.subject

    @property
    def subject_name(self) -> str:
        return self.obj.subject_name

    @property
    def is_entry(self) -> bool:
        return self.type == TargetType.LIST_ENTRY

    @property
    def label(self) -> str:
        o = self.obj
        if self.is_entry:
            return f"{o.list_type.name}（条目 {o.pk}，{o.department.name}）"[:300]
        kind = "行政处罚" if self.type == TargetType.PENALTY else "行政许可"
        return f"{kind} {o.doc_no}（{o.department.name}）"[:300]

    @property
    def version(self) -> int | None:
        return None if self.is_entry else self.obj.version


def target_get(target_type: str, target_id, *, lock: bool = False) -> Target:
    from jointcredit.lists.models import ListEntry
    from jointcredit.records.models import License, Penalty

    models = {TargetType.LIST_ENTRY: ListEntry, TargetType.PENALTY: Penalty, TargetType.LICENSE: License}
    model = models.get(target_type)
    if model is None:
        raise ValidationFailed.single(
            "target_type",
            "choice",
            "对象类别（target_type）必须是 list_entry（名单条目）、"
            "penalty（行政处罚）或 license（行政许可）。",
        )
    try:
        pk = int(target_id)
    except (TypeError, ValueError):
        raise ValidationFailed.single("target_id", "integer", "对象标识（target_id）必须是整数。") from None
    qs = model.objects.select_related("subject", "department")
    if target_type == TargetType.LIST_ENTRY:
        qs = qs.select_related("list_type")
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{dict(TargetType.choices)[target_type]} {pk} 不存在。")
    return Target(target_type, obj)


def contestable_reason(target: Target, today: date) -> str | None:
    """Why no objection can be filed against the target now (None = it can)."""
    from jointcredit.lists.models import EntryState
    from jointcredit.records.models import RecordState

    o = target.obj
    if target.is_entry:
        if o.state not in (EntryState.NOTIFIED, EntryState.DECIDED, EntryState.PUBLISHED):
            return f"名单条目当前状态为“{o.get_state_display()}”，不能提出异议。"
        if o.is_expired(today):
            return f"名单条目有效期已于 {o.valid_until} 届满并自动移出，无需提出异议。"
        return None
    if o.state != RecordState.PUBLISHED:
        return f"该记录当前状态为“{o.get_state_display()}”，不能提出异议。"
    return None


def repair_earliest(target: Target) -> tuple[date | None, str | None]:
    """(earliest repair date, refusal reason). A reason means the target can never be repaired."""
    from jointcredit.lists.models import EntryState, ListColor
    from jointcredit.records.models import PenaltyTier, RecordState
    from jointcredit.records.rules import penalty_window

    o = target.obj
    if target.is_entry:
        lt = o.list_type
        if lt.color != ListColor.BLACK:
            return None, "红名单条目不适用信用修复。"
        if not lt.repairable:
            return None, f"“{lt.name}”依规不适用信用修复（不可修复的名单类型）。"
        if o.state != EntryState.PUBLISHED:
            return (
                None,
                f"名单条目当前状态为“{o.get_state_display()}”，只有已发布的黑名单条目可以申请信用修复。",
            )
        return (o.decided_on or clock.today()) + timedelta(days=lt.min_repair_days), None
    if target.type == TargetType.LICENSE:
        return None, "行政许可信息不是失信信息，不适用信用修复。"
    if o.state != RecordState.PUBLISHED:
        return None, f"该处罚信息当前状态为“{o.get_state_display()}”，不在公示中，无需信用修复。"
    if o.tier == PenaltyTier.MINOR:
        return (
            None,
            "轻微失信行为的行政处罚信息依规不公示或公示期满自动移出（国家发展改革委令第36号），无需申请信用修复。",
        )
    return o.repairable_from or penalty_window(o.decision_date, o.tier)[1], None


def repair_refusal(target: Target, today: date) -> str | None:
    """Why a repair cannot be applied for today (None = it can)."""
    earliest, reason = repair_earliest(target)
    if reason:
        return reason
    o = target.obj
    if target.is_entry:
        if o.is_expired(today):
            return f"名单条目有效期已于 {o.valid_until} 届满并自动移出，无需信用修复。"
        if today < earliest:
            return (
                f"“{o.list_type.name}”须自认定日（{o.decided_on}）起满最短公示期 "
                f"{o.list_type.min_repair_days} 天后"
                f"方可申请信用修复，最早 {earliest} 可以申请。"
            )
        return None
    if o.public_until and o.public_until < today:
        return f"该处罚信息公示期已于 {o.public_until} 届满并自动移出，无需信用修复。"
    if today < earliest:
        months = "1 年" if o.tier == "serious" else "3 个月"
        return (
            f"{o.get_tier_display()}失信行为的行政处罚信息须自处罚决定日（{o.decision_date}）起"
            f"公示满 {months}"
            f"（最短公示期）后方可申请信用修复，最早 {earliest} 可以申请。"
        )
    return None


def target_set_objection(target: Target, *, on: bool, actor) -> None:
    """Mark 异议中 where the owner supports it (list entries); records are flagged at read time from
    the open objections (``objections.selectors.records_under_objection``)."""
    if target.is_entry:
        from jointcredit.lists.services import list_entry_set_objection

        if target.obj.state != "removed":
            list_entry_set_objection(entry=target.obj, under_objection=on, actor=actor)
