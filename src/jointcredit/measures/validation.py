"""Rules every memorandum/measure satisfies, shared by services, the admin form and the seed."""

from __future__ import annotations

from jointcredit.common.errors import ValidationFailed
from jointcredit.subjects.models import RelatedRole

from .scenarios import scenario_names, scenarios_active

ROLE_LABELS = dict(RelatedRole.choices)
MAX_SHAREHOLDER_DEPTH = 5  # reach.MAX_DEPTH: a longer chain of holdings is not followed


def measure_fields_validate(
    *,
    code: str,
    name: str,
    kind: str,
    scenarios,
    reach_roles,
    directly_responsible_roles,
    reaches_subject: bool,
    kept_scenarios=(),
    shareholder_depth=1,
    shareholder_min_share=None,
) -> list[dict]:
    """Return the list of error details (empty when valid). Never raises: callers decide.
    Scenarios must be in use, except retired ones the measure already had (``kept_scenarios``)."""
    errors: list[dict] = []

    def err(field: str, rule: str, message: str, values: list | None = None) -> None:
        # The message is for people (Chinese only); callers of the API find the offending codes in values.
        errors.append(
            {"field": field, "rule": rule, "message": message} | ({"values": values} if values else {})
        )

    if not (code or "").strip():
        err("code", "required", "措施代码不能为空。")
    if not (name or "").strip():
        err("name", "required", "措施名称不能为空。")
    if kind not in ("incentive", "punishment"):
        err("kind", "choice", "措施类型无效：应为惩戒或激励。")
    if not isinstance(scenarios, list) or not scenarios:
        err("scenarios", "required", "适用业务场景至少需要选择一个。")
    else:
        active, known = scenarios_active(), scenario_names()
        unknown = [s for s in scenarios if s not in active and not (s in known and s in kept_scenarios)]
        if unknown:
            retired = [known[s] for s in unknown if s in known]
            err(
                "scenarios",
                "choice",
                f"适用业务场景中有 {len(unknown)} 个无法识别或已停用的场景"
                + (f"（已停用：{'、'.join(retired)}）" if retired else "")
                + f"；可选的场景为：{'、'.join(active.values())}。",
                unknown,
            )
    for field, label, value in (
        ("reach_roles", "作用的关联人身份", reach_roles),
        ("directly_responsible_roles", "仅对直接责任人生效的身份", directly_responsible_roles),
    ):
        if not isinstance(value, list):
            err(field, "type", f"{label}应为关联人身份的列表。")
            continue
        unknown = [r for r in value if r not in ROLE_LABELS]
        if unknown:
            err(
                field,
                "choice",
                f"{label}中有 {len(unknown)} 个无法识别的身份；"
                f"可选的身份为：{'、'.join(ROLE_LABELS.values())}。",
                unknown,
            )
    if isinstance(reach_roles, list) and isinstance(directly_responsible_roles, list):
        stray = [r for r in directly_responsible_roles if r in ROLE_LABELS and r not in reach_roles]
        if stray:
            err(
                "directly_responsible_roles",
                "subset",
                f"“仅对直接责任人生效”的身份 {'、'.join(ROLE_LABELS[r] for r in stray)} "
                "未列在作用的关联人身份中。",
            )
    # ADR 0046: how far shareholdings are followed, explicit and bounded.
    if not isinstance(shareholder_depth, int) or not 1 <= shareholder_depth <= MAX_SHAREHOLDER_DEPTH:
        err(
            "shareholder_depth",
            "range",
            f"股东穿透层级应为 1 到 {MAX_SHAREHOLDER_DEPTH} 之间的整数（1 = 只作用于直接股东）。",
        )
    if shareholder_min_share is not None and not 0 <= shareholder_min_share <= 100:
        err("shareholder_min_share", "range", "股东最低持股比例应在 0 到 100 之间，或留空表示不论比例。")
    if not reaches_subject and isinstance(reach_roles, list) and not reach_roles:
        err("reach_roles", "required", "措施既不作用于主体本身也不作用于任何关联人，无法生效。")
    return errors


def measure_fields_ensure(**fields) -> None:
    errors = measure_fields_validate(**fields)
    if errors:
        raise ValidationFailed("；".join(e["message"] for e in errors), details=errors)
