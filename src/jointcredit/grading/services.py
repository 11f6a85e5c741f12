"""Writes for grading: publishing rule sets, the bulk run and the incremental regrade.

Grades are derived data: a regrade is idempotent (same inputs, same rules, same day → no write).
History gets a row only when a grade or score changes; the bulk run is one audit row, not one per
subject (GradeHistory is the per-subject trail).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common import clock
from jointcredit.common.bulk import bulk_insert
from jointcredit.common.errors import ValidationFailed
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject

from .engine import Rules, grade_compute
from .inputs import chunks, collect_inputs
from .models import Grade, GradeHistory, GradingRuleSet, GradingRun, Honour, SubjectGrade
from .selectors import ruleset_active

log = logging.getLogger(__name__)

ROLE_LABELS = dict(RelatedRole.choices)

# --- rule sets ------------------------------------------------------------------------------------

_DECIMAL_FIELDS = {
    "base_score": (0, 1000),
    "fine_points_per_10k": (0, 100),
    "fine_points_cap": (0, 1000),
    "revocation_points": (0, 1000),
    "black_entry_points": (0, 1000),
    "related_black_points": (0, 1000),
    "red_entry_points": (0, 1000),
    "broken_commitment_points": (0, 1000),
    "licence_points": (0, 100),
    "licence_points_cap": (0, 1000),
    "honour_points": (0, 1000),
    "repair_relief": (0, 1),
    "threshold_a": (0, 1000),
    "threshold_b": (0, 1000),
    "threshold_c": (0, 1000),
}
RULESET_FIELDS = [
    *_DECIMAL_FIELDS,
    "penalty_category_points",
    "extra_source_points",
    "half_life_days",
    "black_max_grade",
]


def _ruleset_snapshot(rs: GradingRuleSet) -> dict:
    return {k: v for k, v in model_to_dict(rs).items() if k in RULESET_FIELDS or k == "version"}


def ruleset_field_label(name: str) -> str:
    """The Chinese name of a rule (its verbose_name): what a person reads in forms and messages."""
    return str(GradingRuleSet._meta.get_field(name).verbose_name)


def _validate_ruleset(data: dict) -> dict:
    details = []
    out = {}
    unknown = sorted(set(data) - set(RULESET_FIELDS))
    if unknown:
        details.append(
            {"field": unknown[0], "rule": "unknown", "message": f"未知的规则字段：{'、'.join(unknown)}"}
        )
    for name, (lo, hi) in _DECIMAL_FIELDS.items():
        if name not in data:
            continue
        label = ruleset_field_label(name)
        try:
            value = Decimal(str(data[name]))
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            details.append({"field": name, "rule": "number", "message": f"“{label}”必须是数字。"})
            continue
        if not lo <= value <= hi:
            details.append(
                {"field": name, "rule": "range", "message": f"“{label}”必须在 {lo} 到 {hi} 之间。"}
            )
        out[name] = value
    for name in ("penalty_category_points", "extra_source_points"):
        if name in data:
            value = data[name]
            label = ruleset_field_label(name)
            if not isinstance(value, dict) or not all(
                isinstance(k, str)
                and isinstance(v, (int, float))
                and not isinstance(v, bool)
                and abs(v) <= 1000
                for k, v in value.items()
            ):
                details.append(
                    {
                        "field": name,
                        "rule": "mapping",
                        "message": f"“{label}”每项须为“名称 分值”，分值为 −1000 到 1000 的数字。",
                    }
                )
            elif name == "penalty_category_points" and any(v < 0 for v in value.values()):
                details.append({"field": name, "rule": "non_negative", "message": "处罚类别扣分不能为负数。"})
            out[name] = value
    if "half_life_days" in data:
        v = data["half_life_days"]
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 3650:
            details.append(
                {
                    "field": "half_life_days",
                    "rule": "range",
                    "message": "衰减半衰期必须是 1 到 3650 天的整数。",
                }
            )
        out["half_life_days"] = v
    if "black_max_grade" in data:
        if data["black_max_grade"] not in Grade.values:
            details.append(
                {
                    "field": "black_max_grade",
                    "rule": "choice",
                    "message": "在黑名单时最高等级必须是 A、B、C 或 D。",
                }
            )
        out["black_max_grade"] = data["black_max_grade"]
    if details:
        raise ValidationFailed(details[0]["message"], details=details)
    return out


def grading_ruleset_publish(*, actor, changes: dict, note: str = "") -> GradingRuleSet:
    """Publish a new version of the rules (office only). The previous version stays for history."""
    ensure_office_admin(actor)
    values = _validate_ruleset(changes)
    if len(note) > 500:
        raise ValidationFailed.single("note", "max_length", "修订说明不能超过 500 个字符。")
    with transaction.atomic():
        current = (
            GradingRuleSet.objects.select_for_update().filter(is_active=True).order_by("-version").first()
        )
        base = current or ruleset_active()
        new = GradingRuleSet(**{k: getattr(base, k) for k in RULESET_FIELDS})
        for k, v in values.items():
            setattr(new, k, v)
        if not new.threshold_a > new.threshold_b > new.threshold_c:
            raise ValidationFailed.single(
                "threshold_a", "order", "等级分数线必须满足 A 级最低分 > B 级最低分 > C 级最低分。"
            )
        last = GradingRuleSet.objects.order_by("-version").values_list("version", flat=True).first() or 0
        new.version = last + 1
        new.is_active = True
        new.note = note
        new.created_by = actor
        GradingRuleSet.objects.filter(is_active=True).update(is_active=False)
        new.save()
        audit_record(
            actor=actor,
            action="grading_ruleset.publish",
            obj=new,
            before=_ruleset_snapshot(current) if current else None,
            after=_ruleset_snapshot(new),
        )
    return new


# --- computing ------------------------------------------------------------------------------------


def _links_frame(black_ids: Iterable[int], on: date) -> pl.DataFrame:
    """Related-person links that touch a black-listed subject (either side), with names for labels."""
    from jointcredit.measures.selectors import role_held_q

    black_ids = list(black_ids)
    rows = []
    for part in chunks(black_ids, 450):
        qs = RelatedPerson.objects.filter(role_held_q(on)).filter(
            subject_id__in=part
        ) | RelatedPerson.objects.filter(role_held_q(on)).filter(person_id__in=part)
        rows.extend(
            qs.values_list(
                "subject_id", "person_id", "role", "directly_responsible", "subject__name", "person__name"
            )
        )
    schema = {
        "subject_id": pl.Int64,
        "person_id": pl.Int64,
        "role": pl.Utf8,
        "directly_responsible": pl.Boolean,
        "org_name": pl.Utf8,
        "person_name": pl.Utf8,
    }
    frame = pl.DataFrame(list(dict.fromkeys(rows)), schema=schema, orient="row")
    return frame.with_columns(
        pl.col("role").replace_strict(ROLE_LABELS, default=pl.col("role")).alias("role_label")
    )


def _compute(
    scope_ids: list[int], on: date, rules: Rules, *, inputs_for: list[int] | None
) -> tuple[pl.DataFrame, int]:
    inputs = collect_inputs(inputs_for, on)
    black = (
        inputs.filter((pl.col("source") == "black_entry") & pl.col("in_force"))["subject_id"]
        .unique()
        .to_list()
    )
    links = _links_frame(black, on) if black else pl.DataFrame()
    result = grade_compute(
        scope=pl.Series("subject_id", scope_ids, dtype=pl.Int64),
        inputs=inputs,
        links=links,
        rules=rules,
        on=on,
    )
    return result, inputs.height


@dataclass
class RegradeResult:
    touched: int = 0
    created: int = 0
    changed: int = 0
    explanation_updated: int = 0
    inputs: int = 0
    subject_ids: list[int] = field(default_factory=list)


def linked_subject_ids(subject_ids: Iterable[int]) -> set[int]:
    """``subject_ids`` plus the subjects linked to them as related persons: a company's persons and
    a person's companies (one hop, as the measures reach)."""
    ids = {int(i) for i in subject_ids}
    out = set(ids)
    for part in chunks(sorted(ids), 450):
        for org, person in RelatedPerson.objects.filter(subject_id__in=part).values_list(
            "subject_id", "person_id"
        ):
            out.update((org, person))
        for org, person in RelatedPerson.objects.filter(person_id__in=part).values_list(
            "subject_id", "person_id"
        ):
            out.update((org, person))
    return out


def grade_recompute_for(
    subject_ids: Iterable[int], *, on: date | None = None, trigger: str = "incremental", expand: bool = True
) -> RegradeResult:
    """Regrade ``subject_ids`` and (``expand``) the subjects linked to them through related persons.

    Called after a change to any grading input of those subjects (signals, see ``hooks``). Returns
    how many subjects were touched — the benchmark asserts that number, not the time.
    """
    on = on or clock.today()
    wanted = linked_subject_ids(subject_ids) if expand else {int(i) for i in subject_ids}
    existing = set()
    for part in chunks(sorted(wanted)):
        existing.update(
            Subject.objects.filter(pk__in=part, merged_into__isnull=True).values_list("pk", flat=True)
        )
    scope = sorted(existing)
    if not scope:
        return RegradeResult()
    rules = Rules.of(ruleset_active())
    # Inputs of the linked subjects too: a black entry one hop away yields a related_black row.
    around = sorted(linked_subject_ids(scope))
    result, n_inputs = _compute(scope, on, rules, inputs_for=around)
    for attempt in range(2):
        try:
            with transaction.atomic():
                counts = _write(result, rules=rules, on=on, trigger=trigger, lock=True)
            break
        except IntegrityError:  # a concurrent regrade created the same row first: recompare and retry
            if attempt:
                raise
    return RegradeResult(touched=len(scope), inputs=n_inputs, subject_ids=scope, **counts)


def grade_subject(*, actor, subject: Subject, on: date | None = None) -> SubjectGrade:
    """Manual recompute of one subject (staff action, audited)."""
    ensure_office_admin(actor)
    with transaction.atomic():
        result = grade_recompute_for([subject.pk], on=on, trigger="manual", expand=False)
        grade = SubjectGrade.objects.get(subject=subject)
        audit_record(
            actor=actor,
            action="grade.recompute",
            obj=grade,
            after={"grade": grade.grade, "score": grade.score, "changed": result.changed + result.created},
        )
    return grade


def _existing_frame(scope: list[int] | None, lock: bool) -> pl.DataFrame:
    schema = {"subject_id": pl.Int64, "old_grade": pl.Utf8, "old_score": pl.Int64, "old_digest": pl.Utf8}
    if scope is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT subject_id, grade, score, digest FROM {SubjectGrade._meta.db_table}")  # noqa: S608
            return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")
    rows = []
    for part in chunks(scope):
        qs = SubjectGrade.objects.filter(subject_id__in=part)
        if lock:
            qs = qs.select_for_update().order_by("subject_id")
        rows.extend(qs.values_list("subject_id", "grade", "score", "digest"))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _write(
    result: pl.DataFrame, *, rules: Rules, on: date, trigger: str, lock: bool, bulk: bool = False
) -> dict[str, int]:
    now = clock.now()
    existing = _existing_frame(None if bulk else result["subject_id"].to_list(), lock)
    joined = result.join(existing, on="subject_id", how="left")
    new = joined.filter(pl.col("old_grade").is_null())
    changed = joined.filter(
        pl.col("old_grade").is_not_null()
        & ((pl.col("grade") != pl.col("old_grade")) | (pl.col("score") != pl.col("old_score")))
    )
    expl_only = joined.filter(
        pl.col("old_grade").is_not_null()
        & (pl.col("grade") == pl.col("old_grade"))
        & (pl.col("score") == pl.col("old_score"))
        & (pl.col("digest") != pl.col("old_digest"))
    )
    table = SubjectGrade._meta.db_table
    grade_cols = [
        "subject_id",
        "grade",
        "score",
        "ruleset_version",
        "explanation",
        "digest",
        "computed_on",
        "computed_at",
    ]

    def grade_rows(frame):
        for sid, grade, score, expl, digest in frame.select(
            "subject_id", "grade", "score", "explanation", "digest"
        ).iter_rows():
            yield (sid, grade, score, rules.version, expl, digest, on, now)

    bulk_insert(table, grade_cols, grade_rows(new))
    _update(table, grade_cols, grade_rows(pl.concat([changed, expl_only]) if expl_only.height else changed))
    hist_cols = [
        "subject_id",
        "grade",
        "score",
        "previous_grade",
        "previous_score",
        "ruleset_version",
        "explanation",
        "computed_on",
        "computed_at",
        "trigger",
    ]

    def history_rows():
        for frame in (new, changed):
            for sid, grade, score, old_grade, old_score, expl in frame.select(
                "subject_id", "grade", "score", "old_grade", "old_score", "explanation"
            ).iter_rows():
                yield (sid, grade, score, old_grade or "", old_score, rules.version, expl, on, now, trigger)

    bulk_insert(GradeHistory._meta.db_table, hist_cols, history_rows())
    return {"created": new.height, "changed": changed.height, "explanation_updated": expl_only.height}


def _update(table: str, columns: list[str], rows) -> int:
    """Set-based update keyed by the first column: COPY into a temporary table and one UPDATE … FROM
    on PostgreSQL; executemany elsewhere."""
    qn = connection.ops.quote_name
    key, rest = columns[0], columns[1:]
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0

    def all_rows():
        yield first
        yield from rows

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tmp = f"{table}_upd"
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {qn(tmp)} (LIKE {qn(table)} INCLUDING DEFAULTS) "
                "ON COMMIT DELETE ROWS"
            )
            n = bulk_insert(tmp, columns, all_rows())
            sets = ", ".join(f"{qn(c)} = t.{qn(c)}" for c in rest)
            cursor.execute(
                f"UPDATE {qn(table)} AS g SET {sets} FROM {qn(tmp)} AS t "  # noqa: S608 - metadata only
                f"WHERE g.{qn(key)} = t.{qn(key)}"
            )
            cursor.execute(f"DELETE FROM {qn(tmp)}")  # noqa: S608
            return n
        sets = ", ".join(f"{qn(c)} = %s" for c in rest)
        sql = f"UPDATE {qn(table)} SET {sets} WHERE {qn(key)} = %s"  # noqa: S608 - metadata only
        n = 0
        batch = []
        for row in all_rows():
            batch.append((*row[1:], row[0]))
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
        return n


def grade_bulk(*, actor=None, on: date | None = None, stdout=None) -> GradingRun:
    """Grade every subject (``jointcredit grade``): a few set-based queries, polars, bulk writes."""
    on = on or clock.today()
    started = clock.now()
    t0 = time.perf_counter()
    rules = Rules.of(ruleset_active())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Subject._meta.db_table} WHERE merged_into_id IS NULL")  # noqa: S608
        scope = [r[0] for r in cursor.fetchall()]
    if stdout:
        stdout.write(f"  主体 {len(scope):,} 个，读取评分信息…")
    result, n_inputs = _compute(scope, on, rules, inputs_for=None)
    if stdout:
        stdout.write(f"  评分信息 {n_inputs:,} 条，计算完成（{time.perf_counter() - t0:.1f}s），写入…")
    with transaction.atomic():
        counts = _write(result, rules=rules, on=on, trigger="bulk", lock=False, bulk=True)
        distribution = dict(result.group_by("grade").len().iter_rows())
        run = GradingRun.objects.create(
            on=on,
            ruleset_version=rules.version,
            subjects=len(scope),
            inputs=n_inputs,
            created=counts["created"],
            changed=counts["changed"],
            explanation_updated=counts["explanation_updated"],
            seconds=round(time.perf_counter() - t0, 3),
            started_at=started,
            finished_at=clock.now(),
            distribution={g: distribution.get(g, 0) for g in "ABCD"},
        )
        audit_record(
            actor=actor,
            action="grading.run",
            obj=run,
            after={"on": on, "ruleset_version": rules.version, "subjects": len(scope), **counts},
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(SubjectGrade._meta.db_table)}")
    return run


# --- hooks: regrade after inputs change -----------------------------------------------------------

_pending = threading.local()


def grade_schedule(subject_ids: Iterable[int]) -> None:
    """Regrade these subjects (and their linked ones) once the current transaction commits.

    Ids from several writes in one transaction are regraded together by the first callback; a
    failure is logged, never raised into the business write that triggered it (``robust``), and the
    nightly ``jointcredit grade`` reconciles anything missed.
    """
    ids = {int(i) for i in subject_ids if i is not None}
    if not ids:
        return
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending |= ids
    transaction.on_commit(_flush, robust=True)


def _flush() -> None:
    ids = getattr(_pending, "ids", None) or set()
    _pending.ids = set()
    if ids:
        try:
            grade_recompute_for(ids)
        except Exception:
            log.exception("增量评级失败（将由 jointcredit grade 全量评级补齐）：%s", sorted(ids)[:20])
            raise


def honours_subject_merge(*, source: Subject, target: Subject) -> int:
    """主体合并: honours held by the duplicate move to the subject that stays, which is regraded after
    commit (its inputs changed: entries, records, honours …). The duplicate's grade rows and
    inspection samples stay: they describe what was computed and drawn for it then."""
    moved = Honour.objects.filter(subject=source).update(subject=target)
    grade_schedule([target.pk])
    return moved
