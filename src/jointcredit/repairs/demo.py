"""Demo repair applications in every state (submitted, under review, approved, rejected) over the
demo's old black entries and 一般/严重 penalties past their minimum publication period."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from jointcredit.accounts.models import User
from jointcredit.casework.targets import Target, repair_refusal
from jointcredit.common.errors import DomainError
from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.records.models import Penalty, RecordState

from . import services
from .models import RepairApplication

# Repairs are filed against the entries and records of those demos.
AFTER = ("lists", "records")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _users(code):
    return User.objects.get(username=f"{code}_clerk"), User.objects.get(username=f"{code}_approver")


def build(ctx) -> None:
    taken = set(RepairApplication.objects.values_list("target_key", flat=True))
    candidates = []
    for e in (
        ListEntry.objects.filter(state=EntryState.PUBLISHED, list_type__color="black", under_objection=False)
        .select_related("list_type", "department", "subject")
        .order_by("pk")
    ):
        t = Target("list_entry", e)
        if t.key not in taken and repair_refusal(t, ctx.today) is None:
            candidates.append(t)
    for p in (
        Penalty.objects.filter(state=RecordState.PUBLISHED, tier__in=["general", "serious"])
        .select_related("department", "subject")
        .order_by("pk")[:400]
    ):
        t = Target("penalty", p)
        if t.key not in taken and repair_refusal(t, ctx.today) is None:
            candidates.append(t)
        if len(candidates) > 12:
            break
    plan = ["submitted", "under_review", "approved", "approved", "rejected", "rejected_submitted", "approved"]
    counts: dict[str, int] = {}
    for state, t in zip(plan, candidates, strict=False):
        try:
            clerk, approver = _users(t.department.code)
            r = services.repair_file(
                verified_identifier=t.subject.identifier,
                target_type=t.type,
                target_id=t.id,
                correction="已全额缴纳罚款，完成整改并经复查合格，相关责任人已接受培训。",
                commitment_signatory="张伟",
                commitment_accepted=True,
                contact_name="张伟",
                contact_email=f"repair{t.id}@example.com",
                proofs=[SimpleUploadedFile("缴款凭证.pdf", PDF)],
            )
            if state == "rejected_submitted":
                services.repair_reject(
                    actor=approver, repair=r, reason="提交的证明材料与修复对象不符，不予受理。"
                )
            elif state != "submitted":
                services.repair_accept(actor=clerk, repair=r)
                if state == "approved":
                    services.repair_approve(actor=approver, repair=r)
                elif state == "rejected":
                    services.repair_reject(
                        actor=approver, repair=r, reason="经核实，整改尚未到位，不予修复。"
                    )
            counts[state] = counts.get(state, 0) + 1
        except (DomainError, User.DoesNotExist) as exc:
            ctx.log(f"  修复演示跳过：{getattr(exc, 'message', exc)}")
    ctx.log("  信用修复：" + "，".join(f"{k} {v}" for k, v in counts.items()))
