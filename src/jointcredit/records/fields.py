"""The national standard field sets of 双公示 files (DESIGN.md §2), current and legacy (2016).

One table per record type says, for every standard code (XK_*/CF_*): its Chinese name, the model
field it lands in, its value kind and length limit. Importers accept either the code or the
Chinese name in the header; exporters write the codes (the file 信用济南 expects).
"""

from __future__ import annotations

from dataclasses import dataclass

from jointcredit.subjects.models import SubjectKind

LICENSE = "license"
PENALTY = "penalty"
RECORD_TYPES = (LICENSE, PENALTY)
RECORD_TYPE_LABELS = {LICENSE: "行政许可", PENALTY: "行政处罚"}
# URL words used by the API and the CLI.
RECORD_TYPE_BY_PLURAL = {"licenses": LICENSE, "penalties": PENALTY}


@dataclass(frozen=True)
class FieldSpec:
    code: str  # standard code, e.g. CF_WSH
    label: str  # Chinese name in the standard
    attr: str  # model field
    kind: str = "text"  # text | date | decimal
    max_length: int = 200
    aliases: tuple[str, ...] = ()  # other Chinese headers seen in departments' files
    # Few distinct values repeated on many rows of a file (相对人类别, 处罚依据, 机关, dates, amounts):
    # an import holds the column as polars ``Categorical`` (docs/performance.md, "Import memory").
    vocabulary: bool = False


def _common(p: str) -> list[FieldSpec]:
    return [
        FieldSpec(f"{p}_XDR_MC", "行政相对人名称", "subject_name", max_length=200, aliases=("相对人名称",)),
        FieldSpec(
            f"{p}_XDR_LB",
            "行政相对人类别",
            "subject_kind",
            max_length=20,
            aliases=("相对人类别",),
            vocabulary=True,
        ),
        FieldSpec(
            f"{p}_XDR_SHXYM",
            "统一社会信用代码",
            "uscc",
            max_length=18,
            aliases=("行政相对人代码_1(统一社会信用代码)", "行政相对人统一社会信用代码"),
        ),
        FieldSpec(f"{p}_FRDB", "法定代表人", "legal_rep", max_length=100, aliases=("法定代表人姓名",)),
        FieldSpec(
            f"{p}_XDR_ZJLX",
            "证件类型",
            "id_type",
            max_length=30,
            aliases=("行政相对人证件类型",),
            vocabulary=True,
        ),
        FieldSpec(f"{p}_XDR_ZJHM", "证件号码", "id_number", max_length=64, aliases=("行政相对人证件号码",)),
    ]


def _tail(p: str, organ_label: str) -> list[FieldSpec]:
    return [
        FieldSpec(
            f"{p}_{'XKJG' if p == 'XK' else 'CFJG'}",
            organ_label,
            "organ_name",
            max_length=200,
            vocabulary=True,
        ),
        FieldSpec(
            f"{p}_{'XKJGDM' if p == 'XK' else 'CFJGDM'}",
            f"{organ_label}统一社会信用代码",
            "organ_code",
            max_length=18,
            vocabulary=True,
        ),
        FieldSpec(f"{p}_ZT", "当前状态", "status_code", max_length=4, vocabulary=True),
        FieldSpec(f"{p}_LYDW", "数据来源单位", "source_name", max_length=200, vocabulary=True),
        FieldSpec(
            f"{p}_LYDWDM", "数据来源单位统一社会信用代码", "source_code", max_length=18, vocabulary=True
        ),
        FieldSpec("BZ", "备注", "remark", max_length=1000),
    ]


LICENSE_FIELDS: list[FieldSpec] = [
    *_common("XK"),
    FieldSpec(
        "XK_XKWS",
        "行政许可决定文书名称",
        "doc_name",
        max_length=200,
        aliases=("许可文书名称",),
        vocabulary=True,
    ),
    FieldSpec("XK_WSH", "行政许可决定文书号", "doc_no", max_length=128, aliases=("许可文书号", "文书号")),
    FieldSpec("XK_XKLB", "许可类别", "category", max_length=10, vocabulary=True),
    FieldSpec("XK_XKZS", "许可证书名称", "certificate_name", max_length=200, vocabulary=True),
    FieldSpec("XK_XKBH", "许可编号", "licence_no", max_length=128),
    FieldSpec("XK_NR", "许可内容", "content", max_length=4000),
    FieldSpec("XK_JDRQ", "许可决定日期", "decision_date", kind="date", vocabulary=True),
    FieldSpec("XK_YXQZ", "有效期自", "valid_from", kind="date", vocabulary=True),
    FieldSpec("XK_YXQZI", "有效期至", "valid_to", kind="date", vocabulary=True),
    *_tail("XK", "许可机关"),
]

PENALTY_FIELDS: list[FieldSpec] = [
    *_common("CF"),
    FieldSpec(
        "CF_WSH",
        "行政处罚决定书文号",
        "doc_no",
        max_length=128,
        aliases=("决定文书号", "处罚决定书文号", "文书号"),
    ),
    FieldSpec("CF_WFXW", "违法行为类型", "violation_type", max_length=2000, vocabulary=True),
    FieldSpec("CF_SY", "违法事实", "facts", max_length=5000),
    FieldSpec("CF_YJ", "处罚依据", "basis", max_length=2000, vocabulary=True),
    FieldSpec("CF_CFLB", "处罚类别", "categories", max_length=200, vocabulary=True),
    FieldSpec("CF_NR", "处罚内容", "content", max_length=4000),
    FieldSpec(
        "CF_NR_FK",
        "罚款金额（万元）",
        "fine",
        kind="decimal",
        aliases=("罚款金额", "罚款金额(万元)"),
        vocabulary=True,
    ),
    FieldSpec(
        "CF_NR_WFFF",
        "没收违法所得、没收非法财物的金额（万元）",
        "confiscation",
        kind="decimal",
        aliases=("没收违法所得、没收非法财物的金额", "没收违法所得、没收非法财物的金额(万元)"),
        vocabulary=True,
    ),
    FieldSpec("CF_NR_ZKDX", "暂扣或吊销证照名称及编号", "licence_affected", max_length=200),
    FieldSpec("CF_JDRQ", "处罚决定日期", "decision_date", kind="date", vocabulary=True),
    FieldSpec("CF_YXQ", "处罚有效期", "valid_until", kind="date", vocabulary=True),
    FieldSpec("CF_GSJZQ", "公示截止期", "public_until", kind="date", vocabulary=True),
    *_tail("CF", "处罚机关"),
    # Not in the national set: lets a department state the tier (轻微/一般/严重) instead of the
    # rule in ``tiers.py`` deriving it; the tier decides CF_GSJZQ.
    FieldSpec("CF_SXCD", "失信严重程度", "tier", max_length=4, aliases=("失信程度",), vocabulary=True),
]

FIELDS = {LICENSE: LICENSE_FIELDS, PENALTY: PENALTY_FIELDS}

# Legacy (2016) columns: renamed onto the current ones …
LEGACY_RENAMES = {
    PENALTY: {"CF_FR": "CF_FRDB", "CF_JG": "CF_NR", "CF_XZJG": "CF_CFJG", "CF_XDR": "CF_XDR_MC"},
    LICENSE: {
        "XK_SPLB": "XK_XKLB",
        "XK_XDR": "XK_XDR_MC",
        "XK_FR": "XK_FRDB",
        "XK_JZQ": "XK_YXQZI",
        "XK_XZJG": "XK_XKJG",
    },
}
# … a legacy ID-card column becomes 证件类型 身份证 + 证件号码 …
LEGACY_ID_CARD = {PENALTY: "CF_XDR_SFZ", LICENSE: "XK_XDR_SFZ"}
# … several legacy category columns are joined …
LEGACY_CATEGORY_PARTS = {PENALTY: ("CF_CFLB1", "CF_CFLB2"), LICENSE: ()}
# … and these are kept verbatim in ``legacy`` (the org code also matches old subjects).
LEGACY_KEPT = {
    PENALTY: {
        "CF_CFMC": "案件名称",
        "CF_XDR_ZDM": "组织机构代码",
        "CF_XDR_GSDJ": "工商登记号",
        "CF_XDR_SWDJ": "税务登记号",
        "DFBM": "地方编码",
        "SJC": "时间戳",
    },
    LICENSE: {
        "XK_XMMC": "项目名称",
        "XK_XDR_ZDM": "组织机构代码",
        "XK_XDR_GSDJ": "工商登记号",
        "XK_XDR_SWDJ": "税务登记号",
        "DFBM": "地方编码",
        "SJC": "时间戳",
    },
}

SUBJECT_KIND_BY_LABEL = {
    "法人及非法人组织": SubjectKind.LEGAL,
    "法人及其他组织": SubjectKind.LEGAL,
    "法人": SubjectKind.LEGAL,
    "非法人组织": SubjectKind.LEGAL,
    "自然人": SubjectKind.NATURAL,
    "个体工商户": SubjectKind.INDIVIDUAL_BUSINESS,
    SubjectKind.LEGAL.value: SubjectKind.LEGAL,
    SubjectKind.NATURAL.value: SubjectKind.NATURAL,
    SubjectKind.INDIVIDUAL_BUSINESS.value: SubjectKind.INDIVIDUAL_BUSINESS,
}
SUBJECT_KIND_LABEL = {
    SubjectKind.LEGAL: "法人及非法人组织",
    SubjectKind.NATURAL: "自然人",
    SubjectKind.INDIVIDUAL_BUSINESS: "个体工商户",
}

LICENSE_CATEGORIES = ("普通", "特许", "认可", "核准", "登记", "其他")
PENALTY_CATEGORIES = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
CATEGORY_SEPARATORS = r"[;；,，、/|]"

STATUS_CODES = {"1": "1", "有效": "1", "2": "2", "无效": "2", "撤销": "2", "已撤销": "2"}


def header_map(record_type: str) -> dict[str, str]:
    """Every accepted header (code, Chinese name, alias, legacy code) → canonical code."""
    out: dict[str, str] = {}
    for spec in FIELDS[record_type]:
        for key in (spec.code, spec.label, *spec.aliases):
            out.setdefault(_norm(key), spec.code)
    for old, new in LEGACY_RENAMES[record_type].items():
        out[_norm(old)] = new
    for code in (LEGACY_ID_CARD[record_type], *LEGACY_CATEGORY_PARTS[record_type], *LEGACY_KEPT[record_type]):
        out[_norm(code)] = code
    for code, label in LEGACY_KEPT[record_type].items():
        out.setdefault(_norm(label), code)
    return out


def _norm(header: str) -> str:
    return (
        (header or "").strip().lstrip("\ufeff").replace("（", "(").replace("）", ")").replace(" ", "").upper()
    )


def normalize_header(header: str) -> str:
    return _norm(header)


def spec_by_code(record_type: str) -> dict[str, FieldSpec]:
    return {s.code: s for s in FIELDS[record_type]}


def code_of(record_type: str, attr: str) -> str:
    for spec in FIELDS[record_type]:
        if spec.attr == attr:
            return spec.code
    raise KeyError(attr)
