"""Demo: the city platform (信用济南) over the exchange database, with upstream entries, one held
item, one removal, and receipts for what the district reported — visible on day one."""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError

from jointcredit.accounts.models import User
from jointcredit.subjects.models import Subject

from . import exchange_db
from .models import Platform
from .services import platform_create, platform_exchange
from .simulator import PlatformSimulator

AFTER = ("lists", "records", "exchange", "repairs", "objections")


def build(ctx) -> None:
    office = ctx.departments.get("fgj")
    if office is None:
        return
    try:
        exchange_db.schema_ensure()
    except DatabaseError as exc:
        ctx.log(f"  上下联动演示跳过：前置库不可用（{exc}）")
        return
    platform = Platform.objects.filter(code="jinan").first() or platform_create(
        actor=User.objects.get(username="office"),
        code="jinan",
        name="信用济南（济南市公共信用信息平台）",
        receiving_department=office,
    )
    sim = PlatformSimulator(platform.code)
    today = ctx.today
    companies = list(Subject.objects.filter(pk__in=ctx.companies[-40:]).order_by("pk"))
    issued = []
    for n, (company, code, why) in enumerate(
        zip(
            companies[:6],
            ["SXBZXR", "ZDSSWF", "YZSXZT", "SXBZXR", "ZDSSWF", "YZSXZT"],
            [
                "有履行能力而拒不履行生效法律文书确定的义务",
                "虚开增值税专用发票，偷税数额较大",
                "严重违法失信行为",
            ]
            * 2,
            strict=False,
        )
    ):
        issued.append(
            sim.issue_entry(
                list_code=code,
                identifier=company.identifier,
                name=company.name,
                subject_kind_label="法人及非法人组织",
                document_no=f"济信认〔{today.year}〕{n + 11}号",
                decided_on=today - timedelta(days=20 + n),
                valid_until=today + timedelta(days=700),
                reason=why,
            )
        )
    # An item whose identifier fails validation: held for a clerk, never dropped.
    sim.issue_entry(
        list_code="SXBZXR",
        identifier="91370102MA3C0000X0",
        name="济南某某商贸有限公司",
        subject_kind_label="法人及非法人组织",
        document_no=f"（{today.year}）鲁0102执123号",
        decided_on=today - timedelta(days=5),
        valid_until=today + timedelta(days=365),
        reason="有履行能力而拒不履行生效法律文书确定的义务",
    )
    result = platform_exchange(platform=platform)
    if issued:
        sim.issue_end(target_key=issued[-1], kind="repair", note="经信用中国网站审核，准予信用修复")
    answered = sim.answer()
    result2 = platform_exchange(platform=platform)
    ctx.log(f"  上下联动：下发 {result} / {result2}，平台回执 {answered}")
