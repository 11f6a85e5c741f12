"""Reads for commitments, including what the check engine and grading see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.utils import timezone

from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.history import timeline_step
from jointcredit.common.pagination import Page, paginate
from jointcredit.subjects.selectors import subject_find

from .models import BrokenCommitment, Commitment, CommitmentState

_STATE_LABELS = dict(CommitmentState.choices)


def commitment_get(pk: int) -> Commitment:
    c = Commitment.objects.select_related("subject", "department", "created_by").filter(pk=pk).first()
    if c is None:
        raise NotFound("承诺书不存在。")
    return c


def commitment_list(
    *,
    department=None,
    identifier: str | None = None,
    state: str | None = None,
    due_soon: bool = False,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    qs = commitment_filter(department=department, identifier=identifier, state=state, due_soon=due_soon)
    return paginate(
        qs.select_related("subject", "department").order_by("-created_at", "-id"),
        page=page,
        page_size=page_size,
    )


def commitment_filter(
    *, department=None, identifier: str | None = None, state: str | None = None, due_soon: bool = False
):
    """The commitments ``commitment_list`` pages through (the workbench to-do card counts this)."""
    qs = Commitment.objects.all()
    if department is not None:
        qs = qs.filter(department=department)
    if identifier:
        subject = subject_find(identifier)
        qs = qs.filter(subject=subject) if subject else qs.none()
    if state:
        if state not in CommitmentState.values:
            raise ValidationFailed.single("state", "choice", "状态必须是 active、fulfilled 或 broken。")
        qs = qs.filter(state=state)
    if due_soon:
        # 即将到期: still active, the reminder has gone out and the deadline has not passed.
        qs = qs.filter(state=CommitmentState.ACTIVE, reminded_at__isnull=False, deadline__gte=clock.today())
    return qs


def broken_commitments_for_subjects(subject_ids: Iterable[int], on: date | None = None):
    """Dishonesty records (违背信用承诺) of these subjects that occurred on or before ``on``.

    For the check engine (measures) and anyone who needs the facts: one indexed query.
    """
    on = on or clock.today()
    return (
        BrokenCommitment.objects.filter(subject_id__in=list(subject_ids), occurred_on__lte=on)
        .select_related("commitment", "department")
        .order_by("-occurred_on", "-id")
    )


def broken_commitments_check_context(subject, scenario: str, viewer) -> list[dict]:
    """``measures.extensions`` provider: the subject's 违背信用承诺 records next to the measures on
    the staff check page, in every scenario (DESIGN.md: a broken commitment is a dishonesty record
    "visible to the check"). Same item shape as the catalog's 应用清单 context."""
    rows = list(broken_commitments_for_subjects([subject.pk]))
    if not rows:
        return []
    return [
        {
            "item_name": "违背信用承诺记录",
            "category_label": "失信信息",
            "department": "",
            "purposes": [],
            "records": [
                {
                    "occurred_on": b.occurred_on,
                    "ref_no": b.commitment.application_no,
                    "fields": [
                        ("认定部门", b.department.name),
                        ("申请事项", b.commitment.matter),
                        ("违约情形", b.get_reason_display()),
                        *([("说明", b.note)] if b.note else []),
                    ],
                }
                for b in rows
            ],
        }
    ]


def broken_commitments_input(subject_ids: list[int] | None, on: date):
    """Grading input provider (registered in apps.ready): one row per broken commitment."""
    qs = BrokenCommitment.objects.filter(occurred_on__lte=on)
    if subject_ids is not None:
        from jointcredit.grading.inputs import chunks

        parts = [qs.filter(subject_id__in=p) for p in chunks(list(subject_ids))]
    else:
        parts = [qs]
    for part in parts:
        for pk, sid, reason, occurred, matter, dept in part.values_list(
            "pk", "subject_id", "reason", "occurred_on", "commitment__matter", "department__name"
        ):
            label = f"{dept}：{matter}（{'逾期未补齐材料' if reason == 'overdue' else '承诺内容不实'}）"
            yield (
                sid,
                "broken_commitment",
                f"commitments.brokencommitment:{pk}",
                label,
                occurred,
                "",
                0.0,
                False,
                False,
            )


def commitment_timeline(commitment: Commitment) -> list[dict]:
    """The 承诺书's status history (ADR 0036), oldest first."""
    return [
        timeline_step(c, state_labels=_STATE_LABELS) for c in commitment.changes.order_by("recorded_at", "pk")
    ]


def commitment_state_on(c: Commitment, on: date) -> str | None:
    """The state a 承诺书 was in at the end of ``on`` from its stored dates (signing, fulfilment,
    breach), None when it was not signed yet. A promise found false after fulfilment was fulfilled
    until its breach date."""
    if c.signed_on > on:
        return None
    breach = getattr(c, "breach", None)
    if breach is not None and breach.occurred_on <= on:
        return CommitmentState.BROKEN
    if c.fulfilled_at is not None and timezone.localdate(c.fulfilled_at) <= on:
        return CommitmentState.FULFILLED
    return CommitmentState.ACTIVE


def subject_commitments_section(subject, *, public: bool = False, on: date | None = None) -> list[dict]:
    """Staff see the subject's commitments and breaches (one query); nothing on public surfaces.
    With ``on``: the commitments signed by then, in the state they were in at the end of that day."""
    if public:
        return []
    qs = Commitment.objects.filter(subject=subject).select_related("department", "breach")
    if on is not None:
        qs = qs.filter(signed_on__lte=on)
    out = []
    for c in qs.order_by("-created_at")[:20]:
        # Signed by ``on`` (the filter above): it had a state that day.
        state = c.state if on is None else commitment_state_on(c, on) or c.state
        breach = getattr(c, "breach", None)
        if breach is not None and on is not None and breach.occurred_on > on:
            breach = None
        out.append(
            {
                "id": c.pk,
                "matter": c.matter,
                "kind": c.get_kind_display(),
                "state": _STATE_LABELS.get(state, state),
                "department": c.department.name,
                "signed_on": c.signed_on,
                "deadline": c.deadline or "待配置节假日",
                "breach": None
                if breach is None
                else {"reason": breach.get_reason_display(), "occurred_on": breach.occurred_on},
            }
        )
    return out
