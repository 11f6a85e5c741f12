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
    paths = api.get_openapi_schema()["paths"]

    def param(path, name):
        spec = next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)
        schema = spec["schema"]
        return next((s["enum"] for s in schema.get("anyOf", [schema]) if "enum" in s), None)

    # Scenarios are data (ADR 0045): a string with the code pattern, checked against the table.
    check_scenario = next(p for p in paths["/api/v1/check"]["get"]["parameters"] if p["name"] == "scenario")
    assert check_scenario["schema"]["pattern"] and "enum" not in check_scenario["schema"]
    assert param("/api/v1/list-entries", "state")[0] == "" and "published" in param(
        "/api/v1/list-entries", "state"
    )
    assert param("/api/v1/list-entries", "color") == ["", "red", "black"]
    assert "effective" in param("/api/v1/list-entries", "status")
    assert param("/api/v1/measures", "kind") == ["incentive", "punishment"]


def _param(paths, path, name, method="get"):
    spec = next(p for p in paths[path][method]["parameters"] if p["name"] == name)
    schema = spec["schema"]
    return next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)


def test_fixed_value_parameters_of_every_app_are_enums():
    from jointcredit.commitments.models import CommitmentState
    from jointcredit.exchange.models import DeliveryStatus
    from jointcredit.exchange.selectors import INBOX_FILTERS
    from jointcredit.subjects.models import SubjectKind

    paths = api.get_openapi_schema()["paths"]
    assert _param(paths, "/api/v1/commitments", "state")["enum"] == CommitmentState.values
    assert _param(paths, "/api/v1/deliveries", "status")["enum"] == DeliveryStatus.values
    assert _param(paths, "/api/v1/pushes", "state")["enum"] == list(INBOX_FILTERS)
    assert _param(paths, "/api/v1/subjects", "kind")["enum"] == SubjectKind.values
    assert _param(paths, "/api/v1/grading/inspection-plans/{plan_id}/export", "format")["enum"] == [
        "csv",
        "xlsx",
    ]
    assert _param(paths, "/api/v1/repairs/check", "target_type")["enum"] == [
        "list_entry",
        "penalty",
        "license",
    ]
    assert "submitted" in _param(paths, "/api/v1/objections", "state")["pattern"]  # comma list of states
    public = public_api.get_openapi_schema()["paths"]
    assert {"subjects", "lists"} <= set(_param(public, "/api/public/v1/search", "type")["enum"])


def test_identifiers_pages_and_integers_say_what_the_server_accepts():
    from jointcredit.common.schemas import IDENTIFIER_FORMAT
    from jointcredit.config.openapi import INT64

    document = api.get_openapi_schema()
    paths = document["paths"]
    for path, name in (("/api/v1/check", "identifier"), ("/api/v1/subjects/{identifier}", "identifier")):
        schema = _param(paths, path, name)
        assert schema["format"] == IDENTIFIER_FORMAT and schema["pattern"], (path, name)
    assert _param(paths, "/api/v1/list-entries", "page_size")["maximum"] == 200
    assert _param(paths, "/api/v1/list-entries", "page")["minimum"] == 1

    def integers(node):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                yield node
            for value in node.values():
                yield from integers(value)
        elif isinstance(node, list):
            for value in node:
                yield from integers(value)

    unbounded = [n for n in integers(document) if "minimum" not in n or "maximum" not in n]
    assert not unbounded and all(
        INT64[0] <= n["minimum"] <= n["maximum"] <= INT64[1] for n in integers(document)
    )


def test_list_entries_and_their_export_take_the_same_filters():
    paths = api.get_openapi_schema()["paths"]
    listing = {p["name"]: p["schema"] for p in paths["/api/v1/list-entries"]["get"]["parameters"]}
    export = {p["name"]: p["schema"] for p in paths["/api/v1/list-entries/export"]["get"]["parameters"]}
    assert set(listing) - {"page", "page_size"} == set(export) - {"format"}
    assert all(listing[name] == export[name] for name in set(listing) & set(export))


def test_the_422_lists_the_rules_no_schema_can_state():
    from jointcredit.config.openapi import RULES_BEYOND_SCHEMA

    described = api.get_openapi_schema()["paths"]["/api/v1/list-entries"]["post"]["responses"][422][
        "description"
    ]
    assert all(reason in described for reason in RULES_BEYOND_SCHEMA.values())
