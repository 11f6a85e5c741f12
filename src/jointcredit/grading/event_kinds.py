"""Event kinds the grading app emits (collected by ``exchange.kinds``; every one is subscribable)."""

FAMILIES = {"honour": "荣誉称号", "inspection_plan": "双随机抽查计划"}
KINDS = {
    "honour.revoked": "荣誉称号撤销",
    "inspection_plan.published": "双随机抽查计划发布",
}
