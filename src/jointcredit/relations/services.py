"""Writes: importing registration data files of related persons (ADR 0046, docs/subjects.md).

One pipeline (ADR 0029): ``importing.tabular.read_frame`` (limits before parsing) → the rows
validated as one polars frame (``importing.pipeline.collect_errors``: one error per broken rule,
naming row, field and rule, in Chinese) → in one transaction ``subjects_resolve`` attaches the
companies and the persons (a company shareholder is a subject like a person) → the periods are
compared with those on file and written set-based (COPY for new periods, one UPDATE per slice for
ended ones) → the batch row carries the report and one summary audit row the whole batch (ADR
0024). All or nothing: any error and nothing is written; the rejected batch is still recorded.

What a row means (against the periods on file for the same company, person and role):
* an open period on file and no 任职止 in the row: unchanged, or updated (持股比例, 任职起);
* an open period on file and a 任职止: the period ends then;
* nothing open on file: a new period from 任职起 (or the file's 资料日期 when the row has none);
  overlapping an ended period of the same role is an error.
A full snapshot (``full_snapshot``) also ends, the day before its 资料日期, every open period of the
companies in the file that the file no longer lists (注册执业人员 excepted: not registration data).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, BinaryIO, cast

import polars as pl
from django.db import connection, transaction

from jointcredit.accounts.permissions import ensure_can_register_related
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.bulk import chunks, frame_where_in, insert_frame, reserve_id_series
from jointcredit.common.errors import ValidationFailed
from jointcredit.importing.pipeline import ERROR_CAP, Phases, Rollback, collect_errors, phase
from jointcredit.importing.tabular import read_frame
from jointcredit.records.validation import resident_id_rule, uscc_rule
from jointcredit.subjects.identifiers import IdType, validate_document
from jointcredit.subjects.models import RelatedPerson, RelatedRole, SubjectKind
from jointcredit.subjects.services import subjects_resolve

from .columns import (
    COLUMNS,
    ID_TYPE_WORDS,
    IMPORTED_ROLES,
    KIND_WORDS,
    LABELS,
    ROLE_WORDS,
    codes_of,
    column_plan,
)
from .models import RelatedImportBatch

ROLE_LABELS = dict(RelatedRole.choices)


class ImportRejected(ValidationFailed):
    """All-or-nothing import with errors: nothing was written; the batch row holds the report."""

    def __init__(self, batch: RelatedImportBatch):
        first = batch.errors[0]["message"] if batch.errors else ""
        super().__init__(
            f"导入被拒绝：共 {batch.rejected_count} 行有错误（{batch.error_count} 处），"
            f"未写入任何数据。{first}",
            details=batch.errors,
        )
        self.batch = batch


def related_import(
    *,
    actor,
    fileobj: BinaryIO,
    name: str,
    size: int | None = None,
    as_of: date | None = None,
    full_snapshot: bool = False,
    source: str = "api",
    phases: Phases | None = None,
) -> RelatedImportBatch:
    """Import a registration data file (CSV UTF-8/GBK, XLSX) of 法定代表人, 负责人, 董事, 监事,
    高级管理人员 and 股东. Raises ``ImportRejected`` when any row is wrong (nothing written)."""
    ensure_can_register_related(actor)
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed.single("as_of", "not_future", "资料日期不能晚于今天。")
    phases = phases if phases is not None else Phases()
    with phases("read"):
        table = read_frame(fileobj, name=name, size=size, columns=column_plan)
    frame = _named(cast(pl.DataFrame, table.frame), table.header)
    batch_fields = dict(
        department=actor.department,
        actor=actor,
        source=source,
        file_name=name[:255],
        file_size=size or 0,
        file_sha256=table.sha256,
        as_of=as_of,
        full_snapshot=full_snapshot,
    )
    started = clock.now()
    error_count = 0
    try:
        with phase(phases, "validate", frame.height):
            valid, errors, error_count = _validate(frame, as_of=as_of, today=today)
        if errors:
            raise Rollback(errors)
        with transaction.atomic():
            batch = RelatedImportBatch.objects.create(
                status=RelatedImportBatch.Status.APPLIED,
                total_rows=frame.height,
                started_at=started,
                **batch_fields,
            )
            _apply(valid, batch=batch, actor=actor, phases=phases)
            batch.finished_at = clock.now()
            batch.save()
            audit_record(
                actor=actor,
                action="related_import.import",
                obj=batch,
                after={
                    "file": batch.file_name,
                    "as_of": as_of.isoformat(),
                    "full_snapshot": full_snapshot,
                    "created": batch.created_count,
                    "updated": batch.updated_count,
                    "unchanged": batch.unchanged_count,
                    "ended": batch.ended_count,
                    "companies": batch.company_count,
                },
            )
        return batch
    except Rollback as exc:
        rows = {e["row"] for e in exc.errors}
        batch = RelatedImportBatch.objects.create(
            status=RelatedImportBatch.Status.REJECTED,
            total_rows=frame.height,
            rejected_count=max(len(rows), 1),
            error_count=max(len(exc.errors), error_count),
            errors=exc.errors[:ERROR_CAP],
            started_at=started,
            finished_at=clock.now(),
            **batch_fields,
        )
        raise ImportRejected(batch) from None
    finally:
        phases.log(f"关联人导入 {name}（{frame.height:,} 行）")


def as_of_parse(value: str) -> date | None:
    """资料日期 as the API and the page send it (YYYY-MM-DD, empty = today)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.single(
            "as_of", "date", f"资料日期“{value}”不是有效日期（应为 YYYY-MM-DD）。"
        ) from None


def _named(frame: pl.DataFrame, header: list[str]) -> pl.DataFrame:
    """Columns ``c{i}`` renamed to their codes; a column the file lacks is empty text."""
    codes = codes_of(header, {int(c[1:]): False for c in frame.columns if c != "_row"})
    frame = frame.rename({f"c{i}": code for i, code in codes.items()})
    missing = [pl.lit("", dtype=pl.String).alias(c.code) for c in COLUMNS if c.code not in frame.columns]
    frame = frame.with_columns(missing) if missing else frame
    return frame.with_columns(pl.col(c.code).cast(pl.String).fill_null("") for c in COLUMNS)


def _date(expr: pl.Expr) -> pl.Expr:
    """2024-03-01, 2024/3/1, 20240301, 2024年3月1日 → a date; anything else null."""
    text = (
        expr.str.replace(r"^(\d{4})(\d{2})(\d{2})$", "$1-$2-$3")
        .str.replace(r"[T ].*$", "")
        .str.replace(r"日$", "")
        .str.replace_all(r"[/.年月]", "-")
    )
    return pl.when(text.str.contains(r"^\d{4}-\d{1,2}-\d{1,2}$")).then(
        text.str.to_date("%Y-%m-%d", strict=False)
    )


def _validate(frame: pl.DataFrame, *, as_of: date, today: date) -> tuple[pl.DataFrame, list[dict], int]:
    """The rows normalised (company, person, role, share, period) and every broken rule."""
    role_map = {k: v for k, v in ROLE_WORDS.items() if v is not None}
    df = frame.with_columns(
        pl.col("QY_TYSHXYDM").str.to_uppercase().str.replace_all(r"\s", "").alias("company_uscc"),
        pl.col("GLR_ZJHM").str.to_uppercase().str.replace_all(r"\s", "").alias("person_id"),
        pl.col("GLR_SF").replace_strict(role_map, default=None, return_dtype=pl.String).alias("role"),
        # No 关联人类别 but a 统一社会信用代码 as the document: a company (shareholder).
        pl.when(
            (pl.col("GLR_LB") == "")
            & (pl.col("GLR_ZJLX").replace_strict(ID_TYPE_WORDS, default="") == IdType.USCC)
        )
        .then(pl.lit("legal"))
        .otherwise(pl.col("GLR_LB").replace_strict(KIND_WORDS, default=None, return_dtype=pl.String))
        .alias("person_kind"),
        pl.col("CGBL").str.replace(r"%$", "").cast(pl.Float64, strict=False).alias("share"),
        _date(pl.col("RZQ")).alias("valid_from"),
        _date(pl.col("RZZ")).alias("valid_until"),
    ).with_columns(
        pl.when(pl.col("person_kind") == "legal")
        .then(pl.lit(IdType.USCC))
        .otherwise(pl.col("GLR_ZJLX").replace_strict(ID_TYPE_WORDS, default=None, return_dtype=pl.String))
        .alias("id_type")
    )
    company_rule, company_msg = uscc_rule(pl.col("company_uscc"))
    legal_rule, legal_msg = uscc_rule(pl.col("person_id"))
    person_rule, person_msg = resident_id_rule(pl.col("person_id"), today)
    df = df.with_columns(
        company_rule.alias("_company_rule"),
        company_msg.alias("_company_msg"),
        pl.when(pl.col("id_type") == IdType.USCC)
        .then(legal_rule)
        .when(pl.col("id_type") == IdType.RESIDENT_ID)
        .then(person_rule)
        .alias("_person_rule"),
        pl.when(pl.col("id_type") == IdType.USCC)
        .then(legal_msg)
        .when(pl.col("id_type") == IdType.RESIDENT_ID)
        .then(person_msg)
        .alias("_person_msg"),
    )
    df = _other_documents(df)
    shareholder = pl.col("role") == RelatedRole.SHAREHOLDER

    def named(code: str, text: str) -> pl.Expr:
        return pl.format(f"{LABELS[code]}（{code}）{text}", pl.col(code))

    roles = "、".join(ROLE_LABELS[r] for r in IMPORTED_ROLES)
    # Later rows of the same company, person and role that are open (no 任职止) repeat an earlier one.
    # A column, not an expression: ``collect_errors`` formats messages over the bad rows only, where a
    # window over the whole file would give another answer.
    key = ["company_uscc", "person_id", "role"]
    df = df.with_columns(
        (
            pl.col("valid_until").is_null()
            & (pl.col("_row").rank("ordinal").over([*key, pl.col("valid_until").is_null()]) > 1)
        ).alias("_repeated")
    )
    repeated = pl.col("_repeated")
    checks = [
        ("QY_MC", "required", pl.col("QY_MC") == "", pl.lit(f"{LABELS['QY_MC']}（QY_MC）不能为空。")),
        (
            "QY_TYSHXYDM",
            "required",
            pl.col("company_uscc") == "",
            pl.lit("统一社会信用代码（QY_TYSHXYDM）不能为空。"),
        ),
        (
            "QY_TYSHXYDM",
            "@_company_rule",
            (pl.col("company_uscc") != "") & pl.col("_company_rule").is_not_null(),
            pl.format(
                "统一社会信用代码（QY_TYSHXYDM）“{}”无效：{}", pl.col("company_uscc"), pl.col("_company_msg")
            ),
        ),
        ("GLR_MC", "required", pl.col("GLR_MC") == "", pl.lit("关联人姓名或名称（GLR_MC）不能为空。")),
        (
            "GLR_MC",
            "max_length",
            pl.col("GLR_MC").str.len_chars() > 200,
            pl.format(
                "关联人姓名或名称（GLR_MC）不能超过 200 个字符（实际 {}）。", pl.col("GLR_MC").str.len_chars()
            ),
        ),
        (
            "GLR_LB",
            "choice",
            pl.col("person_kind").is_null(),
            named("GLR_LB", "“{}”无效：应为自然人或企业（企业只能是股东）。"),
        ),
        (
            "GLR_ZJLX",
            "choice",
            (pl.col("person_kind") == "natural")
            & (pl.col("id_type").is_null() | ~pl.col("id_type").is_in(list(IdType.PERSONAL))),
            named(
                "GLR_ZJLX",
                "“{}”无效：应为居民身份证、护照号、港澳居民来往内地通行证、台湾居民来往大陆通行证或外国人永久居留身份证。",
            ),
        ),
        ("GLR_ZJHM", "required", pl.col("person_id") == "", pl.lit("关联人证件号码（GLR_ZJHM）不能为空。")),
        (
            "GLR_ZJHM",
            "@_person_rule",
            (pl.col("person_id") != "") & pl.col("_person_rule").is_not_null(),
            pl.format("关联人证件号码（GLR_ZJHM）“{}”无效：{}", pl.col("person_id"), pl.col("_person_msg")),
        ),
        (
            "GLR_ZJHM",
            "self",
            (pl.col("person_id") != "") & (pl.col("person_id") == pl.col("company_uscc")),
            pl.lit("关联人不能是企业本身（GLR_ZJHM 与 QY_TYSHXYDM 相同）。"),
        ),
        (
            "GLR_SF",
            "choice",
            pl.col("role").is_null() | ~pl.col("role").is_in(IMPORTED_ROLES),
            named("GLR_SF", f"“{{}}”无效：应为{roles}之一（董监高请分行写明董事、监事或高级管理人员）。"),
        ),
        (
            "GLR_LB",
            "role",
            (pl.col("person_kind") == "legal") & ~shareholder.fill_null(False),
            pl.lit("企业只能登记为股东（GLR_LB 为企业时 GLR_SF 须为股东）。"),
        ),
        (
            "CGBL",
            "number",
            (pl.col("CGBL") != "") & pl.col("share").is_null(),
            named("CGBL", "“{}”不是数字。"),
        ),
        (
            "CGBL",
            "range",
            pl.col("share").is_not_null() & ((pl.col("share") < 0) | (pl.col("share") > 100)),
            named("CGBL", "“{}”应在 0 到 100 之间。"),
        ),
        (
            "CGBL",
            "role",
            pl.col("share").is_not_null() & ~shareholder.fill_null(False),
            pl.lit("持股比例（CGBL）只适用于股东。"),
        ),
        (
            "RZQ",
            "date",
            (pl.col("RZQ") != "") & pl.col("valid_from").is_null(),
            named("RZQ", "“{}”不是有效日期（应为 YYYY-MM-DD）。"),
        ),
        (
            "RZQ",
            "not_future",
            pl.col("valid_from") > pl.lit(as_of),
            pl.format("任职起（RZQ）{} 晚于资料日期 {}。", pl.col("RZQ"), pl.lit(as_of.isoformat())),
        ),
        (
            "RZZ",
            "date",
            (pl.col("RZZ") != "") & pl.col("valid_until").is_null(),
            named("RZZ", "“{}”不是有效日期（应为 YYYY-MM-DD）。"),
        ),
        (
            "RZZ",
            "order",
            pl.col("valid_until") < pl.col("valid_from"),
            pl.format("任职止（RZZ）{} 早于任职起（RZQ）{}。", pl.col("RZZ"), pl.col("RZQ")),
        ),
        (
            "GLR_ZJHM",
            "duplicate",
            repeated,
            pl.format(
                "{}担任{}在文件中重复出现（同一企业、同一人、同一身份只能有一行在任）。",
                pl.col("GLR_MC"),
                pl.col("GLR_SF"),
            ),
        ),
    ]
    errors, count, rejected = collect_errors(df, checks)
    return df.filter(~pl.col("_row").is_in(list(rejected))), errors, count


def _other_documents(df: pl.DataFrame) -> pl.DataFrame:
    """Passports and permits (few rows): each distinct number checked by ``validate_document``."""
    others = (
        df.filter(
            pl.col("id_type").is_not_null() & ~pl.col("id_type").is_in([IdType.USCC, IdType.RESIDENT_ID])
        )
        .select("id_type", "person_id")
        .unique()
    )
    if others.height == 0:
        return df
    rules: list[str | None] = []
    messages: list[str | None] = []
    for id_type, number in others.iter_rows():
        try:
            validate_document(number, id_type, field="GLR_ZJHM")
            rules.append(None)
            messages.append(None)
        except ValidationFailed as exc:
            rules.append(exc.details[0]["rule"])
            messages.append(exc.message)
    found = others.with_columns(
        pl.Series("_doc_rule", rules, dtype=pl.String), pl.Series("_doc_msg", messages, dtype=pl.String)
    )
    df = df.join(found, on=["id_type", "person_id"], how="left", maintain_order="left")
    return df.with_columns(
        pl.coalesce("_person_rule", "_doc_rule").alias("_person_rule"),
        pl.coalesce("_person_msg", "_doc_msg").alias("_person_msg"),
    ).drop("_doc_rule", "_doc_msg")


_ON_FILE: dict[str, Any] = {
    "id": pl.Int64,
    "subject_id": pl.Int64,
    "person_id": pl.Int64,
    "role": pl.String,
    "valid_from": pl.Date,
    "valid_until": pl.Date,
    "share_ratio": pl.String,
}


def _apply(valid: pl.DataFrame, *, batch: RelatedImportBatch, actor, phases: Phases) -> None:
    source = f"关联人导入 #{batch.pk}"
    with phase(phases, "subjects", valid.height):
        companies, errors = subjects_resolve(
            valid.select(
                "_row",
                pl.col("company_uscc").alias("subject_identifier"),
                pl.lit(SubjectKind.LEGAL.value).alias("subject_kind"),
                pl.col("QY_MC").alias("subject_name"),
                pl.lit("").alias("id_type"),
                pl.lit("").alias("id_number"),
                pl.col("company_uscc").alias("uscc"),
            ),
            actor=actor,
            batch=batch,
            source=source,
            batch_type="relations.relatedimportbatch",
            unmatched_field="QY_TYSHXYDM",
        )
        persons, person_errors = subjects_resolve(
            valid.select(
                "_row",
                pl.col("person_id").alias("subject_identifier"),
                pl.col("person_kind").alias("subject_kind"),
                pl.col("GLR_MC").alias("subject_name"),
                pl.when(pl.col("person_kind") == "legal")
                .then(pl.lit(""))
                .otherwise(pl.col("id_type"))
                .alias("id_type"),
                pl.col("person_id").alias("id_number"),
                pl.when(pl.col("person_kind") == "legal")
                .then(pl.col("person_id"))
                .otherwise(pl.lit(""))
                .alias("uscc"),
            ),
            actor=actor,
            batch=batch,
            source=source,
            batch_type="relations.relatedimportbatch",
            unmatched_field="GLR_ZJHM",
        )
    if errors or person_errors:
        raise Rollback(sorted(errors + person_errors, key=lambda e: e["row"]))
    rows = (
        valid.select("_row", "role", "share", "valid_from", "valid_until", "GLR_MC", "GLR_SF")
        .join(companies.select("_row", "subject_id"), on="_row")
        .join(persons.select("_row", pl.col("subject_id").alias("person_id")), on="_row")
    )
    with phase(phases, "compare", rows.height):
        on_file = _on_file(rows.get_column("subject_id").unique())
        plan = _plan(rows, on_file, batch=batch)
    with phase(phases, "write", rows.height):
        _write(plan, batch=batch, source=source)
    batch.company_count = rows.get_column("subject_id").n_unique()


def _on_file(subject_ids: pl.Series) -> pl.DataFrame:
    """The periods on file for the companies of the file (one ``= ANY(array)`` COPY on PostgreSQL)."""
    if connection.vendor == "postgresql":
        found = frame_where_in(RelatedPerson, _ON_FILE, "subject", subject_ids)
    else:
        found = pl.DataFrame(
            [
                (*row[:6], None if row[6] is None else str(row[6]))
                for part in chunks(subject_ids.to_list(), 5_000)
                for row in RelatedPerson.objects.filter(subject_id__in=part).values_list(*_ON_FILE)
            ],
            schema=_ON_FILE,
            orient="row",
        )
    return found.with_columns(pl.col("share_ratio").cast(pl.Float64, strict=False))


def _plan(rows: pl.DataFrame, on_file: pl.DataFrame, *, batch: RelatedImportBatch) -> dict:
    """What to insert, update and end, comparing the rows with the periods on file."""
    key = ["subject_id", "person_id", "role"]
    open_ = on_file.filter(pl.col("valid_until").is_null())
    ended = on_file.filter(pl.col("valid_until").is_not_null())
    # A row with 任职止 ends the open period on file — unless the file also lists the role as held
    # now: then it is a past period of the same person (held, left, came back).
    held_now = rows.filter(pl.col("valid_until").is_null()).select(key).unique()
    history = rows.filter(pl.col("valid_until").is_not_null()).join(held_now, on=key, how="semi")
    current = rows.join(history.select("_row"), on="_row", how="anti")
    matched = current.join(open_, on=key, how="inner", suffix="_file")
    # New periods: an open one from 任职起, or the file's date; an ended one from 任职起 (or unknown).
    fresh = pl.concat([current.join(open_, on=key, how="anti"), history]).with_columns(
        pl.when(pl.col("valid_until").is_null())
        .then(pl.col("valid_from").fill_null(pl.lit(batch.as_of)))
        .otherwise(pl.col("valid_from"))
        .alias("valid_from")
    )
    # An ended period already on file (same end, same start when the row gives one): unchanged.
    same = (
        fresh.filter(pl.col("valid_until").is_not_null())
        .join(ended, on=key, how="inner", suffix="_file")
        .filter(
            (pl.col("valid_until") == pl.col("valid_until_file"))
            & (pl.col("valid_from").is_null() | (pl.col("valid_from") == pl.col("valid_from_file")))
        )
        .select("_row")
        .unique()
    )
    fresh = fresh.join(same, on="_row", how="anti")
    errors = []
    # A 任职止 before the open period's start on file.
    bad_end = matched.filter(
        pl.col("valid_until").is_not_null()
        & pl.col("valid_from_file").is_not_null()
        & (pl.col("valid_until") < pl.col("valid_from_file"))
    )
    for row, name, role, until, start in bad_end.select(
        "_row", "GLR_MC", "GLR_SF", "valid_until", "valid_from_file"
    ).iter_rows():
        errors.append(
            _error(row, "RZZ", "order", f"{name}担任{role}的任职止 {until} 早于已登记的任职起 {start}。")
        )
    # New periods must not overlap a period on file (an open one only where its start is known).
    overlaps = (
        (pl.col("valid_from_file").is_null() | pl.col("valid_until").is_null())
        | (pl.col("valid_from_file") <= pl.col("valid_until"))
    ) & (
        pl.col("valid_until_file").is_null()
        | pl.col("valid_from").is_null()
        | (pl.col("valid_from") <= pl.col("valid_until_file"))
    )
    known_open = open_.filter(pl.col("valid_from").is_not_null())
    clash = pl.concat(
        [
            fresh.join(ended, on=key, how="inner", suffix="_file").filter(overlaps),
            history.join(same, on="_row", how="anti")
            .join(known_open, on=key, how="inner", suffix="_file")
            .filter(overlaps),
        ],
        how="diagonal_relaxed",
    )
    for row, name, role, start, until in (
        clash.select("_row", "GLR_MC", "GLR_SF", "valid_from_file", "valid_until_file")
        .unique("_row", keep="first")
        .sort("_row")
        .iter_rows()
    ):
        errors.append(
            _error(
                row,
                "RZQ",
                "overlap",
                f"{name}担任{role}的任职期与已登记的任职期（{start or '不详'} 至 {until or '今'}）重叠。",
            )
        )
    if errors:
        raise Rollback(sorted(errors, key=lambda e: e["row"]))
    share_changed = (pl.col("share").is_null() != pl.col("share_ratio").is_null()) | (
        (pl.col("share") - pl.col("share_ratio")).abs() > 0.001
    ).fill_null(False)
    start_changed = pl.col("valid_from").is_not_null() & (
        pl.col("valid_from_file").is_null() | (pl.col("valid_from") != pl.col("valid_from_file"))
    )
    ending = matched.filter(pl.col("valid_until").is_not_null())
    staying = matched.filter(pl.col("valid_until").is_null())
    changed = staying.filter(share_changed | start_changed)
    end_frames = [ending.select("id", "valid_until", pl.lit("登记信息变更").alias("end_reason"))]
    if batch.full_snapshot:
        # Open periods of the companies in the file that the file no longer lists end the day before it.
        listed = rows.select(key).unique()
        gone = open_.filter(
            pl.col("subject_id").is_in(rows.get_column("subject_id").unique().implode())
            & (pl.col("role") != RelatedRole.LICENSED_PROFESSIONAL)
        ).join(listed, on=key, how="anti")
        day_before = batch.as_of - timedelta(days=1)
        end_frames.append(
            gone.select(
                "id",
                pl.max_horizontal(
                    pl.lit(day_before), pl.col("valid_from").fill_null(pl.lit(day_before))
                ).alias("valid_until"),
                pl.lit(f"全量导入 #{batch.pk} 未再列出").alias("end_reason"),
            )
        )
    batch.created_count = fresh.height
    batch.updated_count = changed.height + ending.height
    batch.unchanged_count = staying.height - changed.height + same.height
    ends = pl.concat(end_frames)
    batch.ended_count = ends.height
    return {"insert": fresh, "update": changed, "end": ends}


def _error(row: int, field: str, rule: str, message: str) -> dict:
    return {"row": row, "field": field, "rule": rule, "message": f"第 {row} 行：{message}"}


def _write(plan: dict, *, batch: RelatedImportBatch, source: str) -> None:
    fresh: pl.DataFrame = plan["insert"]
    if fresh.height:
        frame = fresh.select(
            reserve_id_series(RelatedPerson, fresh.height).alias("id"),
            "subject_id",
            "person_id",
            "role",
            pl.lit(False).alias("directly_responsible"),
            "valid_from",
            "valid_until",
            pl.col("share").round(2).cast(pl.String).alias("share_ratio"),
            pl.lit(source).alias("source"),
            pl.lit("").alias("end_reason"),
            pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
        )
        # The frame's names are the table's columns (attnames: subject_id, person_id, …).
        insert_frame(RelatedPerson._meta.db_table, frame.columns, frame)
    table = connection.ops.quote_name(RelatedPerson._meta.db_table)
    with connection.cursor() as cursor:
        for (until, reason), part in plan["end"].group_by(["valid_until", "end_reason"]):
            for ids in chunks(part.get_column("id").to_list(), 5_000):
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(
                    f"UPDATE {table} SET valid_until = %s, end_reason = %s WHERE id IN ({marks})",  # noqa: S608 - model table
                    [until, reason, *ids],
                )
        for link_id, share, start in plan["update"].select("id", "share", "valid_from").iter_rows():
            cursor.execute(
                f"UPDATE {table} SET share_ratio = %s, valid_from = COALESCE(%s, valid_from) WHERE id = %s",  # noqa: S608 - model table
                [None if share is None else round(share, 2), start, link_id],
            )


def import_report(batch: RelatedImportBatch) -> dict:
    return {
        "batch_id": batch.pk,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "file_name": batch.file_name,
        "department": batch.department.name,
        "as_of": batch.as_of,
        "full_snapshot": batch.full_snapshot,
        "total_rows": batch.total_rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected_count,
        "created": batch.created_count,
        "updated": batch.updated_count,
        "unchanged": batch.unchanged_count,
        "ended": batch.ended_count,
        "companies": batch.company_count,
        "error_count": batch.error_count,
        "errors": batch.errors,
        "started_at": batch.started_at,
    }
