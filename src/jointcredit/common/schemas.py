"""Response schemas for measured hot reads.

ninja's ``Schema`` validates through a Python wrapper (``DjangoGetter``) that looks every field up
by a Python call, so that it can read Django managers, file fields and ``resolve_*`` methods. An
answer whose objects are plain dicts, dataclass-like values and model attributes does not need
that: a plain pydantic model validates and dumps it inside pydantic-core. Measured on a
``GET /check`` body with three hits: ~96 µs through ``Schema``, ~15 µs through this base
(ADR 0014). The OpenAPI document is the same; ninja accepts any pydantic model as a response.

Use it for the schemas of an endpoint on a measured hot path (bench/) whose values need none of
``Schema``'s Django conveniences; everything else keeps ``ninja.Schema``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OutSchema(BaseModel):
    # Attributes as well as dict keys (a Subject instance for CheckSubjectOut, say), as Schema does.
    model_config = ConfigDict(from_attributes=True)


def one_of(values: Iterable[str], *, blank: bool = False) -> Any:
    """``Literal`` of a fixed set of codes (model choices, scenarios), so that the OpenAPI document
    lists them as the parameter's ``enum`` and a value outside them is a 422 before the view runs.
    ``blank`` admits "" for the list filters whose empty value means "no filter"."""
    return Literal[(*([""] if blank else []), *values)]


class StatusChangeOut(OutSchema):
    """One step of a status history (``common.history.timeline_step``; ADR 0032/0036). Each kind
    subclasses it under its own name and documents its ``event`` codes."""

    event: str
    label: str = Field(description="变更事项（中文）")
    state_before: str = Field(description="变更前状态（代码；首次记录为空）")
    state_after: str = Field(description="变更后状态（代码）")
    state_before_label: str
    state_after_label: str
    reason: str = Field(description="原因或说明")
    actor: str = Field(description="操作人（记录时的名称；系统操作为“系统”）")
    recorded_at: datetime | None = Field(description="记录时间（事务时间）；按日期推导、尚未记录的为 null")
    effective_on: date = Field(description="生效日期（有效时间）")
    backfilled: bool = Field(description="上线前的变更，由存量时间戳和审计记录补录")
    derived: bool = Field(description="按日期推导的变更（如公示期满），尚无记录行")
