"""Reading the office's 信息项 form (系统配置 → 信用信息目录项) for ``item_create`` / ``item_update``.

The data items are typed one per line, ``字段代码 | 字段名称 | 类型 | 必填 | 规则`` — the same
definition ``schema.clean_fields`` checks for the API, written the way the 目录 is printed."""

from __future__ import annotations

from datetime import date

from jointcredit.common.errors import ValidationFailed

from .models import FieldType
from .schema import TEXT_DEFAULT_MAX

MAX_FIELD_LINES = 100
# What the office may type for a field's type: the Chinese names first, the codes as well.
TYPE_WORDS = {label: value for value, label in FieldType.choices} | {
    "是否": FieldType.BOOLEAN,
    "金额": FieldType.DECIMAL,
    **{value: value for value in FieldType.values},
}
REQUIRED_WORDS = {"必填": True, "是": True, "选填": False, "否": False, "": False}
FIELD_LINE_HELP = (
    "每行一个字段：字段代码 | 字段名称 | 类型 | 必填或选填 | 规则。"
    "类型为文本、日期、数值、整数、选项或是/否；"
    "规则：文本写最大字数（默认 500），选项写可选值（以“/”分隔），数值和整数写范围（如 0~100，可只写一端）。"
)


def field_lines_parse(text: str) -> list[dict]:
    """The typed lines → field definitions; every bad line is reported by its number."""
    numbered = [(i, line.strip()) for i, line in enumerate(str(text or "").splitlines(), start=1)]
    numbered = [(i, line) for i, line in numbered if line]
    if len(numbered) > MAX_FIELD_LINES:
        raise ValidationFailed.single("fields", "max_rows", f"数据项最多 {MAX_FIELD_LINES} 行。")
    fields: list[dict] = []
    details: list[dict] = []

    def bad(row: int, rule: str, message: str) -> None:
        details.append(
            {"row": row, "field": "fields", "rule": rule, "message": f"数据项第 {row} 行：{message}"}
        )

    for i, line in numbered:
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) < 3 or len(parts) > 5:
            bad(
                i,
                "format",
                "格式应为“字段代码 | 字段名称 | 类型 | 必填或选填 | 规则”，"
                "例如“JE | 金额 | 数值 | 必填 | 0~1000”。",
            )
            continue
        code, label, type_word = parts[0], parts[1], parts[2]
        required_word = parts[3] if len(parts) > 3 else ""
        rule = parts[4] if len(parts) > 4 else ""
        ftype = TYPE_WORDS.get(type_word)
        if ftype is None:
            bad(i, "type", f"类型“{type_word}”无效，应为文本、日期、数值、整数、选项或是/否。")
            continue
        if required_word not in REQUIRED_WORDS:
            bad(i, "required", f"“{required_word}”无效，应为“必填”或“选填”。")
            continue
        field: dict = {"code": code, "label": label, "type": ftype, "required": REQUIRED_WORDS[required_word]}
        if ftype == FieldType.TEXT and rule:
            if not rule.isdigit():
                bad(i, "max_length", f"文本字段的规则应为最大字数（整数），不是“{rule}”。")
                continue
            field["max_length"] = int(rule)
        elif ftype == FieldType.CHOICE:
            field["choices"] = [c.strip() for c in rule.replace("、", "/").split("/") if c.strip()]
        elif ftype in (FieldType.DECIMAL, FieldType.INTEGER) and rule:
            low, sep, high = rule.replace("～", "~").partition("~")
            if not sep:
                bad(i, "range", f"数值范围应写作“最小~最大”（如 0~100），不是“{rule}”。")
                continue
            field |= {"min": low.strip(), "max": high.strip()}
        elif rule and ftype in (FieldType.DATE, FieldType.BOOLEAN):
            bad(i, "rule", f"{FieldType(ftype).label}字段没有规则，请删去“{rule}”。")
            continue
        fields.append(field)
    if details:
        raise ValidationFailed(f"数据项有 {len(details)} 行有误：{details[0]['message']}", details=details)
    return fields


def field_lines(fields: list[dict]) -> str:
    """Field definitions → the typed lines (for the edit form)."""
    out = []
    for f in fields:
        rule = ""
        if f["type"] == FieldType.TEXT and f.get("max_length", TEXT_DEFAULT_MAX) != TEXT_DEFAULT_MAX:
            rule = str(f["max_length"])
        elif f["type"] == FieldType.CHOICE:
            rule = "/".join(f.get("choices", []))
        elif "min" in f or "max" in f:
            rule = f"{_num(f.get('min'))}~{_num(f.get('max'))}"
        parts = [f["code"], f["label"], FieldType(f["type"]).label, "必填" if f.get("required") else "选填"]
        out.append(" | ".join(parts + ([rule] if rule else [])))
    return "\n".join(out)


def _num(value) -> str:
    return "" if value is None else f"{value:.15g}"


def whole_number(post, name: str, label: str, low: int, high: int) -> int:
    value = str(post.get(name, "")).strip()
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationFailed.single(name, "range", f"{label}应为 {low}–{high} 之间的整数，不是“{value}”。")
    return int(value)


def day(post, name: str, label: str) -> date | None:
    value = str(post.get(name, "")).strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(name, "date", f"{label}“{value}”无效，应为 YYYY-MM-DD。") from None


def item_form_values(post) -> dict:
    """The form's values as ``item_create`` / ``item_update`` take them (the services check the rest)."""
    return {
        "name": post.get("name", ""),
        "category": post.get("category", ""),
        "department": post.get("department", ""),
        "description": post.get("description", "").strip()[:2000],
        "legal_basis": post.get("legal_basis", "").strip()[:300],
        "subject_scope": post.get("subject_scope", ""),
        "fields": field_lines_parse(post.get("fields", "")),
        "frequency": post.get("frequency", ""),
        "due_working_days": whole_number(post, "due_working_days", "报送期限（工作日）", 1, 60),
        "disclosure": post.get("disclosure", ""),
        "retention_months": whole_number(post, "retention_months", "保存/使用期限（月）", 1, 1200),
        "collect_from": day(post, "collect_from", "归集起始日"),
    }
