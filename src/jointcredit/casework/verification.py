"""Who is acting for a subject online (DESIGN.md "Identity of subjects online", docs/identity.md,
ADR 0017). Three ways, each bound to the subject and never to what the visitor types:

- government single sign-on (``casework.sso``: the verified 身份证号 / 统一社会信用代码 claim);
- a one-time code sent only to a contact on file for the subject (``subjects.SubjectContact``,
  recorded by a department); codes are stored hashed, valid 10 minutes, 5 attempts, at most 5 per
  identifier an hour;
- a clerk's check of uploaded 营业执照 / 身份证 and 授权委托书 (``IdentityApplication``).

Until one of them succeeds the visitor sees only what the public sees.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction

from jointcredit.accounts.permissions import ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.casework.models import SubjectVerification
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, ValidationFailed
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.selectors import subject_contacts_on_file, subject_find

from .evidence import evidence_check, evidence_store
from .models import IdentityApplication, IdentityState
from .notify import _send, notify_department
from .selectors import subject_targets

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_PER_HOUR = 5
IDENTITY_OWNER = "identity"  # Evidence.owner_type of the documents of an IdentityApplication
NOT_HELD = "本系统没有该统一社会信用代码/证件号码的信用信息，无需提出异议或信用修复。"


def _hash(identifier: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{identifier}:{code}".encode(), hashlib.sha256).hexdigest()


def _subject(identifier: str):
    subject = subject_find(identifier)  # 422 on a malformed identifier
    if subject is None:
        raise ValidationFailed.single("identifier", "exists", NOT_HELD)
    return subject


def verification_start(*, identifier: str) -> SubjectVerification:
    """Send a 6-digit code to the subject's contacts on file (预留联系方式); the visitor gives only
    the identifier. A subject without a contact on file must use single sign-on or a clerk's check."""
    subject = _subject(identifier)
    contacts = subject_contacts_on_file(subject)
    if not contacts:
        raise ValidationFailed.single(
            "identifier",
            "no_contact",
            "该主体没有预留联系方式，无法发送验证码。请使用统一身份认证登录，或上传证照申请人工核验身份。",
        )
    identifier = subject.identifier
    now = clock.now()
    recent = SubjectVerification.objects.filter(
        identifier=identifier, created_at__gte=now - timedelta(hours=1)
    ).count()
    if recent >= MAX_PER_HOUR:
        raise Conflict(
            "验证码发送过于频繁，请一小时后再试。",
            code="rate_limited",
            details=[{"field": "identifier", "rule": "rate", "message": "每小时最多发送 5 次验证码"}],
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        v = SubjectVerification.objects.create(
            identifier=identifier,
            email=contacts[0],
            code_hash=_hash(identifier, code),
            expires_at=now + CODE_TTL,
        )
        _send(
            "身份验证码",
            f"您正在为“{subject.name}”办理异议/信用修复，验证码：{code}（10 分钟内有效）。"
            "如非本主体授权人员操作，请忽略本邮件。",
            contacts,
        )
    return v


def verification_check(*, identifier: str, code: str) -> SubjectVerification:
    """Consume a code; returns the verification (identifier, email on file) or raises 422."""
    identifier = normalize(identifier or "")
    subject = subject_find(identifier) if identifier else None
    identifier = subject.identifier if subject else identifier
    code = (code or "").strip()
    error = None
    with transaction.atomic():
        v = (
            SubjectVerification.objects.select_for_update()
            .filter(identifier=identifier, used_at__isnull=True, expires_at__gt=clock.now())
            .order_by("-created_at")
            .first()
        )
        if v is None:
            raise ValidationFailed.single("code", "expired", "验证码已失效或未发送，请重新获取。")
        v.attempts += 1
        if v.attempts > MAX_ATTEMPTS:
            v.used_at = clock.now()
            error = ValidationFailed.single("code", "attempts", "验证码错误次数过多，请重新获取。")
        elif not hmac.compare_digest(v.code_hash, _hash(identifier, code)):
            error = ValidationFailed.single("code", "mismatch", "验证码不正确。")
        else:
            v.used_at = clock.now()
            if subject is not None:
                identity_verified_audit(subject=subject, method="code", detail={"email": v.email})
        v.save(update_fields=["attempts", "used_at"])
    # Raised after commit: the failed attempt must count.
    if error:
        raise error
    return v


def identity_verified_audit(*, subject, method: str, detail: dict) -> None:
    """Audit row of a visitor verified for ``subject`` (code, SSO or clerk's check)."""
    audit_record(
        actor="网上办理人",
        action="identity.verified",
        obj=subject,
        after={"method": method, **detail},
    )


# --- Clerk's check of uploaded documents (待核验身份 → 已核验 / 核验未通过) ----------------------


def _token_hash(token: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"identity:{token}".encode(), hashlib.sha256).hexdigest()


def identity_application_file(
    *,
    identifier: str,
    applicant_name: str,
    contact_email: str,
    contact_phone: str = "",
    department=None,
    licence_files=(),
    authorisation_files=(),
) -> tuple[IdentityApplication, str]:
    """The visitor asks a clerk to check its documents. Returns the application and the secret that
    lets the same visitor (and only it) continue once verified; the secret is stored hashed."""
    subject = _subject(identifier)
    applicant_name = (applicant_name or "").strip()
    if not applicant_name:
        raise ValidationFailed.single("applicant_name", "required", "请填写经办人姓名。")
    try:
        validate_email((contact_email or "").strip())
    except DjangoValidationError:
        raise ValidationFailed.single("contact_email", "email", "联系邮箱格式不正确。") from None
    departments = {x["t"].department.pk: x["t"].department for x in subject_targets(subject, clock.today())}
    if not departments:
        raise ValidationFailed.single(
            "identifier", "no_targets", "该主体没有可提出异议或申请信用修复的信息。"
        )
    if department is None:
        department = next(iter(departments.values()))
    elif department.pk not in departments:
        raise ValidationFailed.single(
            "department", "no_targets", f"“{department.name}”没有该主体可办理的信用信息，请选择其他部门。"
        )
    licence = evidence_check(licence_files, field="licence_files")
    if not licence:
        raise ValidationFailed.single(
            "licence_files", "required", "请上传营业执照（企业、个体工商户）或居民身份证（自然人）。"
        )
    authorisation = evidence_check(authorisation_files, field="authorisation_files")
    if not authorisation and not subject.is_natural_person:
        raise ValidationFailed.single("authorisation_files", "required", "请上传加盖公章的授权委托书。")
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        app = IdentityApplication.objects.create(
            subject=subject,
            department=department,
            applicant_name=applicant_name[:100],
            contact_email=contact_email.strip(),
            contact_phone=(contact_phone or "").strip()[:30],
            token_hash=_token_hash(token),
            created_at=clock.now(),
        )
        evidence_store(
            licence + authorisation, owner_type=IDENTITY_OWNER, owner_id=app.pk, kind="evidence", actor=None
        )
        audit_record(
            actor=f"网上办理人：{applicant_name}",
            action="identity_application.file",
            obj=app,
            department=department,
            after={
                "subject": subject.identifier,
                "state": app.state,
                "files": len(licence) + len(authorisation),
            },
        )
        notify_department(
            department,
            title="身份核验申请待办",
            text=f"网上办理人提交了身份核验申请（编号 {app.pk}），请在工作台“身份核验”中核验。",
        )
    return app, token


def _decide(*, actor, application: IdentityApplication, verified: bool, reason: str) -> IdentityApplication:
    ensure_can_write(actor, application.department)
    with transaction.atomic():
        app = (
            IdentityApplication.objects.select_for_update()
            .select_related("subject", "department")
            .get(pk=application.pk)
        )
        before = app.state
        if app.state != IdentityState.PENDING:
            raise Conflict(
                f"该申请已处理（{app.get_state_display()}）。",
                details=[{"current_state": app.state}],
            )
        if verified:
            app.verify(by=actor, at=clock.now(), reason=reason)
        else:
            app.reject(by=actor, at=clock.now(), reason=reason)
        app.save()
        audit_record(
            actor=actor,
            action="identity_application.verify" if verified else "identity_application.reject",
            obj=app,
            before={"state": before},
            after={"state": app.state, "reason": reason},
        )
        result = "已核验通过，可以在网上提出异议或申请信用修复" if verified else f"核验未通过。理由：{reason}"
        _send(
            "身份核验结果",
            f"{app.applicant_name}：您提交的身份核验申请（编号 {app.pk}）{result}。",
            [app.contact_email],
        )
    return app


def identity_application_verify(
    *, actor, application: IdentityApplication, reason: str = ""
) -> IdentityApplication:
    """已核验: the clerk has checked the documents against the subject (audited, applicant notified)."""
    return _decide(actor=actor, application=application, verified=True, reason=(reason or "").strip())


def identity_application_reject(
    *, actor, application: IdentityApplication, reason: str
) -> IdentityApplication:
    """核验未通过, with the reason the applicant is told (audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.single("reason", "required", "请填写核验未通过的理由。")
    return _decide(actor=actor, application=application, verified=False, reason=reason)


def identity_application_for_token(pk, token: str) -> IdentityApplication | None:
    """The application ``pk`` if ``token`` is its secret (the visitor who filed it), else None."""
    app = IdentityApplication.objects.select_related("subject", "department").filter(pk=pk).first()
    if app is None or not token or not hmac.compare_digest(app.token_hash, _token_hash(token)):
        return None
    return app
