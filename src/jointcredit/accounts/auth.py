"""Bearer-token and session authentication for the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from .models import ApiToken

TOKEN_PREFIX = "jc_"
_TOUCH_INTERVAL = timedelta(minutes=5)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        row = (
            ApiToken.objects.select_related("user", "user__department")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        # Touch at most every few minutes: a write per request would serialise the hot path.
        if row.last_used_at is None or now - row.last_used_at > _TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api_auth = [TokenAuth(), django_auth]
