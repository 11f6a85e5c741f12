"""Writing the audit trail. Every service that changes state calls ``audit_record`` inside its
transaction, so the audit row commits (or rolls back) with the change itself. ``audit_checkpoint_write``
signs the chain head into the checkpoint file (sweep, ``audit verify --checkpoint``)."""

from __future__ import annotations

import logging

from django.db import connection, transaction

from jointcredit.common import clock
from jointcredit.common.jsonable import jsonable as _jsonable
from jointcredit.common.middleware import current_request_id

from . import chain
from .checkpoints import Checkpoint, CheckpointError, checkpoint_append, checkpoint_path, checkpoints_read
from .models import AuditEvent
from .selectors import VerifyResult, audit_chain_verify

logger = logging.getLogger(__name__)

# Arbitrary constant key for the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK_KEY = 724_011_2026


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
            # Held to the end of the outer transaction: one writer at a time extends the chain, and
            # the next one sees this row (SQLite's IMMEDIATE transactions serialise writers anyway).
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        row = AuditEvent(
            seq=(last[0] + 1) if last else 1,
            created_at=clock.now(),
            actor=actor_obj,
            actor_name=(str(actor_obj) if actor_obj else (str(actor) if actor else "系统"))[:150],
            department=department,
            action=action,
            object_type=object_type or "",
            object_id=object_id or "",
            object_repr=(object_repr or "")[:255],
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=current_request_id(),
            prev_hash=last[1] if last else chain.GENESIS,
        )
        row.hash = chain.row_seal(row)
        row.save()
    return row


def audit_checkpoint_write(
    *, now=None, verified: VerifyResult | None = None
) -> tuple[Checkpoint | None, VerifyResult]:
    """Sign the current head into the checkpoint file.

    ``verified``: a successful full ``audit_chain_verify`` whose head is signed as it is. Otherwise the
    rows written since the last checkpoint are verified first (cheap: only those), so a head whose
    recent history does not verify is never signed. A head that has not moved since the last
    checkpoint is not signed again. Returns the new checkpoint (None when nothing was written) and the
    verification result; a broken chain is logged as critical.
    """
    if checkpoint_path() is None:
        return None, VerifyResult(True, 0, reason="未配置检查点目录")
    result = verified
    if result is None:
        try:
            latest = max(checkpoints_read(), key=lambda c: c.seq, default=None)
        except CheckpointError as exc:
            result = VerifyResult(False, 0, exc.seq, str(exc))
        else:
            result = audit_chain_verify(since=latest)
    if not result.ok:
        logger.critical("审计链校验失败，未写入检查点：序号 %s：%s", result.broken_seq, result.reason)
        return None, result
    if result.head_seq == 0 or (result.checkpoint is not None and result.checkpoint.seq == result.head_seq):
        return None, result
    return checkpoint_append(seq=result.head_seq, hash=result.head_hash, at=now or clock.now()), result
