"""Signed checkpoints of the chain head, kept outside the database (docs/adr/0015-keyed-audit-chain.md).

One append-only JSON-lines file per database under ``settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR``;
each line is ``{"v", "seq", "hash", "at", "key", "kid", "dev", "sig"}``: at time ``at`` the chain's head
was row ``seq`` with seal ``hash``, signed with the audit key that sealed that row (``key`` is its
fingerprint, ``kid`` its name, ``dev`` marks the development key). Whoever rewrites or truncates the
table cannot rewrite these lines without the key, so ``audit verify`` catches deleted newest rows
and a chain rebuilt from some row on.
The file is only ever appended to (O_APPEND, one write per line, flock against a concurrent sweep,
fsync); operators should also ship it off the host (docs/security.md). Each checkpoint also goes out
as an ``audit.checkpoint`` event to whoever registered with ``audit.extensions`` (the exchange's
outbox), and ``audit verify --against`` takes such copies back (ADR 0035).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection

from . import chain

FORMAT_VERSION = 2  # 2 adds "kid" (ADR 0035); version 1 lines (no kid) are still read
_READABLE_VERSIONS = (1, 2)
CHECKPOINT_EVENT = "audit.checkpoint"  # the event kind a checkpoint goes out as


class CheckpointError(Exception):
    """A checkpoint that does not parse or whose signature does not verify."""

    def __init__(self, message: str, *, seq: int | None = None):
        super().__init__(message)
        self.seq = seq


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    development: bool
    line: int
    kid: str = ""
    record: dict = field(default_factory=dict, compare=False, repr=False)


def checkpoint_path() -> Path | None:
    """The checkpoint file of the configured database, or None when checkpoints are off."""
    directory = settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR
    if not directory:
        return None
    name = Path(str(connection.settings_dict["NAME"])).name or "default"
    return Path(directory) / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.jsonl"


def checkpoint_record(*, seq: int, hash: str, at, key: chain.AuditKey) -> dict:  # noqa: A002 - the column's name
    """A signed checkpoint of row ``seq`` with seal ``hash``: the line of the file, and the payload of
    the ``audit.checkpoint`` event an outside party keeps."""
    record = {
        "v": FORMAT_VERSION,
        "seq": seq,
        "hash": hash,
        "at": at.isoformat(),
        "key": key.fingerprint,
        "kid": key.kid,
        "dev": chain.key_is_development(),
    }
    record["sig"] = chain.checkpoint_signature(record, key)
    return record


def checkpoint_append(record: dict) -> Checkpoint | None:
    """Append a signed record to the checkpoint file (None when checkpoints are off)."""
    path = checkpoint_path()
    if path is None:
        return None
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint_parse(record, where="新写入的检查点")


def checkpoint_parse(record, *, where: str, line: int = 0) -> Checkpoint:
    """One checkpoint record, its signature checked under the key it names (by fingerprint).

    ``where`` names the source in messages (``检查点文件 … 第 L 行``, an outside copy)."""
    try:
        seq = int(record["seq"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{where}无法解析：{exc}") from exc
    if record.get("v") not in _READABLE_VERSIONS:
        raise CheckpointError(f"{where}（序号 {seq}）格式版本不受支持", seq=seq)
    fingerprint = str(record.get("key", ""))
    kid = str(record.get("kid") or fingerprint)
    key = chain.key_by_fingerprint(fingerprint)
    if key is None:
        raise CheckpointError(
            f"{where}（序号 {seq}）由密钥 {chain.key_label(kid, fingerprint)} 签署，校验方未配置该密钥"
            f"（须在 JOINTCREDIT_AUDIT_KEYS 中保留这把密钥），或该行被伪造",
            seq=seq,
        )
    if not chain.checkpoint_signature_ok(record, key):
        raise CheckpointError(f"{where}（序号 {seq}）签名无效：被篡改，或由另一把密钥签署", seq=seq)
    return Checkpoint(
        seq=seq,
        hash=str(record["hash"]),
        at=str(record["at"]),
        development=bool(record.get("dev")),
        line=line,
        kid=kid,
        record=dict(record),
    )


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint of this database, in file order, each signature checked.

    Raises CheckpointError on the first line that does not parse or does not verify: a forged or
    edited line, or a line signed with a key the verifier does not hold."""
    path = checkpoint_path()
    if path is None or not path.exists():
        return []
    out: list[Checkpoint] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"检查点文件 {path} 第 {number} 行"
            try:
                record = json.loads(raw)
            except ValueError as exc:
                raise CheckpointError(f"{where}无法解析：{exc}") from exc
            if not isinstance(record, dict):
                raise CheckpointError(f"{where}无法解析：不是 JSON 对象")
            out.append(checkpoint_parse(record, where=where, line=number))
    return out


def checkpoint_copies_read(text: str, *, source: str) -> list[Checkpoint]:
    """Checkpoints from a copy held outside (``audit verify --against``): a checkpoint line or a file
    of them, an ``audit.checkpoint`` event as delivered by a webhook or read from the feed (also a
    batch ``{"events": [...]}`` or a list), one JSON document or JSON lines. Other events are
    skipped; every checkpoint found must verify."""
    try:
        documents = [json.loads(text)]
    except ValueError:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise CheckpointError(f"外部检查点副本 {source} 不是 JSON 或 JSON Lines：{exc}") from exc
    records: list[dict] = []

    def collect(item) -> None:
        if isinstance(item, list):
            for x in item:
                collect(x)
        elif isinstance(item, dict):
            if isinstance(item.get("events"), list):
                collect(item["events"])
            elif "sig" in item and "seq" in item:
                records.append(item)
            elif item.get("type") == CHECKPOINT_EVENT and isinstance(item.get("data"), dict):
                records.append(item["data"])

    collect(documents)
    if not records:
        raise CheckpointError(f"外部检查点副本 {source} 中没有审计检查点（{CHECKPOINT_EVENT}）")
    return [
        checkpoint_parse(r, where=f"外部检查点副本 {source} 第 {i} 个检查点", line=i)
        for i, r in enumerate(records, start=1)
    ]
