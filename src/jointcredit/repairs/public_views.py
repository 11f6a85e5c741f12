"""Online repair applications on the portal (identity and “我的申请” in ``casework.public_views``)."""

from __future__ import annotations

from django.shortcuts import redirect

from jointcredit.casework import public_views as portal
from jointcredit.casework.letters import pdf_response
from jointcredit.casework.targets import repair_earliest, repair_refusal
from jointcredit.common import clock

from . import forms, services
from .kind import REPAIR
from .letters import commitment_template_html


def start(request):
    return redirect("objections_public:mine" if portal.verified(request) else "objections_public:create")


def repair_new(request, target_type: str, target_id: int):
    return portal.filing_page(
        request,
        REPAIR,
        target_type,
        target_id,
        form_class=forms.RepairForm,
        file=services.repair_file,
        template="repairs/public_new.html",
        submitted="信用修复申请已提交（{case_no}），办理进展将通过邮件通知您。",
        refusal=lambda t: repair_refusal(t, clock.today()),
        context=lambda t: {"earliest": repair_earliest(t)[0]},
    )


def commitment_template(request, target_type: str, target_id: int):
    who, target, resp = portal.own_target(request, REPAIR, target_type, target_id)
    if resp:
        return resp
    html = commitment_template_html(
        subject_name=target.subject_name, identifier=target.subject.identifier, target_label=target.label
    )
    return pdf_response(html, "commitment-template.pdf")


def repair_detail(request, pk: int):
    return portal.detail_page(request, REPAIR, pk)


def repair_letter(request, pk: int, letter: str):
    return portal.letter_page(request, REPAIR, pk, letter)
