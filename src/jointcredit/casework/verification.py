"""Subject identification for the online forms: identifier + a one-time code sent by email.

The code proves control of the email address given; the subject's identity behind the identifier
is checked by the department when it accepts the case (受理审查, authorisation documents among the
evidence). Codes are stored hashed, valid 10 minutes, 5 attempts, at most 5 per identifier an hour.
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

from jointcredit.casework.models import SubjectVerification
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, ValidationFailed
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.selectors import subject_find

from .notify import _send

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_PER_HOUR = 5


def _hash(identifier: str, code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{identifier}:{code}".encode(), hashlib.sha256).hexdigest()


def verification_start(*, identifier: str, email: str) -> SubjectVerification:
    """Send a 6-digit code to ``email`` for ``identifier`` (which must be a subject we hold)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.single("email", "email", "邮箱（email）格式不正确。") from None
    subject = subject_find(identifier)  # 422 on a malformed identifier
    if subject is None:
        raise ValidationFailed.single(
            "identifier",
            "exists",
            "本系统没有该统一社会信用代码/证件号码的信用信息，无需提出异议或信用修复。",
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
            identifier=identifier, email=email, code_hash=_hash(identifier, code), expires_at=now + CODE_TTL
        )
        _send(
            "身份验证码",
            f"您正在为“{subject.name}”办理异议/信用修复，验证码：{code}（10 分钟内有效）。"
            "如非本人操作，请忽略本邮件。",
            [email],
        )
    return v


def verification_check(*, identifier: str, code: str) -> SubjectVerification:
    """Consume a code; returns the verification (identifier, email) or raises 422."""
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
        v.save(update_fields=["attempts", "used_at"])
    # Raised after commit: the failed attempt must count.
    if error:
        raise error
    return v
