from __future__ import annotations

from dataclasses import dataclass

from . import chain
from .checkpoints import Checkpoint, CheckpointError, checkpoints_read
from .models import AuditEvent


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = ""
    checkpoint: Checkpoint | None = None  # the latest one the chain was checked against


def audit_chain_verify(*, since: Checkpoint | None = None, batch_size: int = 5000) -> VerifyResult:
    """Check the keyed chain; report the first row whose content, link or sequence is wrong.

    Without ``since``: every row from seq 1, against every signed checkpoint in the checkpoint file
    (each checkpointed row must still carry the signed seal, and the head must not be older than the
    latest checkpoint: deleted newest rows). With ``since``: only the rows after that checkpoint,
    starting from its signed seal (the sweep's cheap check before it signs a new head).
    """
    if since is None:
        try:
            checkpoints = checkpoints_read()
        except CheckpointError as exc:
            return VerifyResult(False, 0, exc.seq, str(exc))
    else:
        checkpoints = [since]
    signed = {c.seq: c for c in checkpoints}
    latest = max(checkpoints, key=lambda c: c.seq, default=None)

    qs = AuditEvent.objects.order_by("seq")
    prev_hash, expected, checked = chain.GENESIS, 1, 0
    if since is not None and since.seq > 0:
        anchor = AuditEvent.objects.filter(seq=since.seq).values_list("hash", flat=True).first()
        if anchor is None:
            return _truncated(
                since, AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
            )
        if anchor != since.hash:
            return VerifyResult(False, 0, since.seq, _rewritten(since), checkpoint=latest)
        qs, prev_hash, expected = qs.filter(seq__gt=since.seq), since.hash, since.seq + 1

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason, checkpoint=latest)

    for row in qs.iterator(chunk_size=batch_size):
        if row.seq != expected:
            return broken(expected, f"缺少序号 {expected} 的记录（被删除）")
        if row.prev_hash != prev_hash:
            return broken(row.seq, f"序号 {row.seq} 与前一条记录的封印链接不一致（前一条被删除、替换或重算）")
        if not chain.seal_matches(row):
            return broken(
                row.seq, f"序号 {row.seq} 的记录内容与封印不符（被修改，或链在没有密钥的情况下被重算）"
            )
        if row.seq in signed and signed[row.seq].hash != row.hash:
            return broken(row.seq, _rewritten(signed[row.seq]))
        prev_hash, expected, checked = row.hash, expected + 1, checked + 1
    head_seq = expected - 1
    if latest is not None and latest.seq > head_seq:
        result = _truncated(latest, head_seq)
        result.checked = checked
        return result
    return VerifyResult(True, checked, head_seq=head_seq, head_hash=prev_hash, checkpoint=latest)


def _rewritten(checkpoint: Checkpoint) -> str:
    return f"序号 {checkpoint.seq} 的封印与 {checkpoint.at} 的签名检查点不符（链被重写）"


def _truncated(checkpoint: Checkpoint, head_seq: int | None) -> VerifyResult:
    first_missing = (head_seq or 0) + 1
    return VerifyResult(
        False,
        0,
        first_missing,
        f"序号 {first_missing} 至 {checkpoint.seq} 的记录缺失：{checkpoint.at} 的签名检查点记录的链头为序号 "
        f"{checkpoint.seq}（最新的记录被删除）",
        checkpoint=checkpoint,
    )
