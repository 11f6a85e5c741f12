"""Staff export of list entries (CSV/XLSX) with the filters of the list page and GET /list-entries.

Full data (staff see what the list page shows: names and identifiers unmasked); every cell through
``common.tabular.safe_cell``; rows streamed from the database, never all in memory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from jointcredit.common import clock
from jointcredit.common.tabular import table_response

from .models import ListEntry
from .selectors import list_entry_filter

COLUMNS: tuple[tuple[str, str], ...] = (
    ("编号", "pk"),
    ("名单类型代码", "list_type.code"),
    ("名单类型", "list_type.name"),
    ("颜色", "color"),
    ("主体名称", "subject_name"),
    ("统一社会信用代码/证件号码", "subject.identifier"),
    ("主体类别", "kind"),
    ("认定部门", "department.name"),
    ("状态", "state"),
    ("按日期推导的状态", "status"),
    ("列入事由", "reason"),
    ("认定依据", "legal_basis"),
    ("认定文书号", "document_no"),
    ("认定日期", "decided_on"),
    ("有效期自", "valid_from"),
    ("有效期至", "valid_until"),
    ("发布时间", "published_at"),
    ("移出时间", "removed_at"),
    ("移出原因", "removal_reason"),
    ("异议中", "under_objection"),
)
CHUNK = 2000


def _value(entry: ListEntry, path: str, today):
    if path == "color":
        return entry.list_type.get_color_display()
    if path == "kind":
        return entry.subject.get_kind_display()
    if path == "state":
        return entry.get_state_display()
    if path == "status":
        return entry.display_status(today)
    if path == "removal_reason":
        return entry.get_removal_reason_display() if entry.removal_reason else ""
    if path == "under_objection":
        return "是" if entry.under_objection else "否"
    value: Any = entry
    for part in path.split("."):
        value = getattr(value, part)
    if value is None:
        return ""
    if path.endswith("_at"):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def entry_export_rows(**filters) -> tuple[list[str], Iterator[list]]:
    """Header and rows of the entries ``list_entry_filter(**filters)`` selects, newest first (the
    list page's order). Filters are validated here, before the response starts (422 on a bad one)."""
    qs = list_entry_filter(**filters).order_by("-created_at", "-id")
    today = clock.today()

    def rows():
        for entry in qs.iterator(chunk_size=CHUNK):
            yield [_value(entry, path, today) for _, path in COLUMNS]

    return [label for label, _ in COLUMNS], rows()


def entry_export_response(*, fmt: str, **filters):
    header, rows = entry_export_rows(**filters)
    return table_response(header=header, rows=rows, fmt=fmt, stem="红黑名单条目")
