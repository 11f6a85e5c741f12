"""Writes on 双公示 records: entry (form/API), file import, publish, withdraw, deadline recompute."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import BinaryIO

import polars as pl
from django.db import transaction
from django.utils import timezone

from jointcredit.accounts.models import Department
from jointcredit.accounts.permissions import delegated_departments, ensure_can_write
from jointcredit.audit.services import audit_record
from jointcredit.calendar.selectors import WorkingCalendar, deadline_or_pending
from jointcredit.common import clock
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed
from jointcredit.common.history import change_fields
from jointcredit.importing.pipeline import ERROR_CAP, ImportMode, Phases, Rollback, mode_check, phase
from jointcredit.importing.tabular import read_frame
from jointcredit.subjects.services import subjects_resolve

from . import importer, rules
from .events import record_events_emit, record_rows
from .fields import LICENSE, RECORD_TYPE_LABELS, RECORD_TYPES
from .models import (
    MODELS,
    ImportBatch,
    PublicationEndReason,
    PublicationEvent,
    RecordHistory,
    RecordPublicationChange,
    RecordState,
)
from .validation import Context, column_plan, frame_from_records, frame_to_codes, validate


class ImportRejected(ValidationFailed):
    """All-or-nothing import with errors: nothing was written. The body carries both the error
    envelope and the import report (batch_id/accepted/rejected/errors) so clients read either."""

    def __init__(self, batch: ImportBatch):
        first = batch.errors[0]["message"] if batch.errors else ""
        super().__init__(
            f"导入被拒绝：共 {batch.rejected_count} 行有错误（{batch.error_count} 处），"
            f"按“全部成功才导入”未写入任何数据。{first}",
            details=batch.errors,
        )
        self.batch = batch

    def as_dict(self):
        return super().as_dict() | import_report(self.batch)


def import_report(batch: ImportBatch) -> dict:
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "accepted": batch.accepted,
        "rejected": batch.rejected_count,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "withdrawn": batch.withdrawn_count,
        "error_count": batch.error_count,
        "errors": batch.errors,
    }


def _check_type(record_type: str) -> None:
    if record_type not in RECORD_TYPES:
        raise ValidationFailed.single(
            "record_type", "choice", "信息类别必须是 license（行政许可）或 penalty（行政处罚）。"
        )


def _check_writer(actor, department: Department, as_system: bool, record_type: str) -> None:
    if as_system:
        return  # command line on the server: the operator is trusted, audit says 系统
    ensure_can_write(actor, department, scope=record_type)


def records_import(
    *,
    actor,
    record_type: str,
    department: Department,
    fileobj: BinaryIO,
    name: str,
    size: int | None = None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    hold_as_draft: bool = False,
    source: str = "api",
    as_system: bool = False,
    max_bytes: int | None = None,
    progress=None,
    phases: Phases | None = None,
) -> ImportBatch:
    """Import a standard file (CSV UTF-8/GBK, XLSX). Raises ``ImportRejected`` (nothing written)
    when ``mode`` is all-or-nothing and any row is wrong; otherwise returns the applied batch.

    ``phases`` (``importing.pipeline.Phases``) collects the time of each step; it is logged at INFO
    either way (``jointcredit.importing``), the CLI prints it at ``--verbosity 2``."""
    _check_type(record_type)
    _check_writer(actor, department, as_system, record_type)
    mode_check(mode)
    tick = progress or (lambda step, n=0: None)
    phases = phases if phases is not None else Phases()
    with phases("read"):
        table = read_frame(
            fileobj,
            name=name,
            size=size,
            max_bytes=max_bytes,
            columns=lambda header: column_plan(header, record_type),
        )
        digest = table.sha256
        frame = frame_to_codes(table.frame, table.header, record_type)
    tick("read", table.frame.height)
    batch_fields = dict(
        record_type=record_type,
        department=department,
        source=source,
        file_name=name[:255],
        file_size=size if size is not None else 0,
        file_sha256=digest,
        mode=mode,
        hold_as_draft=hold_as_draft,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        return _run(
            actor=actor,
            frame=frame,
            record_type=record_type,
            department=department,
            batch_fields=batch_fields,
            mode=mode,
            hold_as_draft=hold_as_draft,
            tick=tick,
            phases=phases,
        )
    finally:
        phases.log(f"{RECORD_TYPE_LABELS[record_type]}导入 {name}（{frame.height:,} 行）")


def _run(
    *,
    actor,
    frame: pl.DataFrame,
    record_type: str,
    department: Department,
    batch_fields: dict,
    mode: str,
    hold_as_draft: bool,
    tick,
    action: str = "import",
    phases: Phases | None = None,
) -> ImportBatch:
    ctx = Context.build(record_type=record_type, department=department, today=clock.today())
    with phase(phases, "validate", frame.height):
        result = validate(frame, ctx)
    tick("validated", frame.height)
    skip = mode == ImportMode.SKIP_BAD_ROWS
    started = clock.now()
    if result.errors and not skip:
        return _reject(
            batch_fields,
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
            batch = ImportBatch.objects.create(
                status=ImportBatch.Status.APPLIED,
                total_rows=result.total_rows,
                started_at=started,
                **batch_fields,
            )
            source = f"{RECORD_TYPE_LABELS[record_type]}导入#{batch.pk}"
            with phase(phases, "subjects", result.valid.height):
                # A legacy row matching no subject is reported on 行政相对人组织机构代码.
                valid, subject_errors = subjects_resolve(
                    result.valid,
                    actor=actor,
                    batch=batch,
                    source=source,
                    batch_type="records.importbatch",
                    unmatched_field="XK_XDR_ZDM" if record_type == LICENSE else "CF_XDR_ZDM",
                )
            tick("subjects", valid.height)
            if subject_errors and not skip:
                raise Rollback(subject_errors)
            errors += subject_errors
            rejected |= {e["row"] for e in subject_errors}
            outcome = importer.apply(
                valid,
                record_type=record_type,
                actor=actor,
                batch=batch,
                hold_as_draft=hold_as_draft,
                skip_bad_rows=skip,
                phases=phases,
            )
            if outcome.errors and not skip:
                raise Rollback(outcome.errors)
            errors += outcome.errors
            rejected |= outcome.rejected_rows
            errors.sort(key=lambda e: e.get("row", 0))
            batch.created_count, batch.updated_count = outcome.created, outcome.updated
            batch.unchanged_count, batch.withdrawn_count = outcome.unchanged, outcome.withdrawn
            batch.rejected_count = len(rejected)
            batch.error_count = result.error_count + len(errors) - len(result.errors)
            batch.errors = errors[:ERROR_CAP]
            batch.finished_at = clock.now()
            batch.save()
            importer.write_audit(
                actor=actor,
                batch=batch,
                record_type=record_type,
                outcome=outcome,
                department=department,
                action=action,
            )
            commit_from = time.perf_counter()
        if phases is not None:
            phases.add("commit", time.perf_counter() - commit_from)  # the end of the block is the COMMIT
        tick("written", valid.height)
    except Rollback as rb:
        all_errors = sorted(result.errors + rb.errors, key=lambda e: e.get("row", 0))
        return _reject(
            batch_fields,
            total=result.total_rows,
            errors=all_errors,
            error_count=result.error_count + len(rb.errors),
            rejected=len(result.rejected_rows | {e["row"] for e in rb.errors}),
            started=started,
        )
    return batch


def _reject(batch_fields: dict, *, total: int, errors: list[dict], error_count: int, rejected: int, started):
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            status=ImportBatch.Status.REJECTED,
            total_rows=total,
            rejected_count=rejected,
            error_count=error_count,
            errors=errors[:ERROR_CAP],
            started_at=started,
            finished_at=clock.now(),
            **batch_fields,
        )
    raise ImportRejected(batch)


def record_save(
    *,
    actor,
    record_type: str,
    data: dict,
    department: Department | None = None,
    hold_as_draft: bool = False,
    source: str = "api",
):
    """Enter one record in standard fields (form or ``POST /records/{type}``). The same 文书号 of the
    same department again updates it with history (same content: no change)."""
    _check_type(record_type)
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("未登录或账号已停用。")
    if not isinstance(data, dict) or not data:
        raise ValidationFailed.single(
            "body", "required", "请求体应为一条记录：以标准字段代码（XK_*/CF_*）为键的对象。"
        )
    if department is None:
        # The decision organ's department owns the record; writing it is a permission question
        # (403), not a validation one, when the organ is a department of ours.
        organ = str(data.get("XK_XKJGDM" if record_type == "license" else "CF_CFJGDM") or "").strip().upper()
        department = Department.objects.filter(uscc=organ).first() if organ else None
    department = department or actor.department
    if department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能录入数据。")
    ensure_can_write(actor, department, scope=record_type)
    frame = frame_from_records([data], record_type)
    batch_fields = dict(
        record_type=record_type,
        department=department,
        source=source,
        file_name="",
        file_size=0,
        mode=ImportMode.ALL_OR_NOTHING,
        hold_as_draft=hold_as_draft,
        actor=actor,
    )
    try:
        batch = _run(
            actor=actor,
            frame=frame,
            record_type=record_type,
            department=department,
            batch_fields=batch_fields,
            mode=ImportMode.ALL_OR_NOTHING,
            hold_as_draft=hold_as_draft,
            tick=lambda *a: None,
            action="save",
        )
    except ImportRejected as exc:
        details = [
            {k: v for k, v in e.items() if k != "row"} | {"message": e["message"].removeprefix("第 1 行：")}
            for e in exc.batch.errors
        ]
        raise ValidationFailed("；".join(d["message"] for d in details[:3]), details=details) from None
    code = "XK_WSH" if record_type == "license" else "CF_WSH"
    doc_no = frame.get_column(code).item().strip() if code in frame.columns else ""
    owners = [
        department.pk,
        *delegated_departments(department, scope=record_type).values_list("pk", flat=True),
    ]
    record = (
        MODELS[record_type]
        .objects.filter(doc_no=doc_no, department_id__in=owners)
        .order_by("-updated_at")
        .first()
    )
    return record, batch


def record_publish(*, actor, record):
    """Publish a draft (公示). The deadline stays decision date + 7 working days: a late
    publication is reported as late, not hidden."""
    ensure_can_write(actor, record.department, scope=record.record_type)
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        if record.state != RecordState.DRAFT:
            raise Conflict(
                f"只有草稿可以公示，当前状态为“{record.get_state_display()}”。",
                details=[{"field": "state", "rule": "transition", "state": record.state}],
            )
        now = clock.now()
        record.publish(at=now)
        record.version += 1
        record.updated_at = now
        record.save()
        _history(
            record,
            actor=actor,
            action=RecordHistory.Action.PUBLISHED,
            before={"state": RecordState.DRAFT},
            after={"state": record.state},
        )
        _emit(record, "record.published")
        record_step(
            record,
            event=PublicationEvent.PUBLISHED,
            action="publish",
            actor=actor,
            before={"state": RecordState.DRAFT},
            after={"state": record.state},
        )
    return record


def record_withdraw(*, actor, record, reason: str):
    """撤销 with a reason (e.g. the decision was revoked by review or court): off the portal at once."""
    ensure_can_write(actor, record.department, scope=record.record_type)
    reason = _withdraw_reason(reason)
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        if record.state == RecordState.WITHDRAWN:
            raise Conflict(
                "该记录已撤销。", details=[{"field": "state", "rule": "transition", "state": record.state}]
            )
        _withdraw_locked(record, actor=actor, reason=reason)
    return record


def _withdraw_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.single("reason", "required", "撤销原因（reason）不能为空。")
    if len(reason) > 500:
        raise ValidationFailed.single("reason", "max_length", "撤销原因不能超过 500 个字符。")
    return reason


def _withdraw_locked(record, *, actor, reason: str) -> None:
    before = {"state": record.state, "status_code": record.status_code}
    was_public = record.state == RecordState.PUBLISHED
    now = clock.now()
    record.withdraw(at=now, reason=reason)
    record.version += 1
    record.updated_at = now
    record.save()
    _history(
        record,
        actor=actor,
        action=RecordHistory.Action.WITHDRAWN,
        before=before,
        after={"state": record.state, "status_code": record.status_code, "reason": reason},
    )
    if was_public:
        _emit(record, "record.withdrawn", reason=reason)
    record_step(
        record,
        event=PublicationEvent.WITHDRAWN,
        action="withdraw",
        actor=actor,
        before=before,
        after={"state": record.state, "reason": reason},
        reason=reason,
    )


def record_publication_end(*, actor, record, reason: str, note: str = ""):
    """End a penalty's publication early (信用修复 approved): off the portal today, consumers get
    ``record.changed`` with ``publication_ended`` and, at once, the removal event ``record.expired``
    (with ``publication_ended``) that a window's natural end gets from the sweep; the sweep then skips
    it (``expiry_emitted_at``). The caller has checked the decision rights."""
    ensure_can_write(actor, record.department, scope=record.record_type)
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        if record.state != RecordState.PUBLISHED:
            raise Conflict(
                f"只有公示中的记录可以提前结束公示，当前状态为“{record.get_state_display()}”。",
                details=[{"field": "state", "rule": "transition", "state": record.state}],
            )
        _publication_end_locked(record, actor=actor, reason=reason, note=note)
    return record


def _publication_end_locked(record, *, actor, reason: str, note: str) -> None:
    now = clock.now()
    ended = timezone.localdate(now) - timedelta(days=1)
    before = {"public_until": str(record.public_until) if record.public_until else None}
    record.public_until = min(record.public_until, ended) if record.public_until else ended
    record.publication_end_reason = reason
    record.expiry_emitted_at = now
    record.version += 1
    record.updated_at = now
    record.save()
    after = {"public_until": str(record.public_until), "publication_ended": reason, "note": note}
    _history(record, actor=actor, action=RecordHistory.Action.UPDATED, before=before, after=after)
    _emit(record, "record.changed", publication_ended=reason, note=note)
    _emit(
        record,
        "record.expired",
        publication_ended=reason,
        note=note,
        expired_on=ended + timedelta(days=1),
    )
    record_step(
        record,
        event=PublicationEvent.PUBLICATION_ENDED,
        action="publication_end",
        actor=actor,
        before={"state": record.state, **before},
        after=after,
        reason="；".join(x for x in (PublicationEndReason(reason).label, note) if x),
        effective_on=ended + timedelta(days=1),
    )


UPSTREAM_END_REASONS = {"revoked": "撤销", "corrected": "更正", "repaired": "信用修复"}


def record_end_upstream(*, actor, record, authority_name: str, reason: str, note: str = ""):
    """An outside authority revoked, corrected or repaired (e.g. on 信用中国) the decision behind a
    published 双公示 record: it ends here as a local step does — a repair ends the publication
    (``record_publication_end``'s step: history row, ``record.changed`` + ``record.expired``), a
    revocation or correction withdraws the record (``record.withdrawn``). ``actor`` None is the
    exchange worker applying what the platform delivered. Returns ``(record, ended)``; a record
    already withdrawn, or whose publication already ended, is left as it is."""
    if actor is not None:
        ensure_can_write(actor, record.department, scope=record.record_type)
    if reason not in UPSTREAM_END_REASONS:
        raise ValidationFailed.single(
            "reason",
            "choice",
            "上级平台结束公示的原因必须是 revoked（撤销）、corrected（更正）或 repaired（信用修复）。",
        )
    text = "；".join(
        x for x in (f"{authority_name}{UPSTREAM_END_REASONS[reason]}", (note or "").strip()) if x
    )
    with transaction.atomic():
        record = type(record).objects.select_for_update().get(pk=record.pk)
        if record.state != RecordState.PUBLISHED:
            return record, False
        if reason == "repaired":
            if record.record_type != "penalty":
                raise ValidationFailed.single("reason", "penalty_only", "信用修复仅适用于行政处罚信息。")
            if record.publication_end_reason:
                return record, False
            _publication_end_locked(record, actor=actor, reason=PublicationEndReason.REPAIRED, note=text)
        else:
            _withdraw_locked(record, actor=actor, reason=text[:500])
    return record, True


def record_step(
    record,
    *,
    event: str,
    action: str,
    actor,
    before: dict,
    after: dict,
    reason: str = "",
    effective_on=None,
) -> RecordPublicationChange:
    """One publication step recorded twice inside the caller's transaction: the record's status
    history row (ADR 0036) and its audit row (``<record_type>.<action>``), same actor, same state
    before."""
    change = RecordPublicationChange.objects.create(
        record_type=record.record_type,
        record_id=record.pk,
        **change_fields(
            event=event,
            state_before=before.get("state", ""),
            state_after=record.state,
            actor=actor,
            reason=reason,
            effective_on=effective_on,
        ),
    )
    audit_record(
        actor=actor,
        action=f"{record.record_type}.{action}",
        obj=record,
        department=record.department,
        before=before,
        after=after,
    )
    return change


def _history(record, *, actor, action: str, before: dict, after: dict) -> None:
    RecordHistory.objects.create(
        record_type=record.record_type,
        record_id=record.pk,
        version=record.version,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        before=before,
        after=after,
    )


def _emit(record, kind: str, **extra) -> None:
    record_events_emit(record_rows([record]), record_type=record.record_type, kind=kind, extra=extra)


def records_deadlines_recompute(*, years: set[int] | None = None) -> int:
    """Recompute publication deadlines after the office changed the calendar (``calendar_changed``):
    pending ones (待配置节假日) and those whose 7 working days run into a changed year."""
    cal = WorkingCalendar.load()
    days = rules.publication_working_days()
    changed = 0
    for model in MODELS.values():
        qs = model.objects.filter(publication_deadline__isnull=True)
        if years:
            # A decision up to ~3 weeks before a changed year can have its deadline inside it.
            from datetime import date

            lo, hi = date(min(years), 1, 1) - timedelta(days=31), date(max(years), 12, 31)
            qs = model.objects.filter(decision_date__range=(lo, hi)) | qs
        dates = sorted(set(qs.values_list("decision_date", flat=True)))
        with transaction.atomic():
            for d in dates:
                deadline = deadline_or_pending(d, days, calendar=cal)
                changed += (
                    model.objects.filter(decision_date=d)
                    .exclude(publication_deadline=deadline)
                    .update(publication_deadline=deadline)
                    if deadline is not None
                    else model.objects.filter(decision_date=d, publication_deadline__isnull=False).update(
                        publication_deadline=None
                    )
                )
    return changed


def records_subject_merge(*, source, target) -> int:
    """主体合并: the duplicate's 行政许可 and 行政处罚 move to the subject that stays. The published
    content (相对人名称, 统一社会信用代码 as decided) is the decision's and stays as it was."""
    return sum(model.objects.filter(subject=source).update(subject=target) for model in MODELS.values())
