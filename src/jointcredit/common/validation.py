"""Small input rules shared by services (one wording of the error everywhere)."""

from __future__ import annotations

from .errors import ValidationFailed

TEXT_MAX = 4000  # reasons, decisions, notes: long enough for a written opinion, bounded


def clean_text(value: str | None, field: str, label: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    """Stripped text of a free-text field; refuses an empty required one and an over-long one with
    a message naming the label and the field."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed.single(field, "required", f"{label}（{field}）不能为空。")
    if len(value) > limit:
        raise ValidationFailed.single(
            field, "max_length", f"{label}（{field}）不能超过 {limit} 个字符（实际 {len(value)}）。"
        )
    return value
