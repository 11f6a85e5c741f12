"""Reading the office's typed year arrangement (one adjusted day per line) for ``calendar_year_configure``."""

from __future__ import annotations

from datetime import date

from jointcredit.common.errors import ValidationFailed

from .models import DayKind

# What a clerk may type for the kind of a day: the Chinese words of the 国务院 notice first.
KIND_WORDS = {
    "休": DayKind.HOLIDAY,
    "休息": DayKind.HOLIDAY,
    "节假日": DayKind.HOLIDAY,
    "放假": DayKind.HOLIDAY,
    "班": DayKind.WORKDAY,
    "上班": DayKind.WORKDAY,
    "调休上班": DayKind.WORKDAY,
    "工作日": DayKind.WORKDAY,
}
MAX_LINES = 400


def override_lines_parse(text: str) -> list[tuple[date, str, str]]:
    """``2027-01-01 休 元旦`` per line → ``[(date, kind, name)]``; every bad line is reported by number."""
    lines = [line.strip() for line in text.replace("，", " ").replace(",", " ").splitlines()]
    rows: list[tuple[date, str, str]] = []
    details: list[dict] = []

    def bad(row: int, field: str, rule: str, message: str) -> None:
        details.append({"row": row, "field": field, "rule": rule, "message": f"第 {row} 行：{message}"})

    numbered = [(i, line) for i, line in enumerate(lines, start=1) if line]
    if len(numbered) > MAX_LINES:
        raise ValidationFailed.single("overrides", "max_rows", f"一次最多录入 {MAX_LINES} 行。")
    seen: dict[date, int] = {}
    for i, line in numbered:
        parts = line.split(maxsplit=2)
        if len(parts) < 2:
            bad(i, "overrides", "format", "格式应为“日期 类型 名称”，例如“2027-10-01 休 国庆节”。")
            continue
        try:
            day = date.fromisoformat(parts[0])
        except ValueError:
            bad(i, "date", "date", f"日期“{parts[0]}”无效，应为 YYYY-MM-DD。")
            continue
        kind = KIND_WORDS.get(parts[1])
        if kind is None:
            bad(i, "kind", "choice", f"类型“{parts[1]}”无效，应为“休”（放假）或“班”（调休上班）。")
            continue
        name = parts[2] if len(parts) > 2 else ""
        if len(name) > 50:
            bad(i, "name", "max_length", "名称不能超过 50 个字符。")
            continue
        if day in seen:
            bad(i, "date", "unique", f"日期 {day} 与第 {seen[day]} 行重复。")
            continue
        seen[day] = i
        rows.append((day, kind.value, name))
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    return rows
