"""Writing the audit trail. Every service that changes state calls ``audit_record`` inside its
transaction, so the audit row commits (or rolls back) with the change itself. ``audit_checkpoint_write``
signs the chain head into the checkpoint file (sweep, ``audit verify --checkpoint``) and hands it to
the checkpoint listeners (``audit.extensions``); ``audit_key_rotate`` moves the chain to a new key."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction

from jointcredit.common import clock
from jointcredit.common.errors import Conflict
from jointcredit.common.jsonable import jsonable as _jsonable
from jointcredit.common.middleware import current_request_id

from . import chain, keys
from .checkpoints import (
    Checkpoint,
    CheckpointError,
    checkpoint_append,
    checkpoint_path,
    checkpoint_record,
    checkpoints_read,
)
from .extensions import checkpoint_listeners
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
        # Held to the end of the outer transaction: one writer at a time extends the chain, and the
        # next one sees this row (SQLite's IMMEDIATE transactions serialise writers anyway).
        _chain_lock()
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
        row.hash = chain.row_seal(row, keys.key_in_force())
        row.save()
    return row


def _chain_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def audit_checkpoint_write(
    *, now=None, verified: VerifyResult | None = None
) -> tuple[Checkpoint | None, VerifyResult]:
    """Sign the current head into the checkpoint file and hand it to the checkpoint listeners.

    ``verified``: a successful full ``audit_chain_verify`` whose head is signed as it is. Otherwise the
    rows written since the last checkpoint are verified first (cheap: only those), so a head whose
    recent history does not verify is never signed. A head that has not moved since the last
    checkpoint is not signed again. The head is signed under the key that sealed it. Returns the new
    checkpoint (None when nothing was written) and the verification result; a broken chain is logged
    as critical.
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
    assert result.head_key is not None  # a verified chain with rows names the key of its head
    written = _checkpoint_sign(
        seq=result.head_seq, hash=result.head_hash, at=now or clock.now(), key=result.head_key
    )
    return written, result


def _checkpoint_sign(*, seq: int, hash: str, at, key: chain.AuditKey) -> Checkpoint | None:  # noqa: A002
    record = checkpoint_record(seq=seq, hash=hash, at=at, key=key)
    written = checkpoint_append(record)
    if written is None:
        return None
    for name, listener in checkpoint_listeners().items():
        try:
            listener(dict(record))
        except Exception:  # noqa: BLE001 - the file holds the checkpoint; a failed copy must not undo it
            logger.exception("审计检查点（序号 %s）未能交给 %s", seq, name)
    return written


def _ensure_not_in_force(newest: chain.AuditKey, in_force: chain.AuditKey) -> None:
    if in_force.fingerprint == newest.fingerprint:
        raise Conflict(
            f"最新的密钥 {newest.kid} 已在使用，无需轮换：请先在 JOINTCREDIT_AUDIT_KEYS 末尾加入新密钥"
            "（格式 kid:密钥），重启各进程后再执行。",
            details=[{"field": "JOINTCREDIT_AUDIT_KEYS", "rule": "new_key", "kid": newest.kid}],
        )


@dataclass(frozen=True)
class KeyRotation:
    row: AuditEvent
    retired: chain.AuditKey
    started: chain.AuditKey
    checkpoint: Checkpoint | None
    verified: VerifyResult


def audit_key_rotate(*, now=None) -> KeyRotation:
    """Hand the chain over to the newest key of the ring (``jointcredit audit rotate-key``, ADR 0035).

    The whole chain is verified first (nothing broken is carried over to the new key); then an
    ``audit.key_rotate`` row is appended under the key in force, naming it and the newest key, and
    the head (that row) is checkpointed under the retiring key. Every later row is sealed under the
    new key. Raises ``Conflict`` when the newest key is already in force or the chain does not verify.
    """
    newest = chain.keyring()[-1]
    _ensure_not_in_force(newest, keys.key_in_force())  # before the full check, which takes a while
    verified = audit_chain_verify()
    if not verified.ok:
        raise Conflict(
            f"审计链校验未通过，未轮换密钥：序号 {verified.broken_seq}：{verified.reason}",
            details=[
                {"field": "chain", "rule": "verified", "seq": verified.broken_seq, "message": verified.reason}
            ],
        )
    with transaction.atomic():
        _chain_lock()
        retired = keys.key_in_force()
        _ensure_not_in_force(newest, retired)  # again under the lock: a concurrent rotation
        row = audit_record(
            actor=None,
            action=keys.ROTATE_ACTION,
            object_type="audit.key",
            object_id=newest.kid,
            object_repr=f"审计链密钥轮换：{retired.kid} → {newest.kid}",
            before={"kid": retired.kid, "key": retired.fingerprint},
            after={
                "from_kid": retired.kid,
                "from_key": retired.fingerprint,
                "to_kid": newest.kid,
                "to_key": newest.fingerprint,
                "verified_rows": verified.checked,
            },
        )
    checkpoint = _checkpoint_sign(seq=row.seq, hash=row.hash, at=now or clock.now(), key=retired)
    return KeyRotation(row=row, retired=retired, started=newest, checkpoint=checkpoint, verified=verified)
