"""信息推送: which cooperating departments must apply which measures of a published list entry.

The exchange records the push (``exchange.dispatcher.pushes_from_events``); the answer is the
memorandum's, so it lives here and is registered with the exchange (MeasuresConfig.ready, ADR 0016).
"""

from __future__ import annotations

from collections import defaultdict

from jointcredit.accounts.models import Department
from jointcredit.common import clock
from jointcredit.exchange.extensions import PushPlan
from jointcredit.lists.models import ListColor, ListEntry

from .models import Measure, MeasureKind, in_force_q


def push_plans(entry_ids: list[int]) -> dict[int, PushPlan]:
    entries = ListEntry.objects.select_related("list_type__memorandum").in_bulk(entry_ids)
    memo_ids = {e.list_type.memorandum_id for e in entries.values() if e.list_type.memorandum_id}
    if not memo_ids:
        return {}
    measures_by_memo: dict[int, list[Measure]] = defaultdict(list)
    # What is in force today, when the entry is pushed (ADR 0045): the measure's version and its memorandum.
    today = clock.today()
    in_force = (
        Measure.objects.filter(memorandum_id__in=memo_ids, is_active=True)
        .filter(in_force_q(today), in_force_q(today, "memorandum__"))
        .prefetch_related("implementing_departments")
    )
    for measure in in_force:
        measures_by_memo[measure.memorandum_id].append(measure)
    cooperating = list(
        Department.objects.filter(is_active=True, is_cooperating=True).values_list("pk", flat=True)
    )
    plans = {}
    for entry_id, entry in entries.items():
        memo = entry.list_type.memorandum
        if memo is None:
            continue
        # Red lists carry incentives, black lists punishments (a memorandum may list both).
        kind = MeasureKind.INCENTIVE if entry.list_type.color == ListColor.RED else MeasureKind.PUNISHMENT
        by_department: dict[int, list[Measure]] = defaultdict(list)
        for measure in measures_by_memo.get(memo.pk, []):
            if measure.kind != kind:
                continue
            departments = [d.pk for d in measure.implementing_departments.all()] or cooperating
            for dept_id in departments:
                if dept_id != entry.department_id:  # the initiating department already knows
                    by_department[dept_id].append(measure)
        plans[entry_id] = PushPlan(
            entry=entry,
            feedback_working_days=memo.feedback_working_days,
            measures_by_department=by_department,
        )
    return plans
