"""业务场景 (DESIGN.md §2): data the office maintains (``models.Scenario``; ADR 0045), read here
through the cached catalogue so that the check validates its scenario without a query.

The defaults are seeded by ``migrations/0005_scenario`` (and ``seed.seed_scenarios``); nothing in the
code lists scenarios any more."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from jointcredit.common.errors import ValidationFailed

from .catalog import Catalog, catalog_get

# The API type of a scenario parameter or field: a string the service checks against the table
# (config.openapi.RULES_BEYOND_SCHEMA: ("scenario", "choice")); the allowed codes are data, so the
# document cannot list them as an enum. GET /api/v1/scenarios lists them.
SCENARIO_PATTERN = r"^[a-z][a-z0-9_]{1,31}$"
ScenarioCode = Annotated[
    str,
    Field(
        description="业务场景代码：须为在用的业务场景（GET /api/v1/scenarios 列出，"
        "信用办在“系统配置 → 业务场景”维护）；否则 422，details[].valid 列出可选代码",
        json_schema_extra={"pattern": SCENARIO_PATTERN, "maxLength": 32},
    ),
]


def scenarios_active() -> dict[str, str]:
    """Scenarios in use: code → Chinese name, in the office's order."""
    return catalog_get().scenarios


def scenario_names() -> dict[str, str]:
    """Every scenario ever entered (retired ones too): code → Chinese name, for labels."""
    return catalog_get().scenario_names


def scenario_validate(
    scenario: str | None, *, field: str = "scenario", retired_ok: bool = False, catalog: Catalog | None = None
) -> str:
    """The scenario code if it is one in use (or, with ``retired_ok``, one ever entered), else a 422
    naming the scenarios in use (the detail's message as 名称（代码）, the codes in ``details[].valid``)."""
    catalog = catalog or catalog_get()
    active, names = catalog.scenarios, catalog.scenario_names
    if retired_ok and scenario in names:
        return scenario
    if scenario not in active:
        # People read the message (pages show it): names only. Machine clients find the codes in
        # the detail's message (名称（代码）) and in ``valid``.
        names_only = "、".join(active.values())
        with_codes = "、".join(f"{name}（{code}）" for code, name in active.items())
        message = (
            "请选择业务场景"
            if not scenario
            else ("该业务场景已停用" if scenario in names else "业务场景无效")
        )
        raise ValidationFailed(
            f"{message}：应为在用的业务场景之一：{names_only}。",
            details=[
                {
                    "field": field,
                    "rule": "choice",
                    "message": f"业务场景应为在用的业务场景之一：{with_codes}。",
                    "valid": list(active),
                }
            ],
        )
    return scenario
