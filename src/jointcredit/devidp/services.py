"""Set up the local provider: a signing key, the portal as a registered client, demo identities."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from oidc_provider.models import Client, ResponseType, RSAKey

from jointcredit.accounts.models import User

from .models import DemoIdentity

CALLBACK = "/credit-service/sso/callback/"


def devidp_setup(*, base_urls: list[str]) -> Client:
    """Idempotent: one RSA key, the portal client (redirect URIs for every base URL)."""
    cfg = settings.JOINTCREDIT_OIDC
    with transaction.atomic():
        if not RSAKey.objects.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            RSAKey.objects.create(key=pem)
        client, _ = Client.objects.get_or_create(
            client_id=cfg["CLIENT_ID"],
            defaults={"name": "信用历下 · 异议与信用修复", "client_type": "confidential"},
        )
        client.client_secret = cfg["CLIENT_SECRET"]
        client.jwt_alg = "RS256"
        client.require_consent = False
        client.reuse_consent = True
        uris = set(client.redirect_uris) | {f"{u.rstrip('/')}{CALLBACK}" for u in base_urls}
        client.redirect_uris = sorted(uris)
        client.save()
        code, _ = ResponseType.objects.get_or_create(
            value="code", defaults={"description": "code (Authorization Code Flow)"}
        )
        client.response_types.add(code)
    return client


def demo_identity_create(
    *, username: str, password: str, name: str, id_number: str, uscc: str = ""
) -> DemoIdentity:
    """A person who can log in at the local provider (no department, no role: never staff)."""
    with transaction.atomic():
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "password": make_password(password),
                "display_name": name,
                "is_active": True,
                "roles": [],
            },
        )
        ident, _ = DemoIdentity.objects.update_or_create(
            user=user, defaults={"name": name, "id_number": id_number, "uscc": uscc}
        )
    return ident
