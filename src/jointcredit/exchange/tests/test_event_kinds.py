"""Every emitted event kind is subscribable (issue #20 §2, ADR 0045): the apps declare their kinds in
``event_kinds`` modules, the outbox refuses an undeclared kind, and a scan of the sources finds no
emit call naming a kind that is not declared."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

import jointcredit
from jointcredit.accounts.models import Role
from jointcredit.exchange.kinds import UndeclaredEventKind, event_kinds, kind_label, subscribable_kinds
from jointcredit.exchange.outbox import event_emit, events_emit_bulk

SRC = Path(jointcredit.__file__).parent
# kind="x.y" in event_emit(...) and the like; _emit(record, "x.y") / _emit("x.y", entry) wrappers.
KIND_LITERAL = re.compile(
    r"""\bkind\s*=\s*["']([a-z_]+\.[a-z_*]+)["']|_emit\((?:\w+,\s*)?["']([a-z_]+\.[a-z_]+)["']"""
)


def _emitted_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for match in KIND_LITERAL.finditer(path.read_text(encoding="utf-8")):
            kind = match.group(1) or match.group(2)
            found.setdefault(kind, str(path.relative_to(SRC)))
    return found


def test_every_kind_named_in_an_emit_call_is_declared():
    literals = _emitted_literals()
    # The scan sees the known families (guards against the pattern silently matching nothing).
    assert {
        "list_entry.published",
        "record.withdrawn",
        "honour.revoked",
        "catalog.submission_applied",
    } <= set(literals)
    missing = {kind: where for kind, where in literals.items() if kind not in event_kinds()}
    assert not missing, f"emitted but not declared in an event_kinds module: {missing}"


def test_every_kind_and_family_has_a_chinese_label():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for kind, label in subscribable_kinds().items():
        assert cjk.search(label), kind
    assert kind_label("honour.*") == "荣誉称号（全部事件）"
    assert kind_label("inspection_plan.published") == "双随机抽查计划发布"


@pytest.mark.django_db
def test_outbox_refuses_an_undeclared_kind():
    with transaction.atomic():
        with pytest.raises(UndeclaredEventKind, match="honour.awarded"):
            event_emit(kind="honour.awarded", aggregate_type="grading.honour", aggregate_id=1, data={})
        with pytest.raises(UndeclaredEventKind):
            events_emit_bulk(
                [{"kind": "catalog.deleted", "aggregate_type": "x", "aggregate_id": 1, "data": {}}]
            )


@pytest.mark.django_db
def test_departments_subscribe_to_kinds_refused_before(lixia, user_factory, api_client_for):
    admin = api_client_for(user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN]))
    kinds = [
        "honour.revoked",
        "catalog.*",
        "inspection_plan.published",
        "commitment.created",
        "audit.checkpoint",
    ]
    ok = admin.post(
        "/api/v1/subscriptions",
        {"name": "评优系统", "url": "https://hooks.xzsp.example.cn/jc", "event_kinds": kinds},
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["event_kinds"] == kinds
    bad = admin.post(
        "/api/v1/subscriptions",
        {"name": "x", "url": "https://hooks.xzsp.example.cn/x", "event_kinds": ["honour.nope"]},
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "event_kinds"
