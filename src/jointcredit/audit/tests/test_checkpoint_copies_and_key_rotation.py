"""Issue #16 §4 leftovers (ADR 0035): every checkpoint also goes out as an ``audit.checkpoint`` event
through the exchange's outbox, ``audit verify --against`` checks the chain against copies held
outside, and the audit key rotates (``JOINTCREDIT_AUDIT_KEYS``, ``audit rotate-key``) without losing
what the old key sealed."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jointcredit.accounts.models import Role
from jointcredit.audit import chain, sweeps
from jointcredit.audit.checkpoints import checkpoint_path, checkpoints_read
from jointcredit.audit.keys import ROTATE_ACTION
from jointcredit.audit.models import AuditEvent
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_checkpoint_write, audit_key_rotate, audit_record
from jointcredit.common.errors import Conflict
from jointcredit.exchange.dispatcher import dispatch_all
from jointcredit.exchange.kinds import event_kinds
from jointcredit.exchange.models import Delivery, OutboxEvent
from jointcredit.exchange.tests.factories import Receiver
from jointcredit.exchange.tests.test_webhooks import drain_until

from .conftest import audit_steps, broken_at, raw_sql, set_column

pytestmark = pytest.mark.django_db

KEY_2025 = "k2025-" + "a1b2c3d4" * 5
KEY_2026 = "k2026-" + "e5f6a7b8" * 5
SECRET = "s3cret-for-tests-0123456789abcdef"


def _delete_from(seq: int) -> None:
    raw_sql(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq >= %s", [seq])  # noqa: S608


# --- delivery to a subscriber ------------------------------------------------------------------


def test_a_subscription_may_ask_for_checkpoints(lixia, user_factory, api_client_for):
    admin = api_client_for(user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN]))
    for kinds in (["audit.checkpoint"], ["audit.*"]):
        response = admin.post(
            "/api/v1/subscriptions",
            {"name": "纪检监察", "url": "https://jjjc.example.cn/hooks", "event_kinds": kinds},
        )
        assert response.status_code == 201, response.json()
        assert response.json()["event_kinds"] == kinds
    assert "audit.checkpoint" in event_kinds()


def test_each_checkpoint_goes_out_as_an_event_with_the_signed_record(
    three, checkpoints, lixia, user_factory, api_client_for
):
    admin = user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN])
    api = api_client_for(admin)
    created = api.post(
        "/api/v1/subscriptions",
        {"name": "市信用平台", "url": "https://city.example.cn/hooks", "event_kinds": ["audit.checkpoint"]},
    )
    assert created.status_code == 201
    assert sweeps.run(now=None) == {"审计检查点": 1}
    assert sweeps.run(now=None) == {"审计检查点": 0}  # the head did not move: no second event
    (line,) = checkpoint_path().read_text().splitlines()
    feed = api.get("/api/v1/feed").json()["events"]
    (item,) = [e for e in feed if e["type"] == "audit.checkpoint"]
    assert item["data"] == json.loads(line)
    head = AuditEvent.objects.order_by("-seq").first()  # 3 steps, the API token, the subscription
    assert item["data"]["seq"] == head.seq and item["data"]["hash"] == head.hash
    assert item["data"]["kid"] == chain.keyring()[0].kid
    assert {"seq", "hash", "at", "sig", "key", "kid"} <= set(item["data"])
    dispatch_all()
    event = OutboxEvent.objects.get(kind="audit.checkpoint")
    assert Delivery.objects.filter(event=event, subscription_id=created.json()["id"]).exists()


def test_no_event_when_checkpoints_are_off(three):
    written, _ = audit_checkpoint_write()
    assert written is None and not OutboxEvent.objects.filter(kind="audit.checkpoint").exists()


@pytest.mark.django_db(transaction=True)
def test_a_copy_delivered_by_webhook_reveals_deleted_rows_after_the_local_file_is_lost(
    checkpoints, lixia, user_factory, tmp_path
):
    """The 纪检 office's receiver stores what it gets; the local checkpoint file is then lost and the
    newest rows deleted. Without the copy nothing shows; with it ``audit verify`` names the gap."""
    from jointcredit.exchange.services import subscription_create

    admin = user_factory(lixia["xzsp"], roles=[Role.DEPARTMENT_ADMIN])
    with Receiver(SECRET) as receiver:
        subscription_create(
            actor=admin,
            department=lixia["xzsp"],
            name="区纪委监委",
            url=receiver.url,
            event_kinds=["audit.checkpoint"],
            secret=SECRET,
        )
        audit_steps(admin, 3)  # rows 2–4 after the subscription's own row 1
        assert sweeps.run(now=None) == {"审计检查点": 1}
        assert drain_until(lambda: len(receiver.applied) == 1)
        (request,) = receiver.requests
    assert request["valid"]  # signed with the subscription's secret
    copy = tmp_path / "jjjc-copies.jsonl"
    copy.write_bytes(request["body"] + b"\n")
    call_command("audit_verify", "--against", str(copy))

    checkpoint_path().unlink()
    _delete_from(3)
    call_command("audit_verify")  # the local evidence is gone: the shortened chain verifies
    message = broken_at(3, str(copy))
    assert "序号 3 至 4 的记录缺失" in message


def test_verify_against_inline_json_and_feed_pages(three, checkpoints, capsys):
    written, _ = audit_checkpoint_write()
    record = written.record
    call_command("audit_verify", "--against", json.dumps(record))
    assert "与 1 个外部检查点副本一致" in capsys.readouterr().out
    other = {"position": 8, "id": "y", "type": "record.published", "data": {"record_id": 1}}
    feed_page = {"events": [{"position": 7, "id": "x", "type": "audit.checkpoint", "data": record}, other]}
    checkpoint_path().unlink()
    call_command("audit_verify", "--against", json.dumps(feed_page))
    _delete_from(2)
    broken_at(2, json.dumps(feed_page))


def test_a_forged_or_foreign_copy_is_refused(three, checkpoints, tmp_path):
    written, _ = audit_checkpoint_write()
    forged = dict(written.record, seq=2)
    with pytest.raises(CommandError, match="签名无效"):
        call_command("audit_verify", "--against", json.dumps(forged))
    with pytest.raises(CommandError, match="没有审计检查点"):
        call_command("audit_verify", "--against", json.dumps({"type": "record.published", "data": {}}))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("audit_verify", "--against", str(tmp_path / "missing.jsonl"))


def test_a_copy_of_a_rewritten_row_is_detected(three, checkpoints):
    """A copy pins the seal: a key holder who rewrites row 3 and deletes the local file is caught."""
    written, _ = audit_checkpoint_write()
    checkpoint_path().unlink()
    set_column(3, "after", json.dumps({"i": 42}))
    row = AuditEvent.objects.get(seq=3)
    set_column(3, "hash", chain.row_seal(row))
    call_command("audit_verify")
    assert "签名检查点不符" in broken_at(3, json.dumps(written.record))


# --- key rotation ------------------------------------------------------------------------------


@pytest.fixture
def ring_2025(settings):
    settings.JOINTCREDIT_AUDIT_KEY = ""
    settings.JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT = False
    settings.JOINTCREDIT_AUDIT_KEYS = [("2025", KEY_2025)]
    return settings


def _key(kid: str) -> chain.AuditKey:
    return next(k for k in chain.keyring() if k.kid == kid)


@pytest.fixture
def rotated(ring_2025, three, checkpoints, capsys):
    """Rows 1–3 under 2025, the new key added (row 4 still under 2025), rotated (row 5), rows 6–7
    under 2026."""
    assert sweeps.run(now=None) == {"审计检查点": 1}
    ring_2025.JOINTCREDIT_AUDIT_KEYS = [("2025", KEY_2025), ("2026", KEY_2026)]
    audit_steps(three, 1, start=3)
    assert chain.seal_matches(AuditEvent.objects.get(seq=4), _key("2025"))  # no rotation yet
    call_command("audit_rotate_key")
    out = capsys.readouterr().out
    assert "2025 → 2026" in out and "链头序号 5" in out
    audit_steps(three, 2, start=4)
    return ring_2025


def test_rotation_hands_the_chain_over_to_the_new_key(rotated):
    rotation = AuditEvent.objects.get(action=ROTATE_ACTION)
    assert rotation.seq == 5 and rotation.after["from_kid"] == "2025" and rotation.after["to_kid"] == "2026"
    assert chain.seal_matches(rotation, _key("2025"))  # sealed under the key it retires
    assert all(chain.seal_matches(r, _key("2026")) for r in AuditEvent.objects.filter(seq__gt=5))
    assert [(c.seq, c.kid) for c in checkpoints_read()] == [(3, "2025"), (5, "2025")]
    result = audit_chain_verify()
    assert result.ok and result.head_seq == 7 and result.key_ranges == [("2025", 1), ("2026", 6)]
    written, _ = audit_checkpoint_write()
    assert written.seq == 7 and written.kid == "2026"
    assert audit_chain_verify().ok
    with pytest.raises(Conflict, match="2026 已在使用"):
        audit_key_rotate()
    with pytest.raises(CommandError, match="2026 已在使用"):
        call_command("audit_rotate_key")


def test_verify_reports_the_key_ranges(rotated, capsys):
    call_command("audit_verify")
    assert "封印密钥：2025（序号 1 起）；2026（序号 6 起）" in capsys.readouterr().out


def test_editing_a_row_sealed_by_the_old_key_is_detected(rotated):
    set_column(2, "object_repr", "篡改")
    assert "密钥 2025" in broken_at(2)


def test_the_old_key_cannot_seal_rows_after_the_rotation(rotated):
    """A retired key that leaks later: rows after the rotation re-sealed with it do not verify."""
    set_column(6, "after", json.dumps({"i": 99}))
    row = AuditEvent.objects.get(seq=6)
    set_column(6, "hash", chain.row_seal(row, _key("2025")))
    assert "应由密钥 2026 封印" in broken_at(6)


def test_a_verifier_missing_the_old_key_names_it(rotated, settings):
    settings.JOINTCREDIT_AUDIT_KEYS = [("2026", KEY_2026)]
    result = audit_chain_verify()  # the checkpoint file's first line was signed by 2025
    assert not result.ok and "密钥 2025" in result.reason and "JOINTCREDIT_AUDIT_KEYS" in result.reason
    settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR = None
    reason = broken_at(1)
    assert "序号 1 起的记录由密钥 2025 封印" in reason and "2025:<密钥>" in reason
    audit_record(actor=None, action="test.after", object_type="x", object_id="8")  # writers keep working
    assert chain.seal_matches(AuditEvent.objects.get(seq=8), _key("2026"))


def test_writers_need_the_key_the_chain_is_under(rotated, settings):
    from jointcredit.audit.keys import KeyMissing

    settings.JOINTCREDIT_AUDIT_KEYS = [("2025", KEY_2025), ("2024", "k2024-" + "0" * 40)]
    with pytest.raises(KeyMissing, match="2026"):
        audit_record(actor=None, action="test.after", object_type="x", object_id="8")


def test_rotation_refuses_a_broken_chain(ring_2025, three, settings):
    settings.JOINTCREDIT_AUDIT_KEYS = [("2025", KEY_2025), ("2026", KEY_2026)]
    set_column(2, "action", "篡改")
    with pytest.raises(CommandError, match="未轮换密钥：序号 2"):
        call_command("audit_rotate_key")
    assert not AuditEvent.objects.filter(action=ROTATE_ACTION).exists()


def test_the_single_key_configuration_rotates_into_a_ring(settings, three, checkpoints):
    """ADR 0015's single JOINTCREDIT_AUDIT_KEY: its rows and checkpoints stay verifiable once the
    key is named in JOINTCREDIT_AUDIT_KEYS next to a new one."""
    single = settings.JOINTCREDIT_AUDIT_KEY
    assert sweeps.run(now=None) == {"审计检查点": 1}
    settings.JOINTCREDIT_AUDIT_KEY = ""
    settings.JOINTCREDIT_AUDIT_KEYS = [("old", single), ("2026", KEY_2026)]
    assert audit_chain_verify().ok
    rotation = audit_key_rotate()
    assert (rotation.retired.kid, rotation.started.kid) == ("old", "2026")
    audit_steps(three, 1, start=3)
    result = audit_chain_verify()
    assert result.ok and result.key_ranges == [("old", 1), ("2026", 5)]


def test_version_1_checkpoint_lines_still_verify(three, checkpoints):
    """Lines written before key ids (ADR 0015) carry only the key's fingerprint."""
    key = chain.keyring()[0]
    row = AuditEvent.objects.get(seq=3)
    record = {"v": 1, "seq": 3, "hash": row.hash, "at": "2026-12-05T02:30:00+00:00", "key": key.fingerprint,
              "dev": True}  # fmt: skip
    record["sig"] = chain.checkpoint_signature(record, key)
    checkpoint_path().write_text(json.dumps(record) + "\n")
    result = audit_chain_verify()
    assert result.ok and result.checkpoint.seq == 3 and result.checkpoint.kid == key.fingerprint
