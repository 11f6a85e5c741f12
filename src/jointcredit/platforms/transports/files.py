"""The file transport, for platforms that still take uploads (信用济南): XLSX/CSV files in the
national formats, and the platform's receipt file read back (docs/platforms.md “文件方式”, ADR 0043).

* Sending groups a round's staged items by item type into ``OutgoingFile`` rows (one file per
  type: the national formats differ per type) and marks them sent; the file itself is rendered
  from the items' rows when someone downloads it, in either format.
* Columns of an outgoing file: ``SBBH`` (上报编号 = the idempotency key), ``BGLX`` (变更类型), the
  type's field codes (MD_* / XK_* / CF_* / XF_*), ``DFBM``, ``SJC``.
* The receipt file (``RECEIPT_COLUMNS``): one line per item, ``SBBH``, ``HZJG`` (1 接收 / 2 退回),
  ``HZYY`` (退回原因). It is read through the bounded readers and recorded all-or-nothing: one
  bad line (an unknown 上报编号, a result that is neither, a rejection without a reason) and
  nothing is recorded; every problem is reported with its row number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from django.db import transaction

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.tabular import read_table
from jointcredit.records.fields import FIELDS

from .. import exchange_db, formats
from ..models import OutgoingFile, OutgoingItem, OutgoingState, Platform
from ..receipts import outgoing_receipts_record
from . import Receipt

FORMATS = ("xlsx", "csv")
LEAD_COLUMNS = {"SBBH": "上报编号", "BGLX": "变更类型"}
TAIL_COLUMNS = {"DFBM": "地方编码", "SJC": "时间戳"}
RECEIPT_COLUMNS = {"SBBH": "上报编号", "HZJG": "回执结果（1 接收 2 退回）", "HZYY": "退回原因"}
RECEIPT_HEADERS = {
    "SBBH": "SBBH",
    "上报编号": "SBBH",
    "HZJG": "HZJG",
    "回执结果": "HZJG",
    "HZYY": "HZYY",
    "退回原因": "HZYY",
}
RESULTS = {
    "1": "accepted",
    "接收": "accepted",
    "accepted": "accepted",
    "2": "rejected",
    "退回": "rejected",
    "rejected": "rejected",
}
MAX_ERRORS = 200


def field_codes(item_type: str) -> list[str]:
    """The national field codes of an item type, in the standard's order."""
    if item_type == formats.LIST_ENTRY:
        return list(formats.LIST_ENTRY_FIELDS)
    if item_type == formats.REPAIR:
        return list(formats.REPAIR_FIELDS)
    return [spec.code for spec in FIELDS[item_type]]


def file_header(item_type: str) -> list[str]:
    return [*LEAD_COLUMNS, *field_codes(item_type), *TAIL_COLUMNS]


def file_rows(file: OutgoingFile) -> Iterator[list[str]]:
    codes = field_codes(file.item_type)
    for item in file.items.order_by("id").iterator(chunk_size=2000):
        row = item.payload
        yield [
            item.idempotency_key,
            formats.ACTIONS.get(item.action, item.action),
            *(str(row.get(c) if row.get(c) is not None else "") for c in codes),
            str(row.get("DFBM") or ""),
            str(row.get("SJC") or ""),
        ]


class FileTransport:
    """Nothing leaves the district by itself: sending makes files; receipts come by upload."""

    reconciles = False

    def __init__(self, platform: Platform):
        self.platform = platform

    def prepare(self) -> None:
        return None

    def send(self, items: Sequence[OutgoingItem]) -> None:
        by_type: dict[str, list[int]] = defaultdict(list)
        for item in items:
            by_type[item.item_type].append(item.pk)
        now = clock.now()
        with transaction.atomic():
            for item_type, pks in sorted(by_type.items()):
                file = OutgoingFile.objects.create(
                    platform=self.platform, item_type=item_type, created_at=now, item_count=len(pks)
                )
                # Sent with their file in one transaction: an item is never in two files.
                OutgoingItem.objects.filter(pk__in=pks, state=OutgoingState.STAGED).update(
                    file=file, state=OutgoingState.SENT, sent_at=now
                )

    def receipts_after(self, position: int, *, limit: int) -> list[Receipt]:
        return []  # the receipt file is uploaded by hand (``receipt_file_record``)

    def incoming_after(self, position: int, *, limit: int) -> list[exchange_db.IncomingRow]:
        return []

    def incoming_status_write(self, rows: list[tuple[int, str, str]]) -> None:
        return None

    def holdings(self) -> None:
        return None


def _parse_receipts(platform: Platform, upload, *, name: str, size: int | None) -> list[tuple[str, str, str]]:
    table = read_table(upload, name=name, size=size, allowed={".csv", ".xlsx"})
    columns = {
        RECEIPT_HEADERS.get(h.strip()): i for i, h in enumerate(table.header) if h.strip() in RECEIPT_HEADERS
    }
    missing = [
        f"{code}（{label}）"
        for code, label in RECEIPT_COLUMNS.items()
        if code not in columns and code != "HZYY"
    ]
    if missing:
        raise ValidationFailed.single("file", "header", f"回执文件缺少列：{'、'.join(missing)}。")
    errors: list[dict] = []
    lines: list[tuple[int, str, str, str]] = []

    def cell(cells: list[str], code: str) -> str:
        i = columns.get(code)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for row_no, cells in table.rows:
        key, result, reason = cell(cells, "SBBH"), cell(cells, "HZJG"), cell(cells, "HZYY")
        problem = None
        if not key:
            problem = ("SBBH", "required", "上报编号（SBBH）不能为空")
        elif result not in RESULTS:
            problem = ("HZJG", "choice", f"回执结果（HZJG）“{result}”必须是 1（接收）或 2（退回）")
        elif RESULTS[result] == "rejected" and not reason:
            problem = ("HZYY", "required", "退回的事项必须填写退回原因（HZYY）")
        if problem:
            errors.append(
                {
                    "row": row_no,
                    "field": problem[0],
                    "rule": problem[1],
                    "message": f"第 {row_no} 行：{problem[2]}",
                }
            )
        else:
            lines.append((row_no, key, RESULTS[result], reason))
    known = set(
        OutgoingItem.objects.filter(
            platform=platform, idempotency_key__in={k for _, k, _, _ in lines}
        ).values_list("idempotency_key", flat=True)
    )
    for row_no, key, _, _ in lines:
        if key not in known:
            message = f"第 {row_no} 行：上报编号（SBBH）“{key}”不是本区向{platform.name}上报的事项"
            errors.append({"row": row_no, "field": "SBBH", "rule": "unknown", "message": message})
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise ValidationFailed(
            f"回执文件有 {len(errors)} 处错误，未导入任何回执：{errors[0]['message']}"
            + ("等。" if len(errors) > 1 else "。"),
            details=errors[:MAX_ERRORS],
        )
    if not lines:
        raise ValidationFailed.single("file", "empty", "回执文件没有数据行。")
    return [(key, result, reason) for _, key, result, reason in lines]


def receipt_file_record(
    *, actor, platform: Platform, upload, name: str, size: int | None = None
) -> dict[str, int]:
    """导入回执文件: every line recorded as that item's receipt, exactly as receipts pulled from the
    前置库 or the HTTPS API are (``receipts.outgoing_receipts_record``), or nothing at all."""
    ensure_office_admin(actor)
    receipts = _parse_receipts(platform, upload, name=name, size=size)
    with transaction.atomic():
        platform = Platform.objects.select_for_update().get(pk=platform.pk)
        counts, rejected_keys = outgoing_receipts_record(platform=platform, receipts=receipts)
        OutgoingFile.objects.filter(
            pk__in=OutgoingItem.objects.filter(
                platform=platform, idempotency_key__in=[k for k, _, _ in receipts]
            ).values("file_id")
        ).update(receipt_at=clock.now(), receipt_name=name[:200])
        audit_record(
            actor=actor,
            action="platform.receipt_file_record",
            obj=platform,
            department=platform.receiving_department,
            after={
                **counts,
                "file": name[:200],
                "lines": len(receipts),
                "rejected_keys": rejected_keys[:100],
            },
        )
    return {**counts, "lines": len(receipts)}
