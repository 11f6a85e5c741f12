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
import re
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import delegated_departments
from jointcredit.common.errors import ValidationFailed
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
from .models import PenaltyTier

ERROR_CAP = 10_000
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_DOC_PATTERNS = {
    IdType.PASSPORT: (_PASSPORT_RE.pattern, "5–17 位字母或数字"),
    IdType.HK_MACAU: (_HK_MACAU_RE.pattern, "H 或 M 开头加 8 位或 10 位数字"),
    IdType.TAIWAN: (_TAIWAN_RE.pattern, "8 位或 10 位数字"),
    IdType.FOREIGN_PR: (_FOREIGN_PR_RE.pattern, "3 位字母加 12 位数字，或 9 开头的 18 位"),
}
_AMOUNT_RE = r"^\d{1,14}(\.\d{1,6})?$"


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
    return pl.col(code) if code in df.columns else pl.lit("", dtype=pl.String)


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


def validate(frame: pl.DataFrame, ctx: Context) -> Result:
    """``frame``: ``_row`` + columns named by standard code (strings). Pure: no database access
    beyond the context built beforehand."""
    rt = ctx.record_type
    p = "XK" if rt == LICENSE else "CF"
    specs = FIELDS[rt]
    total_rows = frame.height
    # Cells arrive stripped (common.tabular's readers, ``frame_from_records``): stripping a
    # million-row frame again cost ~0.6 s.
    df = frame.with_columns(pl.col(c).cast(pl.String).fill_null("") for c in frame.columns if c != "_row")
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

    kind_raw = text(f"{p}_XDR_LB")
    uscc = text(f"{p}_XDR_SHXYM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    id_number = text(f"{p}_XDR_ZJHM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    id_type_raw = text(f"{p}_XDR_ZJLX")
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

    organ_code = text(f"{p}_{'XKJGDM' if rt == LICENSE else 'CFJGDM'}").str.to_uppercase()
    organ_name = text(f"{p}_{'XKJG' if rt == LICENSE else 'CFJG'}")
    status_raw = text(f"{p}_ZT")
    df = df.with_columns(
        kind.alias("subject_kind"),
        uscc.alias("uscc"),
        id_number.alias("id_number"),
        id_type.alias("id_type"),
        pl.when(organ_code == "")
        .then(pl.lit(ctx.department.uscc or ""))
        .otherwise(organ_code)
        .alias("organ_code"),
        pl.when(organ_name == "").then(pl.lit(ctx.department.name)).otherwise(organ_name).alias("organ_name"),
        pl.when(status_raw == "")
        .then(pl.lit("1"))
        .otherwise(status_raw.replace_strict(STATUS_CODES, default="?", return_dtype=pl.String))
        .alias("status_code"),
        legacy_json.alias("legacy"),
        _col(df, org_code_col).str.to_uppercase().alias("_org_code"),
        _col(df, reg_no_col).alias("_reg_no"),
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
                _date_expr(text(spec.code)).alias(spec.attr),
                text(spec.code).alias(f"_raw_{spec.attr}"),
            ]
        elif spec.kind == "decimal":
            values.append(text(spec.code).str.replace_all(r"[,，\s]", "").alias(spec.attr))
        else:
            values.append(text(spec.code).alias(spec.attr))
    df = df.with_columns(values)
    df = df.with_columns(
        pl.col("organ_code")
        .replace_strict(ctx.organs, default=None, return_dtype=pl.Int64)
        .alias("department_id")
    )

    checks: list[tuple[str, str, pl.Expr, pl.Expr]] = []  # (field, rule, condition, message)

    def add(code: str, rule: str, cond: pl.Expr, message) -> None:
        msg = message if isinstance(message, pl.Expr) else pl.lit(message)
        checks.append((code, rule, cond, msg))

    code_of = {s.attr: s.code for s in specs}
    label_of = {s.attr: s.label for s in specs}
    is_legal = pl.col("subject_kind") == SubjectKind.LEGAL.value
    is_natural = pl.col("subject_kind") == SubjectKind.NATURAL.value
    is_business = pl.col("subject_kind") == SubjectKind.INDIVIDUAL_BUSINESS.value

    # Lengths first: a 5,000-character 文书号 should be named as such, not as something else.
    for spec in specs:
        if spec.kind == "text" and spec.code in df.columns:
            n = text(spec.code).str.len_chars()
            add(
                spec.code,
                "max_length",
                n > spec.max_length,
                pl.format(f"{spec.label}（{spec.code}）不能超过 {spec.max_length} 个字符，实际 {{}} 个。", n),
            )

    def required(attr: str, cond: pl.Expr | None = None, why: str = "") -> None:
        missing = (
            pl.col(attr).cast(pl.String).fill_null("") == ""
            if attr not in date_attrs
            else pl.col(f"_raw_{attr}") == ""
        )
        add(
            code_of[attr],
            "required",
            missing if cond is None else (missing & cond),
            f"{label_of[attr]}（{code_of[attr]}）不能为空{why}。",
        )

    date_attrs = {s.attr for s in specs if s.kind == "date"}
    required("subject_name")
    required("doc_no")
    required("decision_date")
    add(
        code_of["subject_kind"],
        "required",
        pl.col("subject_kind") == "",
        f"行政相对人类别（{code_of['subject_kind']}）不能为空，应为法人及非法人组织、自然人或个体工商户。",
    )
    add(
        code_of["subject_kind"],
        "choice",
        pl.col("subject_kind") == "?",
        pl.format(
            f"行政相对人类别（{code_of['subject_kind']}）“{{}}”无效，应为法人及非法人组织、自然人或个体工商户。",
            kind_raw,
        ),
    )

    # Identifiers by 相对人类别.
    has_legacy_code = (pl.col("_org_code") != "") | (pl.col("_reg_no") != "")
    add(
        code_of["uscc"],
        "required",
        is_legal & (pl.col("uscc") == "") & ~has_legacy_code,
        f"法人及非法人组织的统一社会信用代码（{code_of['uscc']}）不能为空。",
    )
    required("legal_rep", is_legal, "（法人及非法人组织必填）")
    placeholder = pl.col("uscc").is_in(["", INDIVIDUAL_BUSINESS_PLACEHOLDER])
    add(
        code_of["id_number"],
        "required",
        is_business & placeholder & (pl.col("id_number") == ""),
        f"个体工商户没有统一社会信用代码时，证件号码（{code_of['id_number']}）必须填写经营者身份证号码。",
    )
    add(
        code_of["uscc"],
        "forbidden",
        is_natural & (pl.col("uscc") != ""),
        f"自然人不填写统一社会信用代码（{code_of['uscc']}），请填写证件类型和证件号码。",
    )
    required("id_type", is_natural, "（自然人必填）")
    required("id_number", is_natural, "（自然人必填）")
    add(
        code_of["id_type"],
        "choice",
        pl.col("id_type") == "?",
        pl.format(
            f"证件类型（{code_of['id_type']}）“{{}}”无效，应为身份证、护照号、港澳居民来往内地通行证、"
            "台湾居民来往大陆通行证或外国人永久居留身份证。",
            id_type_raw,
        ),
    )
    check_uscc = (is_legal | is_business) & ~placeholder
    u_rule, u_msg = uscc_rule(pl.col("uscc"))
    df = df.with_columns(u_rule.alias("_uscc_rule"))
    add(code_of["uscc"], "@_uscc_rule", check_uscc & pl.col("_uscc_rule").is_not_null(), u_msg)
    person_id_needed = (
        is_natural & ((pl.col("id_type") == IdType.RESIDENT_ID) | (pl.col("id_type") == ""))
    ) | (is_business & placeholder)
    r_rule, r_msg = resident_id_rule(pl.col("id_number"), ctx.today)
    df = df.with_columns(r_rule.alias("_rid_rule"))
    add(
        code_of["id_number"],
        "@_rid_rule",
        person_id_needed & (pl.col("id_number") != "") & pl.col("_rid_rule").is_not_null(),
        r_msg,
    )
    for id_t, (pattern, rule_text) in _DOC_PATTERNS.items():
        add(
            code_of["id_number"],
            "format",
            is_natural
            & (pl.col("id_type") == id_t)
            & (pl.col("id_number") != "")
            & ~pl.col("id_number").str.contains(pattern),
            f"{IdType.LABELS[id_t]}号码格式错误：应为{rule_text}。",
        )

    # Dates: real, not in the future, in order.
    for attr in date_attrs:
        if attr == "public_until":
            continue
        add(
            code_of[attr],
            "date",
            (pl.col(f"_raw_{attr}") != "") & pl.col(attr).is_null(),
            pl.format(
                f"{label_of[attr]}（{code_of[attr]}）“{{}}”不是有效日期，应为 YYYY-MM-DD。",
                pl.col(f"_raw_{attr}"),
            ),
        )
    add(
        code_of["decision_date"],
        "not_future",
        pl.col("decision_date") > pl.lit(ctx.today),
        pl.format(
            f"{label_of['decision_date']}（{code_of['decision_date']}）{{}} 晚于今天（{ctx.today}）。",
            pl.col("decision_date"),
        ),
    )
    add(
        code_of["decision_date"],
        "range",
        pl.col("decision_date").dt.year() < 1949,
        f"{label_of['decision_date']}（{code_of['decision_date']}）早于 1949 年，请核对。",
    )

    # Decision organ = importing department or one it may act for.
    add(
        code_of["organ_code"],
        "organ",
        pl.col("department_id").is_null(),
        pl.format(
            f"决定机关统一社会信用代码（{code_of['organ_code']}）“{{}}”不是“{ctx.department.name}”"
            "或其可代为报送的部门。",
            pl.col("organ_code"),
        ),
    )
    add(
        code_of["status_code"],
        "choice",
        pl.col("status_code") == "?",
        pl.format(
            f"当前状态（{code_of['status_code']}）“{{}}”无效，应为 1（有效）或 2（无效/撤销）。", status_raw
        ),
    )
    add(
        "BZ",
        "withdraw_reason",
        (pl.col("status_code") == "2") & (pl.col("remark") == ""),
        "当前状态为 2（无效/撤销）时，必须在备注（BZ）中写明撤销原因。",
    )

    if rt == LICENSE:
        required("doc_name")
        required("category")
        required("content")
        required("valid_from")
        add(
            "XK_XKLB",
            "choice",
            (pl.col("category") != "") & ~pl.col("category").is_in(LICENSE_CATEGORIES),
            pl.format(
                "许可类别（XK_XKLB）“{}”不在国家标准目录中，应为：" + "、".join(LICENSE_CATEGORIES) + "。",
                pl.col("category"),
            ),
        )
        add(
            "XK_YXQZI",
            "order",
            pl.col("valid_to") < pl.col("valid_from"),
            pl.format(
                "有效期至（XK_YXQZI）{} 早于有效期自（XK_YXQZ）{}。", pl.col("valid_to"), pl.col("valid_from")
            ),
        )
    else:
        for attr in ("violation_type", "facts", "basis", "categories", "content"):
            required(attr)
        cats = (
            pl.col("categories")
            .str.replace_all(CATEGORY_SEPARATORS, ";")
            .str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.eval(pl.element().filter(pl.element() != ""))
            .list.unique(maintain_order=True)
        )
        df = df.with_columns(cats.alias("_cats"))
        bad_cat = (
            pl.col("_cats")
            .list.eval(pl.element().filter(~pl.element().is_in(PENALTY_CATEGORIES)))
            .list.first()
        )
        add(
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
            add(
                code,
                "non_negative",
                val.str.starts_with("-") & val.str.slice(1).str.contains(_AMOUNT_RE),
                f"{label_of[attr]}（{code}）不能为负数。",
            )
            add(
                code,
                "number",
                (val != "")
                & ~val.str.contains(_AMOUNT_RE)
                & ~(val.str.starts_with("-") & val.str.slice(1).str.contains(_AMOUNT_RE)),
                pl.format(f"{label_of[attr]}（{code}）“{{}}”不是数字：以万元为单位，最多 6 位小数。", val),
            )
        has = pl.col("_cats").list.contains
        add(
            "CF_NR_FK",
            "required",
            has("罚款") & (pl.col("fine") == ""),
            "处罚类别含“罚款”时，罚款金额（CF_NR_FK，万元）不能为空。",
        )
        add(
            "CF_NR_WFFF",
            "required",
            (has("没收违法所得") | has("没收非法财物")) & (pl.col("confiscation") == ""),
            "处罚类别含“没收违法所得/没收非法财物”时，没收金额（CF_NR_WFFF，万元）不能为空。",
        )
        add(
            "CF_NR_ZKDX",
            "required",
            (has("暂扣许可证件") | has("吊销许可证件")) & (pl.col("licence_affected") == ""),
            "处罚类别含“暂扣/吊销许可证件”时，暂扣或吊销证照名称及编号（CF_NR_ZKDX）不能为空。",
        )
        add(
            "CF_YXQ",
            "order",
            pl.col("valid_until") < pl.col("decision_date"),
            pl.format(
                "处罚有效期（CF_YXQ）{} 早于处罚决定日期 {}。", pl.col("valid_until"), pl.col("decision_date")
            ),
        )
        add(
            "CF_SXCD",
            "choice",
            (pl.col("tier") != "") & ~pl.col("tier").is_in(list(rules.TIER_BY_LABEL)),
            pl.format("失信严重程度（CF_SXCD）“{}”无效，应为轻微、一般或严重。", pl.col("tier")),
        )

    # Duplicate 文书号 inside the file: the first occurrence stands, later ones are refused.
    # Materialised: the message pass below sees only the bad rows, where a window would differ.
    df = df.with_columns(pl.col("_row").min().over(["department_id", "doc_no"]).alias("_first_row"))
    first = pl.col("_first_row")
    add(
        code_of["doc_no"],
        "duplicate_in_file",
        (pl.col("doc_no") != "") & (pl.col("_row") != first),
        pl.format(
            f"{label_of['doc_no']}（{code_of['doc_no']}）“{{}}”与本文件第 {{}} 行重复。",
            pl.col("doc_no"),
            first,
        ),
    )

    # Conditions for every row (cheap booleans); messages are formatted for the bad rows only.
    flags = df.select(
        pl.col("_row"), *[cond.fill_null(False).alias(f"_b{i}") for i, (_, _, cond, _) in enumerate(checks)]
    )
    bad_mask = pl.any_horizontal([pl.col(f"_b{i}") for i in range(len(checks))]) if checks else pl.lit(False)
    bad_rows = flags.filter(bad_mask).get_column("_row")
    errors_df = None
    if bad_rows.len():
        sub = df.filter(pl.col("_row").is_in(bad_rows.implode()))
        exprs = []
        for i, (code, rule, cond, msg) in enumerate(checks):
            rule_expr = pl.col(rule[1:]) if rule.startswith("@") else pl.lit(rule)
            exprs.append(
                pl.when(cond.fill_null(False))
                .then(
                    pl.struct(
                        pl.lit(code).alias("field"),
                        rule_expr.alias("rule"),
                        msg.alias("message"),
                        pl.lit(i).alias("order"),
                    )
                )
                .otherwise(None)
                .alias(f"_e{i}")
            )
        bad = sub.select(pl.col("_row"), *exprs)
        errors_df = (
            bad.unpivot(index="_row", on=[f"_e{i}" for i in range(len(checks))])
            .drop_nulls("value")
            .unnest("value")
            .sort(["_row", "order"])
        )
    errors: list[dict] = []
    error_count = 0
    if errors_df is not None:
        error_count = errors_df.height
        for row, fld, rule, message in (
            errors_df.head(ERROR_CAP).select("_row", "field", "rule", "message").iter_rows()
        ):
            errors.append({"row": row, "field": fld, "rule": rule, "message": f"第 {row} 行：{message}"})
    rejected = set(bad_rows.to_list())
    valid = df.filter(~pl.col("_row").is_in(list(rejected))) if rejected else df
    valid = _finish(valid, ctx)
    return Result(
        valid=valid, errors=errors, error_count=error_count, rejected_rows=rejected, total_rows=total_rows
    )


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
        cats = pl.col("_cats")
        fine = pl.col("fine").cast(pl.Float64, strict=False).fill_null(0)
        conf = pl.col("confiscation").cast(pl.Float64, strict=False).fill_null(0)
        serious = cats.list.eval(pl.element().is_in(list(rules.SERIOUS_CATEGORIES))).list.any() | (
            (fine + conf) >= rules.SERIOUS_AMOUNT_WAN
        )
        only_minor = cats.list.eval(pl.element().is_in([*rules.MINOR_CATEGORIES, "罚款"])).list.all()
        small_fine = ~cats.list.contains("罚款") | (fine < rules.MINOR_FINE_WAN)
        minor = (cats.list.len() > 0) & only_minor & small_fine & (conf == 0)
        derived = (
            pl.when(serious)
            .then(pl.lit(PenaltyTier.SERIOUS.value))
            .when(minor)
            .then(pl.lit(PenaltyTier.MINOR.value))
            .otherwise(pl.lit(PenaltyTier.GENERAL.value))
        )
        stated = pl.col("tier").replace_strict(
            {k: str(v) for k, v in rules.TIER_BY_LABEL.items()}, default=None, return_dtype=pl.String
        )
        df = df.with_columns(
            pl.coalesce(stated, derived).alias("tier"), cats.list.join(";").alias("categories")
        )
        window = {str(t): m for t, (m, _) in rules.TIER_MONTHS.items()}
        repair = {str(t): m for t, (_, m) in rules.TIER_MONTHS.items()}
        df = df.with_columns(
            _offset_months(
                pl.col("decision_date"), pl.col("tier").replace_strict(window, return_dtype=pl.Int64)
            ).alias("public_until"),
            _offset_months(
                pl.col("decision_date"), pl.col("tier").replace_strict(repair, return_dtype=pl.Int64)
            ).alias("repairable_from"),
        )
    else:
        df = df.with_columns(
            pl.coalesce(
                pl.col("valid_to"), pl.col("decision_date").dt.offset_by(f"{rules.LICENSE_DEFAULT_MONTHS}mo")
            ).alias("public_until")
        )
    return df


def _offset_months(date_col: pl.Expr, months: pl.Expr) -> pl.Expr:
    # offset_by takes a string expression per row ("12mo"); it clamps to the month's end like
    # rules.add_months.
    return date_col.dt.offset_by(months.cast(pl.String) + "mo")


def legacy_dict(value: str) -> dict:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in data.items() if v}


def has_formula(value: str) -> bool:
    return bool(re.match(r"^[=+\-@\t\r]", value or ""))
