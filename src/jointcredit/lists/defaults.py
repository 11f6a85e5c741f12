"""The seed's list types (DESIGN.md §2: five black-list categories, five red-list sources), shipped as
defaults. The office edits them afterwards (admin); the seed never overwrites an existing type.

Initiating departments are named by the demo's stable department codes: on a fresh database the
departments do not exist yet, so ``list_types_seed`` links whichever of them exist and can be run
again (the demo runs it after creating departments).
"""

from __future__ import annotations

_STATE_COUNCIL_49 = (
    "《国务院办公厅关于进一步完善失信约束制度构建诚信建设长效机制的指导意见》（国办发〔2020〕49号）"
)
_SHANDONG = "《山东省社会信用条例》"
_RED_BASIS = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
)

DEFAULT_LIST_TYPES: list[dict] = [
    {
        "code": "black_health_safety",
        "color": "black",
        "category": "black_health_safety",
        "name": "严重危害人民群众身体健康和生命安全的严重失信主体名单",
        "legal_basis": (
            f"{_STATE_COUNCIL_49}；{_SHANDONG}；《中华人民共和国食品安全法》《中华人民共和国安全生产法》等"
        ),
        "validity_days": 1095,
        "min_repair_days": 365,
        "repairable": True,
        "departments": ["scjgj", "sthj", "zjj", "yjj", "xfjy", "wjj"],
    },
    {
        "code": "black_market_order",
        "color": "black",
        "category": "black_market_order",
        "name": "严重破坏市场公平竞争秩序和社会正常秩序的严重失信主体名单",
        "legal_basis": (
            f"{_STATE_COUNCIL_49}；{_SHANDONG}；"
            "《保障农民工工资支付条例》《重大税收违法失信主体信息公布管理办法》等"
        ),
        "validity_days": 1095,
        "min_repair_days": 365,
        "repairable": True,
        "departments": ["scjgj", "swj", "rsj", "zjj", "fgj", "wlj"],
    },
    {
        "code": "black_refuse_judgment",
        "color": "black",
        "category": "black_refuse_judgment",
        "name": "有履行能力但拒不履行司法裁判或行政处罚决定的失信主体名单",
        "legal_basis": f"{_STATE_COUNCIL_49}；《最高人民法院关于公布失信被执行人名单信息的若干规定》",
        "validity_days": 730,
        "min_repair_days": 180,
        "repairable": True,
        "departments": ["fy", "scjgj", "swj"],
    },
    {
        "code": "black_defence_duty",
        "color": "black",
        "category": "black_defence_duty",
        "name": "拒不履行国防义务的严重失信主体名单",
        "legal_basis": f"{_STATE_COUNCIL_49}；《中华人民共和国国防法》《中华人民共和国兵役法》",
        "validity_days": 1095,
        "min_repair_days": 365,
        "repairable": True,
        "departments": ["fgj"],
    },
    {
        "code": "black_other",
        "color": "black",
        "category": "black_other",
        "name": "法律法规规定的其他严重失信主体名单",
        "legal_basis": f"{_STATE_COUNCIL_49}；{_SHANDONG}；相关法律、法规规定",
        "validity_days": 1095,
        "min_repair_days": 365,
        "repairable": True,
        "departments": ["fgj"],
    },
    {
        "code": "red_good_rating",
        "color": "red",
        "category": "red_good_rating",
        "name": "信用评级良好（A级）诚信主体名单",
        "legal_basis": f"{_RED_BASIS}；《纳税信用管理办法》等信用评价制度",
        "validity_days": 365,
        "min_repair_days": 0,
        "repairable": False,
        "departments": ["swj", "scjgj", "fgj"],
    },
    {
        "code": "red_moral_model",
        "color": "red",
        "category": "red_moral_model",
        "name": "诚信道德模范名单",
        "legal_basis": f"{_RED_BASIS}；全国及省市道德模范评选表彰办法",
        "validity_days": 1095,
        "min_repair_days": 0,
        "repairable": False,
        "departments": ["xcb"],
    },
    {
        "code": "red_youth_volunteer",
        "color": "red",
        "category": "red_youth_volunteer",
        "name": "优秀青年志愿者名单",
        "legal_basis": f"{_RED_BASIS}；《志愿服务条例》及青年志愿者表彰办法",
        "validity_days": 730,
        "min_repair_days": 0,
        "repairable": False,
        "departments": ["tqw"],
    },
    {
        "code": "red_association",
        "color": "red",
        "category": "red_association",
        "name": "行业协会商会推荐的诚信会员名单",
        "legal_basis": f"{_RED_BASIS}；行业协会商会诚信自律相关规定",
        "validity_days": 730,
        "min_repair_days": 0,
        "repairable": False,
        "departments": ["fgj", "mzj"],
    },
    {
        "code": "red_media",
        "color": "red",
        "category": "red_media",
        "name": "新闻媒体挖掘的诚信典型名单",
        "legal_basis": f"{_RED_BASIS}；诚信宣传报道相关规定",
        "validity_days": 365,
        "min_repair_days": 0,
        "repairable": False,
        "departments": ["xcb"],
    },
]


# The measures seed's memoranda (measures/seed.py): black types apply the joint-punishment
# memorandum, red types the joint-incentive one. Linked only while a type has none.
DEFAULT_MEMORANDA = {"black": "lixia-dishonesty-2026", "red": "lixia-honesty-2026"}


def seed_list_types(ListType, Department, Memorandum=None) -> dict[str, int]:  # noqa: N803 - model classes (migrations pass historical ones)
    """Create missing default list types, link existing default departments to types that have
    none yet and the default memorandum to types without one (an office's own choices are never
    overwritten)."""
    created = linked = 0
    memoranda = {}
    if Memorandum is not None:
        memoranda = {m.code: m for m in Memorandum.objects.filter(code__in=DEFAULT_MEMORANDA.values())}
    for spec in DEFAULT_LIST_TYPES:
        fields = {k: v for k, v in spec.items() if k not in ("code", "departments")}
        list_type, was_created = ListType.objects.get_or_create(code=spec["code"], defaults=fields)
        created += was_created
        memo = memoranda.get(DEFAULT_MEMORANDA[spec["color"]])
        if list_type.memorandum_id is None and memo is not None:
            list_type.memorandum = memo
            list_type.save(update_fields=["memorandum"])
            linked += 1
        if not list_type.initiating_departments.exists():
            departments = list(Department.objects.filter(code__in=spec["departments"]))
            if departments:
                list_type.initiating_departments.add(*departments)
                linked += 1
    return {"created": created, "linked": linked}
