"""Carrying the unkeyed chain over to the keyed one, once (migration 0003,
docs/adr/0015-keyed-audit-chain.md).

Before issue #16 a row's ``hash`` was a plain SHA-256 over some of its columns (``legacy_hash``, kept
here frozen). The migration first checks that old chain as it stands, then re-seals every row under
the key in ``seq`` order and appends one ``audit.reseal`` row that records what it found: how many
rows, the old head, and whether — and where — the old chain was already broken. A trail that was
tampered with before the upgrade is therefore not laundered: the finding is itself sealed.
"""

from __future__ import annotations

import hashlib
import json

from jointcredit.common import clock

from . import chain

BATCH = 2000


def legacy_hash(row) -> str:
    """The pre-#16 formula (no key; actor_name and object_repr not covered)."""
    payload = json.dumps(
        [
            row.prev_hash,
            row.seq,
            row.created_at.isoformat(),
            row.actor_id,
            row.department_id,
            row.action,
            row.object_type,
            row.object_id,
            row.before,
            row.after,
            row.request_id,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def legacy_chain_reseal(model) -> dict | None:
    """Re-seal every row of ``model`` (the real or the historical AuditEvent) under the key; returns
    the findings recorded in the ``audit.reseal`` row, or None when the table is empty."""
    manager = model._base_manager  # the append-only guards are for services, not for this one pass
    key = chain.keyring()[0]  # a chain that was never rotated is sealed by the first key (ADR 0035)
    old_prev, new_prev, expected, broken_seq, reason, count = chain.GENESIS, chain.GENESIS, 1, None, "", 0
    last_seq = 0
    while True:
        # Keyset pages, each read completely before it is written back: no open cursor over rows
        # that are being updated (SQLite gives no isolation between statements of one connection).
        page = list(manager.filter(seq__gt=last_seq).order_by("seq")[:BATCH])
        if not page:
            break
        for row in page:
            if broken_seq is None:
                if row.seq != expected:
                    broken_seq, reason = expected, f"缺少序号 {expected} 的记录"
                elif row.prev_hash != old_prev:
                    broken_seq, reason = row.seq, "与前一条记录的哈希链接不一致"
                elif legacy_hash(row) != row.hash:
                    broken_seq, reason = row.seq, "记录内容与旧哈希不符"
            old_prev, expected, count = row.hash, row.seq + 1, count + 1
            row.prev_hash = new_prev
            row.hash = chain.row_seal(row, key)
            new_prev = row.hash
        manager.bulk_update(page, ["prev_hash", "hash"])
        last_seq = page[-1].seq
    if count == 0:
        return None
    findings = {
        "rows": count,
        "legacy_head_seq": expected - 1,
        "legacy_head_hash": old_prev,
        "legacy_chain_ok": broken_seq is None,
        "legacy_broken_seq": broken_seq,
        "legacy_broken_reason": reason,
        "key_id": key.fingerprint,
        "development_key": chain.key_is_development(),
    }
    row = model(
        seq=expected,
        created_at=clock.now(),
        actor=None,
        actor_name="系统",
        department=None,
        action="audit.reseal",
        object_type="audit.auditevent",
        object_id="",
        object_repr=f"审计链改为密钥封印（{count} 条）",
        before=None,
        after=findings,
        request_id="",
        prev_hash=new_prev,
    )
    row.hash = chain.row_seal(row, key)
    manager.bulk_create([row])
    return findings
