"""Demo hook: the shipped memoranda and measures, linked to the demo departments. Runs before the
lists' demo so list types can point at the memoranda."""

from __future__ import annotations

from .services import measures_seed_defaults


def build(ctx) -> None:
    created = measures_seed_defaults(actor=None)
    ctx.log(
        f"  联合奖惩备忘录新增 {len(created['memoranda'])} 份，措施新增 {len(created['measures'])} 项"
        "（已存在的默认项只补全部门关联）"
    )
