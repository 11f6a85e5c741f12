"""Which key seals which rows (ADR 0035): the chain records its own key changes.

A rotation is an ordinary audit row, ``action = "audit.key_rotate"``, sealed under the key it retires
and naming both keys (``after``: ``from_kid``, ``from_key``, ``to_kid``, ``to_key``; ``*_key`` are
fingerprints). Every row after it is sealed under the new key. So a key that leaks after its
rotation cannot seal a row past the rotation without ``audit verify`` noticing, and the writers
need no agreement beyond the chain: under the chain lock, ``audit_record`` reads the latest rotation
and seals with the key it names, whatever order processes were restarted in.

A chain that was never rotated is sealed by the first key of the ring (``chain.keyring()``); once
rotated, the first rotation row names the key of the rows before it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import chain
from .models import AuditEvent

ROTATE_ACTION = "audit.key_rotate"


@dataclass(frozen=True)
class KeyRef:
    """A key as the chain names it: it may be missing from the verifier's ring (``key`` None)."""

    kid: str
    fingerprint: str
    key: chain.AuditKey | None

    @property
    def missing_message(self) -> str:
        return (
            f"未配置密钥 {chain.key_label(self.kid, self.fingerprint)}："
            f"请在 JOINTCREDIT_AUDIT_KEYS 中保留这把旧密钥（格式 {self.kid}:<密钥>）"
        )


def ref(kid: str, fingerprint: str) -> KeyRef:
    return KeyRef(kid=kid, fingerprint=fingerprint, key=chain.key_by_fingerprint(fingerprint))


def ref_of(key: chain.AuditKey) -> KeyRef:
    return KeyRef(kid=key.kid, fingerprint=key.fingerprint, key=key)


def rotation_to(after: dict | None) -> KeyRef:
    after = after or {}
    return ref(str(after.get("to_kid", "")), str(after.get("to_key", "")))


def rotation_from(after: dict | None) -> KeyRef:
    after = after or {}
    return ref(str(after.get("from_kid", "")), str(after.get("from_key", "")))


def _rotations():
    return AuditEvent.objects.filter(action=ROTATE_ACTION)


def initial_key() -> KeyRef:
    """The key of row 1: named by the first rotation, or the first key of a never-rotated chain."""
    first = _rotations().order_by("seq").values_list("after", flat=True).first()
    return rotation_from(first) if first is not None else ref_of(chain.keyring()[0])


def key_for_row(seq: int) -> KeyRef:
    """The key that seals row ``seq`` (a rotation row itself is sealed under the key it retires)."""
    last = _rotations().filter(seq__lt=seq).order_by("-seq").values_list("after", flat=True).first()
    return rotation_to(last) if last is not None else initial_key()


def key_in_force() -> chain.AuditKey:
    """The key that seals the next row. With a ring of one key there is nothing to choose (no query);
    otherwise the latest rotation decides. Call under the chain lock."""
    ring = chain.keyring()
    if len(ring) == 1:
        return ring[0]
    last = _rotations().order_by("-seq").values_list("after", flat=True).first()
    current = rotation_to(last) if last is not None else ref_of(ring[0])
    if current.key is None:
        raise KeyMissing(
            f"审计链当前由密钥 {current.kid} 封印，无法写入审计记录：{current.missing_message}。"
        )
    return current.key


class KeyMissing(RuntimeError):
    """The chain is sealed under a key this process was not given (a configuration error)."""
