"""Bearer-token and session authentication for the API."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils.functional import SimpleLazyObject
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from jointcredit.common import clock
from jointcredit.common.errors import PermissionDenied
from jointcredit.common.fastpath import CompiledQuery

from .models import ApiToken, User

TOKEN_PREFIX = "jc_"
_TOUCH_INTERVAL = timedelta(minutes=5)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# Every API request runs this lookup: compiled once (see common.fastpath), the digest is unique. Always
# on the primary, also for requests answered by a replica (ADR 0048): a revoked token stops at once.
_ACTIVE_TOKEN = CompiledQuery(
    lambda digest: (
        ApiToken.objects.filter(digest=digest, revoked_at__isnull=True, user__is_active=True)
        .order_by()
        .values_list("id", "last_used_at", "user_id")[:1]
    ),
    using="default",
)


class _TokenUser(SimpleLazyObject):
    """The token's user, loaded (with its department) only when a view or service touches it: read
    endpoints never do, and the token query has already checked that the user is active. Always
    truthy, so ninja's ``if result`` does not load it."""

    def __bool__(self) -> bool:
        return True


def _load_user(user_id: int) -> User:
    return User.objects.select_related("department").get(pk=user_id)


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token: str):
        if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        row = _ACTIVE_TOKEN.row(token_digest(token))
        if row is None:
            return None
        token_id, last_used_at, user_id = row
        now = clock.now()
        # Touch at most every few minutes: a write per request would serialise the hot path.
        if last_used_at is None or now - last_used_at > _TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        user = _TokenUser(lambda: _load_user(user_id))
        request.user = user
        return user


class StaffSessionAuth(SessionAuth):
    """A logged-in staff session (the workbench's own pages call the API), CSRF enforced.

    ninja's ``SessionAuth`` checks CSRF before it looks at the session, so a request with no
    credentials at all got "CSRF check Failed" 403 instead of the contract's 401. Here a request
    without a logged-in user is simply not authenticated by this method (→ 401 once the token
    method has declined too); a logged-in session without a valid CSRF token still gets 403."""

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        try:
            return super().__call__(request)
        except HttpError as exc:
            if exc.status_code != 403:
                raise
            raise PermissionDenied(
                "CSRF 校验失败：使用登录会话调用接口时须携带 X-CSRFToken 请求头。", code="csrf_failed"
            ) from exc


api_auth = [TokenAuth(), StaffSessionAuth()]
