"""Demo 承诺书: active, fulfilled and broken ones (small data set only: each goes through the
eligibility check)."""

from __future__ import annotations

from datetime import timedelta

from jointcredit.accounts.models import User
from jointcredit.common.errors import DomainError
from jointcredit.subjects.models import Subject

from . import services

MATTERS = [
    ("食品经营许可证核发", ["场所产权证明复印件", "从业人员健康证明"]),
    ("公共场所卫生许可证核发", ["卫生检测报告"]),
    ("建筑工程施工许可证核发", ["消防设计审查意见", "施工合同备案表"]),
]


def build(ctx) -> None:
    clerk = User.objects.filter(username="xzsp_clerk").first()
    if clerk is None:
        return
    rng = ctx.rng
    made = 0
    for sid in rng.sample(ctx.companies, min(len(ctx.companies), 12 if ctx.size == "small" else 30)):
        subject = Subject.objects.get(pk=sid)
        matter, items = rng.choice(MATTERS)
        try:
            c = services.commitment_create(
                actor=clerk,
                identifier=subject.identifier,
                matter=matter,
                missing_items=items,
                working_days=rng.choice([5, 10, 20]),
                signatory_name=subject.legal_representative or "张伟",
                signed_on=ctx.today - timedelta(days=rng.randrange(0, 40)),
            )
        except DomainError:
            continue
        made += 1
        roll = rng.random()
        if roll < 0.4:
            services.commitment_fulfil(actor=clerk, commitment=c, note="材料已补齐")
        elif roll < 0.5:
            services.commitment_break(
                actor=clerk, commitment=c, note="经核查，所附健康证明与发证机关记录不符"
            )
    overdue = services.commitments_overdue_break(today=ctx.today)
    ctx.log(f"  信用承诺书 {made} 份（逾期自动认定 {overdue} 份）")
