"""Evidence uploads: PDF/JPG/PNG recognised by their magic bytes (never by name or the client's
content type), at most ``JOINTCREDIT_EVIDENCE_MAX_BYTES`` each."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile

from jointcredit.casework.models import Evidence
from jointcredit.common.errors import ValidationFailed

MAX_FILES = 10
MAGIC = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def max_bytes() -> int:
    return int(getattr(settings, "JOINTCREDIT_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in MAGIC:
        if head.startswith(magic):
            return content_type, ext
    return None


def evidence_check(files, *, field: str = "files") -> list[tuple[object, bytes, str, str]]:
    """Validate every file before anything is written: [(upload, data, content_type, ext)]."""
    files = [f for f in (files or []) if f is not None]
    if len(files) > MAX_FILES:
        raise ValidationFailed.single(field, "max_files", f"证明材料（{field}）最多 {MAX_FILES} 个文件。")
    limit = max_bytes()
    checked, details = [], []
    for upload in files:
        name = PurePath(getattr(upload, "name", "") or "file").name[:200]
        size = getattr(upload, "size", None)
        if size is not None and size > limit:
            details.append(
                {
                    "field": field,
                    "rule": "max_size",
                    "file": name,
                    "message": (
                        f"文件“{name}”大小 {size} 字节，超过上限 {limit} 字节（{limit // 1024 // 1024} MB）。"
                    ),
                }
            )
            continue
        data = upload.read(limit + 1)
        if len(data) > limit:
            details.append(
                {
                    "field": field,
                    "rule": "max_size",
                    "file": name,
                    "message": f"文件“{name}”超过上限 {limit} 字节（{limit // 1024 // 1024} MB）。",
                }
            )
            continue
        if not data:
            details.append(
                {"field": field, "rule": "not_empty", "file": name, "message": f"文件“{name}”为空。"}
            )
            continue
        kind = sniff(data[:16])
        if kind is None:
            details.append(
                {
                    "field": field,
                    "rule": "file_type",
                    "file": name,
                    "message": (
                        f"文件“{name}”不是 PDF、JPG 或 PNG 文件（按文件内容识别），"
                        "请上传这三种格式的证明材料。"
                    ),
                }
            )
            continue
        checked.append((upload, data, *kind))
    if details:
        raise ValidationFailed("；".join(d["message"] for d in details[:3]), details=details)
    return checked


def evidence_store(checked, *, owner_type: str, owner_id: int, kind: str, actor) -> list[Evidence]:
    out = []
    for upload, data, content_type, ext in checked:
        name = PurePath(getattr(upload, "name", "") or f"file{ext}").name[:200]
        digest = hashlib.sha256(data).hexdigest()
        ev = Evidence(
            owner_type=owner_type,
            owner_id=owner_id,
            kind=kind,
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=digest,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        # Stored under a neutral name: the client's file name is kept only as text.
        ev.file.save(f"{owner_type}-{owner_id}-{digest[:16]}{ext}", ContentFile(data), save=False)
        ev.save()
        out.append(ev)
    return out


def evidence_of(owner_type: str, owner_id: int):
    return Evidence.objects.filter(owner_type=owner_type, owner_id=owner_id)
