"""Rules every memorandum/measure satisfies, shared by services, the admin form and the seed."""

from __future__ import annotations

from jointcredit.common.errors import ValidationFailed
from jointcredit.subjects.models import RelatedRole

from .scenarios import SCENARIOS

ROLE_LABELS = dict(RelatedRole.choices)


def measure_fields_validate(
    *,
    code: str,
    name: str,
    kind: str,
    scenarios,
    reach_roles,
    directly_responsible_roles,
    reaches_subject: bool,
) -> list[dict]:
    """Return the list of error details (empty when valid). Never raises: callers decide."""
    errors: list[dict] = []

    def err(field: str, rule: str, message: str) -> None:
        errors.append({"field": field, "rule": rule, "message": message})

    if not (code or "").strip():
        err("code", "required", "措施代码 code 不能为空。")
    if not (name or "").strip():
        err("name", "required", "措施名称 name 不能为空。")
    if kind not in ("incentive", "punishment"):
        err(
            "kind",
            "choice",
            f"措施类型 kind 的取值“{kind}”无效：应为 incentive（激励）或 punishment（惩戒）。",
        )
    if not isinstance(scenarios, list) or not scenarios:
        err("scenarios", "required", "适用业务场景 scenarios 至少需要一个场景代码。")
    else:
        unknown = [s for s in scenarios if s not in SCENARIOS]
        if unknown:
            valid = "、".join(f"{k}（{v}）" for k, v in SCENARIOS.items())
            err(
                "scenarios",
                "choice",
                f"适用业务场景含未知代码“{'、'.join(map(str, unknown))}”；有效代码为：{valid}。",
            )
    for field, value in (
        ("reach_roles", reach_roles),
        ("directly_responsible_roles", directly_responsible_roles),
    ):
        if not isinstance(value, list):
            err(field, "type", f"{field} 应为关联人身份代码列表。")
            continue
        unknown = [r for r in value if r not in ROLE_LABELS]
        if unknown:
            valid = "、".join(f"{k}（{v}）" for k, v in ROLE_LABELS.items())
            err(
                field,
                "choice",
                f"{field} 含未知关联人身份“{'、'.join(map(str, unknown))}”；有效身份为：{valid}。",
            )
    if isinstance(reach_roles, list) and isinstance(directly_responsible_roles, list):
        stray = [r for r in directly_responsible_roles if r in ROLE_LABELS and r not in reach_roles]
        if stray:
            err(
                "directly_responsible_roles",
                "subset",
                f"“仅对直接责任人生效”的身份 {'、'.join(ROLE_LABELS[r] for r in stray)} "
                "未列在作用身份 reach_roles 中。",
            )
    if not reaches_subject and isinstance(reach_roles, list) and not reach_roles:
        err("reach_roles", "required", "措施既不作用于主体本身也不作用于任何关联人，无法生效。")
    return errors


def measure_fields_ensure(**fields) -> None:
    errors = measure_fields_validate(**fields)
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), details=errors)
