"""Demo red and black entries in every state (DESIGN.md §7), built through the services so that
audit rows and outbox events are real. Entries that must look older than "today" (expired ones,
repairable ones) are created with recent dates and then back-dated, since the services refuse to
publish an entry whose validity has already ended.

For ``--size large`` a bulk tail of published entries (no audit/events: benchmark data) brings the
total to about 100k for the check-engine benchmark.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from jointcredit.accounts.models import User
from jointcredit.common import clock
from jointcredit.common.bulk import bulk_insert, reset_sequence
from jointcredit.subjects.models import Subject

from . import services
from .models import EntryState, ListEntry, ListType

# `jointcredit demo` runs this after the measures demo: list types point at its memoranda.
AFTER = ("measures",)

BLACK_FACTS = {
    "black_health_safety": (
        "scjgj",
        [
            "在餐饮服务中使用超过保质期的食品原料，造成 12 人食物中毒，被处以吊销许可证件的行政处罚。",
            "生产销售不符合食品安全标准的预包装食品，货值金额较大，情节严重。",
        ],
    ),
    "black_market_order": (
        "swj",
        [
            "通过虚开增值税专用发票等手段偷逃税款，经税务机关认定为重大税收违法失信主体。",
            "以隐匿财产等方式逃避缴纳欠缴税款，金额较大。",
        ],
    ),
    "black_refuse_judgment": (
        "fy",
        [
            "有履行能力而拒不履行生效法律文书确定的给付义务。",
        ],
    ),
}
RED_FACTS = {
    "red_good_rating": ("swj", "纳税信用评价结果为 A 级。"),
    "red_moral_model": ("xcb", "被评为济南市诚信道德模范。"),
    "red_youth_volunteer": ("tqw", "获评历下区优秀青年志愿者。"),
    "red_association": ("fgj", "经济南市餐饮行业协会推荐为诚信会员单位。"),
}


def _users(code: str) -> tuple[User, User]:
    return User.objects.get(username=f"{code}_clerk"), User.objects.get(username=f"{code}_approver")


def _backdate(entry: ListEntry, *, days: int) -> None:
    """Shift an entry's dates ``days`` into the past (simulated passage of time)."""
    delta = timedelta(days=days)
    fields = {
        f: getattr(entry, f) - delta
        for f in ("decided_on", "valid_from", "valid_until", "notified_on", "statement_deadline")
        if getattr(entry, f)
    }
    ListEntry.objects.filter(pk=entry.pk).update(**fields)


class _Exhausted(Exception):
    """Fewer demo subjects than the script wants (small test worlds): stop early, keep what exists."""


def _take(it):
    try:
        return next(it)
    except StopIteration:
        raise _Exhausted from None


def build(ctx) -> None:
    services.list_types_seed()
    counts: dict[str, int] = {}
    try:
        _build(ctx, counts)
    except _Exhausted:
        ctx.log("  名单条目：演示主体不足，已按现有主体生成")
    if ctx.size != "small":
        _bulk_tail(ctx)
    ctx.log("  名单条目：" + "，".join(f"{k} {v}" for k, v in counts.items()))


def _build(ctx, counts) -> None:
    rng, today = ctx.rng, ctx.today
    companies = Subject.objects.filter(pk__in=ctx.companies[:400]).order_by("pk")
    pool = iter(list(companies))
    persons = iter(list(Subject.objects.filter(pk__in=ctx.persons[:100]).order_by("pk")))

    def bump(label):
        counts[label] = counts.get(label, 0) + 1

    def black(code, subject, *, notified_ago=30):
        dept, facts = BLACK_FACTS[code]
        clerk, approver = _users(dept)
        entry = services.list_entry_create(
            actor=clerk,
            list_type=code,
            identifier=subject.identifier,
            name=subject.name,
            reason=rng.choice(facts),
            legal_basis="",
        )
        return entry, clerk, approver, notified_ago

    def black_to(code, subject, state):
        entry, clerk, approver, ago = black(code, subject)
        if state == EntryState.DRAFT:
            return entry
        entry = services.list_entry_notify(
            entry=entry,
            actor=clerk,
            notified_on=today - timedelta(days=ago if state != EntryState.NOTIFIED else 1),
        )
        if state == EntryState.NOTIFIED:
            return entry
        entry = services.list_entry_decide(entry=entry, actor=approver)
        if state == EntryState.DECIDED:
            return entry
        return services.list_entry_publish(entry=entry, actor=approver)

    def red(code, subject, *, days_ago=20):
        dept, fact = RED_FACTS[code]
        clerk, approver = _users(dept)
        entry = services.list_entry_create(
            actor=clerk,
            list_type=code,
            identifier=subject.identifier,
            name=subject.name,
            reason=fact,
            decided_on=today - timedelta(days=days_ago),
        )
        return entry, approver

    codes = list(BLACK_FACTS)
    # Published black entries, some under objection, some old enough to be repairable.
    for i in range(18):
        entry = black_to(codes[i % len(codes)], _take(pool), EntryState.PUBLISHED)
        bump("黑名单已发布")
        if i % 6 == 0:
            services.list_entry_set_objection(
                entry=entry, under_objection=True, actor=_users(entry.department.code)[0]
            )
            bump("异议中")
        if i % 5 == 1:
            _backdate(entry, days=500)
    for state, label, n in (
        (EntryState.DRAFT, "黑名单拟列入", 4),
        (EntryState.NOTIFIED, "黑名单已告知", 4),
        (EntryState.DECIDED, "黑名单已认定", 3),
    ):
        for i in range(n):
            black_to(codes[i % len(codes)], _take(pool), state)
            bump(label)
    # Removed black entries: repaired (back-dated past the minimum period), revoked, corrected.
    for reason in ("repaired", "revoked", "corrected"):
        entry = black_to("black_health_safety", _take(pool), EntryState.PUBLISHED)
        if reason == "repaired":
            _backdate(entry, days=400)
            entry.refresh_from_db()
        services.list_entry_remove(
            entry=entry,
            actor=_users("scjgj")[1],
            reason=reason,
            note={
                "repaired": "已履行处罚决定并完成整改，信用修复申请经审核通过。",
                "revoked": "异议成立，撤销认定。",
                "corrected": "主体信息有误，更正后重新认定。",
            }[reason],
        )
        bump(f"黑名单已移出（{reason}）")
    # Expired black entries (published, validity passed, not yet swept).
    for _ in range(3):
        entry = black_to("black_market_order", _take(pool), EntryState.PUBLISHED)
        _backdate(entry, days=1200)
        bump("黑名单已到期")

    red_codes = list(RED_FACTS)
    for i in range(20):
        code = red_codes[i % len(red_codes)]
        subject = _take(persons) if code in ("red_moral_model", "red_youth_volunteer") else _take(pool)
        entry, approver = red(code, subject)
        if i % 7 == 6:
            bump("红名单拟列入")
            continue
        services.list_entry_publish(entry=entry, actor=approver)
        bump("红名单已发布")
    for _ in range(2):
        entry, approver = red("red_good_rating", _take(pool))
        services.list_entry_publish(entry=entry, actor=approver)
        _backdate(entry, days=400)
        bump("红名单已到期")
    # A red-listed company that is then black-listed leaves the red list at once (superseded).
    subject = _take(pool)
    entry, approver = red("red_good_rating", subject)
    services.list_entry_publish(entry=entry, actor=approver)
    black_to("black_market_order", subject, EntryState.PUBLISHED)
    bump("红名单被黑名单取代")


def _bulk_tail(ctx, target: int = 100_000) -> None:
    """Benchmark volume: published entries over random companies and persons, straight to the table."""
    rng, today = ctx.rng, ctx.today
    have = ListEntry.objects.count()
    if have >= target:
        return
    types = {lt.code: lt for lt in ListType.objects.prefetch_related("initiating_departments")}
    black_types = [t for t in types.values() if t.color == "black" and t.initiating_departments.exists()]
    red_types = [t for t in types.values() if t.color == "red" and t.initiating_departments.exists()]
    used = set(ListEntry.objects.values_list("subject_id", flat=True))
    candidates = [s for s in ctx.companies[400:] + ctx.persons[100:] if s not in used]
    rng.shuffle(candidates)
    subjects = {
        pk: (name, kind)
        for pk, name, kind in Subject.objects.filter(pk__in=candidates[: target - have]).values_list(
            "pk", "name", "kind"
        )
    }
    now = clock.now()
    cols = [
        "list_type_id",
        "subject_id",
        "subject_name",
        "subject_kind",
        "department_id",
        "state",
        "reason",
        "legal_basis",
        "document_no",
        "decided_on",
        "valid_from",
        "valid_until",
        "published_at",
        "under_objection",
        "responsible_chosen",
        "objection_periods",
        "removal_reason",
        "removal_note",
        "notice_no",
        "statement_outcome",
        "statement_content",
        "statement_handling",
        "created_at",
        "updated_at",
    ]

    def rows():
        for i, sid in enumerate(candidates[: target - have]):
            lt = black_types[i % len(black_types)] if i % 5 else red_types[i % len(red_types)]
            dept = lt.initiating_departments.all()[0]
            decided = today - timedelta(days=rng.randrange(1, 700))
            name, kind = subjects.get(sid, ("", ""))
            yield (
                lt.pk,
                sid,
                name,
                kind,
                dept.pk,
                EntryState.PUBLISHED,
                "演示数据：批量生成的名单条目",
                lt.legal_basis,
                f"演示〔{decided.year}〕{i}号",
                decided,
                decided,
                decided + timedelta(days=lt.validity_days),
                now,
                i % 97 == 0,
                False,  # no choice of directly responsible persons at 认定 (ADR 0046)
                "[]",  # never under objection
                "",
                "",
                "",
                "",
                "",
                "",
                now,
                now,
            )

    with transaction.atomic():
        bulk_insert(ListEntry._meta.db_table, cols, rows())
        reset_sequence(ListEntry)
    ctx.log(f"  名单条目（批量）：补足至 {ListEntry.objects.count()} 条")
