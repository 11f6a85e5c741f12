from __future__ import annotations

from dataclasses import dataclass

from .models import AuditEvent
from .services import GENESIS, chain_hash


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


def audit_chain_verify(*, batch_size: int = 5000) -> VerifyResult:
    """Recompute the chain; report the first row whose content, link or sequence is wrong."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    qs = AuditEvent.objects.order_by("seq")
    for row in qs.iterator(chunk_size=batch_size):
        if row.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"缺少序号 {expected_seq} 的记录（可能被删除）")
        if row.prev_hash != prev_hash:
            return VerifyResult(False, checked, row.seq, "与前一条记录的哈希链接不一致")
        recomputed = chain_hash(
            prev_hash=row.prev_hash,
            seq=row.seq,
            created_at=row.created_at.isoformat(),
            actor_id=row.actor_id,
            department_id=row.department_id,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            before=row.before,
            after=row.after,
            request_id=row.request_id,
        )
        if recomputed != row.hash:
            return VerifyResult(False, checked, row.seq, "记录内容被修改（哈希不符）")
        prev_hash, expected_seq, checked = row.hash, expected_seq + 1, checked + 1
    return VerifyResult(True, checked)


def audit_events_for(*, object_type: str, object_id: str):
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("seq")
