"""Discover every API operation at test time from the ninja API objects (never a hard-coded list).

New endpoints appear here automatically as soon as an app's ``api.py`` is mounted by
``jointcredit.config.api``; the fuzzer and the permission matrix iterate over this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    api: str  # "v1" | "public"
    method: str  # lower case
    path: str  # full path template, e.g. /api/v1/list-entries/{id}/decide
    spec: dict
    public: bool  # no authentication required (public API or auth=None)

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)

    def __str__(self) -> str:  # pytest ids
        return self.label


@cache
def openapi_schemas() -> dict[str, dict]:
    from jointcredit.config.api import api, public_api

    return {"v1": api.get_openapi_schema(), "public": public_api.get_openapi_schema()}


def operations() -> list[Operation]:
    ops = []
    for name, schema in openapi_schemas().items():
        for path, item in sorted(schema.get("paths", {}).items()):
            for method, spec in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                public = name == "public" or spec.get("security") in (None, [])
                # ninja omits "security" for auth=None operations on an authenticated API.
                ops.append(Operation(api=name, method=method, path=path, spec=spec, public=public))
    return ops


def write_operations() -> list[Operation]:
    return [op for op in operations() if op.is_write]


def request_body_schema(op: Operation) -> tuple[str | None, dict | None]:
    """(content type, resolved JSON schema) of the operation's request body, if any."""
    body = op.spec.get("requestBody")
    if not body:
        return None, None
    content_type, media = next(iter(body["content"].items()))
    return content_type, resolve(media.get("schema", {}), openapi_schemas()[op.api])


def resolve(node, root: dict, depth: int = 0):
    """Inline ``$ref``s (bounded depth: recursive schemas are cut off)."""
    if depth > 12:
        return {}
    if isinstance(node, dict):
        if "$ref" in node:
            target = root
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return resolve(target, root, depth + 1)
        return {k: resolve(v, root, depth + 1) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, root, depth + 1) for v in node]
    return node
