"""Letters as HTML (print) and PDF (WeasyPrint; fonts-noto-cjk gives the Chinese glyphs):
受理通知书, 不予受理通知书, 异议处理决定书 here; 信用修复决定书 and 信用承诺书 in repairs."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from jointcredit.common.errors import Conflict

from .models import ObjectionState

OBJECTION_LETTERS = {
    "accept": ("受理通知书", "objections/letter_accept.html",
               (ObjectionState.ACCEPTED, ObjectionState.UNDER_REVIEW, ObjectionState.UPHELD, ObjectionState.CORRECTED)),
    "not_accepted": ("不予受理通知书", "objections/letter_not_accepted.html", (ObjectionState.NOT_ACCEPTED,)),
    "decision": ("异议处理决定书", "objections/letter_decision.html", (ObjectionState.UPHELD, ObjectionState.CORRECTED)),
}


def objection_letters_available(o) -> list[tuple[str, str]]:
    return [(key, title) for key, (title, _, states) in OBJECTION_LETTERS.items() if o.state in states]


def render_letter(template: str, context: dict) -> str:
    return render_to_string(template, {**context, "today": timezone.localdate()})


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def objection_letter_html(o, key: str) -> tuple[str, str]:
    if key not in OBJECTION_LETTERS:
        raise Conflict("文书类别不存在。", details=[{"field": "letter", "rule": "choice"}])
    title, template, states = OBJECTION_LETTERS[key]
    if o.state not in states:
        raise Conflict(f"异议当前状态为“{o.get_state_display()}”，尚无{title}。",
                       details=[{"field": "state", "rule": "letter_available", "current_state": o.state}])
    return title, render_letter(template, {"o": o, "title": title})
