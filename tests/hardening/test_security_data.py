"""Security bars of DESIGN.md §6 on data: upload size/type limits, no secrets in logs, rate limits
on every public API operation. The masking crawler (no full natural-person name or ID on any public
page or public API response) is ``test_public_privacy.py``."""

from __future__ import annotations

import io
import itertools
import json
import logging
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jointcredit.common.errors import ValidationFailed
from jointcredit.common.logging import SecretFilter
from jointcredit.importing.tabular import check_upload, read_table

from .discovery import Operation, openapi_schemas, operations, request_body_schema
from .test_permission_matrix import generic_request, send
from .world import World

# --- uploads --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "rule"),
    [
        ("payload.exe", b"MZ\x90\x00", "type"),
        ("noext", b"a,b\n1,2\n", "type"),
        ("empty.csv", b"", "empty"),
        ("fake.xlsx", b"a,b\n1,2\n", "type"),
        ("binary.csv", b"\x00\x01\x02PK", "encoding"),
    ],
)
def test_tabular_rejects_bad_files(name, data, rule):
    with pytest.raises(ValidationFailed) as info:
        read_table(io.BytesIO(data), name=name)
    assert info.value.details[0]["rule"] == rule


def test_tabular_size_limit(settings):
    settings.JOINTCREDIT_IMPORT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as info:
        check_upload(name="big.csv", size=1025)
    assert info.value.details[0]["rule"] == "size"
    assert check_upload(name="ok.csv", size=1024) == ".csv"


def _upload_operations() -> list[Operation]:
    out = []
    for op in operations():
        content_type, schema = request_body_schema(op)
        if content_type and "multipart" in content_type:
            if any(
                p.get("format") == "binary" or p.get("type") == "string" and p.get("format") == "binary"
                for p in (schema or {}).get("properties", {}).values()
            ):
                out.append(op)
    return out


def _file_fields(op: Operation) -> list[str]:
    _, schema = request_body_schema(op)
    return [k for k, p in schema.get("properties", {}).items() if p.get("format") == "binary"]


@pytest.mark.parametrize("op", _upload_operations() or [None], ids=str)
def test_every_upload_endpoint_checks_type_and_size(op, seeded, settings):
    """Every multipart endpoint refuses an executable and an oversized file with 422 (or 413), never
    2xx or 5xx. Sent by the office user (office admin + approver + clerk) so permissions rarely hide it."""
    if op is None:
        pytest.skip("no upload endpoint in the API yet")
    seeded.tokens["office_all"] = _token_for("office")  # rolled back with the test: re-issued each time
    settings.JOINTCREDIT_IMPORT_MAX_BYTES = 2048
    settings.JOINTCREDIT_EVIDENCE_MAX_BYTES = 2048
    results = {}
    for label, upload in (
        (
            "exe",
            lambda: SimpleUploadedFile(
                "tool.exe", b"MZ\x90\x00" * 100, content_type="application/octet-stream"
            ),
        ),
        (
            "big",
            lambda: SimpleUploadedFile(
                "big.csv", b"identifier\n" + b"91370102MA3C4XYZ0X\n" * 400, content_type="text/csv"
            ),
        ),
    ):
        request = generic_request(op, seeded)
        for field in _file_fields(op):
            request.body[field] = upload()
        response = send(op, request, seeded, "office_all")
        results[label] = (response.status_code, response.content[:200])
        assert response.status_code in (403, 404, 413, 422), (op.label, label, results[label])


def _token_for(username: str) -> str:
    from jointcredit.accounts.models import User
    from jointcredit.accounts.services import api_token_create

    return api_token_create(actor=None, user=User.objects.get(username=username))[1]


# --- secrets in logs ------------------------------------------------------------------------------


def test_every_log_handler_scrubs_secrets(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("secrets" in h.get("filters", []) for h in handlers.values()), handlers


def test_tokens_and_passwords_never_reach_a_log_line(seeded):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    token = seeded.tokens["clerk@own"]
    try:
        log = logging.getLogger("jointcredit.hardening")
        log.warning("request headers %s", {"Authorization": f"Bearer {token}"})
        log.warning("raw token %s for user", token)
        log.warning("login form password=%s&username=u", "S3cret-Passw0rd!")
        log.warning('settings {"token": "%s", "secret": "abc123xyz"}', token)
        # and the real paths: a failed login (axes logs it) and an API call with a bad token
        Client().post("/accounts/login/", {"username": "scjgj_clerk", "password": "S3cret-Passw0rd!"})
        Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}x")
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "S3cret-Passw0rd!" not in output and "abc123xyz" not in output
    assert token[3:] not in output and token[3:20] not in output
    assert "[已隐藏]" in output


def test_audit_trail_never_stores_a_raw_token(seeded):
    from jointcredit.audit.models import AuditEvent

    rows = json.dumps([str(v) for v in AuditEvent.objects.values_list()], ensure_ascii=False)
    for token in seeded.tokens.values():
        assert token not in rows and token[3:] not in rows


# --- rate limits ----------------------------------------------------------------------------------


def _public_get_operations() -> list[Operation]:
    return [op for op in operations() if op.api == "public" and op.method == "get"]


def _candidates(op: Operation, world: World, name: str, schema: dict) -> list:
    schema = _param_schema(op, name)
    if "enum" in schema:
        return list(schema["enum"])
    if name in world.pools:
        return list(world.pools[name])
    if schema.get("type") == "integer":
        return list(range(1, 40))
    return ["x"]


def _param_schema(op: Operation, name: str) -> dict:
    from .discovery import resolve

    for param in op.spec.get("parameters", []):
        if param["name"] == name:
            node = resolve(param.get("schema", {}), openapi_schemas()[op.api])
            if "anyOf" in node:
                node = next((s for s in node["anyOf"] if s.get("type") != "null"), node)
            if "allOf" in node:
                node = node["allOf"][0]
            return node
    return {}


def _paths(op: Operation, world: World, limit: int = 40) -> list[str]:
    names = op.path_params
    pools = [_candidates(op, world, n, {}) for n in names]
    out = []
    for combo in itertools.islice(itertools.product(*pools), limit):
        path = op.path
        for name, value in zip(names, combo):
            path = path.replace("{" + name + "}", str(value))
        out.append(path)
    return out or [op.path]


def _required_query(op: Operation, world: World) -> dict:
    return {
        p["name"]: _candidates(op, world, p["name"], {})[0]
        for p in op.spec.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }


@pytest.fixture
def low_public_rate(settings, monkeypatch):
    """A limit of 5 per minute, so the test never depends on how fast requests are served (a slow
    run spreads 60 requests over more than the one-minute window)."""
    from jointcredit.config.api import public_api

    settings.PUBLIC_API_RATE = settings.PORTAL_SEARCH_RATE = "5/m"
    throttles = public_api.throttle if isinstance(public_api.throttle, list) else [public_api.throttle]
    for throttle in throttles:
        monkeypatch.setattr(throttle, "num_requests", 5)
        monkeypatch.setattr(throttle, "duration", 60)
    return 5


@pytest.mark.parametrize("op", _public_get_operations() or [None], ids=str)
def test_public_api_is_rate_limited(op, seeded, low_public_rate):
    if op is None:
        pytest.skip("no public API operation yet")
    path = _paths(op, seeded, 1)[0] + "?" + urlencode(_required_query(op, seeded))
    client = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [client.get(path).status_code for _ in range(low_public_rate + 2)]
    assert 429 in statuses, (
        f"{op.label}: no 429 after {len(statuses)} requests from one address: {set(statuses)}"
    )
    assert statuses.index(429) <= low_public_rate, statuses
    limited = client.get(path)
    assert limited.status_code == 429 and "error" in limited.json(), limited.content[:200]
    assert Client(REMOTE_ADDR="203.0.113.8").get(path).status_code != 429  # per client address
