"""Demo 双公示 records (DESIGN.md §7): two years of licences and penalties of the enforcing
departments, most published within 7 working days, some late, a few overdue drafts and withdrawals.

Goes through the real import pipeline (validation, subjects, deadlines, events), then moves the
publication times into the past so the timeliness report has a realistic history.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jointcredit.common.history import change_fields
from jointcredit.subjects.models import Subject, SubjectKind

from .models import License, Penalty, PublicationEvent, RecordPublicationChange, RecordState
from .samples import csv_bytes, license_row, penalty_row

# After the lists demo: ctx.rng is drawn in the same order as before discovery, so a seed gives the same data.
AFTER = ("lists",)

PENALTY_DEPTS = ["scjgj", "yjj", "sthj", "cgj", "xfjy", "wjj", "swj"]
LICENSE_DEPTS = ["xzsp", "wjj", "jtj", "zjj"]
PER_DEPT = {"small": 40, "large": 1500, "xlarge": 3000}
CASES = [
    ({"CF_CFLB": "警告", "CF_NR_FK": "", "CF_NR": "警告"}, "未按规定公示许可证件"),
    ({}, "未按规定建立进货查验记录"),
    ({"CF_CFLB": "罚款", "CF_NR_FK": "2", "CF_NR": "罚款人民币贰万元"}, "销售超过保质期的食品"),
    (
        {
            "CF_CFLB": "罚款;没收违法所得",
            "CF_NR_FK": "5",
            "CF_NR_WFFF": "0.86",
            "CF_NR": "没收违法所得并处罚款",
        },
        "无证经营",
    ),
    (
        {
            "CF_CFLB": "吊销许可证件",
            "CF_NR_FK": "",
            "CF_NR_ZKDX": "食品经营许可证",
            "CF_NR": "吊销食品经营许可证",
        },
        "严重违法经营",
    ),
]


def build(ctx) -> None:
    import io

    from .services import records_import

    rng = ctx.rng
    today = ctx.today
    start = today - timedelta(days=730)
    per_dept = PER_DEPT.get(ctx.size, 40)
    subjects = list(
        Subject.objects.filter(pk__in=(ctx.companies[:5000] + ctx.persons[:500])).values_list(
            "kind", "identifier", "name"
        )
    )
    companies = [s for s in subjects if s[0] == SubjectKind.LEGAL]
    persons = [s for s in subjects if s[0] == SubjectKind.NATURAL]
    if not companies:
        return
    for code in PENALTY_DEPTS + LICENSE_DEPTS:
        dept = ctx.departments.get(code)
        if dept is None:
            continue
        penalty = code in PENALTY_DEPTS
        rows = []
        for i in range(1, per_dept + 1):
            decided = start + timedelta(days=rng.randrange(0, 728))
            if penalty:
                extra, wfxw = CASES[rng.randrange(len(CASES))]
                natural = persons and rng.random() < 0.1
                row = penalty_row(
                    rng, dept, n=i, decided=decided, person=bool(natural), CF_WFXW=wfxw, **extra
                )
                kind, ident, name = rng.choice(persons if natural else companies)
                row |= {"CF_XDR_MC": name} | ({"CF_XDR_ZJHM": ident} if natural else {"CF_XDR_SHXYM": ident})
            else:
                row = license_row(rng, dept, n=i, decided=decided)
                kind, ident, name = rng.choice(companies)
                row |= {"XK_XDR_MC": name, "XK_XDR_SHXYM": ident}
            rows.append(row)
        data = csv_bytes(rows)
        records_import(
            actor=None,
            record_type="penalty" if penalty else "license",
            department=dept,
            fileobj=io.BytesIO(data),
            name=f"{dept.name}{'处罚' if penalty else '许可'}演示数据.csv",
            size=len(data),
            source="demo",
            as_system=True,
            mode="skip_bad_rows",
        )
    _backdate(Penalty, rng, today)
    _backdate(License, rng, today)
    ctx.log(f"  双公示：行政处罚 {Penalty.objects.count()} 条，行政许可 {License.objects.count()} 条")


def _backdate(model, rng, today: date) -> None:
    """Published on time mostly (0–6 working days), ~12% late, recent ones partly still drafts, a
    few overdue drafts and withdrawals — the spread a real district shows."""
    tz = timezone.get_current_timezone()
    changed = []
    for rec in model.objects.filter(state=RecordState.PUBLISHED).only(
        "id", "decision_date", "publication_deadline", "published_at", "state"
    ):
        deadline = rec.publication_deadline or rec.decision_date + timedelta(days=9)
        r = rng.random()
        if (today - rec.decision_date).days < 10 and r < 0.5:
            rec.state, rec.published_at = RecordState.DRAFT, None  # not yet due
        elif r < 0.03:
            rec.state, rec.published_at = RecordState.DRAFT, None  # overdue, never published
        else:
            if r < 0.15:
                day = deadline + timedelta(days=rng.randrange(1, 30))
            else:
                day = rec.decision_date + timedelta(
                    days=rng.randrange(0, max(1, (deadline - rec.decision_date).days + 1))
                )
            day = min(day, today)
            rec.published_at = datetime.combine(day, time(9 + rng.randrange(8), rng.randrange(60)), tzinfo=tz)
        changed.append(rec)
    with transaction.atomic():
        model.objects.bulk_update(changed, ["state", "published_at"], batch_size=2000)
        withdrawn = []
        for rec in changed[: max(1, len(changed) // 100)]:
            if rec.state == RecordState.PUBLISHED:
                model.objects.filter(pk=rec.pk).update(
                    state=RecordState.WITHDRAWN,
                    withdrawn_at=rec.published_at,
                    withdraw_reason="经行政复议，原决定被依法撤销",
                    status_code="2",
                )
                withdrawn.append(rec)
        _backdate_history(model, changed, withdrawn)


def _backdate_history(model, changed: list, withdrawn: list) -> None:
    """The publication history the import wrote, moved with the facts (ADR 0036): a record turned
    back into a draft was drafted, a backdated one published on its new day, a withdrawn one
    withdrawn when it was published."""
    record_type = model.record_type
    by_id = {rec.pk: rec for rec in changed}
    steps = RecordPublicationChange.objects.filter(record_type=record_type, record_id__in=list(by_id))
    moved = []
    for step in steps.only("id", "record_id", "event", "state_after", "recorded_at", "effective_on"):
        rec = by_id[step.record_id]
        if rec.published_at is None:
            step.event, step.state_after = PublicationEvent.DRAFTED, RecordState.DRAFT
        else:
            step.recorded_at, step.effective_on = rec.published_at, timezone.localdate(rec.published_at)
        moved.append(step)
    RecordPublicationChange.objects.bulk_update(
        moved, ["event", "state_after", "recorded_at", "effective_on"], batch_size=2000
    )
    rows = []
    for rec in withdrawn:
        fields = change_fields(
            event=PublicationEvent.WITHDRAWN,
            state_before=RecordState.PUBLISHED,
            state_after=RecordState.WITHDRAWN,
            actor=None,
            reason="经行政复议，原决定被依法撤销",
            effective_on=timezone.localdate(rec.published_at),
        )
        fields["recorded_at"] = rec.published_at
        rows.append(RecordPublicationChange(record_type=record_type, record_id=rec.pk, **fields))
    RecordPublicationChange.objects.bulk_create(rows)
