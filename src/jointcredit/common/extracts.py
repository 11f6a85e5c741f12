"""Daily public bulk extracts (公开数据批量下载) — the mechanism; ADR 0031, docs/portal.md “批量下载”.

Each app contributes the rows it owns from its ``AppConfig.ready`` (``lists``: 红名单/黑名单 in force,
``records``: 双公示 under publication), already shaped and masked as on the portal::

    from jointcredit.common.extracts import register_extract_dataset

    register_extract_dataset(
        "black-list", "黑名单", columns=(("subject_name", "主体名称"), ...), rows=fn, order=20
    )

``rows(as_of) -> Iterable[dict]`` yields one dict per row in a stable order, streamed from the
database (``.iterator()``): an extract is never held in memory. This module knows no domain app; it
writes, for an as-of date D, the directory ``<JOINTCREDIT_EXTRACT_DIR>/D/`` with
``<key>-D.csv`` (UTF-8 with BOM, cells through ``safe_cell``), ``<key>-D.jsonl`` (one JSON object a
line) for every dataset, ``manifest.json`` (rows, bytes, SHA-256 per file) and ``SHA256SUMS``
(``sha256sum -c`` format). The directory is built beside the others under a temporary name and
renamed into place when complete, so a reader (the portal's download page) sees a whole extract or
none; a crash leaves only a ``.build-*`` directory that the next build removes. One extract per
date: a second build of the same date is a no-op unless ``force``; the files carry no build time,
so a forced rebuild over unchanged data produces the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from . import clock
from .jsonable import jsonable
from .replicas import lag_tolerant_reads
from .tabular import safe_cell

SUMS_NAME = "SHA256SUMS"
MANIFEST_NAME = "manifest.json"
FORMATS = ("csv", "jsonl")
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BUILD_PREFIX = ".build-"
_TRASH_PREFIX = ".old-"
# Rows are encoded and written in blocks of this many: a few hundred KB in memory at most.
_BLOCK_ROWS = 1000


@dataclass(frozen=True)
class ExtractDataset:
    key: str  # file stem, e.g. "black-list"
    label: str  # 黑名单
    columns: tuple[tuple[str, str], ...]  # (key in the row dict and JSON, 中文说明)
    rows: Callable[[date], Iterable[dict[str, Any]]]
    order: int = 50
    description: str = ""


_datasets: dict[str, ExtractDataset] = {}


def register_extract_dataset(
    key: str,
    label: str,
    *,
    columns: Iterable[tuple[str, str]],
    rows: Callable[[date], Iterable[dict[str, Any]]],
    order: int = 50,
    description: str = "",
) -> None:
    """A later registration of a key replaces it (as in ``portal_registry``)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", key):
        raise ValueError(f"extract dataset key must be lower-case words joined by '-': {key!r}")
    _datasets[key] = ExtractDataset(key, label, tuple(columns), rows, order, description)


def extract_datasets() -> list[ExtractDataset]:
    return sorted(_datasets.values(), key=lambda d: (d.order, d.key))


@dataclass
class ExtractFile:
    name: str
    dataset: str
    label: str
    format: str
    rows: int
    bytes: int
    sha256: str


@dataclass
class Extract:
    as_of: date
    path: Path
    files: list[ExtractFile] = field(default_factory=list)
    built: bool = False  # this call wrote it (False: it was already there)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)


def extract_root() -> Path:
    return Path(getattr(settings, "JOINTCREDIT_EXTRACT_DIR", None) or Path(settings.MEDIA_ROOT) / "extracts")


def file_name(key: str, as_of: date, fmt: str) -> str:
    return f"{key}-{as_of.isoformat()}.{fmt}"


# --- writing ----------------------------------------------------------------------------------------
class _HashingWriter:
    """Bytes to a file, counting and hashing on the way (no second read for the checksum)."""

    def __init__(self, path: Path):
        self._f = open(path, "wb")  # noqa: SIM115 - closed by close()
        self._hash = hashlib.sha256()
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self._f.write(data)
        self._hash.update(data)
        self.bytes += len(data)

    def close(self) -> str:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        return self._hash.hexdigest()


def _text(value: Any) -> str:
    value = jsonable(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _write_dataset(dataset: ExtractDataset, as_of: date, directory: Path) -> list[ExtractFile]:
    """One pass over the dataset's rows writes both formats."""
    keys = [k for k, _ in dataset.columns]
    names = {fmt: file_name(dataset.key, as_of, fmt) for fmt in FORMATS}
    out = {fmt: _HashingWriter(directory / names[fmt]) for fmt in FORMATS}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(keys)
    out["csv"].write(("\ufeff" + buf.getvalue()).encode("utf-8"))
    rows = 0
    csv_block: list[list[str]] = []
    json_block: list[str] = []

    def flush() -> None:
        buf.seek(0)
        buf.truncate()
        writer.writerows(csv_block)
        out["csv"].write(buf.getvalue().encode("utf-8"))
        out["jsonl"].write("".join(json_block).encode("utf-8"))
        csv_block.clear()
        json_block.clear()

    try:
        for row in dataset.rows(as_of):
            csv_block.append([safe_cell(_text(row.get(k))) for k in keys])
            json_block.append(
                json.dumps({k: jsonable(row.get(k)) for k in keys}, ensure_ascii=False, sort_keys=False)
                + "\n"
            )
            rows += 1
            if len(csv_block) >= _BLOCK_ROWS:
                flush()
        flush()
    finally:
        digests = {fmt: w.close() for fmt, w in out.items()}
    return [
        ExtractFile(
            name=names[fmt],
            dataset=dataset.key,
            label=dataset.label,
            format=fmt,
            rows=rows,
            bytes=out[fmt].bytes,
            sha256=digests[fmt],
        )
        for fmt in FORMATS
    ]


def _write_index(files: list[ExtractFile], as_of: date, directory: Path) -> None:
    sums = "".join(f"{f.sha256}  {f.name}\n" for f in files)
    (directory / SUMS_NAME).write_text(sums, encoding="ascii")
    manifest = {
        "as_of": as_of.isoformat(),
        "files": [
            {
                "name": f.name,
                "dataset": f.dataset,
                "label": f.label,
                "format": f.format,
                "rows": f.rows,
                "bytes": f.bytes,
                "sha256": f.sha256,
            }
            for f in files
        ],
    }
    (directory / MANIFEST_NAME).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sweep_leftovers(root: Path) -> None:
    """Directories of builds that crashed (or lost a race) before their rename."""
    for child in root.iterdir():
        if child.is_dir() and child.name.startswith((_BUILD_PREFIX, _TRASH_PREFIX)):
            # A build running right now in another process is younger than an hour.
            if clock.timestamp() - child.stat().st_mtime > 3600:
                shutil.rmtree(child, ignore_errors=True)


def extract_build(*, as_of: date, force: bool = False) -> Extract:
    """Write the extract of ``as_of`` (idempotent per date; ``force`` replaces an existing one)."""
    root = extract_root()
    root.mkdir(parents=True, exist_ok=True)
    final = root / as_of.isoformat()
    if not force:
        existing = extract_get(as_of)
        if existing is not None:
            return existing
    _sweep_leftovers(root)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_BUILD_PREFIX}{as_of.isoformat()}-", dir=root))
    try:
        files: list[ExtractFile] = []
        # A day's extract is of a date already past: a read replica may supply the rows (ADR 0048).
        with lag_tolerant_reads():
            for dataset in extract_datasets():
                files += _write_dataset(dataset, as_of, tmp)
        _write_index(files, as_of, tmp)
        os.chmod(tmp, 0o755)
        _fsync_dir(tmp)
        if final.exists():
            if not force:  # another build of the same date finished first: keep that one
                shutil.rmtree(tmp, ignore_errors=True)
                return extract_get(as_of) or Extract(as_of, final)
            # rename() cannot replace a non-empty directory: move the old one aside first. For that
            # instant the date is absent (the page shows the previous date), never half-written.
            trash = Path(tempfile.mkdtemp(prefix=f"{_TRASH_PREFIX}{as_of.isoformat()}-", dir=root))
            os.replace(final, trash / "x")
            os.replace(tmp, final)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, final)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    extract = extract_get(as_of)
    assert extract is not None
    extract.built = True
    return extract


# --- reading ----------------------------------------------------------------------------------------
def extract_get(as_of: date) -> Extract | None:
    """A complete extract (its manifest is written last inside the renamed directory)."""
    path = extract_root() / as_of.isoformat()
    try:
        manifest = json.loads((path / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Extract(as_of=as_of, path=path, files=[ExtractFile(**f) for f in manifest["files"]])


def extract_list(*, limit: int = 7) -> list[Extract]:
    """The latest extracts, newest first."""
    root = extract_root()
    if not root.is_dir():
        return []
    dates = sorted((c.name for c in root.iterdir() if _DATE_DIR.match(c.name)), reverse=True)
    out = []
    for name in dates:
        try:
            extract = extract_get(date.fromisoformat(name))
        except ValueError:
            continue
        if extract is not None:
            out.append(extract)
        if len(out) >= limit:
            break
    return out


def extract_file_path(as_of: date, name: str) -> Path | None:
    """The path of a file the extract of ``as_of`` lists (data files, manifest, SHA256SUMS), else None:
    nothing else under the root is reachable by name."""
    extract = extract_get(as_of)
    if extract is None:
        return None
    if name in {f.name for f in extract.files} | {SUMS_NAME, MANIFEST_NAME}:
        return extract.path / name
    return None


def extract_prune(*, keep: int | None = None) -> int:
    """Remove all but the newest ``keep`` extracts (``JOINTCREDIT_EXTRACT_KEEP``, default 30)."""
    keep = keep if keep is not None else int(getattr(settings, "JOINTCREDIT_EXTRACT_KEEP", 30))
    root = extract_root()
    if not root.is_dir():
        return 0
    dates = sorted((c.name for c in root.iterdir() if _DATE_DIR.match(c.name) and c.is_dir()), reverse=True)
    for name in dates[keep:]:
        shutil.rmtree(root / name, ignore_errors=True)
    return len(dates[keep:])
