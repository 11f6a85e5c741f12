"""Claims the local provider asserts (django-oidc-provider hooks, settings OIDC_USERINFO and
OIDC_EXTRA_SCOPE_CLAIMS), under the claim names the relying party is configured to read."""

from __future__ import annotations

from django.conf import settings
from oidc_provider.lib.claims import ScopeClaims

from .models import DemoIdentity


def userinfo(claims: dict, user) -> dict:
    ident = DemoIdentity.objects.filter(user=user).first()
    if ident is not None:
        claims["name"] = ident.name
    claims["email"] = user.email or None
    return claims


class IdentityScopeClaims(ScopeClaims):
    info_identity = ("身份信息", "身份证号码、所代理企业的统一社会信用代码")

    def scope_identity(self):
        cfg = settings.JOINTCREDIT_OIDC
        ident = DemoIdentity.objects.filter(user=self.user).first()
        if ident is None:
            return {}
        return {
            cfg["CLAIM_ID_NUMBER"]: ident.id_number,
            cfg["CLAIM_USCC"]: ident.uscc or None,
            cfg["CLAIM_NAME"]: ident.name,
        }
