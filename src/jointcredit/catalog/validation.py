"""Validation of submitted rows against an item's field definitions, vectorised with polars (one
rule set for form, API and file, exactly like 双公示: the identifier rules are records' own
``uscc_rule``/``resident_id_rule`` and the errors are collected by ``importing.pipeline``).

Input: a frame of ``_row`` + one string column per standard code. Output: the valid rows with the
derived columns ``subjects.services.subjects_resolve`` needs (``subject_identifier``, ``subject_kind``,
``subject_name``, ``id_type``, ``id_number``, ``uscc``) plus ``occurred_on``, ``ref_no``,
``row_key`` and ``data`` (JSON of the item's fields, normalised).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.pipeline import collect_errors
from jointcredit.records.validation import resident_id_rule, uscc_rule
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import SubjectKind

from .models import FieldType, SubjectScope
from .schema import CORE, header_lookup, normalize_header

KIND_BY_LABEL = {
    "法人及非法人组织": SubjectKind.LEGAL.value,
    "法人": SubjectKind.LEGAL.value,
    "自然人": SubjectKind.NATURAL.value,
    "个体工商户": SubjectKind.INDIVIDUAL_BUSINESS.value,
    **{k.value: k.value for k in SubjectKind},
}
TRUE_WORDS = {
    "是": "是",
    "Y": "是",
    "YES": "是",
    "TRUE": "是",
    "1": "是",
    "否": "否",
    "N": "否",
    "NO": "否",
    "FALSE": "否",
    "0": "否",
}


@dataclass
class Result:
    valid: pl.DataFrame
    errors: list[dict]
    error_count: int
    rejected_rows: set[int]
    total_rows: int


# --- header ----------------------------------------------------------------------------------


def map_header(header: list[str], *, fields: list[dict], version: int, item_name: str) -> dict[str, str]:
    """Positional name (c0…) → standard code. Unlike a 双公示 file, a column the item's current
    version does not define refuses the whole submission (data would silently be lost)."""
    lookup = header_lookup(fields)
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    details: list[dict] = []
    allowed = "、".join([*CORE, *(f["code"] for f in fields)])
    for i, raw in enumerate(header):
        if not str(raw or "").strip():
            continue
        code = lookup.get(normalize_header(raw))
        if code is None:
            details.append(
                {
                    "row": 1,
                    "field": str(raw)[:60],
                    "rule": "field_unknown",
                    "message": f"列“{str(raw)[:60]}”不是“{item_name}”目录第 {version} 版定义的字段"
                    f"（可用：{allowed}）。",
                }
            )
            continue
        if code in seen:
            details.append(
                {
                    "row": 1,
                    "field": code,
                    "rule": "header_duplicate",
                    "message": f"第 {seen[code] + 1} 列和第 {i + 1} 列都对应字段 {code}，请删除重复列。",
                }
            )
            continue
        seen[code] = i
        out[f"c{i}"] = code
    codes = set(out.values())
    for code in ("ZTMC", "XXRQ"):
        if code not in codes:
            details.append(
                {
                    "row": 1,
                    "field": code,
                    "rule": "header_missing",
                    "message": f"缺少必需的列 {code}（{CORE[code]}）。",
                }
            )
    if not codes & {"TYSHXYDM", "ZJHM"}:
        details.append(
            {
                "row": 1,
                "field": "TYSHXYDM",
                "rule": "header_missing",
                "message": "缺少主体标识列：统一社会信用代码（TYSHXYDM）或证件号码（ZJHM）至少要有一列。",
            }
        )
    for f in fields:
        if f.get("required") and f["code"] not in codes:
            details.append(
                {
                    "row": 1,
                    "field": f["code"],
                    "rule": "header_missing",
                    "message": f"缺少必填字段列 {f['code']}（{f['label']}）。",
                }
            )
    if details:
        raise ValidationFailed(
            f"提交的字段与“{item_name}”目录第 {version} 版不符：{details[0]['message']}", details=details
        )
    return out


def frame_to_codes(frame: pl.DataFrame, header: list[str], **kw) -> pl.DataFrame:
    mapping = map_header(header, **kw)
    return frame.select(
        pl.col("_row"),
        *[pl.col(pos).fill_null("").alias(code) for pos, code in mapping.items() if pos in frame.columns],
    )


def frame_from_rows(rows: list[dict], **kw) -> pl.DataFrame:
    """API/form input: dicts keyed by standard codes (or labels)."""
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed.single("rows", "type", "rows 应为对象数组，每个对象是一行（以字段代码为键）。")
    header: list[str] = []
    for rec in rows:
        for key in rec:
            if key not in header:
                header.append(key)
    data = {f"c{i}": [_text(rec.get(h)) for rec in rows] for i, h in enumerate(header)}
    frame = pl.DataFrame(
        data | {"_row": list(range(1, len(rows) + 1))},
        schema={**{f"c{i}": pl.String for i in range(len(header))}, "_row": pl.Int64},
    )
    return frame_to_codes(frame, header, **kw)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


# --- expressions -----------------------------------------------------------------------------


def date_expr(expr: pl.Expr) -> pl.Expr:
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


def field_checks(
    df: pl.DataFrame, fields: list[dict], *, check_required: bool = True, name: str = ""
) -> tuple[pl.DataFrame, list]:
    """Normalised value columns ``_v_<code>`` and the checks of the item's own fields."""
    checks: list = []

    def add(code: str, rule: str, cond: pl.Expr, message) -> None:
        checks.append((code, rule, cond, message if isinstance(message, pl.Expr) else pl.lit(message)))

    for f in fields:
        code, label, ftype = f["code"], f["label"], f["type"]
        raw = (
            (pl.col(code) if code in df.columns else pl.lit("", dtype=pl.String))
            .cast(pl.String)
            .fill_null("")
        )
        raw = raw.str.strip_chars()
        empty = raw == ""
        where = f"{label}（{code}）"
        if f.get("required") and check_required:
            add(code, "required", empty, f"{where}不能为空。")
        if ftype == FieldType.TEXT:
            n = raw.str.len_chars()
            limit = f.get("max_length", 500)
            add(
                code, "max_length", n > limit, pl.format(f"{where}不能超过 {limit} 个字符，实际 {{}} 个。", n)
            )
            value = raw
        elif ftype == FieldType.DATE:
            parsed = date_expr(raw)
            add(
                code,
                "date",
                ~empty & parsed.is_null(),
                pl.format(f"{where}“{{}}”不是有效日期（应为 YYYY-MM-DD）。", raw),
            )
            value = parsed.dt.to_string("%Y-%m-%d")
        elif ftype in (FieldType.DECIMAL, FieldType.INTEGER):
            text = raw.str.replace_all(r"[,，\s]", "")
            pattern = r"^-?\d{1,15}$" if ftype == FieldType.INTEGER else r"^-?\d{1,15}(\.\d{1,6})?$"
            ok = text.str.contains(pattern)
            kind = "整数" if ftype == FieldType.INTEGER else "数值（最多 6 位小数）"
            add(code, "number", ~empty & ~ok, pl.format(f"{where}“{{}}”应为{kind}。", raw))
            number = text.cast(pl.Float64, strict=False)
            if "min" in f:
                add(
                    code,
                    "min",
                    ~empty & ok & (number < f["min"]),
                    pl.format(f"{where}不能小于 {f['min']:g}，实际 {{}}。", text),
                )
            if "max" in f:
                add(
                    code,
                    "max",
                    ~empty & ok & (number > f["max"]),
                    pl.format(f"{where}不能大于 {f['max']:g}，实际 {{}}。", text),
                )
            value = text
        elif ftype == FieldType.CHOICE:
            choices = f.get("choices", [])
            add(
                code,
                "choice",
                ~empty & ~raw.is_in(choices),
                pl.format(f"{where}“{{}}”不在可选值内（{'、'.join(choices)}）。", raw),
            )
            value = raw
        else:  # boolean
            mapped = raw.str.to_uppercase().replace_strict(TRUE_WORDS, default=None, return_dtype=pl.String)
            add(code, "boolean", ~empty & mapped.is_null(), pl.format(f"{where}“{{}}”应为“是”或“否”。", raw))
            value = mapped
        df = df.with_columns(pl.when(empty).then(None).otherwise(value).alias(f"_v_{code}"))
    return df, checks


def data_json(fields: list[dict]) -> pl.Expr:
    if not fields:
        return pl.lit("{}", dtype=pl.String)
    return pl.struct([pl.col(f"_v_{f['code']}").alias(f["code"]) for f in fields]).struct.json_encode()


# --- the rule set ----------------------------------------------------------------------------


def validate(frame: pl.DataFrame, *, fields: list[dict], scope: str, today: date) -> Result:
    total = frame.height
    df = frame.with_columns(
        pl.col(c).cast(pl.String).fill_null("").str.strip_chars() for c in frame.columns if c != "_row"
    )

    def text(code: str) -> pl.Expr:
        return pl.col(code) if code in df.columns else pl.lit("", dtype=pl.String)

    uscc = text("TYSHXYDM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    id_number = text("ZJHM").str.replace_all(r"[\s\-]", "").str.to_uppercase()
    kind_raw = text("ZTLB")
    inferred = (
        pl.when(uscc != "")
        .then(pl.lit(SubjectKind.LEGAL.value))
        .when(id_number != "")
        .then(pl.lit(SubjectKind.NATURAL.value))
        .otherwise(pl.lit(""))
    )
    kind = (
        pl.when(kind_raw == "")
        .then(inferred)
        .otherwise(kind_raw.replace_strict(KIND_BY_LABEL, default="?", return_dtype=pl.String))
    )
    df = df.with_columns(
        kind.alias("subject_kind"),
        uscc.alias("uscc"),
        id_number.alias("id_number"),
        text("ZTMC").alias("subject_name"),
        text("XXBH").alias("ref_no"),
        date_expr(text("XXRQ")).alias("occurred_on"),
        text("XXRQ").alias("_raw_date"),
    )
    checks: list = []

    def add(code: str, rule: str, cond: pl.Expr, message) -> None:
        checks.append((code, rule, cond, message if isinstance(message, pl.Expr) else pl.lit(message)))

    is_natural = pl.col("subject_kind") == SubjectKind.NATURAL.value
    is_org = pl.col("subject_kind").is_in([SubjectKind.LEGAL.value, SubjectKind.INDIVIDUAL_BUSINESS.value])
    add("ZTMC", "required", pl.col("subject_name") == "", "主体名称（ZTMC）不能为空。")
    add(
        "ZTMC",
        "max_length",
        pl.col("subject_name").str.len_chars() > 200,
        "主体名称（ZTMC）不能超过 200 个字符。",
    )
    add(
        "ZTLB",
        "required",
        pl.col("subject_kind") == "",
        "无法确定主体类别（ZTLB）：请填写统一社会信用代码（TYSHXYDM）或证件号码（ZJHM）。",
    )
    add(
        "ZTLB",
        "choice",
        pl.col("subject_kind") == "?",
        pl.format("主体类别（ZTLB）“{}”无效，应为法人及非法人组织、自然人或个体工商户。", kind_raw),
    )
    if scope == SubjectScope.LEGAL:
        add(
            "ZTLB",
            "subject_scope",
            is_natural,
            "本信息项只归集法人及非法人组织（含个体工商户），不收自然人信息。",
        )
    elif scope == SubjectScope.NATURAL:
        add("ZTLB", "subject_scope", is_org, "本信息项只归集自然人信息。")
    add(
        "TYSHXYDM",
        "required",
        is_org & (pl.col("uscc") == ""),
        "法人及非法人组织的统一社会信用代码（TYSHXYDM）不能为空。",
    )
    u_rule, u_msg = uscc_rule(pl.col("uscc"))
    df = df.with_columns(u_rule.alias("_uscc_rule"))
    add(
        "TYSHXYDM",
        "@_uscc_rule",
        is_org & (pl.col("uscc") != "") & pl.col("_uscc_rule").is_not_null(),
        pl.format("统一社会信用代码（TYSHXYDM）无效：{}", u_msg),
    )
    add(
        "TYSHXYDM",
        "forbidden",
        is_natural & (pl.col("uscc") != ""),
        "自然人不填写统一社会信用代码（TYSHXYDM），请填写证件号码（ZJHM，居民身份证号码）。",
    )
    add(
        "ZJHM",
        "required",
        is_natural & (pl.col("id_number") == ""),
        "自然人的证件号码（ZJHM，居民身份证号码）不能为空。",
    )
    r_rule, r_msg = resident_id_rule(pl.col("id_number"), today)
    df = df.with_columns(r_rule.alias("_rid_rule"))
    add(
        "ZJHM",
        "@_rid_rule",
        is_natural & (pl.col("id_number") != "") & pl.col("_rid_rule").is_not_null(),
        pl.format("证件号码（ZJHM）无效：{}", r_msg),
    )
    add("XXRQ", "required", pl.col("_raw_date") == "", "信息日期（XXRQ）不能为空。")
    add(
        "XXRQ",
        "date",
        (pl.col("_raw_date") != "") & pl.col("occurred_on").is_null(),
        pl.format("信息日期（XXRQ）“{}”不是有效日期（应为 YYYY-MM-DD）。", pl.col("_raw_date")),
    )
    add("XXRQ", "future", pl.col("occurred_on") > pl.lit(today), "信息日期（XXRQ）不能晚于今天。")
    add("XXBH", "max_length", pl.col("ref_no").str.len_chars() > 100, "信息编号（XXBH）不能超过 100 个字符。")

    df, own = field_checks(df, fields)
    checks += own
    df = df.with_columns(
        pl.when(is_natural).then(pl.col("id_number")).otherwise(pl.col("uscc")).alias("subject_identifier"),
        pl.when(is_natural).then(pl.lit(IdType.RESIDENT_ID)).otherwise(pl.lit("")).alias("id_type"),
    ).with_columns(
        pl.when(pl.col("ref_no") != "")
        .then(pl.lit("no:") + pl.col("ref_no"))
        .otherwise(
            pl.lit("sd:")
            + pl.col("subject_identifier")
            + pl.lit(":")
            + pl.col("occurred_on").dt.to_string("%Y-%m-%d").fill_null("")
        )
        .alias("row_key")
    )
    df = df.with_columns(pl.col("_row").min().over("row_key").alias("_first_row"))
    add(
        "XXBH",
        "duplicate_in_file",
        (pl.col("_row") != pl.col("_first_row")),
        pl.format("与第 {} 行重复（同一信息编号，或无编号时同一主体同一信息日期）。", pl.col("_first_row")),
    )

    errors, error_count, rejected = collect_errors(df, checks)
    valid = df.filter(~pl.col("_row").is_in(list(rejected))) if rejected else df
    valid = valid.with_columns(data_json(fields).alias("data"))
    return Result(
        valid=valid, errors=errors, error_count=error_count, rejected_rows=rejected, total_rows=total
    )
