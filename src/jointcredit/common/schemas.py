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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class OutSchema(BaseModel):
    # Attributes as well as dict keys (a Subject instance for CheckSubjectOut, say), as Schema does.
    model_config = ConfigDict(from_attributes=True)


def one_of(values: Iterable[str], *, blank: bool = False) -> Any:
    """``Literal`` of a fixed set of codes (model choices, scenarios), so that the OpenAPI document
    lists them as the parameter's ``enum`` and a value outside them is a 422 before the view runs.
    ``blank`` admits "" for the list filters whose empty value means "no filter"."""
    return Literal[(*([""] if blank else []), *values)]
