"""The keyed audit chain (issue #16 §4, ADR 0015): every column sealed, edits, deletions (middle and
newest rows) and recomputation without the key detected, each reported with its sequence number."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command

from jointcredit.audit import chain, reseal, sweeps
from jointcredit.audit.checkpoints import checkpoint_path, checkpoints_read
from jointcredit.audit.models import AppendOnlyError, AuditEvent
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_checkpoint_write, audit_record
from jointcredit.testing import postgres_only, race

from .conftest import broken_at, raw_sql, set_column

pytestmark = pytest.mark.django_db


def test_every_stored_column_is_sealed():
    columns = {f.attname for f in AuditEvent._meta.concrete_fields}
    assert columns == {*chain.SEALED_FIELDS, "hash"}


def test_chain_verifies(three):
    result = audit_chain_verify()
    assert result.ok and result.checked == 3 and result.head_seq == 3
    call_command("audit_verify")


def test_no_update_or_delete_path(three):
    row = AuditEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.parametrize(
    "column",
    [
        "created_at",
        "actor_id",
        "actor_name",
        "department_id",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "request_id",
        "prev_hash",
        "hash",
    ],
)
def test_editing_any_column_is_detected(three, user_factory, column):
    other = user_factory("scjgj")
    row = AuditEvent.objects.get(seq=2)
    value = {
        "created_at": row.created_at + timedelta(seconds=1),
        "actor_id": other.pk,
        "department_id": other.department_id,
        "before": json.dumps({"i": 1}),
        "after": json.dumps({"i": 99}),
        "prev_hash": "f" * 64,
        "hash": "e" * 64,
    }.get(column, "篡改")
    set_column(2, column, value)
    broken_at(2)


def test_editing_the_sequence_number_is_detected(three):
    set_column(2, "seq", 7)
    assert "缺少序号 2" in broken_at(2)


def test_deleting_a_middle_row_is_detected(three):
    raw_sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [2])  # noqa: S608
    assert "缺少序号 2" in broken_at(2)


def test_deleting_the_newest_rows_is_detected_by_the_checkpoint(three, checkpoints):
    assert sweeps.run(now=None) == {"审计检查点": 1}
    raw_sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq >= %s", [2])  # noqa: S608
    assert "序号 2 至 3 的记录缺失" in broken_at(2)
    # the sweep notices too, and does not sign the shortened head
    assert sweeps.run(now=None) == {"审计检查点": 0, "审计链断裂": 1}
    assert [c.seq for c in checkpoints_read()] == [3]


def test_deleting_every_row_is_detected_by_the_checkpoint(three, checkpoints):
    call_command("audit_verify", "--checkpoint")
    raw_sql(f"DELETE FROM {AuditEvent._meta.db_table}")  # noqa: S608
    broken_at(1)


def _recompute_from(seq: int, seal) -> None:
    """What someone with write access to the database does after an edit: recompute every later link."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else chain.GENESIS
    for row in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        row.prev_hash = prev
        row.hash = seal(row)
        sql = f"UPDATE {AuditEvent._meta.db_table} SET prev_hash = %s, hash = %s WHERE seq = %s"  # noqa: S608
        raw_sql(sql, [row.prev_hash, row.hash, row.seq])
        prev = row.hash


def test_recomputing_the_chain_with_plain_sha256_is_detected(three):
    set_column(2, "actor_name", "别人")
    _recompute_from(2, reseal.legacy_hash)
    assert "没有密钥" in broken_at(2)


def test_recomputing_the_chain_with_a_guessed_key_is_detected(three, settings):
    set_column(2, "object_repr", "另一个对象")
    real_key = settings.JOINTCREDIT_AUDIT_KEY
    settings.JOINTCREDIT_AUDIT_KEY = "development-only:guess"
    _recompute_from(2, chain.row_seal)
    settings.JOINTCREDIT_AUDIT_KEY = real_key
    broken_at(2)


def test_rewriting_history_with_the_key_is_caught_by_the_signed_checkpoint(three, checkpoints):
    """Even a key holder cannot rewrite rows a checkpoint already covers without it showing."""
    call_command("audit_verify", "--checkpoint")
    set_column(2, "after", json.dumps({"i": 42}))
    _recompute_from(2, chain.row_seal)
    assert "签名检查点不符" in broken_at(3)


def test_a_forged_checkpoint_line_is_detected(three, checkpoints):
    call_command("audit_verify", "--checkpoint")
    path = checkpoint_path()
    record = json.loads(path.read_text())
    record["seq"] = 2
    path.write_text(json.dumps(record) + "\n")
    result = audit_chain_verify()
    assert not result.ok and result.broken_seq == 2 and "签名无效" in result.reason


def test_sweep_signs_only_a_moved_head(three, checkpoints, user_factory):
    assert sweeps.run(now=None) == {"审计检查点": 1}
    assert sweeps.run(now=None) == {"审计检查点": 0}
    audit_record(actor=None, action="test.more", object_type="x", object_id="9")
    written, result = audit_checkpoint_write()
    assert written.seq == 4 and result.checked == 1  # only the row since the last checkpoint
    assert [(c.seq, c.development) for c in checkpoints_read()] == [(3, True), (4, True)]
    out = audit_chain_verify()
    assert out.ok and out.checkpoint.seq == 4


def test_sweep_command_runs_the_audit_sweep(three, checkpoints):
    from io import StringIO

    out = StringIO()
    call_command("sweep", stdout=out)
    assert "audit: 审计检查点 1" in out.getvalue()


def test_verify_reports_the_development_key(three, capsys):
    call_command("audit_verify")
    assert "开发密钥" in capsys.readouterr().err


def _legacy_rows(n: int, user) -> None:
    from jointcredit.common import clock

    prev = chain.GENESIS
    for seq in range(1, n + 1):
        row = AuditEvent(
            seq=seq, created_at=clock.now(), actor=user, actor_name=str(user), department=user.department,
            action="legacy.step", object_type="x", object_id=str(seq), object_repr="", before=None,
            after={"n": seq}, request_id="", prev_hash=prev,
        )  # fmt: skip
        row.hash = reseal.legacy_hash(row)
        row.save()
        prev = row.hash


def test_reseal_carries_the_unkeyed_chain_over(user_factory, monkeypatch):
    monkeypatch.setattr(reseal, "BATCH", 3)  # several pages
    _legacy_rows(4, user_factory())
    assert not audit_chain_verify().ok
    findings = reseal.legacy_chain_reseal(AuditEvent)
    assert findings["rows"] == 4 and findings["legacy_chain_ok"] and findings["legacy_broken_seq"] is None
    result = audit_chain_verify()
    assert result.ok and result.head_seq == 5
    assert AuditEvent.objects.get(seq=5).action == "audit.reseal"


def test_reseal_records_a_legacy_chain_that_was_already_broken(user_factory):
    _legacy_rows(4, user_factory())
    set_column(3, "action", "篡改")
    findings = reseal.legacy_chain_reseal(AuditEvent)
    assert not findings["legacy_chain_ok"] and findings["legacy_broken_seq"] == 3
    assert audit_chain_verify().ok  # re-sealed, and the finding itself is now sealed in row 5
    assert AuditEvent.objects.get(seq=5).after["legacy_broken_seq"] == 3


def test_reseal_of_an_empty_table_writes_nothing():
    assert reseal.legacy_chain_reseal(AuditEvent) is None and not AuditEvent.objects.exists()


def test_verify_refuses_to_run_without_the_key_in_production():
    env = {k: v for k, v in os.environ.items() if k not in ("JOINTCREDIT_AUDIT_KEY", "JOINTCREDIT_DEBUG")}
    env.update(JOINTCREDIT_TESTING="0", SECRET_KEY="production-like-secret-key-for-this-test")
    proc = subprocess.run(
        [sys.executable, "-m", "jointcredit.cli", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "JOINTCREDIT_AUDIT_KEY" in proc.stderr


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_chain_stays_linear_under_concurrent_writers():
    def write(i):
        for k in range(10):
            audit_record(actor=None, action="test.race", object_type="x", object_id=f"{i}-{k}")

    assert race(write, n=4) == [None] * 4
    result = audit_chain_verify()
    assert result.ok and result.checked == 40
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 41))
