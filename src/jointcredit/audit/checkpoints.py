"""Signed checkpoints of the chain head, kept outside the database (docs/adr/0015-keyed-audit-chain.md).

One append-only JSON-lines file per database under ``settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR``;
each line is ``{"v", "seq", "hash", "at", "key", "dev", "sig"}``: at time ``at`` the chain's head was
row ``seq`` with seal ``hash``, signed with the audit key (``key`` is its fingerprint, ``dev`` marks
the development key). Whoever rewrites or truncates the table cannot rewrite these lines without
the key, so ``audit verify`` catches deleted newest rows and a chain rebuilt from some row on.
The file is only ever appended to (O_APPEND, one write per line, flock against a concurrent sweep,
fsync); operators should also ship it off the host (docs/security.md).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from . import chain

FORMAT_VERSION = 1


class CheckpointError(Exception):
    """A checkpoint line that does not parse or whose signature does not verify."""

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


def checkpoint_path() -> Path | None:
    """The checkpoint file of the configured database, or None when checkpoints are off."""
    directory = settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR
    if not directory:
        return None
    name = Path(str(connection.settings_dict["NAME"])).name or "default"
    return Path(directory) / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.jsonl"


def checkpoint_append(*, seq: int, hash: str, at) -> Checkpoint | None:  # noqa: A002 - the column's name
    path = checkpoint_path()
    if path is None:
        return None
    record = {
        "v": FORMAT_VERSION,
        "seq": seq,
        "hash": hash,
        "at": at.isoformat(),
        "key": chain.key_id(),
        "dev": chain.key_is_development(),
    }
    record["sig"] = chain.checkpoint_signature(record)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return Checkpoint(seq=seq, hash=hash, at=record["at"], development=record["dev"], line=0)


def checkpoints_read() -> list[Checkpoint]:
    """Every checkpoint of this database, in file order, each signature checked.

    Raises CheckpointError on the first line that does not parse or does not verify: a forged or
    edited line, or a file signed with another key."""
    path = checkpoint_path()
    if path is None or not path.exists():
        return []
    out: list[Checkpoint] = []
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                record = json.loads(raw)
                seq = int(record["seq"])
            except (ValueError, KeyError, TypeError) as exc:
                raise CheckpointError(f"检查点文件 {path} 第 {number} 行无法解析：{exc}") from exc
            if not isinstance(record, dict) or record.get("v") != FORMAT_VERSION:
                raise CheckpointError(f"检查点文件 {path} 第 {number} 行格式版本不受支持", seq=seq)
            if record.get("key") != chain.key_id() or not chain.checkpoint_signature_ok(record):
                raise CheckpointError(
                    f"检查点文件 {path} 第 {number} 行（序号 {seq}）签名无效：被篡改，或由另一把密钥签署",
                    seq=seq,
                )
            out.append(
                Checkpoint(
                    seq=seq,
                    hash=str(record["hash"]),
                    at=str(record["at"]),
                    development=bool(record.get("dev")),
                    line=number,
                )
            )
    return out
