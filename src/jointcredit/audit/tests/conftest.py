"""Fixtures and tampering helpers shared by the audit chain tests."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from jointcredit.audit.models import AuditEvent
from jointcredit.audit.selectors import audit_chain_verify
from jointcredit.audit.services import audit_record


@pytest.fixture
def checkpoints(settings, tmp_path):
    settings.JOINTCREDIT_AUDIT_CHECKPOINT_DIR = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def _calendar_entered_up_to_today():
    """The chain tests count rows from sequence 1: no audited calendar entry (the test plugin enters
    the years up to today under ``--travel-to``) may come before them. These tests need no calendar."""


def audit_steps(user, n: int, *, start: int = 0) -> None:
    for i in range(start, start + n):
        audit_record(
            actor=user,
            action="test.step",
            object_type="x",
            object_id=str(i),
            object_repr=f"对象{i}",
            after={"i": i},
        )


@pytest.fixture
def three(user_factory):
    user = user_factory()
    audit_steps(user, 3)
    return user


def raw_sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def set_column(seq: int, column: str, value):
    column = connection.ops.quote_name(column)
    raw_sql(f"UPDATE {AuditEvent._meta.db_table} SET {column} = %s WHERE seq = %s", [value, seq])  # noqa: S608


def broken_at(seq: int, *against: str) -> str:
    """The chain is reported broken at ``seq`` by the selector and by ``audit verify``."""
    if not against:
        result = audit_chain_verify()
        assert not result.ok and result.broken_seq == seq, result
        assert f"序号 {seq}" in result.reason
    args = [a for value in against for a in ("--against", value)]
    with pytest.raises(CommandError, match=f"序号 {seq}") as exc:
        call_command("audit_verify", *args)
    return str(exc.value) if against else result.reason
