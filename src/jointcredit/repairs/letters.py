"""信用修复决定书 and the 信用承诺书 template (templates and states in ``kind.REPAIR_LETTERS``; HTML
and PDF through ``casework.letters``)."""

from __future__ import annotations

from jointcredit.casework.letters import letter_html, letters_available, render_letter

from .kind import REPAIR


def repair_letters_available(r) -> list[tuple[str, str]]:
    return letters_available(REPAIR, r)


def repair_letter_html(r, key: str) -> tuple[str, str]:
    return letter_html(REPAIR, r, key)


def commitment_template_html(
    *, subject_name: str, identifier: str, target_label: str, signatory: str = "", role: str = "法定代表人"
) -> str:
    """The blank/prefilled 信用承诺书 offered for download before applying."""
    return render_letter(
        "repairs/letter_commitment.html",
        {
            "title": "信用承诺书",
            "r": {
                "subject_name": subject_name,
                "subject": {"identifier": identifier},
                "target_label": target_label,
                "commitment_signatory": signatory,
                "commitment_role": role,
                "commitment_signed_on": None,
            },
        },
    )
