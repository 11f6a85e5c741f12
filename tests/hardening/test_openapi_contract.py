"""The published OpenAPI documents describe what the server does.

ninja names a schema component after its class, so two request/response classes with the same name
in different apps end up as ONE component in /api/v1/openapi.json — one of the two operations is then
documented with the other's fields (an objection's required ``decision`` was shown as optional
because repairs had an optional ``DecisionIn``). Classes may share a name only if they are identical.
"""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema

from jointcredit.config.api import api, public_api


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_schema_class_names_are_unique_unless_identical():
    api.get_openapi_schema()
    public_api.get_openapi_schema()  # imports every mounted router and its schemas
    by_name: dict[str, set[type]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("jointcredit."):
            by_name[cls.__name__].add(cls)
    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in by_name.items()
        if len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}) > 1
    }
    assert not clashes, f"不同的 Schema 类同名，OpenAPI 中会合并成一个组件：{clashes}"


def test_objection_uphold_documents_its_required_decision():
    schema = api.get_openapi_schema()
    body = schema["paths"]["/api/v1/objections/{objection_id}/uphold"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][ref]["required"] == ["decision"]
