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


def test_every_operation_documents_its_error_answers_with_the_envelope():
    from .discovery import operations

    envelope = {"$ref": "#/components/schemas/ApiError"}
    missing = []
    for op in operations():
        responses = {str(k): v for k, v in op.spec["responses"].items()}
        expected = {"422"} if op.spec.get("parameters") or op.spec.get("requestBody") else set()
        if not op.public:
            expected |= {"401", "403"}
        if op.api == "public":
            expected.add("429")
        if op.path_params:
            expected.add("404")
        missing += [f"{op.label} {s}" for s in expected if s not in responses]
        for status, response in responses.items():
            if status.startswith("4") and response["content"]["application/json"]["schema"] != envelope:
                missing.append(f"{op.label} {status}: not the error envelope")
    assert not missing, missing
    error = api.get_openapi_schema()["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]


def test_enumerated_parameters_are_enums():
    from jointcredit.measures.scenarios import SCENARIOS

    paths = api.get_openapi_schema()["paths"]

    def param(path, name):
        spec = next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)
        schema = spec["schema"]
        return next((s["enum"] for s in schema.get("anyOf", [schema]) if "enum" in s), None)

    assert param("/api/v1/check", "scenario") == list(SCENARIOS)
    assert param("/api/v1/list-entries", "state")[0] == "" and "published" in param(
        "/api/v1/list-entries", "state"
    )
    assert param("/api/v1/list-entries", "color") == ["", "red", "black"]
    assert "effective" in param("/api/v1/list-entries", "status")
    assert param("/api/v1/measures", "kind") == ["incentive", "punishment"]
