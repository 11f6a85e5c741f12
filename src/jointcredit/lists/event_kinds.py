"""Event kinds the lists app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"list_entry": "名单条目"}
KINDS = {
    "list_entry.published": "名单条目发布",
    "list_entry.changed": "名单条目变更",
    "list_entry.objection_opened": "名单条目进入异议",
    "list_entry.objection_closed": "名单条目异议办结",
    "list_entry.removed": "名单条目移出",
}
