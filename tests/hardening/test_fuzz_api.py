"""schemathesis over every operation of /api/v1 and /api/public/v1 (DESIGN.md §6).

Operations are discovered from the ninja API objects at collection time, so a new endpoint is
fuzzed without touching this file. Each operation gets a bounded number of examples valid by the
document (positive) and a few that break it (negative), each sent as one of the roles (or
anonymously) against the seeded world, in a savepoint rolled back afterwards.

Checks: no 5xx, only documented statuses, the response body conforms to the documented schema for
its status, every 4xx under /api carries the contract's error envelope ``{"error": {"code",
"message", "details"}}``, input valid by the document is not refused (400/422) unless it breaks a
rule the document lists as beyond its schema (``config.openapi.RULES_BEYOND_SCHEMA``), and input
that breaks the document is refused.
"""

from __future__ import annotations

import os
import random

import pytest
import schemathesis
from django.core.cache import cache
from django.test.client import ClientHandler
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from jointcredit.common.schemas import IDENTIFIER_FORMAT
from jointcredit.config.openapi import beyond_schema
from jointcredit.subjects import generators

from .conftest import rolled_back
from .discovery import Operation, openapi_schemas, operations
from .world import ACTORS, ANONYMOUS

# Examples per operation: valid by the document, and breaking it (bounded: the whole run < ~60 s).
MAX_EXAMPLES = int(os.environ.get("JOINTCREDIT_FUZZ_EXAMPLES", "6"))
NEGATIVE_EXAMPLES = int(os.environ.get("JOINTCREDIT_FUZZ_NEGATIVE_EXAMPLES", "3"))

# Valid 统一社会信用代码 and 居民身份证号码 for parameters documented with the identifier format:
# the check characters and birth dates are rules no JSON schema keyword states.
schemathesis.openapi.format(
    IDENTIFIER_FORMAT,
    st.builds(
        lambda seed, personal: (generators.resident_id if personal else generators.uscc)(random.Random(seed)),
        st.integers(0, 2**32),
        st.booleans(),
    ),
)
ACTOR_CHOICES = [
    ANONYMOUS,
    "viewer@own",
    "clerk@own",
    "approver@own",
    "department_admin@own",
    "office_admin",
    "clerk@other",
]
assert set(ACTOR_CHOICES) - {ANONYMOUS} <= set(ACTORS)

_schemas: dict[str, schemathesis.BaseSchema] = {}
_app = None
from collections import Counter  # noqa: E402

STATUSES: dict[str, Counter] = {}  # operation label → status code tally (reported at the end)


def _schema(api: str):
    global _app
    if _app is None:
        # Django's test client handler: the whole request pipeline (middleware, URL resolver, ninja)
        # as the production WSGI application runs it, CSRF enforced, while keeping the test's
        # database connection (a bare WSGIHandler closes it around every request).
        handler = ClientHandler(enforce_csrf_checks=True)

        def _app(environ, start_response):
            # A real server (gunicorn, runserver) always sets the peer address; werkzeug's client does not.
            environ.setdefault("REMOTE_ADDR", "127.0.0.1")
            # PEP 3333: PATH_INFO holds the request's bytes decoded as latin-1, which is what a real
            # server passes; schemathesis' werkzeug transport can hand over characters above U+00FF
            # (e.g. '\U00071ace' for %F1%B1%AB%8E), which no server can produce and Django cannot read.
            path = environ.get("PATH_INFO", "")
            if any(ord(c) > 0xFF for c in path):
                environ["PATH_INFO"] = path.encode("utf-8").decode("latin-1")
            response = handler(environ)
            headers = [
                *response.items(),
                *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
            ]
            start_response(f"{response.status_code} {response.reason_phrase}", headers)
            return response

    if api not in _schemas:
        schema = schemathesis.openapi.from_dict(openapi_schemas()[api])
        schema.app = _app
        _schemas[api] = schema
    return _schemas[api]


def error_envelope(ctx: CheckContext, response, case):
    """4xx answers follow DESIGN.md §4: {"error": {"code", "message", "details"}}."""
    if 400 <= response.status_code < 500:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(error, dict) and {"code", "message", "details"} <= set(error)):
            raise AssertionError(f"{response.status_code} without the error envelope: {response.text[:300]}")
    return None


def valid_input_accepted(ctx: CheckContext, response, case):
    """schemathesis' positive_data_acceptance, except a 422 whose every detail is a rule the
    document states it cannot express (config.openapi.RULES_BEYOND_SCHEMA, listed in its 422)."""
    if response.status_code == 422 and beyond_schema(response.json()["error"]["details"]):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    error_envelope,
    valid_input_accepted,
    negative_data_rejection,
]


def _realistic(data, pools: dict[str, list], case) -> None:
    """Half the time, swap generated values for realistic ones (known identifiers, codes, ids):
    random strings only ever reach the 404/422 branches."""
    for container in (case.path_parameters, case.query):
        if not container:
            continue
        for name in list(container):
            pool = pools.get(name)
            if pool is None and (name == "id" or name.endswith("_id")):
                pool = list(range(1, 6))
            if pool and data.draw(st.booleans(), label=f"real {name}"):
                container[name] = data.draw(st.sampled_from(pool), label=name)
    if isinstance(case.body, dict):
        for name in list(case.body):
            pool = pools.get(name)
            if pool and isinstance(case.body[name], str) and data.draw(st.booleans(), label=f"real {name}"):
                case.body[name] = data.draw(st.sampled_from(pool), label=name)


@pytest.mark.parametrize("op", operations(), ids=str)
def test_fuzz_operation(op: Operation, seeded):
    operation = _schema(op.api).find_operation_by_path(op.method, op.path)
    assert operation is not None, op.label
    tally = STATUSES.setdefault(op.label, Counter())

    def fuzz(mode: GenerationMode, examples: int) -> None:
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=("explicit", "generate"),
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            actor = data.draw(st.sampled_from(ACTOR_CHOICES), label="actor")
            if mode.is_positive:  # a realistic value keeps a valid case valid; it could fix a broken one
                _realistic(data, seeded.pools, case)
            cache.clear()  # the public rate limit is tested on its own, not hit by the fuzzer
            with rolled_back():
                response = case.call(headers=seeded.headers(actor))
                tally[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

        run()

    fuzz(GenerationMode.POSITIVE, MAX_EXAMPLES)
    if op.spec.get("parameters") or op.spec.get("requestBody"):  # nothing to break otherwise
        fuzz(GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    assert sum(tally.values()) > 0
