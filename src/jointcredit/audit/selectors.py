from __future__ import annotations

from dataclasses import dataclass, field

from . import chain, keys
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
    key_ranges: list[tuple[str, int]] = field(default_factory=list)  # (kid, first seq it seals)
    head_key: chain.AuditKey | None = None  # the key that sealed the head row


def audit_chain_verify(
    *, since: Checkpoint | None = None, copies: list[Checkpoint] | None = None, batch_size: int = 5000
) -> VerifyResult:
    """Check the keyed chain; report the first row whose content, link, sequence or key is wrong.

    Without ``since``: every row from seq 1, against every signed checkpoint in the checkpoint file
    and in ``copies`` (checkpoints held outside, ``audit verify --against``): each checkpointed row
    must still carry the signed seal, and the head must not be older than the latest checkpoint
    (deleted newest rows). With ``since``: only the rows after that checkpoint, starting from its
    signed seal (the sweep's cheap check before it signs a new head). Each row is checked under the
    key the chain says seals it (``audit.keys``); a rotation row hands over to the next key.
    """
    if since is None:
        try:
            checkpoints = checkpoints_read()
        except CheckpointError as exc:
            return VerifyResult(False, 0, exc.seq, str(exc))
        checkpoints += copies or []
    else:
        checkpoints = [since]
    signed: dict[int, list[Checkpoint]] = {}
    for c in checkpoints:
        signed.setdefault(c.seq, []).append(c)
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
    key = keys.key_for_row(expected)
    ranges: list[tuple[str, int]] = [(key.kid, expected)]
    head_key = None

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason, checkpoint=latest, key_ranges=ranges)

    for row in qs.iterator(chunk_size=batch_size):
        if row.seq != expected:
            return broken(expected, f"缺少序号 {expected} 的记录（被删除）")
        if row.prev_hash != prev_hash:
            return broken(row.seq, f"序号 {row.seq} 与前一条记录的封印链接不一致（前一条被删除、替换或重算）")
        if key.key is None:
            return broken(
                row.seq, f"序号 {row.seq} 起的记录由密钥 {key.kid} 封印，无法校验：{key.missing_message}"
            )
        if not chain.seal_matches(row, key.key):
            return broken(
                row.seq,
                f"序号 {row.seq} 的记录内容与封印不符（被修改，或链在没有密钥的情况下被重算；"
                f"按链中记录应由密钥 {key.kid} 封印）",
            )
        for c in signed.get(row.seq, ()):
            if c.hash != row.hash:
                return broken(row.seq, _rewritten(c))
        head_key = key.key
        if row.action == keys.ROTATE_ACTION:
            handed_from = keys.rotation_from(row.after)
            if handed_from.fingerprint != key.fingerprint:
                return broken(
                    row.seq,
                    f"序号 {row.seq} 的密钥轮换记录称原密钥为 {handed_from.kid}，"
                    f"但此前的记录由密钥 {key.kid} 封印",
                )
            key = keys.rotation_to(row.after)
            ranges.append((key.kid, row.seq + 1))
        prev_hash, expected, checked = row.hash, expected + 1, checked + 1
    head_seq = expected - 1
    if latest is not None and latest.seq > head_seq:
        result = _truncated(latest, head_seq)
        result.checked = checked
        return result
    return VerifyResult(
        True,
        checked,
        head_seq=head_seq,
        head_hash=prev_hash,
        checkpoint=latest,
        key_ranges=ranges,
        head_key=head_key,
    )


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
