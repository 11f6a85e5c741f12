"""Business scenarios where measures bite (DESIGN.md §2: fixed codes)."""

SCENARIOS = {
    "licensing": "行政许可审批",
    "production_permit": "生产许可",
    "project_approval": "新增项目审批核准",
    "funding": "财政性资金项目",
    "policy_benefit": "招商引资优惠政策",
    "public_resource_trading": "公共资源交易/招投标",
    "franchise": "基础设施和公用事业特许经营",
    "market_entry": "市场和行业准入/任职",
    "honours": "评先评优/荣誉称号",
    "inspection": "日常和专项检查",
    "publicity": "宣传",
}
SCENARIO_CHOICES = list(SCENARIOS.items())
