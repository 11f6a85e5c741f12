"""Validation of 双公示 rows, vectorised with polars (one rule set for forms, API and files).

A single form submission is a one-row frame; a 1M-row file is a 1M-row frame: the same
expressions check both, so the rules cannot drift apart. Identifier check digits are computed
column-wise (python-stdnum per row costs ~16 µs a code, i.e. most of an import's time budget);
``tests/test_validation.py`` proves these expressions agree with ``subjects.identifiers``.

Output: the rows that passed, normalised to model values, plus one error per broken rule
``{"row", "field", "rule", "message"}`` (field = the standard code, e.g. ``CF_XDR_SHXYM``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import delegated_departments
from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.pipeline import Check, collect_errors
from jointcredit.subjects.identifiers import (
    _FOREIGN_PR_RE,
    _HK_MACAU_RE,
    _PASSPORT_RE,
    _TAIWAN_RE,
    _USCC_VALUES,
    _USCC_WEIGHTS,
    INDIVIDUAL_BUSINESS_PLACEHOLDER,
    USCC_ALPHABET,
    USCC_REGISTRY_AUTHORITIES,
    IdType,
)
from jointcredit.subjects.models import SubjectKind

from . import rules
from .fields import (
    CATEGORY_SEPARATORS,
    FIELDS,
    LEGACY_CATEGORY_PARTS,
    LEGACY_ID_CARD,
    LEGACY_KEPT,
    LICENSE,
    LICENSE_CATEGORIES,
    PENALTY,
    PENALTY_CATEGORIES,
    STATUS_CODES,
    SUBJECT_KIND_BY_LABEL,
    header_map,
    normalize_header,
    spec_by_code,
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DOC_PATTERNS = {
    IdType.PASSPORT: (_PASSPORT_RE.pattern, "5–17 位字母或数字"),
    IdType.HK_MACAU: (_HK_MACAU_RE.pattern, "H 或 M 开头加 8 位或 10 位数字"),
    IdType.TAIWAN: (_TAIWAN_RE.pattern, "8 位或 10 位数字"),
    IdType.FOREIGN_PR: (_FOREIGN_PR_RE.pattern, "3 位字母加 12 位数字，或 9 开头的 18 位"),
}
_AMOUNT_RE = r"^\d{1,14}(\.\d{1,6})?$"
_RULE_SLICE = 100_000  # rows per slice of the check-digit rules (``_normalise``)


@dataclass
class Context:
    record_type: str
    department: Department
    today: date
    organs: dict[str, int] = field(default_factory=dict)  # organ USCC → owning department id

    @classmethod
    def build(cls, *, record_type: str, department: Department, today: date) -> Context:
        allowed = [department, *delegated_departments(department, scope=record_type)]
        return cls(
            record_type=record_type,
            department=department,
            today=today,
            organs={d.uscc: d.pk for d in allowed if d.uscc},
        )


@dataclass
class Result:
    valid: pl.DataFrame
    errors: list[dict]
    error_count: int
    rejected_rows: set[int]
    total_rows: int


# --- header -----------------------------------------------------------------------------------


def map_columns(header: list[str], record_type: str) -> dict[str, str]:
    """Positional column name (c0…) → standard code. Unknown columns are ignored; a required column
    missing or a column given twice refuses the whole file (no row could be read right)."""
    known = header_map(record_type)
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    details = []
    for i, raw in enumerate(header):
        code = known.get(normalize_header(raw))
        if code is None:
            continue
        if code in seen:
            details.append(
                {
                    "row": 1,
                    "field": code,
                    "rule": "header_duplicate",
                    "message": f"表头第 {seen[code] + 1} 列和第 {i + 1} 列都对应字段 {code}，请删除重复列。",
                }
            )
            continue
        seen[code] = i
        out[f"c{i}"] = code
    specs = spec_by_code(record_type)
    codes = set(out.values())
    need = [c for c in specs if specs[c].attr in ("doc_no", "subject_name", "decision_date")]
    for code in need:
        legacy_names = [k for k, v in _legacy_renames(record_type).items() if v == code]
        if code not in codes:
            details.append(
                {
                    "row": 1,
                    "field": code,
                    "rule": "header_missing",
                    "message": f"缺少必需的列 {code}（{specs[code].label}"
                    f"{'，旧版为 ' + '/'.join(legacy_names) if legacy_names else ''}）。",
                }
            )
    if details:
        found = "、".join(sorted(codes)) or "无"
        raise ValidationFailed(
            f"表头不符合{'行政许可' if record_type == LICENSE else '行政处罚'}信息标准："
            f"{details[0]['message']}（已识别的列：{found}）",
            details=details,
        )
    return out


def _legacy_renames(record_type: str) -> dict[str, str]:
    from .fields import LEGACY_RENAMES

    return LEGACY_RENAMES[record_type]


def column_plan(header: list[str], record_type: str) -> dict[int, bool]:
    """``importing.tabular.ColumnPlan`` of a file: the positions the header maps (a header it cannot
    use is refused before the body is parsed), vocabulary columns (``FieldSpec.vocabulary``) marked."""
    specs = spec_by_code(record_type)
    return {
        int(pos[1:]): code in specs and specs[code].vocabulary
        for pos, code in map_columns(header, record_type).items()
    }


def frame_to_codes(frame: pl.DataFrame, header: list[str], record_type: str) -> pl.DataFrame:
    mapping = map_columns(header, record_type)
    cols = [pl.col(pos).fill_null("").alias(code) for pos, code in mapping.items() if pos in frame.columns]
    return frame.select(pl.col("_row"), *cols)


def frame_from_records(records: list[dict], record_type: str) -> pl.DataFrame:
    """API/form input: dicts keyed by standard codes (or Chinese names)."""
    header: list[str] = []
    for rec in records:
        for key in rec:
            if key not in header:
                header.append(key)
    data = {f"c{i}": [_to_text(rec.get(h)) for rec in records] for i, h in enumerate(header)}
    frame = pl.DataFrame(
        data | {"_row": list(range(1, len(records) + 1))},
        schema={**{f"c{i}": pl.String for i in range(len(header))}, "_row": pl.Int64},
    )
    return frame_to_codes(frame, header, record_type)


def _to_text(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


# --- expressions ------------------------------------------------------------------------------


def _col(df: pl.DataFrame, code: str) -> pl.Expr:
    """The column as text (a vocabulary column is decoded for this expression only)."""
    return _kept(df, code).cast(pl.String)


def _kept(df: pl.DataFrame, code: str) -> pl.Expr:
    """The column as held (vocabulary columns ``Categorical``), ``""`` when the file lacks it."""
    return pl.col(code) if code in df.columns else pl.lit("", dtype=pl.String)


def _per_value(
    df: pl.DataFrame, code: str, fn: Callable[[pl.Expr], pl.Expr], dtype: pl.DataType | type[pl.DataType]
) -> pl.Expr:
    """``fn`` (an expression over the text) of a column. A vocabulary column's distinct values (a
    million rows of a file hold a few hundred dates, a handful of 机关) are converted once and
    looked up per row: converting every row decoded the column and held the text of each
    intermediate step for the whole file."""
    if code not in df.columns or df.schema[code] != pl.Categorical or df.height == 0:
        return fn(_col(df, code))
    values = df.get_column(code).unique().cast(pl.String)
    converted = pl.DataFrame({"v": values}).select(fn(pl.col("v")).cast(dtype)).to_series()
    position = pl.col(code).replace_strict(values, pl.Series(range(values.len()), dtype=pl.UInt32))
    return pl.lit(converted).gather(position)


def _date_expr(expr: pl.Expr) -> pl.Expr:
    text = (
        expr.str.replace(r"^(\d{4})(\d{2})(\d{2})$", "$1-$2-$3")
        .str.replace(r"[T ].*$", "")
        .str.replace(r"日$", "")
        .str.replace_all(r"[/.年月]", "-")
    )
    return (
        pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$"))
        .then(text.str.to_date("%Y-%m-%d", strict=False))
        .otherwise(None)
    )


def uscc_rule(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(rule, message) columns for a USCC column; rule is null when the code is valid."""
    total = pl.sum_horizontal(
        [
            expr.str.slice(i, 1).replace_strict(_USCC_VALUES, default=0, return_dtype=pl.Int64) * w
            for i, w in enumerate(_USCC_WEIGHTS)
        ]
    )
    expected = ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_ALPHABET)), default="?", return_dtype=pl.String
    )
    length = expr.str.len_chars()
    charset_bad = ~expr.str.contains(f"^[{USCC_ALPHABET}]{{18}}$")
    registry_bad = ~expr.str.slice(0, 1).is_in(list(USCC_REGISTRY_AUTHORITIES))
    region_bad = ~expr.str.slice(2, 6).str.contains(r"^\d{6}$")
    check_bad = expr.str.slice(17, 1) != expected
    rule = (
        pl.when(length != 18)
        .then(pl.lit("length"))
        .when(charset_bad)
        .then(pl.lit("charset"))
        .when(registry_bad)
        .then(pl.lit("registry"))
        .when(region_bad)
        .then(pl.lit("region"))
        .when(check_bad)
        .then(pl.lit("check_digit"))
        .otherwise(None)
    )
    message = (
        pl.when(length != 18)
        .then(pl.format("统一社会信用代码应为 18 位，实际为 {} 位。", length))
        .when(charset_bad)
        .then(pl.lit("统一社会信用代码含有不允许的字符（只用数字和除 I、O、Z、S、V 外的大写字母）。"))
        .when(registry_bad)
        .then(pl.format("统一社会信用代码第 1 位登记管理部门码“{}”无效。", expr.str.slice(0, 1)))
        .when(region_bad)
        .then(pl.lit("统一社会信用代码第 3–8 位应为数字行政区划码。"))
        .when(check_bad)
        .then(
            pl.format("统一社会信用代码校验位错误：应为“{}”，实际为“{}”。", expected, expr.str.slice(17, 1))
        )
        .otherwise(None)
    )
    return rule, message


def resident_id_rule(expr: pl.Expr, today: date) -> tuple[pl.Expr, pl.Expr]:
    total = pl.sum_horizontal(
        [
            expr.str.slice(i, 1).cast(pl.Int64, strict=False).fill_null(0) * w
            for i, w in enumerate(_ID_WEIGHTS)
        ]
    )
    expected = (total % 11).replace_strict(
        dict(enumerate("10X98765432")), default="?", return_dtype=pl.String
    )
    length = expr.str.len_chars()
    charset_bad = ~expr.str.contains(r"^\d{17}[\dX]$")
    birth = expr.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    birth_bad = birth.is_null() | (birth > pl.lit(today)) | (birth.dt.year() < 1880)
    check_bad = expr.str.slice(17, 1) != expected
    rule = (
        pl.when(length != 18)
        .then(pl.lit("length"))
        .when(charset_bad)
        .then(pl.lit("charset"))
        .when(birth_bad)
        .then(pl.lit("birth_date"))
        .when(check_bad)
        .then(pl.lit("check_digit"))
        .otherwise(None)
    )
    message = (
        pl.when(length != 18)
        .then(pl.format("身份证号码应为 18 位，实际为 {} 位。", length))
        .when(charset_bad)
        .then(pl.lit("身份证号码前 17 位须为数字，最后一位为数字或 X。"))
        .when(birth_bad)
        .then(
            pl.format(
                "身份证号码中的出生日期 {} 不存在或不合理（晚于今天或早于 1880 年）。", expr.str.slice(6, 8)
            )
        )
        .when(check_bad)
        .then(pl.format("身份证号码校验位错误：应为“{}”，实际为“{}”。", expected, expr.str.slice(17, 1)))
        .otherwise(None)
    )
    return rule, message


# --- the rule set -----------------------------------------------------------------------------
#
# ``validate`` normalises the frame (``_normalise``), then asks each named rule function below for
# its checks, in the order the errors of one row are reported (lengths first: a 5,000-character
# 文书号 should be named as such, not as something else). Every check is a (field, rule,
# condition, message) over the whole frame; ``importing.pipeline.collect_errors`` evaluates them.


@dataclass
class Rules:
    """The checks of one validation: ``add`` one, ``required`` for a missing value."""

    df: pl.DataFrame
    ctx: Context
    checks: list[Check] = field(default_factory=list)

    def __post_init__(self) -> None:
        specs = FIELDS[self.ctx.record_type]
        self.specs = specs
        self.code_of = {s.attr: s.code for s in specs}
        self.label_of = {s.attr: s.label for s in specs}
        self.date_attrs = {s.attr for s in specs if s.kind == "date"}
        self.p = "XK" if self.ctx.record_type == LICENSE else "CF"

    def add(self, code: str, rule: str, cond: pl.Expr, message) -> None:
        msg = message if isinstance(message, pl.Expr) else pl.lit(message)
        self.checks.append((code, rule, cond, msg))

    def required(self, attr: str, cond: pl.Expr | None = None, why: str = "") -> None:
        missing = (
            pl.col(attr).cast(pl.String).fill_null("") == ""
            if attr not in self.date_attrs
            else pl.col(f"_raw_{attr}") == ""
        )
        self.add(
            self.code_of[attr],
            "required",
            missing if cond is None else (missing & cond),
            f"{self.label_of[attr]}（{self.code_of[attr]}）不能为空{why}。",
        )

    def cell(self, code: str) -> pl.Expr:
        """The cell as given (before normalisation)."""
        return _col(self.df, code)


_IS_LEGAL = pl.col("subject_kind") == SubjectKind.LEGAL.value
_IS_NATURAL = pl.col("subject_kind") == SubjectKind.NATURAL.value
_IS_BUSINESS = pl.col("subject_kind") == SubjectKind.INDIVIDUAL_BUSINESS.value
_PLACEHOLDER = pl.col("uscc").is_in(["", INDIVIDUAL_BUSINESS_PLACEHOLDER])


def length_rules(r: Rules) -> None:
    """Text no longer than the standard's length of the field."""
    for spec in r.specs:
        if spec.kind == "text" and spec.code in r.df.columns:
            held = r.df.schema[spec.code]
            n = (
                pl.col(spec.code).cat.len_chars()
                if held == pl.Categorical
                else r.cell(spec.code).str.len_chars()
            )
            r.add(
                spec.code,
                "max_length",
                n > spec.max_length,
                pl.format(f"{spec.label}（{spec.code}）不能超过 {spec.max_length} 个字符，实际 {{}} 个。", n),
            )


def subject_rules(r: Rules) -> None:
    """Name, 文书号, decision date and 相对人类别 present; the kind one of the three."""
    code = r.code_of["subject_kind"]
    r.required("subject_name")
    r.required("doc_no")
    r.required("decision_date")
    r.add(
        code,
        "required",
        pl.col("subject_kind") == "",
        f"行政相对人类别（{code}）不能为空，应为法人及非法人组织、自然人或个体工商户。",
    )
    r.add(
        code,
        "choice",
        pl.col("subject_kind") == "?",
        pl.format(
            f"行政相对人类别（{code}）“{{}}”无效，应为法人及非法人组织、自然人或个体工商户。",
            r.cell(f"{r.p}_XDR_LB"),
        ),
    )


def identifier_rules(r: Rules) -> None:
    """The identifiers 相对人类别 requires: USCC for organisations (or a legacy 组织机构代码/工商注册号),
    the operator's ID for a 个体工商户 without one, a document for natural persons; each checked."""
    code_of = r.code_of
    has_legacy_code = (pl.col("_org_code") != "") | (pl.col("_reg_no") != "")
    r.add(
        code_of["uscc"],
        "required",
        _IS_LEGAL & (pl.col("uscc") == "") & ~has_legacy_code,
        f"法人及非法人组织的统一社会信用代码（{code_of['uscc']}）不能为空。",
    )
    r.required("legal_rep", _IS_LEGAL, "（法人及非法人组织必填）")
    r.add(
        code_of["id_number"],
        "required",
        _IS_BUSINESS & _PLACEHOLDER & (pl.col("id_number") == ""),
        f"个体工商户没有统一社会信用代码时，证件号码（{code_of['id_number']}）必须填写经营者身份证号码。",
    )
    r.add(
        code_of["uscc"],
        "forbidden",
        _IS_NATURAL & (pl.col("uscc") != ""),
        f"自然人不填写统一社会信用代码（{code_of['uscc']}），请填写证件类型和证件号码。",
    )
    r.required("id_type", _IS_NATURAL, "（自然人必填）")
    r.required("id_number", _IS_NATURAL, "（自然人必填）")
    r.add(
        code_of["id_type"],
        "choice",
        pl.col("id_type") == "?",
        pl.format(
            f"证件类型（{code_of['id_type']}）“{{}}”无效，应为身份证、护照号、港澳居民来往内地通行证、"
            "台湾居民来往大陆通行证或外国人永久居留身份证。",
            r.cell(f"{r.p}_XDR_ZJLX"),
        ),
    )
    _u_rule, u_msg = uscc_rule(pl.col("uscc"))
    r.add(
        code_of["uscc"],
        "@_uscc_rule",
        (_IS_LEGAL | _IS_BUSINESS) & ~_PLACEHOLDER & pl.col("_uscc_rule").is_not_null(),
        u_msg,
    )
    person_id_needed = (
        _IS_NATURAL & ((pl.col("id_type") == IdType.RESIDENT_ID) | (pl.col("id_type") == ""))
    ) | (_IS_BUSINESS & _PLACEHOLDER)
    _r_rule, r_msg = resident_id_rule(pl.col("id_number"), r.ctx.today)
    r.add(
        code_of["id_number"],
        "@_rid_rule",
        person_id_needed & (pl.col("id_number") != "") & pl.col("_rid_rule").is_not_null(),
        r_msg,
    )
    for id_t, (pattern, rule_text) in _DOC_PATTERNS.items():
        r.add(
            code_of["id_number"],
            "format",
            _IS_NATURAL
            & (pl.col("id_type") == id_t)
            & (pl.col("id_number") != "")
            & ~pl.col("id_number").str.contains(pattern),
            f"{IdType.LABELS[id_t]}号码格式错误：应为{rule_text}。",
        )


def date_rules(r: Rules) -> None:
    """Dates real, the decision not in the future nor before 1949."""
    code_of, label_of, today = r.code_of, r.label_of, r.ctx.today
    for attr in r.date_attrs:
        if attr == "public_until":
            continue
        r.add(
            code_of[attr],
            "date",
            (pl.col(f"_raw_{attr}") != "") & pl.col(attr).is_null(),
            pl.format(
                f"{label_of[attr]}（{code_of[attr]}）“{{}}”不是有效日期，应为 YYYY-MM-DD。",
                pl.col(f"_raw_{attr}"),
            ),
        )
    r.add(
        code_of["decision_date"],
        "not_future",
        pl.col("decision_date") > pl.lit(today),
        pl.format(
            f"{label_of['decision_date']}（{code_of['decision_date']}）{{}} 晚于今天（{today}）。",
            pl.col("decision_date"),
        ),
    )
    r.add(
        code_of["decision_date"],
        "range",
        pl.col("decision_date").dt.year() < 1949,
        f"{label_of['decision_date']}（{code_of['decision_date']}）早于 1949 年，请核对。",
    )


def organ_status_rules(r: Rules) -> None:
    """Decision organ = the importing department or one it may act for; 当前状态 1 or 2, a
    withdrawal (2) with its reason in 备注."""
    code_of = r.code_of
    r.add(
        code_of["organ_code"],
        "organ",
        pl.col("department_id").is_null(),
        pl.format(
            f"决定机关统一社会信用代码（{code_of['organ_code']}）“{{}}”不是“{r.ctx.department.name}”"
            "或其可代为报送的部门。",
            pl.col("organ_code"),
        ),
    )
    r.add(
        code_of["status_code"],
        "choice",
        pl.col("status_code") == "?",
        pl.format(
            f"当前状态（{code_of['status_code']}）“{{}}”无效，应为 1（有效）或 2（无效/撤销）。",
            r.cell(f"{r.p}_ZT"),
        ),
    )
    r.add(
        "BZ",
        "withdraw_reason",
        (pl.col("status_code") == "2") & (pl.col("remark") == ""),
        "当前状态为 2（无效/撤销）时，必须在备注（BZ）中写明撤销原因。",
    )


def license_rules(r: Rules) -> None:
    """行政许可: document, category from the national list, content, validity in order."""
    for attr in ("doc_name", "category", "content", "valid_from"):
        r.required(attr)
    r.add(
        "XK_XKLB",
        "choice",
        (pl.col("category") != "") & ~pl.col("category").is_in(LICENSE_CATEGORIES),
        pl.format(
            "许可类别（XK_XKLB）“{}”不在国家标准目录中，应为：" + "、".join(LICENSE_CATEGORIES) + "。",
            pl.col("category"),
        ),
    )
    r.add(
        "XK_YXQZI",
        "order",
        pl.col("valid_to") < pl.col("valid_from"),
        pl.format(
            "有效期至（XK_YXQZI）{} 早于有效期自（XK_YXQZ）{}。", pl.col("valid_to"), pl.col("valid_from")
        ),
    )


def penalty_rules(r: Rules) -> None:
    """行政处罚: facts and basis, categories from the national list (``_cats``), amounts in 万元
    where the category needs them, 有效期 after the decision, a stated tier one of the three."""
    label_of = r.label_of
    for attr in ("violation_type", "facts", "basis", "categories", "content"):
        r.required(attr)
    bad_cat = (
        pl.col("_cats").list.eval(pl.element().filter(~pl.element().is_in(PENALTY_CATEGORIES))).list.first()
    )
    r.add(
        "CF_CFLB",
        "choice",
        bad_cat.is_not_null(),
        pl.format(
            "处罚类别（CF_CFLB）“{}”不在国家标准目录中，应为：" + "、".join(PENALTY_CATEGORIES) + "。",
            bad_cat,
        ),
    )
    for attr, code in (("fine", "CF_NR_FK"), ("confiscation", "CF_NR_WFFF")):
        val = pl.col(attr)
        negative = val.str.starts_with("-") & val.str.slice(1).str.contains(_AMOUNT_RE)
        r.add(code, "non_negative", negative, f"{label_of[attr]}（{code}）不能为负数。")
        r.add(
            code,
            "number",
            (val != "") & ~val.str.contains(_AMOUNT_RE) & ~negative,
            pl.format(f"{label_of[attr]}（{code}）“{{}}”不是数字：以万元为单位，最多 6 位小数。", val),
        )
    has = pl.col("_cats").list.contains
    r.add(
        "CF_NR_FK",
        "required",
        has("罚款") & (pl.col("fine") == ""),
        "处罚类别含“罚款”时，罚款金额（CF_NR_FK，万元）不能为空。",
    )
    r.add(
        "CF_NR_WFFF",
        "required",
        (has("没收违法所得") | has("没收非法财物")) & (pl.col("confiscation") == ""),
        "处罚类别含“没收违法所得/没收非法财物”时，没收金额（CF_NR_WFFF，万元）不能为空。",
    )
    r.add(
        "CF_NR_ZKDX",
        "required",
        (has("暂扣许可证件") | has("吊销许可证件")) & (pl.col("licence_affected") == ""),
        "处罚类别含“暂扣/吊销许可证件”时，暂扣或吊销证照名称及编号（CF_NR_ZKDX）不能为空。",
    )
    r.add(
        "CF_YXQ",
        "order",
        pl.col("valid_until") < pl.col("decision_date"),
        pl.format(
            "处罚有效期（CF_YXQ）{} 早于处罚决定日期 {}。", pl.col("valid_until"), pl.col("decision_date")
        ),
    )
    r.add(
        "CF_SXCD",
        "choice",
        (pl.col("tier") != "") & ~pl.col("tier").is_in(list(rules.TIER_BY_LABEL)),
        pl.format("失信严重程度（CF_SXCD）“{}”无效，应为轻微、一般或严重。", pl.col("tier")),
    )


def duplicate_rules(r: Rules) -> None:
    """Duplicate 文书号 inside the file: the first occurrence stands, later ones are refused
    (``_first_row`` is materialised: the message pass sees only the bad rows, where a window
    would differ)."""
    code, label = r.code_of["doc_no"], r.label_of["doc_no"]
    r.add(
        code,
        "duplicate_in_file",
        (pl.col("doc_no") != "") & (pl.col("_row") != pl.col("_first_row")),
        pl.format(f"{label}（{code}）“{{}}”与本文件第 {{}} 行重复。", pl.col("doc_no"), pl.col("_first_row")),
    )


COMMON_RULES = (length_rules, subject_rules, identifier_rules, date_rules, organ_status_rules)
TYPE_RULES = {LICENSE: (license_rules,), PENALTY: (penalty_rules,)}


def validate(frame: pl.DataFrame, ctx: Context) -> Result:
    """``frame``: ``_row`` + columns named by standard code (strings). Pure: no database access
    beyond the context built beforehand."""
    df = _normalise(frame, ctx)
    r = Rules(df=df, ctx=ctx)
    for rule in (*COMMON_RULES, *TYPE_RULES[ctx.record_type], duplicate_rules):
        rule(r)
    errors, error_count, rejected = collect_errors(df, r.checks)
    # Only the columns the writers read go on (and ``_cats`` for ``_finish``): the cells as given
    # (CF_…/XK_…), the dates' raw text and the rules' helper columns are about half of the frame;
    # kept, they would be gathered by the filter and held until the import commits.
    written = _written_columns(ctx.record_type)
    valid = df.select(c for c in [*written, "_cats"] if c in df.columns)
    del df, r
    if rejected:
        valid = valid.filter(~pl.col("_row").is_in(list(rejected)))
    valid = _finish(valid, ctx)
    return Result(
        valid=valid.select(c for c in written if c in valid.columns),
        errors=errors,
        error_count=error_count,
        rejected_rows=rejected,
        total_rows=frame.height,
    )


def _normalise(frame: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """The frame with model-valued columns beside the cells as given: legacy (2016) columns mapped
    onto the current ones, subject kind/identifiers/organ/status normalised (``"?"`` = not one of
    the choices), dates parsed (``_raw_<attr>`` keeps the text), the owning ``department_id``, and
    the helper columns the rules read (``_uscc_rule``, ``_rid_rule``, ``_cats``, ``_first_row``)."""
    rt = ctx.record_type
    p = "XK" if rt == LICENSE else "CF"
    specs = FIELDS[rt]
    # Cells arrive stripped (common.tabular's readers, ``frame_from_records``): stripping a
    # million-row frame again cost ~0.6 s. Vocabulary columns are ``Categorical`` whatever the input
    # (a file's reader encodes them already, a form's one row is encoded here): the rules read them
    # through ``_col`` (decoded per expression), the written values keep the encoding.
    vocabulary = {s.code for s in specs if s.vocabulary}
    df = frame.with_columns(
        pl.col(c).cast(pl.Categorical if c in vocabulary else pl.String).fill_null("")
        for c in frame.columns
        if c != "_row"
    )
    legacy_present = [
        c for c in (LEGACY_ID_CARD[rt], *LEGACY_CATEGORY_PARTS[rt], *LEGACY_KEPT[rt]) if c in df.columns
    ]
    is_legacy = bool(legacy_present)

    # Legacy (2016) columns onto the current ones.
    id_card = LEGACY_ID_CARD[rt]
    if id_card in df.columns:
        has_card = (pl.col(id_card) != "") & (_col(df, f"{p}_XDR_ZJHM") == "")
        df = df.with_columns(
            pl.when(has_card)
            .then(pl.col(id_card))
            .otherwise(_col(df, f"{p}_XDR_ZJHM"))
            .alias(f"{p}_XDR_ZJHM"),
            pl.when(has_card)
            .then(pl.lit("身份证"))
            .otherwise(_col(df, f"{p}_XDR_ZJLX"))
            .alias(f"{p}_XDR_ZJLX"),
        )
    parts = [c for c in LEGACY_CATEGORY_PARTS[rt] if c in df.columns]
    if parts:
        joined = pl.concat_str([pl.col(c) for c in parts], separator=";").str.strip_chars(";")
        df = df.with_columns(
            pl.when(_col(df, f"{p}_CFLB") == "")
            .then(joined)
            .otherwise(_col(df, f"{p}_CFLB"))
            .alias(f"{p}_CFLB")
        )
    kept = [c for c in LEGACY_KEPT[rt] if c in df.columns]
    legacy_json = (
        pl.struct([pl.col(c) for c in kept]).struct.json_encode() if kept else pl.lit("{}", dtype=pl.String)
    )
    org_code_col = f"{p}_XDR_ZDM"
    reg_no_col = f"{p}_XDR_GSDJ"

    def text(code: str) -> pl.Expr:
        return _col(df, code)

    kind_raw = _kept(df, f"{p}_XDR_LB")
    uscc = text(f"{p}_XDR_SHXYM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    id_number = text(f"{p}_XDR_ZJHM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    id_type_raw = _kept(df, f"{p}_XDR_ZJLX")
    inferred_kind = (
        pl.when((uscc != "") | (_col(df, org_code_col) != "") | (_col(df, reg_no_col) != ""))
        .then(pl.lit(SubjectKind.LEGAL.value))
        .when(id_number != "")
        .then(pl.lit(SubjectKind.NATURAL.value))
        .otherwise(pl.lit(""))
    )
    kind = kind_raw.replace_strict(
        {k: str(v) for k, v in SUBJECT_KIND_BY_LABEL.items()}, default="?", return_dtype=pl.String
    )
    if is_legacy:
        kind = pl.when(kind_raw == "").then(inferred_kind).otherwise(kind)
    else:
        kind = pl.when(kind_raw == "").then(pl.lit("")).otherwise(kind)
    id_labels = {label: code for label, code in IdType.BY_LABEL.items() if code in IdType.PERSONAL}
    id_labels |= {code: code for code in IdType.PERSONAL}
    id_type = (
        pl.when(id_type_raw == "")
        .then(pl.lit(""))
        .otherwise(id_type_raw.replace_strict(id_labels, default="?", return_dtype=pl.String))
    )

    organ_code = _per_value(
        df, f"{p}_{'XKJGDM' if rt == LICENSE else 'CFJGDM'}", lambda t: t.str.to_uppercase(), pl.String
    )
    organ_name = _kept(df, f"{p}_{'XKJG' if rt == LICENSE else 'CFJG'}")
    status_raw = _kept(df, f"{p}_ZT")
    df = df.with_columns(
        kind.cast(pl.Categorical).alias("subject_kind"),
        uscc.alias("uscc"),
        id_number.alias("id_number"),
        id_type.cast(pl.Categorical).alias("id_type"),
        pl.when(organ_code == "")
        .then(pl.lit(ctx.department.uscc or ""))
        .otherwise(organ_code)
        .cast(pl.Categorical)
        .alias("organ_code"),
        pl.when(organ_name == "")
        .then(pl.lit(ctx.department.name))
        .otherwise(organ_name)
        .cast(pl.Categorical)
        .alias("organ_name"),
        pl.when(status_raw == "")
        .then(pl.lit("1"))
        .otherwise(status_raw.replace_strict(STATUS_CODES, default="?", return_dtype=pl.String))
        .cast(pl.Categorical)
        .alias("status_code"),
        legacy_json.cast(pl.Categorical).alias("legacy"),
        _col(df, org_code_col).str.to_uppercase().cast(pl.Categorical).alias("_org_code"),
        _kept(df, reg_no_col).cast(pl.Categorical).alias("_reg_no"),
    )
    values: list[pl.Expr] = []  # one with_columns: polars evaluates the columns in parallel
    for spec in specs:
        if spec.attr in {
            "subject_kind",
            "uscc",
            "id_number",
            "id_type",
            "organ_code",
            "organ_name",
            "status_code",
        }:
            continue
        if spec.kind == "date":
            values += [
                _per_value(df, spec.code, _date_expr, pl.Date).alias(spec.attr),
                _kept(df, spec.code).alias(f"_raw_{spec.attr}"),
            ]
        elif spec.kind == "decimal":
            values.append(
                _per_value(df, spec.code, lambda t: t.str.replace_all(r"[,，\s]", ""), pl.String).alias(
                    spec.attr
                )
            )
        else:
            values.append(_kept(df, spec.code).alias(spec.attr))
    df = df.with_columns(values)
    df = df.with_columns(
        pl.col("organ_code")
        .replace_strict(ctx.organs, default=None, return_dtype=pl.Int64)
        .alias("department_id")
    )
    # The check digits per slice of rows: each rule sums 17–18 weighted character columns, and over
    # a whole million-row file those intermediate columns held ~170 MB at once.
    check_digits = pl.concat(
        df.slice(start, _RULE_SLICE).select(
            uscc_rule(pl.col("uscc"))[0].cast(pl.Categorical).alias("_uscc_rule"),
            resident_id_rule(pl.col("id_number"), ctx.today)[0].cast(pl.Categorical).alias("_rid_rule"),
        )
        for start in range(0, max(df.height, 1), _RULE_SLICE)
    ).rechunk()
    # The first row of each 文书号 (the duplicate rule's message): a window over a million distinct
    # keys cost ~170 MB (a uniqueness test of the (department, 文书号) pairs ~220 MB), so it runs only
    # when two 文书号 share a hash; otherwise every 文书号 is unique and each row is its own first row.
    key = ["department_id", "doc_no"]
    duplicated = df.height > 1 and not df.select(pl.col("doc_no").hash().is_unique().all()).item()
    df = df.with_columns(
        *check_digits.get_columns(),
        (pl.col("_row").min().over(key) if duplicated else pl.col("_row")).alias("_first_row"),
    )
    if rt == PENALTY:
        df = df.with_columns(
            _per_value(
                df,
                "categories",
                lambda t: (
                    t.str.replace_all(CATEGORY_SEPARATORS, ";")
                    .str.split(";")
                    .list.eval(pl.element().str.strip_chars())
                    .list.eval(pl.element().filter(pl.element() != ""))
                    .list.unique(maintain_order=True)
                    .list.eval(pl.element().cast(pl.Categorical))
                ),
                pl.List(pl.Categorical),
            ).alias("_cats")
        )
    return df


def _written_columns(record_type: str) -> list[str]:
    """What the subjects' resolution and the importer read from a validated row."""
    attrs = [s.attr for s in FIELDS[record_type]]
    extra = ["legacy", "department_id", "subject_identifier", "_org_code", "_reg_no", "public_until"]
    if record_type == PENALTY:
        extra.append("repairable_from")
    return list(dict.fromkeys(["_row", *attrs, *extra]))


def _finish(df: pl.DataFrame, ctx: Context) -> pl.DataFrame:
    """Derived values of valid rows: subject identifier, tier, CF_GSJZQ, repair date."""
    is_business_placeholder = (pl.col("subject_kind") == SubjectKind.INDIVIDUAL_BUSINESS.value) & pl.col(
        "uscc"
    ).is_in(["", INDIVIDUAL_BUSINESS_PLACEHOLDER])
    df = df.with_columns(
        pl.when(pl.col("subject_kind") == SubjectKind.NATURAL.value)
        .then(pl.col("id_number"))
        .when(is_business_placeholder)
        .then(pl.lit(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":") + pl.col("id_number"))
        .otherwise(pl.col("uscc"))
        .alias("subject_identifier"),
        pl.when(pl.col("subject_kind") == SubjectKind.NATURAL.value)
        .then(pl.when(pl.col("id_type") == "").then(pl.lit(IdType.RESIDENT_ID)).otherwise(pl.col("id_type")))
        .otherwise(pl.lit(""))
        .alias("id_type"),
        pl.when(is_business_placeholder).then(pl.lit("")).otherwise(pl.col("uscc")).alias("uscc"),
    )
    if ctx.record_type == PENALTY:
        df = df.with_columns(
            rules.penalty_tier_expr(
                pl.col("tier"), pl.col("_cats"), pl.col("fine"), pl.col("confiscation")
            ).alias("tier"),
            pl.col("_cats")
            .list.eval(pl.element().cast(pl.String))
            .list.join(";")
            .cast(pl.Categorical)
            .alias("categories"),
        )
        public_until, repairable_from = rules.penalty_window_exprs(pl.col("decision_date"), pl.col("tier"))
        df = df.with_columns(public_until.alias("public_until"), repairable_from.alias("repairable_from"))
    else:
        df = df.with_columns(
            rules.license_public_until_expr(pl.col("decision_date"), pl.col("valid_to")).alias("public_until")
        )
    return df


def legacy_dict(value: str) -> dict:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if v}
