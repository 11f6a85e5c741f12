"""Emails to subjects and departments (Django's email framework: console in development, SMTP by
environment in production, locmem in tests). Sent after commit so a rolled-back step sends nothing."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from jointcredit.accounts.models import Role, User

log = logging.getLogger(__name__)
PORTAL = settings.JOINTCREDIT.get("PORTAL_NAME", "信用历下")


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = [r for r in recipients if r]
    if not recipients:
        return

    def go():
        try:
            send_mail(f"【{PORTAL}】{subject}", body, settings.DEFAULT_FROM_EMAIL, recipients)
        except Exception:  # noqa: BLE001 - the step is done; a mail outage must not undo it
            log.exception("邮件发送失败：%s", subject)

    transaction.on_commit(go)


def notify_subject(case, *, title: str, text: str) -> None:
    """Every step of an objection or repair is told to the subject's contact address."""
    body = (
        f"{case.contact_name}：\n\n您（{case.subject_name}）的{title}\n\n{text}\n\n"
        f"案件编号：{case.case_no}\n办理部门：{case.department.name}\n"
        f"可在“{PORTAL}”网站 → 异议与信用修复 → 我的申请 中查看办理进度和书面决定。"
    )
    _send(f"{title}（{case.case_no}）", body, [case.contact_email])


def department_emails(department, *roles: str) -> list[str]:
    users = User.objects.filter(department=department, is_active=True).exclude(email="")
    return [u.email for u in users if not roles or u.has_role(*roles)]


def notify_department(department, *, title: str, text: str, roles=(Role.APPROVER, Role.CLERK)) -> int:
    recipients = department_emails(department, *roles)
    _send(title, text, recipients)
    return len(recipients)
