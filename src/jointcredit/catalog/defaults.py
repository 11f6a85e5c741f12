"""The default 公共信用信息目录 of a district (历下区): items beyond 双公示, with the departments that
provide them (demo department codes) and a default 应用清单. ``install`` is idempotent."""

from __future__ import annotations

from datetime import date

from .models import CatalogItem

T, D, N, INT, C, B = "text", "date", "decimal", "integer", "choice", "boolean"


def f(code, label, type_=T, required=False, **kw) -> dict:
    return {"code": code, "label": label, "type": type_, "required": required, **kw}


# code, name, category, department, frequency, disclosure, retention (months), scope, fields, basis
ITEMS = [
    (
        "tax_credit_rating",
        "纳税信用等级",
        "basic",
        "swj",
        "yearly",
        "public",
        36,
        "legal",
        [
            f("PJND", "评价年度", INT, True, min=2014, max=2100),
            f("XYDJ", "纳税信用级别", C, True, choices=["A", "B", "M", "C", "D"]),
        ],
        "《纳税信用管理办法》",
    ),
    (
        "tax_arrears",
        "欠缴税款",
        "dishonest",
        "swj",
        "quarterly",
        "government",
        60,
        "legal",
        [
            f("QSSZ", "欠缴税种", T, True, max_length=50),
            f("QSJE", "欠缴金额（元）", N, True, min=0),
            f("QSRQ", "欠税发生日期", D, True),
        ],
        "《税收征收管理法》第四十五条",
    ),
    (
        "social_insurance_arrears",
        "社会保险费欠缴",
        "dishonest",
        "rsj",
        "monthly",
        "government",
        36,
        "legal",
        [
            f(
                "QJXZ",
                "欠缴险种",
                C,
                True,
                choices=["养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险"],
            ),
            f("QJYS", "欠缴月数", INT, True, min=1, max=600),
            f("QJJE", "欠缴金额（元）", N, True, min=0),
        ],
        "《社会保险法》第八十六条",
    ),
    (
        "wage_arrears",
        "拖欠农民工工资失信",
        "dishonest",
        "rsj",
        "on_occurrence",
        "public",
        36,
        "legal",
        [
            f("RDWH", "认定文书号", T, True, max_length=100),
            f("QXRS", "涉及人数", INT, True, min=1),
            f("QXJE", "拖欠金额（元）", N, True, min=0),
            f("LRYY", "列入事由", T, True, max_length=500),
        ],
        "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》",
    ),
    (
        "utility_arrears",
        "欠缴水电燃气费",
        "dishonest",
        "cgj",
        "monthly",
        "authorized",
        24,
        "any",
        [
            f("FYLB", "费用类别", C, True, choices=["水费", "电费", "燃气费", "供暖费"]),
            f("QFJE", "欠费金额（元）", N, True, min=0),
            f("QFYS", "欠费月数", INT, True, min=1, max=240),
            f("GSDW", "供应单位", T, True, max_length=100),
        ],
        "公用事业单位报送（经区城管局汇总）",
    ),
    (
        "contract_performance",
        "合同履约信息",
        "other",
        "gzw",
        "quarterly",
        "government",
        60,
        "legal",
        [
            f("HTMC", "合同名称", T, True, max_length=200),
            f("HTJE", "合同金额（万元）", N, False, min=0),
            f("LYQK", "履约情况", C, True, choices=["正常履约", "逾期履约", "违约", "解除"]),
            f("SM", "情况说明", T, False, max_length=500),
        ],
        "政府采购及国有企业合同履约",
    ),
    (
        "court_dishonest_debtor",
        "失信被执行人",
        "dishonest",
        "fy",
        "on_occurrence",
        "public",
        60,
        "any",
        [
            f("AH", "案号", T, True, max_length=100),
            f("ZXFY", "执行法院", T, True, max_length=100),
            f("SXQX", "失信情形", T, True, max_length=300),
            f("LXQK", "履行情况", C, True, choices=["全部未履行", "部分履行"]),
        ],
        "《最高人民法院关于公布失信被执行人名单信息的若干规定》",
    ),
    (
        "work_safety_accident",
        "生产安全事故",
        "dishonest",
        "yjj",
        "on_occurrence",
        "public",
        36,
        "legal",
        [
            f("SGMC", "事故名称", T, True, max_length=200),
            f("SGDJ", "事故等级", C, True, choices=["一般", "较大", "重大", "特别重大"]),
            f("SWRS", "死亡人数", INT, False, min=0),
            f("ZJJJSS", "直接经济损失（万元）", N, False, min=0),
        ],
        "《生产安全事故报告和调查处理条例》",
    ),
    (
        "env_penalty",
        "环境违法处罚",
        "dishonest",
        "sthj",
        "monthly",
        "public",
        36,
        "legal",
        [
            f("CFWH", "处罚文书号", T, True, max_length=100),
            f("WFXW", "违法行为", T, True, max_length=300),
            f("FKJE", "罚款金额（万元）", N, False, min=0),
            f("SFAXCF", "是否按日连续处罚", B, False),
        ],
        "《环境保护法》；与双公示行政处罚互为补充",
    ),
    (
        "env_credit_rating",
        "企业环境信用评价",
        "basic",
        "sthj",
        "yearly",
        "public",
        24,
        "legal",
        [
            f("PJND", "评价年度", INT, True, min=2014, max=2100),
            f("PJDJ", "评价等级", C, True, choices=["环保诚信", "环保良好", "环保警示", "环保不良"]),
        ],
        "《企业环境信用评价办法》",
    ),
    (
        "honours",
        "表彰奖励",
        "good",
        "xcb",
        "half_yearly",
        "public",
        36,
        "any",
        [
            f("RYMC", "荣誉名称", T, True, max_length=200),
            f("SYJG", "授予机关", T, True, max_length=100),
            f("RYJB", "荣誉级别", C, True, choices=["国家级", "省级", "市级", "区级"]),
        ],
        "各级党委政府表彰",
    ),
    (
        "volunteer_service",
        "志愿服务记录",
        "good",
        "tqw",
        "quarterly",
        "public",
        36,
        "natural",
        [
            f("FWXM", "服务项目", T, True, max_length=200),
            f("FWSC", "服务时长（小时）", N, True, min=0, max=10000),
            f("XXJB", "星级", C, False, choices=["一星", "二星", "三星", "四星", "五星"]),
        ],
        "《志愿服务条例》",
    ),
    (
        "blood_donation",
        "无偿献血",
        "good",
        "wjj",
        "quarterly",
        "authorized",
        60,
        "natural",
        [
            f("XXL", "献血量（毫升）", INT, True, min=100, max=2000),
            f("XXDD", "献血地点", T, False, max_length=100),
        ],
        "《献血法》",
    ),
    (
        "medical_insurance_fraud",
        "欺诈骗取医保基金",
        "dishonest",
        "wjj",
        "on_occurrence",
        "government",
        60,
        "any",
        [f("CLWH", "处理文书号", T, True, max_length=100), f("PQJE", "骗取金额（元）", N, True, min=0)],
        "《医疗保障基金使用监督管理条例》",
    ),
    (
        "fire_safety_hazard",
        "重大火灾隐患",
        "dishonest",
        "xfjy",
        "monthly",
        "government",
        24,
        "legal",
        [
            f("YHMS", "隐患描述", T, True, max_length=300),
            f("ZGQX", "整改期限", D, True),
            f("ZGZT", "整改状态", C, True, choices=["未整改", "整改中", "已整改"]),
        ],
        "《消防法》",
    ),
    (
        "construction_credit",
        "建筑市场主体不良行为",
        "dishonest",
        "zjj",
        "monthly",
        "public",
        24,
        "legal",
        [
            f("BLXW", "不良行为", T, True, max_length=300),
            f("XWDJ", "行为等级", C, True, choices=["一般", "严重"]),
            f("XMMC", "项目名称", T, False, max_length=200),
        ],
        "《建筑市场信用管理暂行办法》",
    ),
    (
        "charity_org_rating",
        "社会组织评估等级",
        "basic",
        "mzj",
        "yearly",
        "public",
        60,
        "legal",
        [
            f("PGND", "评估年度", INT, True, min=2010, max=2100),
            f("PGDJ", "评估等级", C, True, choices=["5A", "4A", "3A", "2A", "1A"]),
        ],
        "《社会组织评估管理办法》",
    ),
    (
        "education_training_complaint",
        "校外培训机构失信",
        "dishonest",
        "jtj",
        "quarterly",
        "public",
        36,
        "legal",
        [f("SXQX", "失信情形", T, True, max_length=300), f("CLJG", "处理结果", T, False, max_length=300)],
        "校外培训监管",
    ),
]

# 应用清单: (department, item, scenario, purpose)
USAGES = [
    ("xzsp", "tax_credit_rating", "licensing", "告知承诺审批时参考纳税信用级别（D 级不适用承诺制）"),
    ("xzsp", "court_dishonest_debtor", "licensing", "审批前核查是否为失信被执行人"),
    ("xzsp", "work_safety_accident", "production_permit", "生产许可审查近三年较大以上事故"),
    ("czj", "tax_arrears", "funding", "财政资金申报主体不得欠缴税款"),
    ("czj", "social_insurance_arrears", "funding", "财政资金申报主体社保欠缴核查"),
    ("czj", "contract_performance", "public_resource_trading", "政府采购供应商履约评价"),
    ("ggzy", "court_dishonest_debtor", "public_resource_trading", "招投标投标人失信核查"),
    ("ggzy", "construction_credit", "public_resource_trading", "投标人不良行为扣分"),
    ("fgj", "env_credit_rating", "project_approval", "项目核准参考环境信用"),
    ("fgj", "wage_arrears", "project_approval", "拖欠工资企业限制新增项目"),
    ("fgj", "tax_credit_rating", "policy_benefit", "招商优惠政策兑现参考"),
    ("xcb", "honours", "honours", "评先评优前查验既有表彰"),
    ("xcb", "court_dishonest_debtor", "honours", "失信被执行人不得参评"),
    ("xcb", "volunteer_service", "honours", "道德模范推荐参考志愿服务时长"),
    ("scjgj", "env_penalty", "inspection", "双随机抽查提高抽查比例"),
    ("scjgj", "fire_safety_hazard", "inspection", "日常检查重点关注"),
    ("rsj", "wage_arrears", "market_entry", "人力资源服务许可准入核查"),
    ("wjj", "medical_insurance_fraud", "market_entry", "医疗机构准入核查"),
    ("wjj", "blood_donation", "publicity", "无偿献血先进宣传"),
]


def install(*, actor=None, departments: dict, collect_from: date | None = None) -> list[CatalogItem]:
    """Create the default items (and 应用清单) whose departments exist; existing codes are kept."""
    from .services import item_create, usage_set

    out = []
    for code, name, category, dept, frequency, disclosure, retention, scope, fields, basis in ITEMS:
        department = departments.get(dept)
        if department is None:
            continue
        item = CatalogItem.objects.filter(code=code).first()
        if item is None:
            item = item_create(
                actor=actor,
                code=code,
                name=name,
                category=category,
                department=department,
                fields=fields,
                frequency=frequency,
                disclosure=disclosure,
                retention_months=retention,
                subject_scope=scope,
                legal_basis=basis,
                collect_from=collect_from,
                as_system=actor is None,
            )
        out.append(item)
    by_code = {i.code: i for i in out}
    for dept, code, scenario, purpose in USAGES:
        if dept in departments and code in by_code:
            usage_set(
                actor=actor,
                department=departments[dept],
                item=by_code[code],
                scenario=scenario,
                purpose=purpose,
                as_system=actor is None,
            )
    return out
