"""Writing the audit trail. Every service that changes state calls ``audit_record`` inside its
transaction, so the audit row commits (or rolls back) with the change itself."""

from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction

from jointcredit.common import clock
from jointcredit.common.jsonable import jsonable as _jsonable
from jointcredit.common.middleware import current_request_id

from .models import AuditEvent

GENESIS = "0" * 64
# Arbitrary constant key for the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 724_011_2026


def chain_hash(
    *,
    prev_hash: str,
    seq: int,
    created_at: str,
    actor_id,
    department_id,
    action: str,
    object_type: str,
    object_id: str,
    before,
    after,
    request_id: str,
) -> str:
    payload = json.dumps(
        [
            prev_hash,
            seq,
            created_at,
            actor_id,
            department_id,
            action,
            object_type,
            object_id,
            before,
            after,
            request_id,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str | None = None,
    object_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    department=None,
    object_repr: str | None = None,
) -> AuditEvent:
    """Append one audit row. Must be called inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or str(obj.pk)
        object_repr = object_repr if object_repr is not None else str(obj)[:255]
    if department is None and actor is not None and getattr(actor, "is_authenticated", False):
        department = getattr(actor, "department", None)
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        seq = (last.seq + 1) if last else 1
        prev_hash = last.hash if last else GENESIS
        created_at = clock.now()
        before_j, after_j = _jsonable(before), _jsonable(after)
        row = AuditEvent(
            seq=seq,
            created_at=created_at,
            actor=actor_obj,
            actor_name=(str(actor_obj) if actor_obj else (str(actor) if actor else "系统")),
            department=department,
            action=action,
            object_type=object_type or "",
            object_id=object_id or "",
            object_repr=object_repr or "",
            before=before_j,
            after=after_j,
            request_id=current_request_id(),
            prev_hash=prev_hash,
        )
        row.hash = chain_hash(
            prev_hash=prev_hash,
            seq=seq,
            created_at=created_at.isoformat(),
            actor_id=row.actor_id,
            department_id=row.department_id,
            action=action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=before_j,
            after=after_j,
            request_id=row.request_id,
        )
        row.save()
    return row
