"""Writes of the catalog: items (versioned), 应用清单, 归集 submissions (the shared import pipeline)
and collection tasks (due dates in working days, reminders)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import BinaryIO

import polars as pl
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from jointcredit.accounts.models import DelegationScope, Department, Role, User
from jointcredit.accounts.permissions import (
    can_write_for,
    ensure_can_write,
    ensure_department_admin,
    ensure_office_admin,
)
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock
from jointcredit.common.bulk import chunks, db_datetime, insert_frame, reserve_ids, rows_where_in
from jointcredit.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from jointcredit.common.jsonable import jsonable
from jointcredit.exchange.outbox import event_emit
from jointcredit.importing.pipeline import ERROR_CAP, ImportMode, Rollback, collect_errors, mode_check
from jointcredit.importing.tabular import read_frame
from jointcredit.measures.scenarios import scenario_validate
from jointcredit.subjects.services import subjects_resolve

from . import validation
from .models import (
    CatalogItem,
    CatalogItemVersion,
    CatalogRecord,
    Category,
    CollectionTask,
    Disclosure,
    Frequency,
    SubjectScope,
    Submission,
    Usage,
)
from .schema import clean_fields

_LOCK_BASE = 724_031_000
PER_RECORD_AUDIT_MAX = 100
EDITABLE = (
    "name",
    "category",
    "department",
    "description",
    "legal_basis",
    "subject_scope",
    "fields",
    "frequency",
    "due_working_days",
    "disclosure",
    "retention_months",
    "collect_from",
    "is_active",
)


# --- items --------------------------------------------------------------------------------------


def _definition(item: CatalogItem) -> dict:
    return jsonable(
        {a: (getattr(item, a).code if a == "department" else getattr(item, a)) for a in EDITABLE}
        | {"code": item.code, "version": item.version}
    )


def _choice(field: str, value, choices, label: str) -> str:
    if value not in choices.values:
        options = "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
        raise ValidationFailed.single(field, "choice", f"{label}“{value}”无效，应为 {options}。")
    return value


def _check_attrs(values: dict) -> dict:
    out = dict(values)
    if "name" in out:
        out["name"] = str(out["name"] or "").strip()
        if not out["name"] or len(out["name"]) > 100:
            raise ValidationFailed.single(
                "name", "required", "信息项名称（name）不能为空且不超过 100 个字符。"
            )
    if "category" in out:
        _choice("category", out["category"], Category, "信息类别")
    if "disclosure" in out:
        _choice("disclosure", out["disclosure"], Disclosure, "公开属性")
    if "frequency" in out:
        _choice("frequency", out["frequency"], Frequency, "更新频率")
    if "subject_scope" in out:
        _choice("subject_scope", out["subject_scope"], SubjectScope, "主体范围")
    if "department" in out and not isinstance(out["department"], Department):
        dept = Department.objects.filter(code=str(out["department"] or ""), is_active=True).first()
        if dept is None:
            raise ValidationFailed.single(
                "department", "exists", f"提供部门“{out['department']}”不存在或已停用。"
            )
        out["department"] = dept
    if "retention_months" in out and not 1 <= int(out["retention_months"]) <= 1200:
        raise ValidationFailed.single(
            "retention_months", "range", "保存/使用期限（retention_months）应为 1–1200 个月。"
        )
    if "due_working_days" in out and not 1 <= int(out["due_working_days"]) <= 60:
        raise ValidationFailed.single(
            "due_working_days", "range", "报送期限（due_working_days）应为周期结束后 1–60 个工作日。"
        )
    if "fields" in out:
        out["fields"] = clean_fields(out["fields"])
    return out


def item_create(
    *,
    actor,
    code: str,
    name: str,
    category: str,
    department,
    fields: list[dict],
    frequency: str,
    disclosure: str,
    retention_months: int = 60,
    due_working_days: int = 10,
    subject_scope: str = SubjectScope.LEGAL,
    description: str = "",
    legal_basis: str = "",
    collect_from: date | None = None,
    as_system: bool = False,
) -> CatalogItem:
    """Office only (``as_system``: server-side installation of the default catalog, audited as
    系统). Version 1 of the item is snapshotted."""
    if not as_system:
        ensure_office_admin(actor)
    code = str(code or "").strip().lower()
    import re

    if not re.match(r"^[a-z][a-z0-9_-]{1,39}$", code):
        raise ValidationFailed.single(
            "code", "format", f"信息项代码“{code}”无效：小写字母开头的 2–40 位字母、数字、下划线或连字符。"
        )
    values = _check_attrs(
        dict(
            name=name,
            category=category,
            department=department,
            fields=fields,
            frequency=frequency,
            disclosure=disclosure,
            retention_months=retention_months,
            due_working_days=due_working_days,
            subject_scope=subject_scope,
        )
    )
    with transaction.atomic():
        if CatalogItem.objects.filter(code=code).exists():
            raise Conflict(
                f"信息项代码“{code}”已存在。", details=[{"field": "code", "rule": "unique", "code": code}]
            )
        if CatalogItem.objects.filter(name=values["name"]).exists():
            raise Conflict(
                f"信息项名称“{values['name']}”已存在。", details=[{"field": "name", "rule": "unique"}]
            )
        item = CatalogItem.objects.create(
            code=code,
            description=description,
            legal_basis=legal_basis,
            **({"collect_from": collect_from} if collect_from else {}),
            **values,
        )
        CatalogItemVersion.objects.create(
            item=item, version=1, definition=_definition(item), note="新建", changed_by=_user(actor)
        )
        audit_record(actor=actor, action="catalog_item.create", obj=item, after=_definition(item))
    return item


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def item_update(
    *,
    actor,
    item: CatalogItem,
    changes: dict,
    renames: dict | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> CatalogItem:
    """Change an item: every change bumps the version. A field change that would orphan stored
    rows is refused (409, details name the field, the rule and how many rows); renames
    (``{"OLD": "NEW"}``) and compatible type changes migrate the stored rows in the same
    transaction."""
    ensure_office_admin(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed.single(
            sorted(unknown)[0],
            "unknown",
            f"不能修改字段 {'、'.join(sorted(unknown))}"
            f"（信息项代码不可修改；可修改：{'、'.join(EDITABLE)}）。",
        )
    values = _check_attrs(changes)
    renames = {str(k).upper(): str(v).upper() for k, v in (renames or {}).items()}
    with transaction.atomic():
        item = CatalogItem.objects.select_for_update().get(pk=item.pk)
        if expected_version is not None and expected_version != item.version:
            raise Conflict(
                f"信息项已被他人修改：当前为第 {item.version} 版，你修改的是第 {expected_version} 版。",
                details=[{"field": "version", "rule": "stale", "current": item.version}],
            )
        before = _definition(item)
        old_fields = item.fields
        new_fields = values.get("fields", old_fields)
        migrated = 0
        if "fields" in values or renames:
            migrated = _migrate_fields(item, old_fields, new_fields, renames)
        changed = {k for k, v in values.items() if getattr(item, k) != v}
        if not changed and not renames:
            return item
        for k, v in values.items():
            setattr(item, k, v)
        item.version += 1
        item.save()
        CatalogItemVersion.objects.create(
            item=item,
            version=item.version,
            definition=_definition(item),
            note=note[:300],
            changed_by=_user(actor),
        )
        if "department" in changed:
            CollectionTask.objects.filter(item=item, first_submitted_at__isnull=True).update(
                department=item.department
            )
        audit_record(
            actor=actor,
            action="catalog_item.update",
            obj=item,
            before=before,
            after=_definition(item) | {"renames": renames, "migrated_rows": migrated, "note": note},
        )
    return item


def _migrate_fields(item: CatalogItem, old: list[dict], new: list[dict], renames: dict[str, str]) -> int:
    """Refuse changes that orphan stored values; rewrite stored rows for renames/normalisation."""
    old_codes = {f["code"] for f in old}
    new_codes = {f["code"] for f in new}
    details = []
    for src, dst in renames.items():
        if src not in old_codes:
            details.append(
                {"field": src, "rule": "rename_source", "message": f"改名的原字段 {src} 在当前版本中不存在。"}
            )
        if dst not in new_codes:
            details.append(
                {"field": dst, "rule": "rename_target", "message": f"改名的新字段 {dst} 不在新的字段定义中。"}
            )
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    rows = list(CatalogRecord.objects.filter(item=item).values_list("id", "data"))
    if not rows:
        return 0
    data = [{renames.get(k, k): v for k, v in (d or {}).items()} for _, d in rows]
    removed = (old_codes - new_codes) - set(renames)
    for code in sorted(removed):
        used = sum(1 for d in data if d.get(code) not in (None, ""))
        if used:
            details.append(
                {
                    "field": code,
                    "rule": "orphan",
                    "rows": used,
                    "message": f"字段 {code} 已有 {used} 条数据，删除会丢失这些数据：请改名迁移（renames）"
                    "或保留该字段（可改为非必填）。",
                }
            )
    frame = pl.DataFrame(
        {
            "_row": [pk for pk, _ in rows],
            **{
                f["code"]: [str(d.get(f["code"]) if d.get(f["code"]) is not None else "") for d in data]
                for f in new
            },
        },
        schema={"_row": pl.Int64, **{f["code"]: pl.String for f in new}},
    )
    checked, checks = validation.field_checks(frame, new, check_required=False)
    errors, count, _ = collect_errors(checked, checks, cap=20)
    if count:
        by_rule: dict[tuple, int] = {}
        for e in errors:
            by_rule[(e["field"], e["rule"])] = by_rule.get((e["field"], e["rule"]), 0) + 1
        for e in errors[:5]:
            details.append(
                {
                    "field": e["field"],
                    "rule": "orphan_" + e["rule"],
                    "record_id": e["row"],
                    "message": "已有数据不符合新定义："
                    + e["message"].replace(f"第 {e['row']} 行：", f"记录 #{e['row']}："),
                }
            )
    if details:
        raise Conflict(
            f"修改会使已归集的数据失效，已拒绝（共 {len(rows)} 条数据）：{details[0]['message']}",
            details=details,
        )
    normalised = checked.select("_row", validation.data_json(new).alias("data"))
    updates = []
    for pk, text in normalised.iter_rows():
        updates.append(
            CatalogRecord(pk=pk, data={k: v for k, v in json.loads(text).items() if v is not None})
        )
    CatalogRecord.objects.bulk_update(updates, ["data"], batch_size=1000)
    return len(updates)


def item_get_by_code(code: str) -> CatalogItem:
    item = (
        CatalogItem.objects.select_related("department").filter(code=str(code or "").strip().lower()).first()
    )
    if item is None:
        raise NotFound(
            f"公共信用信息目录中没有代码为“{code}”的信息项。",
            details=[{"field": "item", "rule": "exists", "value": str(code)[:60]}],
        )
    return item


# --- 应用清单 -------------------------------------------------------------------------------------


def usage_set(
    *,
    actor,
    department: Department,
    item: CatalogItem,
    scenario: str,
    purpose: str = "",
    as_system: bool = False,
) -> Usage:
    """The using department's admin (or the office) lists an item for a check scenario."""
    if not as_system:
        ensure_department_admin(actor, department)
    scenario = scenario_validate(scenario)
    with transaction.atomic():
        usage, created = Usage.objects.update_or_create(
            department=department, item=item, scenario=scenario, defaults={"purpose": purpose[:200]}
        )
        audit_record(
            actor=actor,
            action="catalog_usage.set",
            obj=usage,
            department=department,
            after={"item": item.code, "scenario": scenario, "purpose": purpose, "created": created},
        )
    return usage


def usage_remove(*, actor, usage: Usage) -> None:
    ensure_department_admin(actor, usage.department)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="catalog_usage.remove",
            obj=usage,
            department=usage.department,
            before={"item": usage.item.code, "scenario": usage.scenario},
        )
        usage.delete()


# --- 归集 ----------------------------------------------------------------------------------------


class SubmissionRejected(ValidationFailed):
    """All-or-nothing with errors: nothing written (same shape as ``records.ImportRejected``)."""

    def __init__(self, submission: Submission):
        first = submission.errors[0]["message"] if submission.errors else ""
        super().__init__(
            f"归集被拒绝：共 {submission.rejected_count} 行有错误（{submission.error_count} 处），"
            f"按“全部成功才导入”未写入任何数据。{first}",
            details=submission.errors,
        )
        self.submission = submission

    def as_dict(self):
        return super().as_dict() | submission_report(self.submission)


def submission_report(sub: Submission) -> dict:
    return {
        "submission_id": sub.pk,
        "item": sub.item.code,
        "catalog_version": sub.item_version,
        "status": sub.status,
        "period": sub.task.period if sub.task_id else None,
        "accepted": sub.accepted,
        "rejected": sub.rejected_count,
        "created": sub.created_count,
        "updated": sub.updated_count,
        "unchanged": sub.unchanged_count,
        "total_rows": sub.total_rows,
        "error_count": sub.error_count,
        "errors": sub.errors,
    }


def _check_submitter(actor, item: CatalogItem, department: Department | None) -> Department:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("未登录或账号已停用。")
    if department is not None and department.pk != item.department_id:
        raise PermissionDenied(
            f"“{department.name}”不是信息项“{item.name}”的提供部门（提供部门：{item.department.name}），"
            "不能报送该信息项。"
        )
    if (
        actor.department_id is not None
        and actor.department_id != item.department_id
        and not can_write_for(actor, item.department, scope=DelegationScope.CATALOG)
    ):
        raise PermissionDenied(
            f"信息项“{item.name}”由{item.department.name}提供，{actor.department.name}不能报送。"
        )
    ensure_can_write(actor, item.department, scope=DelegationScope.CATALOG)
    if not item.is_active:
        raise Conflict(
            f"信息项“{item.name}”已停用，不再归集。", details=[{"field": "item", "rule": "active"}]
        )
    return item.department


def _check_version(item: CatalogItem, catalog_version: int | None) -> None:
    if catalog_version is not None and int(catalog_version) != item.version:
        raise Conflict(
            f"提交按目录第 {catalog_version} 版编制，但“{item.name}”当前为第 {item.version} 版，"
            "请按当前版本的字段重新编制。",
            details=[
                {
                    "field": "catalog_version",
                    "rule": "version",
                    "current": item.version,
                    "fields": [f["code"] for f in item.fields],
                }
            ],
        )


def submission_create(
    *,
    actor,
    item: CatalogItem,
    rows: list[dict] | None = None,
    fileobj: BinaryIO | None = None,
    name: str = "",
    size: int | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    source: str = "api",
    department: Department | None = None,
    catalog_version: int | None = None,
    period: str | None = None,
    max_bytes: int | None = None,
) -> Submission:
    """Submit rows of ``item``: JSON ``rows`` (form/API; ``[]`` is a 零报告 for the period) or a file
    (CSV UTF-8/GBK, XLSX) — the same pipeline as 双公示. Raises ``SubmissionRejected`` (nothing
    written, the rejected submission is recorded) in all-or-nothing mode when any row is wrong."""
    department = _check_submitter(actor, item, department)
    mode_check(mode)
    _check_version(item, catalog_version)
    task = _task_for(item, period)
    kw = {"fields": item.fields, "version": item.version, "item_name": item.name}
    digest = ""
    if fileobj is not None:
        table = read_frame(fileobj, name=name, size=size, max_bytes=max_bytes)
        digest = table.sha256
        frame = validation.frame_to_codes(table.frame, table.header, **kw)
    elif rows is not None:
        frame = validation.frame_from_rows(rows, **kw) if rows else None
    else:
        raise ValidationFailed.single("rows", "required", "请提交 rows（JSON 行）或上传文件（file）。")
    fields = dict(
        item=item,
        item_version=item.version,
        department=department,
        task=task,
        actor=_user(actor),
        source=source[:10],
        file_name=name[:255],
        file_sha256=digest,
        mode=mode,
    )
    today = clock.today()
    started = clock.now()
    if frame is None:  # 零报告: nothing new this period
        with transaction.atomic():
            sub = Submission.objects.create(status=Submission.Status.APPLIED, submitted_at=started, **fields)
            _after_submission(actor, sub, outcome={"created": 0, "updated": 0, "unchanged": 0, "ids": []})
        return sub
    result = validation.validate(frame, fields=item.fields, scope=item.subject_scope, today=today)
    skip = mode == ImportMode.SKIP_BAD_ROWS
    if result.errors and not skip:
        _reject(
            fields,
            total=result.total_rows,
            errors=result.errors,
            error_count=result.error_count,
            rejected=len(result.rejected_rows),
            started=started,
        )
    errors = list(result.errors)
    rejected = set(result.rejected_rows)
    try:
        with transaction.atomic():
            sub = Submission.objects.create(
                status=Submission.Status.APPLIED, total_rows=result.total_rows, submitted_at=started, **fields
            )
            valid, subject_errors = subjects_resolve(
                result.valid,
                actor=actor,
                batch=sub,
                source=f"{item.name}归集#{sub.pk}",
                batch_type="catalog.submission",
            )
            if subject_errors and not skip:
                raise Rollback(subject_errors)
            errors = sorted(errors + subject_errors, key=lambda e: e.get("row", 0))
            rejected |= {e["row"] for e in subject_errors}
            outcome = _apply(valid, item=item, sub=sub, now=started)
            sub.created_count, sub.updated_count = outcome["created"], outcome["updated"]
            sub.unchanged_count = outcome["unchanged"]
            sub.rejected_count = len(rejected)
            sub.error_count = result.error_count + len(subject_errors)
            sub.errors = errors[:ERROR_CAP]
            sub.save()
            _after_submission(actor, sub, outcome=outcome)
    except Rollback as rb:
        all_errors = sorted(result.errors + rb.errors, key=lambda e: e.get("row", 0))
        _reject(
            fields,
            total=result.total_rows,
            errors=all_errors,
            error_count=result.error_count + len(rb.errors),
            rejected=len(result.rejected_rows | {e["row"] for e in rb.errors}),
            started=started,
        )
    return sub


def _reject(
    fields: dict, *, total: int, errors: list[dict], error_count: int, rejected: int, started
) -> None:
    with transaction.atomic():
        sub = Submission.objects.create(
            status=Submission.Status.REJECTED,
            total_rows=total,
            rejected_count=rejected,
            error_count=error_count,
            errors=errors[:ERROR_CAP],
            submitted_at=started,
            **fields,
        )
        if sub.task_id:
            CollectionTask.objects.filter(pk=sub.task_id).update(
                submissions=_plus("submissions", 1), rejected_rows=_plus("rejected_rows", rejected)
            )
        audit_record(
            actor=fields["actor"],
            action="catalog.submission_rejected",
            obj=sub,
            department=fields["department"],
            after={"item": sub.item.code, "total_rows": total, "error_count": error_count},
        )
    raise SubmissionRejected(sub)


def _plus(name: str, n: int):
    from django.db.models import F

    return F(name) + n


def _apply(df: pl.DataFrame, *, item: CatalogItem, sub: Submission, now) -> dict:
    """Set-based write: new row keys are COPYed, existing ones compared and updated."""
    out = {"created": 0, "updated": 0, "unchanged": 0, "ids": [], "subject_ids": set()}
    if df.height == 0:
        return out
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_BASE, item.pk])
    df = df.with_columns(
        pl.col("occurred_on").dt.offset_by(f"{item.retention_months}mo").alias("retain_until")
    )
    existing = {
        key: (pk, data, sid, occ, name)
        for key, pk, data, sid, occ, name, item_id in rows_where_in(
            CatalogRecord,
            ["row_key", "id", "data", "subject_id", "occurred_on", "subject_name", "item_id"],
            "row_key",
            df.get_column("row_key").to_list(),
        )
        if item_id == item.pk
    }
    is_new = pl.col("row_key").is_in(list(existing))
    new = df.filter(~is_new)
    old = df.filter(is_new)
    out["subject_ids"] = set(df.get_column("subject_id").to_list())
    if new.height:
        ids = reserve_ids(CatalogRecord, new.height)
        now_text = db_datetime(now)
        frame = new.select(
            pl.Series("id", ids, dtype=pl.Int64),
            pl.lit(item.pk).alias("item_id"),
            pl.lit(item.version).alias("item_version"),
            pl.lit(item.department_id).alias("department_id"),
            pl.col("subject_id"),
            pl.col("subject_kind"),
            pl.col("subject_name"),
            pl.col("row_key"),
            pl.col("ref_no"),
            pl.col("occurred_on"),
            pl.col("retain_until"),
            _compact_json(pl.col("data")).alias("data"),
            pl.lit(sub.pk).alias("submission_id"),
            pl.lit(now_text).alias("created_at"),
            pl.lit(now_text).alias("updated_at"),
        )
        meta = CatalogRecord._meta
        columns = [
            meta.get_field(n[:-3] if n.endswith("_id") and n != "id" else n).column for n in frame.columns
        ]
        insert_frame(meta.db_table, columns, frame)
        out["created"] = new.height
        out["ids"].extend(ids[:PER_RECORD_AUDIT_MAX])
    updates = []
    for row in old.select(
        "row_key",
        "data",
        "subject_id",
        "occurred_on",
        "retain_until",
        "subject_name",
        "subject_kind",
        "ref_no",
    ).iter_rows(named=True):
        pk, cur_data, cur_sid, cur_occ, cur_name = existing[row["row_key"]]
        if isinstance(cur_data, str):  # raw cursor on PostgreSQL: Django's jsonb loader returns text
            cur_data = json.loads(cur_data)
        data = {k: v for k, v in json.loads(row["data"]).items() if v is not None}
        if (
            (cur_data or {}) == data
            and cur_sid == row["subject_id"]
            and _iso(cur_occ) == _iso(row["occurred_on"])
            and cur_name == row["subject_name"]
        ):
            out["unchanged"] += 1
            continue
        updates.append(
            CatalogRecord(
                pk=pk,
                data=data,
                subject_id=row["subject_id"],
                occurred_on=row["occurred_on"],
                retain_until=row["retain_until"],
                subject_name=row["subject_name"],
                subject_kind=row["subject_kind"],
                ref_no=row["ref_no"],
                item_version=item.version,
                department_id=item.department_id,
                submission_id=sub.pk,
                updated_at=now,
            )
        )
    if updates:
        for part in chunks(updates, 1000):
            CatalogRecord.objects.bulk_update(
                part,
                [
                    "data",
                    "subject_id",
                    "occurred_on",
                    "retain_until",
                    "subject_name",
                    "subject_kind",
                    "ref_no",
                    "item_version",
                    "department_id",
                    "submission_id",
                    "updated_at",
                ],
            )
        out["updated"] = len(updates)
        out["ids"].extend(u.pk for u in updates[:PER_RECORD_AUDIT_MAX])
    return out


def _compact_json(expr: pl.Expr) -> pl.Expr:
    # Drop ``"X":null`` members so stored data only has the fields that were given.
    return expr.str.replace_all(r'"[A-Z][A-Z0-9_]*":null,?', "").str.replace(r",\}$", "}")


def _iso(value) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _after_submission(actor, sub: Submission, *, outcome: dict) -> None:
    """Task bookkeeping, audit, the outbox event and grading — inside the submission's transaction."""
    accepted = outcome["created"] + outcome["updated"] + outcome["unchanged"]
    if sub.task_id:
        task = CollectionTask.objects.select_for_update().get(pk=sub.task_id)
        task.submissions += 1
        task.rows += accepted
        task.rejected_rows += sub.rejected_count
        if task.first_submitted_at is None:
            task.first_submitted_at = sub.submitted_at
        task.save(update_fields=["submissions", "rows", "rejected_rows", "first_submitted_at"])
    summary = {
        "item": sub.item.code,
        "catalog_version": sub.item_version,
        "created": outcome["created"],
        "updated": outcome["updated"],
        "unchanged": outcome["unchanged"],
        "rejected": sub.rejected_count,
        "source": sub.source,
        "file": sub.file_name,
        "period": sub.task.period if sub.task_id else None,
        "record_ids": outcome["ids"][:PER_RECORD_AUDIT_MAX],
    }
    audit_record(actor=actor, action="catalog.submission", obj=sub, department=sub.department, after=summary)
    if outcome["created"] or outcome["updated"]:
        event_emit(
            kind="catalog.submission_applied",
            aggregate_type="catalog.submission",
            aggregate_id=sub.pk,
            data=summary
            | {
                "item_name": sub.item.name,
                "category": sub.item.category,
                "disclosure": sub.item.disclosure,
                "department_id": sub.department_id,
                "submission_id": sub.pk,
            },
            department=sub.department,
        )
        if sub.item.category == Category.DISHONEST:
            try:
                from jointcredit.grading.services import grade_schedule
            except ImportError:  # grading not installed
                return
            grade_schedule(outcome["subject_ids"])


# --- collection tasks ---------------------------------------------------------------------------


def _periods(frequency: str, start: date, until: date) -> list[tuple[str, date, date]]:
    """Reporting periods overlapping [start, until] (the current one included)."""
    out = []
    months = {
        Frequency.MONTHLY: 1,
        Frequency.QUARTERLY: 3,
        Frequency.HALF_YEARLY: 6,
        Frequency.YEARLY: 12,
    }.get(frequency)
    if months is None:
        return out
    year, month = start.year, ((start.month - 1) // months) * months + 1
    while date(year, month, 1) <= until:
        first = date(year, month, 1)
        nm, ny = month + months, year
        if nm > 12:
            nm, ny = nm - 12, ny + 1
        last = date(ny, nm, 1) - timedelta(days=1)
        label = {
            1: f"{year}-{month:02d}",
            3: f"{year}Q{(month - 1) // 3 + 1}",
            6: f"{year}H{(month - 1) // 6 + 1}",
            12: f"{year}",
        }[months]
        out.append((label, first, last))
        year, month = ny, nm
    return out


def tasks_generate(*, today: date | None = None, items=None) -> int:
    """Create the tasks of every periodic item from ``collect_from`` up to the current period and
    fill pending due dates (idempotent). Returns the number of tasks created."""
    today = today or clock.today()
    cal = WorkingCalendar.load()
    created = 0
    qs = items if items is not None else CatalogItem.objects.filter(is_active=True)
    for item in qs:
        existing = set(CollectionTask.objects.filter(item=item).values_list("period", flat=True))
        new = [
            CollectionTask(
                item=item,
                department_id=item.department_id,
                period=label,
                period_start=first,
                period_end=last,
                due_date=deadline_or_pending(last, item.due_working_days, calendar=cal),
            )
            for label, first, last in _periods(item.frequency, item.collect_from, today)
            if label not in existing
        ]
        if new:
            with transaction.atomic():
                CollectionTask.objects.bulk_create(new)
                audit_record(
                    actor=None,
                    action="catalog_task.generate",
                    obj=item,
                    department=item.department,
                    after={"periods": [t.period for t in new]},
                )
            created += len(new)
    tasks_recompute_pending()
    return created


def tasks_recompute_pending(years=None) -> int:
    """Fill due dates that were 待配置节假日 once the office configures the year."""
    cal = WorkingCalendar.load()
    changed = 0
    pending = CollectionTask.objects.filter(due_date__isnull=True).select_related("item")
    for task in pending:
        due = deadline_or_pending(task.period_end, task.item.due_working_days, calendar=cal)
        if due is not None:
            CollectionTask.objects.filter(pk=task.pk, due_date__isnull=True).update(due_date=due)
            changed += 1
    return changed


def _task_for(item: CatalogItem, period: str | None) -> CollectionTask | None:
    today = clock.today()
    if period:
        task = CollectionTask.objects.filter(item=item, period=str(period).strip()).first()
        if task is None:
            raise ValidationFailed.single(
                "period",
                "exists",
                f"信息项“{item.name}”没有报送周期“{period}”的归集任务"
                f"（更新频率：{item.get_frequency_display()}）。",
            )
        return task
    if item.frequency == Frequency.ON_OCCURRENCE:
        return None
    tasks_generate(today=today, items=[item])
    return (
        CollectionTask.objects.filter(item=item, first_submitted_at__isnull=True, period_end__lt=today)
        .order_by("period_end")
        .first()
        or CollectionTask.objects.filter(item=item, period_start__lte=today, period_end__gte=today).first()
    )


def reminders_send(*, now) -> int:
    """One reminder per department with overdue, unsubmitted tasks not yet reminded."""
    today = timezone.localdate(now)
    overdue = list(
        CollectionTask.objects.filter(
            first_submitted_at__isnull=True, due_date__lt=today, reminded_at__isnull=True
        ).select_related("item", "department")
    )
    by_dept: dict[int, list[CollectionTask]] = {}
    for task in overdue:
        by_dept.setdefault(task.department_id, []).append(task)
    for dept_id, tasks in by_dept.items():
        recipients = [
            u.email
            for u in User.objects.filter(department_id=dept_id, is_active=True).exclude(email="")
            if u.has_role(Role.CLERK, Role.DEPARTMENT_ADMIN)
        ]
        lines = "\n".join(f"- {t.item.name}（{t.period}），截止 {t.due_date}" for t in tasks)
        with transaction.atomic():
            if recipients:
                send_mail(
                    f"【信用信息归集】{len(tasks)} 项信用信息逾期未报送",
                    f"以下信用信息已超过报送期限，请尽快报送（无新增数据也请提交零报告）：\n{lines}",
                    settings.DEFAULT_FROM_EMAIL,
                    recipients,
                    fail_silently=True,
                )
            CollectionTask.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_at=now)
            audit_record(
                actor=None,
                action="catalog_task.remind",
                object_type="accounts.department",
                object_id=str(dept_id),
                object_repr=tasks[0].department.name[:255],
                department=tasks[0].department,
                after={"tasks": [f"{t.item.code}:{t.period}" for t in tasks], "recipients": len(recipients)},
            )
    return len(overdue)


def catalog_records_subject_merge(*, source, target) -> int:
    """主体合并: information collected about the duplicate (归集信息) moves to the subject that stays."""
    return CatalogRecord.objects.filter(subject=source).update(subject=target)
