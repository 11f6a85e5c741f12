"""Who reviews articles, and the checks an article's content must pass before it is saved."""

from __future__ import annotations

import re

from django.conf import settings

from jointcredit.accounts.models import Role
from jointcredit.common.errors import PermissionDenied, ValidationFailed
from jointcredit.subjects.models import SubjectKind

ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def reviewer_department_codes() -> tuple[str, ...]:
    """区委宣传部 by default (``JOINTCREDIT_PUBLICITY_REVIEWERS``); the credit office always reviews."""
    return tuple(settings.JOINTCREDIT_PUBLICITY_REVIEWERS)


def is_reviewer(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.is_office_admin:
        return True
    department = user.department
    return (
        department is not None
        and department.code in reviewer_department_codes()
        and user.has_role(Role.APPROVER)
    )


def ensure_reviewer(actor) -> None:
    """Review, publish and withdraw: the credit office's administrators (``ensure_office_admin``) or
    the approvers of a reviewing department (区委宣传部)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("未登录或账号已停用。")
    if not is_reviewer(actor):
        raise PermissionDenied("只有区委宣传部的审批人或信用办管理员可以审核、发布或撤回宣传稿件。")


def ensure_no_person_named(texts: dict[str, str], subject) -> None:
    """A case never names a natural person, and no article prints a resident ID number: the full
    name and the document number of a linked natural person, and any ID-shaped number, are refused
    (the portal shows the subject masked through ``subjects.privacy``)."""
    details = []
    for field, text in texts.items():
        if not text:
            continue
        if ID_NUMBER_RE.search(text):
            details.append(
                {"field": field, "rule": "no_id_number", "message": f"{field} 中不得出现身份证号码。"}
            )
        elif subject is not None and subject.kind == SubjectKind.NATURAL:
            if subject.name and subject.name in text or subject.identifier in text:
                details.append(
                    {
                        "field": field,
                        "rule": "person_masked",
                        "message": f"{field} 中不得出现自然人的完整姓名或证件号码（门户按规定脱敏显示）。",
                    }
                )
    if details:
        raise ValidationFailed("；".join(d["message"] for d in details), details=details)
