"""Objections as the shared case machinery (``casework``) sees them."""

from __future__ import annotations

from jointcredit.casework.kinds import CaseKind

from .models import OPEN_OBJECTION_STATES, Objection, ObjectionState

# key -> (title, template, states in which the letter exists)
OBJECTION_LETTERS = {
    "accept": (
        "受理通知书",
        "objections/letter_accept.html",
        (
            ObjectionState.ACCEPTED,
            ObjectionState.UNDER_REVIEW,
            ObjectionState.UPHELD,
            ObjectionState.CORRECTED,
        ),
    ),
    "not_accepted": ("不予受理通知书", "objections/letter_not_accepted.html", (ObjectionState.NOT_ACCEPTED,)),
    "decision": (
        "异议处理决定书",
        "objections/letter_decision.html",
        (ObjectionState.UPHELD, ObjectionState.CORRECTED),
    ),
}


def snapshot(o: Objection) -> dict:
    """What the audit trail records before and after each step."""
    return {
        "state": o.state,
        "accept_due": o.accept_due,
        "decide_due": o.decide_due,
        "decision": o.decision,
        "resolution": o.resolution,
        "not_accepted_reason": o.not_accepted_reason,
    }


OBJECTION = CaseKind(
    key="objection",
    model=Objection,
    states=ObjectionState,
    open_states=OPEN_OBJECTION_STATES,
    # 受理 within 2 working days of filing, 办结 within 10 of acceptance (DESIGN.md §2)
    due_fields={
        ObjectionState.SUBMITTED: "accept_due",
        ObjectionState.ACCEPTED: "decide_due",
        ObjectionState.UNDER_REVIEW: "decide_due",
    },
    noun="异议申请",
    short="异议",
    namespace="objections",
    public_namespace="objections_public",
    var="o",
    snapshot=snapshot,
    duplicate="该信息已有正在办理的异议（{case_no}，{state}），办结前不能重复提出。",
    not_own="只能对本主体（已验证身份）的信用信息提出异议。",
    not_own_page="只能对本主体的信息提出异议",
    letters=OBJECTION_LETTERS,
    get_related=("department", "subject", "accepted_by", "decided_by"),
)
