"""Event kinds the records app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"record": "双公示信息"}
KINDS = {
    "record.published": "双公示信息公示",
    "record.changed": "双公示信息变更",
    "record.withdrawn": "双公示信息撤销",
    "record.expired": "双公示公示期届满",
}
