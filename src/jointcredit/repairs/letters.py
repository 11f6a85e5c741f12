"""信用修复决定书 and the 信用承诺书 template (HTML and PDF)."""

from __future__ import annotations

from jointcredit.common.errors import Conflict
from jointcredit.objections.letters import render_letter

from .models import RepairState

REPAIR_LETTERS = {
    "commitment": ("信用承诺书", "repairs/letter_commitment.html", tuple(RepairState.values)),
    "decision": ("信用修复决定书", "repairs/letter_decision.html", (RepairState.APPROVED, RepairState.REJECTED)),
}


def repair_letters_available(r) -> list[tuple[str, str]]:
    return [(key, title) for key, (title, _, states) in REPAIR_LETTERS.items() if r.state in states]


def repair_letter_html(r, key: str) -> tuple[str, str]:
    if key not in REPAIR_LETTERS:
        raise Conflict("文书类别不存在。", details=[{"field": "letter", "rule": "choice"}])
    title, template, states = REPAIR_LETTERS[key]
    if r.state not in states:
        raise Conflict(f"申请当前状态为“{r.get_state_display()}”，尚无{title}。",
                       details=[{"field": "state", "rule": "letter_available", "current_state": r.state}])
    return title, render_letter(template, {"r": r, "title": title})


def commitment_template_html(*, subject_name: str, identifier: str, target_label: str, signatory: str = "",
                             role: str = "法定代表人") -> str:
    """The blank/prefilled 信用承诺书 offered for download before applying."""
    return render_letter("repairs/letter_commitment.html", {"title": "信用承诺书", "r": {
        "subject_name": subject_name, "subject": {"identifier": identifier}, "target_label": target_label,
        "commitment_signatory": signatory, "commitment_role": role, "commitment_signed_on": None}})
