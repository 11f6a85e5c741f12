"""Shared schema types: response schemas for measured hot reads, and the parameter types that make
the OpenAPI document say which values an operation takes (ADR 0040).

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

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .pagination import MAX_PAGE_SIZE


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


def choice_of(values: Iterable[str], *, blank: bool = False) -> Any:
    """A body or form field's codes documented as the ``enum`` the service checks itself: the
    service reports every broken rule of a request at once with its own field and rule names, so
    ninja must not answer first. Query filters use ``one_of`` (enforced, ADR 0040)."""
    return Annotated[str, Field(json_schema_extra={"enum": [*([""] if blank else []), *values]})]


def comma_list_of(values: Iterable[str], *, blank: bool = False, description: str = "") -> Any:
    """A string of codes separated by commas (``submitted,accepted``; blanks around and between
    commas are ignored), documented with a ``pattern`` the service's own parsing agrees with. The
    pattern is documentation, not enforcement: the service keeps its Chinese message per code."""
    code = "(?:" + "|".join(re.escape(v) for v in values) + ")"
    body = rf"[\s,]*{code}(?:\s*,[\s,]*{code})*[\s,]*"
    pattern = f"^(?:{body})?$" if blank else f"^{body}$"
    return Annotated[str, Field(description=description or None, json_schema_extra={"pattern": pattern})]


# 页码和每页条数 (common.pagination): the bounds are pydantic's, so the document shows them as
# minimum/maximum and a value outside them is a 422 before the view runs.
PageNumber = Annotated[int, Field(ge=1, description="页码，从 1 开始")]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE, description=f"每页条数，1–{MAX_PAGE_SIZE}")]

# 统一社会信用代码或证件号码 as a lookup key. ``format`` names the rule the schema language cannot
# state (check characters, a real birth date: subjects.identifiers); the fuzzer registers a generator
# for it (tests/hardening). ``pattern`` is what the service accepts before those checks: letters and
# digits, with spaces and hyphens it strips. Documentation only — the service's messages name the rule.
IDENTIFIER_FORMAT = "credit-identifier"
IDENTIFIER_PATTERN = r"^[\s\-]*[0-9A-Za-z][0-9A-Za-z\s\-]*$"
_IDENTIFIER_DOC = "统一社会信用代码或证件号码（校验位、出生日期等按国家标准检查，不符返回 422）"
Identifier = Annotated[
    str,
    Field(
        description=_IDENTIFIER_DOC,
        json_schema_extra={"format": IDENTIFIER_FORMAT, "pattern": IDENTIFIER_PATTERN},
    ),
]
# The same as a filter whose empty value means "no filter".
IdentifierFilter = Annotated[
    str,
    Field(
        description=_IDENTIFIER_DOC + "；为空表示不按主体筛选",
        json_schema_extra={"format": IDENTIFIER_FORMAT, "pattern": f"^$|{IDENTIFIER_PATTERN}"},
    ),
]


def required_text(max_length: int | None = None) -> Any:
    """Text the service requires to be non-blank after stripping (and at most ``max_length``
    characters), documented as ``minLength``/``pattern``/``maxLength``; the service keeps its own
    message for it, the negative fuzz checks the two agree."""
    schema: dict[str, Any] = {"minLength": 1, "pattern": r"\S"}
    if max_length is not None:
        schema["maxLength"] = max_length
    return Annotated[str, Field(json_schema_extra=schema)]
