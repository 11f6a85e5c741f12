import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jointcredit.audit.models import AppendOnlyError, AuditEvent
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _three(user):
    for i in range(3):
        audit_record(actor=user, action="test.step", object_type="x", object_id=str(i), after={"i": i})


def test_chain_verifies(user_factory):
    before = AuditEvent.objects.count()  # e.g. calendar years the office entered (test plugin)
    _three(user_factory())
    result = audit_chain_verify()
    assert result.ok and result.checked == before + 3
    call_command("audit_verify")


def test_no_update_or_delete_path(user_factory):
    _three(user_factory())
    row = AuditEvent.objects.first()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_tampered_row_detected(user_factory):
    _three(user_factory())
    _raw(f"UPDATE {AuditEvent._meta.db_table} SET after = %s WHERE seq = 2", ['{"i": 99}'])  # noqa: S608
    result = audit_chain_verify()
    assert not result.ok and result.broken_seq == 2
    with pytest.raises(CommandError, match="序号 2"):
        call_command("audit_verify")


def test_deleted_row_detected(user_factory):
    _three(user_factory())
    _raw(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [2])  # noqa: S608
    result = audit_chain_verify()
    assert not result.ok and result.broken_seq == 2 and "删除" in result.reason
