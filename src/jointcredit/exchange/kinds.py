"""Event kinds a subscription may ask for (DESIGN.md §2 Exchange). ``prefix.*`` matches a family."""

EVENT_KINDS = {
    "list_entry.published": "名单条目发布",
    "list_entry.changed": "名单条目变更",
    "list_entry.objection_opened": "名单条目进入异议",
    "list_entry.objection_closed": "名单条目异议办结",
    "list_entry.removed": "名单条目移出",
    "record.published": "双公示信息公示",
    "record.changed": "双公示信息变更",
    "record.withdrawn": "双公示信息撤销",
    "record.expired": "双公示公示期届满",
    "repair.approved": "信用修复通过",
    "feedback.recorded": "执行反馈",
    "commitment.broken": "信用承诺失信",
    "audit.checkpoint": "审计链签名检查点",
}
FAMILIES = sorted({k.split(".", 1)[0] for k in EVENT_KINDS})


def kind_valid(kind: str) -> bool:
    if kind.endswith(".*"):
        return kind[:-2] in FAMILIES
    return kind in EVENT_KINDS


FAMILY_LABELS = {
    "list_entry": "名单条目",
    "record": "双公示信息",
    "repair": "信用修复",
    "commitment": "信用承诺",
    "feedback": "执行反馈",
}


def kind_label(kind: str) -> str:
    """What a person reads for a subscribed kind (“名单条目（全部事件）” for ``list_entry.*``)."""
    if kind.endswith(".*"):
        family = kind[:-2]
        return f"{FAMILY_LABELS.get(family, family)}（全部事件）"
    return EVENT_KINDS.get(kind, kind)
