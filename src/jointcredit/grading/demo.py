"""Demo data for grading: honours, grades (small data set) and a published 双随机 plan.

The large data set leaves grading to ``jointcredit grade`` (the benchmark measures that run)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from jointcredit.accounts.models import User
from jointcredit.common.history import change_fields

from .models import Honour, HonourChange, HonourEvent, HonourState

HONOUR_TITLES = ["历下区诚信示范企业", "济南市守合同重信用企业", "历下区文明诚信商户", "历下区优秀民营企业"]


def build(ctx) -> None:
    rng = ctx.rng
    awarding = [ctx.departments[c] for c in ("fgj", "scjgj", "xcb") if c in ctx.departments]
    picks = rng.sample(ctx.companies, min(len(ctx.companies), 30 if ctx.size == "small" else 300))
    with transaction.atomic():
        honours = Honour.objects.bulk_create(
            [
                Honour(
                    subject_id=sid,
                    title=rng.choice(HONOUR_TITLES),
                    department=rng.choice(awarding),
                    awarded_on=ctx.today - timedelta(days=rng.randrange(30, 900)),
                )
                for sid in picks
            ]
        )
        # Loaded in bulk, recorded in bulk: each honour's award is a step of its history (ADR 0036).
        HonourChange.objects.bulk_create(
            [
                HonourChange(
                    honour_id=h.pk,
                    **change_fields(
                        event=HonourEvent.AWARDED,
                        state_before="",
                        state_after=HonourState.HELD,
                        actor=None,
                        reason="演示数据",
                        effective_on=h.awarded_on,
                    ),
                )
                for h in honours
            ]
        )
    ctx.log(f"  荣誉称号 {len(picks)} 项")
    if ctx.size != "small":
        return
    from .inspections import inspection_plan_create, inspection_plan_publish
    from .services import grade_bulk

    run = grade_bulk()
    ctx.log(f"  信用等级 {run.subjects} 个主体：{run.distribution}")
    clerk = User.objects.filter(username="scjgj_clerk").first()
    if clerk is None:
        return
    plan = inspection_plan_create(
        actor=clerk,
        name=f"{ctx.today.year} 年度食品销售与餐饮业双随机抽查",
        industry="批发和零售业",
        seed=rng.randrange(1, 2**62),
    )
    inspection_plan_publish(actor=clerk, plan=plan)
    ctx.log(f"  双随机抽查计划 1 个：{plan.summary['sampled']} / {plan.population_size}")
