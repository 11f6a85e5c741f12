"""Repair applications as the shared case machinery (``casework``) sees them."""

from __future__ import annotations

from jointcredit.casework.kinds import CaseKind

from .models import OPEN_REPAIR_STATES, RepairApplication, RepairState

# key -> (title, template, states in which the letter exists)
REPAIR_LETTERS = {
    "commitment": ("信用承诺书", "repairs/letter_commitment.html", tuple(RepairState.values)),
    "decision": (
        "信用修复决定书",
        "repairs/letter_decision.html",
        (RepairState.APPROVED, RepairState.REJECTED),
    ),
}


def snapshot(r: RepairApplication) -> dict:
    """What the audit trail records before and after each step."""
    return {"state": r.state, "decide_due": r.decide_due, "decision": r.decision}


REPAIR = CaseKind(
    key="repair",
    model=RepairApplication,
    states=RepairState,
    open_states=OPEN_REPAIR_STATES,
    # decided within 3 working days of acceptance; intake (submitted) has no deadline
    due_fields={RepairState.UNDER_REVIEW: "decide_due"},
    noun="信用修复申请",
    short="申请",
    namespace="repairs",
    public_namespace="repairs_public",
    var="r",
    snapshot=snapshot,
    duplicate="该信息已有正在办理的信用修复申请（{case_no}，{state}），办结前不能重复申请。",
    not_own="只能为本主体（已验证身份）的信用信息申请信用修复。",
    not_own_page="只能为本主体的信息申请信用修复",
    letters=REPAIR_LETTERS,
)
