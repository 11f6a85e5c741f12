"""Demo objections in every state (DESIGN.md §7), through the services (audit rows, events, receipts)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from jointcredit.accounts.models import User
from jointcredit.common.errors import DomainError
from jointcredit.lists.models import EntryState, ListEntry

from . import services
from .models import Objection

# Objections are filed against the entries and records of those demos.
AFTER = ("lists", "records")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STATEMENTS = [
    "原行政处罚决定已被行政复议撤销，列入依据不存在。",
    "列入事由中的违法事实与本单位无关，系同名企业所为。",
    "认定文书送达地址错误，未收到告知书，未能行使陈述申辩权利。",
    "有效期计算有误，应自处罚决定之日起算。",
]


def _users(code):
    return User.objects.get(username=f"{code}_clerk"), User.objects.get(username=f"{code}_approver")


def build(ctx) -> None:
    plan = [
        "submitted",
        "submitted",
        "accepted",
        "under_review",
        "not_accepted",
        "upheld",
        "corrected",
        "corrected_amend",
    ]
    used = set(Objection.objects.values_list("target_id", flat=True))
    entries = [
        e
        for e in ListEntry.objects.filter(
            state=EntryState.PUBLISHED, under_objection=False, list_type__color="black"
        )
        .select_related("department", "subject")
        .order_by("pk")
        if e.pk not in used and e.is_effective(ctx.today)
    ]
    counts: dict[str, int] = {}
    for i, (state, entry) in enumerate(zip(plan, entries[5:], strict=False)):
        try:
            clerk, approver = _users(entry.department.code)
            o = services.objection_file(
                verified_identifier=entry.subject.identifier,
                target_type="list_entry",
                target_id=entry.pk,
                statement=STATEMENTS[i % len(STATEMENTS)],
                contact_name="李明",
                contact_email=f"contact{entry.pk}@example.com",
                files=[SimpleUploadedFile("证明材料.pdf", PDF)],
            )
            if state == "not_accepted":
                services.objection_reject(
                    actor=clerk, objection=o, reason="未提供新的事实和证据，且与已处理的异议内容相同。"
                )
            elif state != "submitted":
                services.objection_accept(actor=clerk, objection=o)
                if state != "accepted":
                    services.objection_review(actor=clerk, objection=o)
                if state == "upheld":
                    services.objection_uphold(
                        actor=approver,
                        objection=o,
                        decision="经核查，列入事实清楚、证据确凿、依据充分，异议不成立。",
                    )
                elif state == "corrected":
                    services.objection_correct(
                        actor=approver, objection=o, decision="经核查，原处罚决定已被撤销，撤销列入。"
                    )
                elif state == "corrected_amend":
                    services.objection_correct(
                        actor=approver,
                        objection=o,
                        resolution="correct",
                        decision="列入事由表述有误，予以更正。",
                        reason=entry.reason + "（经异议核查更正）",
                    )
            counts[state] = counts.get(state, 0) + 1
        except DomainError as exc:
            ctx.log(f"  异议演示跳过：{exc.message}")
    ctx.log("  异议：" + "，".join(f"{k} {v}" for k, v in counts.items()))
