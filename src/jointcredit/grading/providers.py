"""Grading's own input providers (registered in ``apps.GradingConfig.ready``).

Each answers ``(subject_ids | None, on) → rows`` with one set-based query, so the bulk run stays
a handful of queries over the whole district whatever the number of subjects.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.db import connection
from django.db.models import Q

from .inputs import chunks


def _scoped(qs, subject_ids: list[int] | None, field: str = "subject_id"):
    if subject_ids is None:
        yield qs
        return
    for part in chunks(list(subject_ids)):
        yield qs.filter(**{f"{field}__in": part})


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


# --- lists: black and red entries ---------------------------------------------------------------


def list_entries_input(subject_ids: list[int] | None, on: date):
    """Black entries: in force → full deduction; expired or removed as expired/repaired/superseded →
    past item decaying from its end (repaired ones relieved); revoked/corrected ones never count
    (they were wrong). Red entries: credit only while in force."""
    from jointcredit.lists.models import EntryState, ListColor, ListEntry, RemovalReason

    cols = (
        "id",
        "subject_id",
        "list_type__color",
        "list_type__name",
        "state",
        "valid_from",
        "valid_until",
        "decided_on",
        "published_at",
        "removed_at",
        "removal_reason",
    )
    base = ListEntry.objects.filter(state__in=[EntryState.PUBLISHED, EntryState.REMOVED]).exclude(
        removal_reason__in=[RemovalReason.REVOKED, RemovalReason.CORRECTED]
    )
    for qs in _scoped(base, subject_ids):
        for (
            pk,
            sid,
            color,
            type_name,
            state,
            vfrom,
            vuntil,
            decided,
            published,
            removed,
            reason,
        ) in qs.values_list(*cols).iterator(chunk_size=5000):
            start = decided or vfrom or _day(published) or on
            if state == EntryState.PUBLISHED:
                in_force = (vfrom is None or vfrom <= on) and (vuntil is None or vuntil >= on)
                if vfrom is not None and vfrom > on:
                    continue
                end = start if in_force else vuntil
            else:
                if color == ListColor.RED:
                    continue
                in_force, end = False, _day(removed) or vuntil or start
            if color == ListColor.RED:
                if not in_force:
                    continue
                yield (
                    sid,
                    "red_entry",
                    f"lists.listentry:{pk}",
                    f"{type_name}（{start}）",
                    start,
                    "",
                    0.0,
                    False,
                    True,
                )
            else:
                status = (
                    "在列"
                    if in_force
                    else ("已修复移出" if reason == RemovalReason.REPAIRED else "已移出/到期")
                )
                yield (
                    sid,
                    "black_entry",
                    f"lists.listentry:{pk}",
                    f"{type_name}（{start} 列入，{status}）",
                    end,
                    "",
                    0.0,
                    reason == RemovalReason.REPAIRED,
                    in_force,
                )


# --- records: penalties, 吊销许可证件, licences ----------------------------------------------------


@cache
def _records_models():
    """The records app's models once they exist (its tables may not be migrated everywhere yet)."""
    try:
        penalty = apps.get_model("records", "Penalty")
        licence = apps.get_model("records", "License")
    except LookupError:
        return None
    tables = set(connection.introspection.table_names())
    if penalty._meta.db_table not in tables or licence._meta.db_table not in tables:
        return None
    return penalty, licence


REVOCATION = "吊销许可证件"


def penalties_input(subject_ids: list[int] | None, on: date):
    models = _records_models()
    if models is None:
        return
    penalty, _ = models
    repaired = _repaired_penalty_ids(subject_ids)
    qs = penalty.objects.filter(state="published", decision_date__lte=on)
    for part in _scoped(qs, subject_ids):
        for pk, sid, doc_no, categories, fine, decided, organ in part.values_list(
            "id", "subject_id", "doc_no", "categories", "fine", "decision_date", "organ_name"
        ).iterator(chunk_size=5000):
            done = pk in repaired
            label = f"{organ} {doc_no}（{categories or '其他'}）" + ("，已信用修复" if done else "")
            yield (
                sid,
                "penalty",
                f"records.penalty:{pk}",
                label,
                decided,
                categories or "其他",
                float(fine or 0),
                done,
                False,
            )
            if REVOCATION in (categories or ""):
                yield (
                    sid,
                    "revocation",
                    f"records.penalty:{pk}",
                    f"{organ} {doc_no} 吊销许可证件",
                    decided,
                    "",
                    0.0,
                    done,
                    False,
                )


def _repaired_penalty_ids(subject_ids: list[int] | None) -> set[int]:
    """Penalties with an approved 信用修复 (repairs app): their deduction gets the rule set's
    ``repair_relief``, like black entries removed as repaired. One query over the approved repairs."""
    try:
        repair = apps.get_model("repairs", "RepairApplication")
    except LookupError:
        return set()
    qs = repair.objects.filter(target_type="penalty", state="approved")
    ids: set[int] = set()
    for part in _scoped(qs, subject_ids):
        ids.update(part.values_list("target_id", flat=True))
    return ids


def licences_input(subject_ids: list[int] | None, on: date):
    models = _records_models()
    if models is None:
        return
    _, licence = models
    qs = licence.objects.filter(state="published", status_code="1", decision_date__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    for part in _scoped(qs, subject_ids):
        for pk, sid, doc_no, decided in part.values_list(
            "id", "subject_id", "doc_no", "decision_date"
        ).iterator(chunk_size=5000):
            yield (
                sid,
                "licence",
                f"records.license:{pk}",
                f"行政许可 {doc_no}",
                decided,
                "",
                0.0,
                False,
                True,
            )


# --- honours ------------------------------------------------------------------------------------


def honours_input(subject_ids: list[int] | None, on: date):
    from .models import Honour

    qs = Honour.objects.filter(revoked_at__isnull=True, awarded_on__lte=on)
    for part in _scoped(qs, subject_ids):
        for pk, sid, title, awarded in part.values_list("id", "subject_id", "title", "awarded_on"):
            yield (sid, "honour", f"grading.honour:{pk}", f"荣誉称号：{title}", awarded, "", 0.0, False, True)
