"""Portal pages of objections: file against the verified subject's own information, follow the
case, download its letters. Identification and the subject's overview (“我的申请”) are
``casework.public_views``."""

from __future__ import annotations

from jointcredit.casework import public_views as portal

from . import forms, services
from .kind import OBJECTION


def objection_new(request, target_type: str, target_id: int):
    return portal.filing_page(
        request,
        OBJECTION,
        target_type,
        target_id,
        form_class=forms.ObjectionForm,
        file=services.objection_file,
        template="objections/public_new.html",
        submitted="异议申请已提交（{case_no}），办理进展将通过邮件通知您。",
    )


def objection_detail(request, pk: int):
    return portal.detail_page(request, OBJECTION, pk)


def objection_letter(request, pk: int, letter: str):
    return portal.letter_page(request, OBJECTION, pk, letter)
