"""Imports of related persons from registration data files (ADR 0046)."""

from __future__ import annotations

from datetime import date, datetime
from typing import BinaryIO, cast

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.schemas import PageNumber, PageSize

from . import selectors, services

PREFIX = "/related-persons"
router = Router(tags=["关联人登记信息"])


class RelatedImportErrorOut(Schema):
    row: int
    field: str
    rule: str
    message: str


class RelatedImportOut(Schema):
    batch_id: int
    status: str
    status_label: str
    file_name: str
    department: str
    as_of: date
    full_snapshot: bool
    total_rows: int
    accepted: int
    rejected: int
    created: int
    updated: int
    unchanged: int
    ended: int
    companies: int
    error_count: int
    errors: list[RelatedImportErrorOut]
    started_at: datetime


class RelatedImportPage(Schema):
    items: list[RelatedImportOut]
    page: int
    page_size: int
    total: int
    pages: int


@router.post(
    "/imports",
    response={201: RelatedImportOut},
    summary="导入关联人登记信息（CSV UTF-8/GBK、XLSX）",
    description="法定代表人、负责人、董事、监事、高级管理人员和股东（自然人或企业）。全部成功才导入："
    "任何一行有错则不写入并返回 422（`error.details` 为逐行错误：row、field、rule、message）。"
    "`full_snapshot=true` 表示文件列出所含企业的全部关联人：文件中企业名下未再列出的在任身份"
    "于 `as_of`（资料日期，默认今天）前一日终止。"
    "仅登记机关（403）。",
)
def related_import(
    request,
    file: File[UploadedFile],
    as_of: str = Form("", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="资料日期 YYYY-MM-DD，空为今天"),
    full_snapshot: Form[bool] = False,
):
    batch = services.related_import(
        actor=request.auth,
        fileobj=cast(BinaryIO, file),
        name=file.name or "",
        size=file.size,
        as_of=services.as_of_parse(as_of),
        full_snapshot=full_snapshot,
        source="api",
    )
    return Status(201, services.import_report(batch))


@router.get("/imports", response=RelatedImportPage, summary="关联人导入批次")
def related_import_list(request, page: PageNumber = 1, page_size: PageSize = 20):
    ensure_can_view(request.auth)
    found = selectors.batch_list(page=page, page_size=page_size)
    return {"items": [services.import_report(b) for b in found.items], **found.as_meta()}


@router.get("/imports/{batch_id}", response=RelatedImportOut, summary="关联人导入批次报告")
def related_import_get(request, batch_id: int):
    ensure_can_view(request.auth)
    return services.import_report(selectors.batch_get(batch_id))
