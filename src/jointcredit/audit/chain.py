"""The keyed chain (docs/adr/0015-keyed-audit-chain.md): what a row's seal covers and how it is computed.

Every stored column of an audit row except the seal itself goes into the MAC, in a fixed order, as
canonical JSON; the previous row's seal is one of those columns, so the rows form a chain. The MAC is
HMAC-SHA256 under ``settings.JOINTCREDIT_AUDIT_KEY``, which lives in the environment only: someone who
can write to the database but does not hold the key cannot produce a seal that verifies, so editing
a row and "recomputing the chain" are both detected. Checkpoints are signed with the same key under
a different domain prefix, so a row seal can never be passed off as a checkpoint signature.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from django.conf import settings

GENESIS = "0" * 64
_ROW_DOMAIN = b"jointcredit.audit.row.v2\n"
_CHECKPOINT_DOMAIN = b"jointcredit.audit.checkpoint.v1\n"
_KEY_ID_DOMAIN = b"jointcredit.audit.key-id\n"

# The sealed columns, in order. A column added to AuditEvent must be added here (a test compares
# this list with the model's concrete fields).
SEALED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_name",
    "department_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "prev_hash",
)


def _key() -> bytes:
    return settings.JOINTCREDIT_AUDIT_KEY.encode("utf-8")


def key_is_development() -> bool:
    return bool(settings.JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT)


def key_id() -> str:
    """A public fingerprint of the key (a MAC of a constant): tells which key signed a checkpoint
    without revealing anything that would help forge one."""
    return hmac.new(_key(), _KEY_ID_DOMAIN, hashlib.sha256).hexdigest()[:16]


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_seal(row) -> str:
    """The seal (``hash`` column) of an audit row: any object with the sealed attributes, so the
    historical model of a migration works too. ``created_at`` enters as its ISO form in UTC, which is
    what the database gives back."""
    values = [getattr(row, name) for name in SEALED_FIELDS]
    values[1] = values[1].isoformat()
    return hmac.new(_key(), _ROW_DOMAIN + _canonical(values), hashlib.sha256).hexdigest()


def seal_matches(row) -> bool:
    return hmac.compare_digest(row_seal(row), row.hash)


def checkpoint_signature(record: dict) -> str:
    """Signature of a checkpoint record (every key except ``sig``)."""
    body = {k: v for k, v in record.items() if k != "sig"}
    return hmac.new(_key(), _CHECKPOINT_DOMAIN + _canonical(body), hashlib.sha256).hexdigest()


def checkpoint_signature_ok(record: dict) -> bool:
    return hmac.compare_digest(checkpoint_signature(record), str(record.get("sig", "")))
