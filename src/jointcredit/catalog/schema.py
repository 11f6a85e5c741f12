"""Field definitions of catalog items: the fixed subject columns every item has, and the checks on
an item's own field list (done when the office creates or changes an item)."""

from __future__ import annotations

import re

from jointcredit.common.errors import ValidationFailed

from .models import FieldType

# Columns every item has (standard code → label); files and API may use either.
CORE = {
    "ZTMC": "主体名称",
    "ZTLB": "主体类别",
    "TYSHXYDM": "统一社会信用代码",
    "ZJHM": "证件号码",
    "XXRQ": "信息日期",
    "XXBH": "信息编号",
}
CORE_ATTR = {
    "ZTMC": "subject_name",
    "ZTLB": "subject_kind_raw",
    "TYSHXYDM": "uscc",
    "ZJHM": "id_number",
    "XXRQ": "occurred_on",
    "XXBH": "ref_no",
}
_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,29}$")
TEXT_DEFAULT_MAX = 500
TYPES = set(FieldType.values)


def normalize_header(text: str) -> str:
    return re.sub(r"[\s\u3000（）()*：:]", "", str(text or "")).upper()


def header_lookup(fields: list[dict]) -> dict[str, str]:
    """Normalised code or label → standard code, for the core columns and the item's fields."""
    out: dict[str, str] = {}
    for code, label in CORE.items():
        out[normalize_header(code)] = code
        out[normalize_header(label)] = code
    for f in fields:
        out[normalize_header(f["code"])] = f["code"]
        out[normalize_header(f["label"])] = f["code"]
    return out


def clean_fields(raw) -> list[dict]:
    """Check and normalise an item's field list; every problem is one detail naming the field."""
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed.single("fields", "required", "数据项（fields）不能为空：至少定义一个字段。")
    details: list[dict] = []
    out: list[dict] = []
    seen: set[str] = set()
    labels: set[str] = set()

    def bad(i: int, attr: str, rule: str, message: str) -> None:
        details.append(
            {"field": f"fields[{i}].{attr}", "rule": rule, "message": f"第 {i + 1} 个字段：{message}"}
        )

    for i, f in enumerate(raw):
        if not isinstance(f, dict):
            bad(i, "code", "type", "应为对象（code、label、type …）。")
            continue
        code = str(f.get("code") or "").strip().upper()
        label = str(f.get("label") or "").strip()
        ftype = str(f.get("type") or "text").strip()
        if not _CODE_RE.match(code):
            bad(
                i,
                "code",
                "format",
                f"字段代码“{code}”无效：应为大写字母开头的 2–30 位大写字母、数字或下划线。",
            )
        elif code in CORE:
            bad(
                i,
                "code",
                "reserved",
                f"字段代码“{code}”是所有信息项共有的主体列（{CORE[code]}），不能再定义。",
            )
        elif code in seen:
            bad(i, "code", "duplicate", f"字段代码“{code}”重复。")
        if not label or len(label) > 50:
            bad(i, "label", "required", "字段名称（label）不能为空且不超过 50 个字符。")
        elif label in labels or label in CORE.values():
            bad(i, "label", "duplicate", f"字段名称“{label}”重复或与主体列同名。")
        if ftype not in TYPES:
            bad(i, "type", "choice", f"字段类型“{ftype}”无效，应为 {'、'.join(sorted(TYPES))}。")
        item = {"code": code, "label": label, "type": ftype, "required": bool(f.get("required", False))}
        if ftype == FieldType.TEXT:
            try:
                item["max_length"] = int(f.get("max_length") or TEXT_DEFAULT_MAX)
            except (TypeError, ValueError):
                item["max_length"] = 0
            if not 1 <= item["max_length"] <= 5000:
                bad(i, "max_length", "range", "文本字段的最大长度（max_length）应在 1–5000 之间。")
        if ftype == FieldType.CHOICE:
            choices = f.get("choices")
            if not isinstance(choices, list) or not choices or not all(str(c).strip() for c in choices):
                bad(i, "choices", "required", "选项字段必须给出非空的选项列表（choices）。")
            else:
                item["choices"] = [str(c).strip() for c in choices]
        if ftype in (FieldType.DECIMAL, FieldType.INTEGER):
            for bound in ("min", "max"):
                if f.get(bound) not in (None, ""):
                    try:
                        item[bound] = float(f[bound])
                    except (TypeError, ValueError):
                        bad(i, bound, "type", f"{bound} 应为数值。")
            if "min" in item and "max" in item and item["min"] > item["max"]:
                bad(i, "min", "range", "最小值（min）不能大于最大值（max）。")
        if f.get("help"):
            item["help"] = str(f["help"])[:200]
        seen.add(code)
        labels.add(label)
        out.append(item)
    if details:
        raise ValidationFailed(
            f"数据项定义有 {len(details)} 处错误：{details[0]['message']}", details=details
        )
    return out


def describe(field: dict) -> str:
    """Human description of one field's type and rules (pages, errors)."""
    parts = [FieldType(field["type"]).label]
    if field.get("required"):
        parts.append("必填")
    if field["type"] == FieldType.TEXT:
        parts.append(f"≤{field.get('max_length', TEXT_DEFAULT_MAX)} 字")
    if field["type"] == FieldType.CHOICE:
        parts.append("可选：" + "/".join(field.get("choices", [])))
    if "min" in field:
        parts.append(f"≥{field['min']:g}")
    if "max" in field:
        parts.append(f"≤{field['max']:g}")
    return "，".join(parts)
