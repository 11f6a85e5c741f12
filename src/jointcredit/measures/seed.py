"""The default memoranda and measures shipped with the system (DESIGN.md §2 seed measures).

Used by the data migration (fresh installs get the defaults), by ``jointcredit demo`` and by
tests. Idempotent and conservative: rows are created only when their code is missing, and
department links are filled only when a row has none yet (e.g. the migration ran before the
departments existed). The office's later edits are never overwritten.
"""

from __future__ import annotations

from datetime import date

_NATIONAL_BASIS = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
)

# 业务场景 shipped as defaults (DESIGN.md §2); after that they are the office's data (ADR 0045).
SCENARIOS = [
    ("licensing", "行政许可审批"),
    ("production_permit", "生产许可"),
    ("project_approval", "新增项目审批核准"),
    ("funding", "财政性资金项目"),
    ("policy_benefit", "招商引资优惠政策"),
    ("public_resource_trading", "公共资源交易/招投标"),
    ("franchise", "基础设施和公用事业特许经营"),
    ("market_entry", "市场和行业准入/任职"),
    ("honours", "评先评优/荣誉称号"),
    ("inspection", "日常和专项检查"),
    ("publicity", "宣传"),
]

PUNISHMENT_MEMORANDUM = "lixia-dishonesty-2026"
INCENTIVE_MEMORANDUM = "lixia-honesty-2026"

MEMORANDA = [
    {
        "code": PUNISHMENT_MEMORANDUM,
        "name": "历下区关于对严重失信主体实施联合惩戒的合作备忘录",
        "document_no": "历信用办发〔2026〕3号",
        "signed_on": date(2026, 3, 16),
        "feedback_working_days": 10,
        "signatories": [
            "fgj",
            "scjgj",
            "xzsp",
            "swj",
            "rsj",
            "zjj",
            "yjj",
            "sthj",
            "czj",
            "wjj",
            "jtj",
            "wlj",
            "cgj",
            "xfjy",
            "fy",
            "tqw",
            "xcb",
            "gzw",
            "ggzy",
            "mzj",
        ],
    },
    {
        "code": INCENTIVE_MEMORANDUM,
        "name": "历下区关于对诚信典型实施联合激励的合作备忘录",
        "document_no": "历信用办发〔2026〕4号",
        "signed_on": date(2026, 3, 16),
        "feedback_working_days": 10,
        "signatories": ["fgj", "scjgj", "xzsp", "swj", "rsj", "czj", "tqw", "xcb", "wlj", "mzj", "jtj"],
    },
]

_P = "punishment"
_I = "incentive"

# (memorandum, code, name, kind, scenarios, legal basis, implementing departments,
#  reaches_subject, reach_roles, directly_responsible_roles)
MEASURES = [
    (
        PUNISHMENT_MEMORANDUM,
        "punish-strict-licensing",
        "从严审核行政许可",
        _P,
        ["licensing"],
        f"{_NATIONAL_BASIS}第（十一）条：从严审核行政许可审批项目。",
        ["xzsp", "scjgj", "wjj", "zjj"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-production-permit",
        "从严控制生产许可证发放",
        _P,
        ["production_permit"],
        f"{_NATIONAL_BASIS}第（十一）条；《中华人民共和国工业产品生产许可证管理条例》。",
        ["scjgj", "xzsp"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-project-approval",
        "限制新增项目审批核准",
        _P,
        ["project_approval"],
        f"{_NATIONAL_BASIS}第（十一）条：限制新增项目审批、核准。",
        ["fgj", "xzsp", "zjj"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-funding",
        "限制申请财政性资金项目",
        _P,
        ["funding"],
        f"{_NATIONAL_BASIS}第（十一）条：限制申请财政性资金项目。",
        ["czj", "fgj"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-public-resource-trading",
        "限制参与公共资源交易",
        _P,
        ["public_resource_trading"],
        f"{_NATIONAL_BASIS}第（十一）条：限制参与有关公共资源交易活动；《中华人民共和国招标投标法实施条例》。",
        ["ggzy", "zjj", "czj"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-franchise",
        "限制参与特许经营",
        _P,
        ["franchise"],
        f"{_NATIONAL_BASIS}第（十一）条：限制参与基础设施和公用事业特许经营；《基础设施和公用事业特许经营管理办法》。",
        ["fgj", "zjj", "cgj"],
        True,
        [],
        [],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-market-entry",
        "市场和行业禁入",
        _P,
        ["market_entry"],
        f"{_NATIONAL_BASIS}第（十二）条：对严重失信主体及其法定代表人、主要负责人和对失信行为负有直接责任的注册执业人员实施市场和行业禁入。",
        ["scjgj", "rsj", "zjj", "wjj"],
        True,
        ["legal_representative", "principal", "licensed_professional"],
        ["licensed_professional"],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-honours",
        "撤销荣誉称号/取消评先评优",
        _P,
        ["honours"],
        f"{_NATIONAL_BASIS}第（十四）条：对严重失信企业及其法定代表人、主要负责人、高级管理人员和对失信行为负有直接责任的董事、股东取消参加评先评优资格，已获得的荣誉称号予以撤销。",
        ["xcb", "tqw", "rsj", "mzj", "fgj"],
        True,
        ["legal_representative", "principal", "senior_manager", "director", "shareholder"],
        ["director", "shareholder"],
    ),
    (
        PUNISHMENT_MEMORANDUM,
        "punish-inspection",
        "列为重点监管对象",
        _P,
        ["inspection"],
        f"{_NATIONAL_BASIS}第（十三）条：加强日常监管，提高抽查比例和频次。",
        ["scjgj", "yjj", "sthj", "xfjy", "wjj"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-green-channel",
        "行政审批绿色通道",
        _I,
        ["licensing"],
        f"{_NATIONAL_BASIS}第（八）条：对诚信典型提供“绿色通道”等便利服务。",
        ["xzsp"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-tolerance-acceptance",
        "容缺受理",
        _I,
        ["licensing"],
        f"{_NATIONAL_BASIS}第（八）条：在办理行政许可过程中，对资料不全但主要条件具备的可先行受理（容缺受理）。",
        ["xzsp", "scjgj"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-funding-priority",
        "财政资金项目优先",
        _I,
        ["funding"],
        f"{_NATIONAL_BASIS}第（九）条：在财政资金补助等方面优先安排。",
        ["czj", "fgj"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-investment-policy",
        "招商引资政策优先",
        _I,
        ["policy_benefit"],
        f"{_NATIONAL_BASIS}第（九）条：在实施招商引资优惠政策时予以优先考虑。",
        ["fgj"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-fewer-inspections",
        "减少检查频次",
        _I,
        ["inspection"],
        f"{_NATIONAL_BASIS}第（十）条：在日常检查、专项检查中优化检查频次。",
        ["scjgj", "yjj", "sthj", "xfjy"],
        True,
        [],
        [],
    ),
    (
        INCENTIVE_MEMORANDUM,
        "reward-publicity",
        "宣传推介",
        _I,
        ["publicity"],
        f"{_NATIONAL_BASIS}第（十）条：在“信用历下”网站和主流媒体对诚信典型进行宣传推介。",
        ["xcb", "fgj"],
        True,
        [],
        [],
    ),
]


def seed_scenarios(Scenario) -> list:  # noqa: N803 - model class
    """Create the default scenarios that are missing (by code); return the rows created."""
    created = []
    for code, name in SCENARIOS:
        row, is_new = Scenario.objects.get_or_create(code=code, defaults={"name": name})
        if is_new:
            created.append(row)
    return created


def seed_defaults(Memorandum, Measure, Department) -> dict[str, list]:  # noqa: N803 - model classes
    """Create missing defaults; return the rows created (for audit by the caller)."""
    departments = {d.code: d for d in Department.objects.all()}
    created: dict[str, list] = {"memoranda": [], "measures": []}
    memoranda = {}
    for spec in MEMORANDA:
        memo, is_new = Memorandum.objects.get_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("name", "document_no", "signed_on", "feedback_working_days")},
        )
        if is_new:
            created["memoranda"].append(memo)
        if not memo.signatories.exists():
            memo.signatories.add(*[departments[c] for c in spec["signatories"] if c in departments])
        memoranda[spec["code"]] = memo
    for memo_code, code, name, kind, scenarios, basis, implementers, subject, roles, direct in MEASURES:
        # The latest version by that code (the historical model of migration 0003 has no versions).
        found = Measure.objects.filter(code=code).order_by("-pk").first()
        is_new = found is None
        measure = found or Measure.objects.create(
            code=code,
            memorandum=memoranda[memo_code],
            name=name,
            kind=kind,
            scenarios=scenarios,
            legal_basis=basis,
            reaches_subject=subject,
            reach_roles=roles,
            directly_responsible_roles=direct,
        )
        if is_new:
            created["measures"].append(measure)
        if not measure.implementing_departments.exists():
            measure.implementing_departments.add(*[departments[c] for c in implementers if c in departments])
    return created
