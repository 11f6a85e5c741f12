"""The keyed chain (docs/adr/0015-keyed-audit-chain.md): what a row's seal covers and how it is computed.

Every stored column of an audit row except the seal itself goes into the MAC, in a fixed order, as
canonical JSON; the previous row's seal is one of those columns, so the rows form a chain. The MAC is
HMAC-SHA256 under an audit key, which lives in the environment only: someone who
can write to the database but does not hold the key cannot produce a seal that verifies, so editing
a row and "recomputing the chain" are both detected. Checkpoints are signed with the same key under
a different domain prefix, so a row seal can never be passed off as a checkpoint signature.

The keys form a ring (``keyring``, ADR 0035): ``JOINTCREDIT_AUDIT_KEYS`` lists them oldest first as
"kid:key"; the single ``JOINTCREDIT_AUDIT_KEY`` of ADR 0015 is a ring of one. Which key seals which
range of rows is decided by the chain's own ``audit.key_rotate`` rows (``audit.keys``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import lru_cache

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


@dataclass(frozen=True)
class AuditKey:
    """One key of the ring: ``kid`` is the operator's name for it (the fingerprint when the key was
    given alone in ``JOINTCREDIT_AUDIT_KEY``), ``fingerprint`` a public MAC of a constant that tells
    which key sealed or signed something without revealing anything that would help forge a seal."""

    kid: str
    secret: bytes
    fingerprint: str


def _fingerprint(secret: bytes) -> str:
    return hmac.new(secret, _KEY_ID_DOMAIN, hashlib.sha256).hexdigest()[:16]


@lru_cache(maxsize=8)
def _ring(single: str, keys: tuple[tuple[str, str], ...]) -> tuple[AuditKey, ...]:
    if keys:
        return tuple(AuditKey(kid, k.encode("utf-8"), _fingerprint(k.encode("utf-8"))) for kid, k in keys)
    fingerprint = _fingerprint(single.encode("utf-8"))
    return (AuditKey(fingerprint, single.encode("utf-8"), fingerprint),)


def keyring() -> tuple[AuditKey, ...]:
    """The configured keys, oldest first (ADR 0035): ``JOINTCREDIT_AUDIT_KEYS`` ("kid:key" list) or
    the single ``JOINTCREDIT_AUDIT_KEY``. Which of them seals a given row is recorded in the chain
    itself (``audit.keys``), not by this order, except that a chain never rotated is sealed by the
    first key."""
    keys = tuple(tuple(pair) for pair in getattr(settings, "JOINTCREDIT_AUDIT_KEYS", ()) or ())
    return _ring(settings.JOINTCREDIT_AUDIT_KEY, keys)


def key_by_fingerprint(fingerprint: str) -> AuditKey | None:
    return next((k for k in keyring() if k.fingerprint == fingerprint), None)


def key_label(kid: str, fingerprint: str) -> str:
    """How messages name a key: ``2025（指纹 …）``, or only the fingerprint for an unnamed key."""
    return f"指纹 {fingerprint}" if kid == fingerprint else f"{kid}（指纹 {fingerprint}）"


def key_is_development() -> bool:
    return bool(settings.JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT)


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def row_seal(row, key: AuditKey | None = None) -> str:
    """The seal (``hash`` column) of an audit row under ``key`` (default: the newest key of the
    ring): any object with the sealed attributes, so the historical model of a migration works too.
    ``created_at`` enters as its ISO form in UTC, which is what the database gives back."""
    values = [getattr(row, name) for name in SEALED_FIELDS]
    values[1] = values[1].isoformat()
    secret = (key or keyring()[-1]).secret
    return hmac.new(secret, _ROW_DOMAIN + _canonical(values), hashlib.sha256).hexdigest()


def seal_matches(row, key: AuditKey) -> bool:
    return hmac.compare_digest(row_seal(row, key), row.hash)


def checkpoint_signature(record: dict, key: AuditKey) -> str:
    """Signature of a checkpoint record (every key except ``sig``)."""
    body = {k: v for k, v in record.items() if k != "sig"}
    return hmac.new(key.secret, _CHECKPOINT_DOMAIN + _canonical(body), hashlib.sha256).hexdigest()


def checkpoint_signature_ok(record: dict, key: AuditKey) -> bool:
    return hmac.compare_digest(checkpoint_signature(record, key), str(record.get("sig", "")))
