"""Government single sign-on (统一身份认证) for the credit service: an OpenID Connect relying party
built on Authlib (ADR 0017). The provider is the province's unified identity platform in production
and ``jointcredit.devidp`` in development and tests; both are configured only through
``settings.JOINTCREDIT_OIDC`` (environment, docs/configuration.md).

Authlib validates state, nonce and the ID token (signature against the provider's JWKS, issuer,
audience, expiry); this module only maps the verified claims to a subject: a 统一社会信用代码
claim (the enterprise's credential of a legal person's agent) wins over a 身份证号 claim (the
natural person), and the subject must be one we hold."""

from __future__ import annotations

import logging
from functools import lru_cache

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from requests import RequestException

from jointcredit.common.errors import DomainError, ValidationFailed
from jointcredit.subjects.identifiers import normalize
from jointcredit.subjects.selectors import subject_find

log = logging.getLogger(__name__)
FAILED = "统一身份认证未能完成，请重试或改用其他方式验证身份。"


def oidc_config() -> dict | None:
    cfg = getattr(settings, "JOINTCREDIT_OIDC", None) or {}
    return cfg if cfg.get("ISSUER") and cfg.get("CLIENT_ID") else None


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str, scope: str):
    oauth = OAuth()
    return oauth.register(
        name="gov_sso",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": scope, "code_challenge_method": "S256", "timeout": 10},
    )


def oidc_client():
    cfg = oidc_config()
    if cfg is None:
        raise ValidationFailed.single("sso", "not_configured", "未配置统一身份认证。")
    return _client(cfg["ISSUER"], cfg["CLIENT_ID"], cfg.get("CLIENT_SECRET", ""), cfg.get("SCOPE", "openid"))


def sso_redirect(request, redirect_uri: str):
    """The redirect to the provider's login (state, nonce and PKCE verifier kept in the session)."""
    try:
        return oidc_client().authorize_redirect(request, redirect_uri)
    except (AuthlibBaseError, RequestException) as exc:
        log.warning("统一身份认证发起失败：%s", exc)
        raise DomainError(FAILED) from None


def sso_claims(request) -> dict:
    """Finish the code flow and return the verified claims (ID token, completed from the userinfo
    endpoint when the identity claims are not in the ID token)."""
    cfg = oidc_config() or {}
    client = oidc_client()
    try:
        token = client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        wanted = (cfg.get("CLAIM_ID_NUMBER"), cfg.get("CLAIM_USCC"), cfg.get("CLAIM_NAME"))
        if not any(claims.get(c) for c in wanted if c):
            info = dict(client.userinfo(token=token))
            if info.get("sub") != claims.get("sub"):  # OIDC Core 5.3.2: must match the ID token
                raise DomainError(FAILED)
            claims.update(info)
    except (AuthlibBaseError, RequestException) as exc:
        log.warning("统一身份认证回调失败：%s", exc)
        raise DomainError(FAILED) from None
    return claims


def sso_subject(claims: dict):
    """(subject, kind) for the verified claims, kind "legal_agent" or "natural"; raises a domain
    error when the claims name no subject we hold."""
    cfg = oidc_config() or {}
    uscc = normalize(str(claims.get(cfg.get("CLAIM_USCC", "uscc")) or ""))
    id_number = normalize(str(claims.get(cfg.get("CLAIM_ID_NUMBER", "id_number")) or ""))
    if uscc:
        subject = subject_find(uscc)
        if subject is not None and not subject.is_natural_person:
            return subject, "legal_agent"
    elif id_number:
        subject = subject_find(id_number)
        if subject is not None and subject.is_natural_person:
            return subject, "natural"
    else:
        raise DomainError("统一身份认证未提供身份证号码或统一社会信用代码，无法确认办理主体。")
    raise DomainError("本系统没有您（或您所代理企业）的信用信息，无需提出异议或信用修复。")
