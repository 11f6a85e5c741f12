"""The API documentation (/api/docs → Swagger UI) renders in a real browser from our own static
files under the strict Content-Security-Policy: operations listed, no console CSP violations."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_operations(web):
    problems: list[str] = []
    web.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    web.on("requestfailed", lambda req: problems.append(f"failed: {req.url}"))
    web.goto("/api/docs")
    web.wait_for_url("**/api/v1/docs")
    web.locator(".opblock-summary-path", has_text="/api/v1/check").first.wait_for()
    assert web.locator(".opblock").count() > 50  # every operation of the staff/machine API
    assert "JointCredit" in web.locator(".information-container .title").inner_text()
    web.shot("api-docs")
    assert not [p for p in problems if "Content Security Policy" in p or "failed:" in p], problems
