"""Where the import machinery sits (ADR 0029): ``common`` imports no domain app, ``importing``
only ``common`` and the low layer, and nothing below ``importing`` imports it except ``exchange``
(its feedback import reads tables)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
LOW = {"common", "subjects", "accounts", "calendar", "audit"}


def _imported_apps(app: str) -> dict[str, set[str]]:
    """``jointcredit.<app>`` names imported by each non-test module of ``app``."""
    found: dict[str, set[str]] = {}
    for path in (PACKAGE / app).rglob("*.py"):
        if "tests" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] == "jointcredit" and len(parts) > 1:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(PACKAGE)))
    return found


# Not import machinery, left to their owners (handover): the read fast lane (being removed),
# the test helpers (build departments and demo data) and the admin base (audits its actions).
KNOWN_ELSEWHERE = {"common/fastlane.py", "common/testing.py", "common/admin.py"}


def test_common_imports_no_domain_app():
    reaching_up = {
        app: modules - KNOWN_ELSEWHERE for app, modules in _imported_apps("common").items() if app != "common"
    }
    assert not {app: modules for app, modules in reaching_up.items() if modules}


def test_importing_imports_only_common_and_the_low_layer():
    assert set(_imported_apps("importing")) <= LOW | {"importing"}


def test_the_low_layer_does_not_reach_up_to_importing():
    for app in LOW:
        assert "importing" not in _imported_apps(app), app
