"""casework.0001 / objections.0002 move Evidence, SubjectVerification and SyncReceipt in Django's state
only (ADR 0016): rows written under the old ``objections`` models are read by the ``casework`` ones."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jointcredit.casework.models import Evidence, SubjectVerification, SyncReceipt
from jointcredit.common import clock

BEFORE = [("casework", None), ("objections", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_rows_and_content_types_survive_the_move(user_factory):
    user = user_factory()
    department = user.department
    ct_id = ContentType.objects.get(app_label="casework", model="syncreceipt").pk
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = _migrate(BEFORE).loader.project_state([("objections", "0001_initial")]).apps
        assert ContentType.objects.get(pk=ct_id).app_label == "objections"
        now = clock.now()
        old.get_model("objections", "Evidence").objects.create(
            owner_type="objection",
            owner_id=7,
            name="判决书.pdf",
            file="evidence/2026/12/a.pdf",
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
            uploaded_by_id=user.pk,
        )
        old.get_model("objections", "SubjectVerification").objects.create(
            identifier="91370102MA3C0AAA0X", email="a@example.com", code_hash="x", expires_at=now
        )
        old.get_model("objections", "SyncReceipt").objects.create(
            source_type="repair",
            source_id=3,
            target_type="list_entry",
            target_id=9,
            subject_name="济南某某有限公司",
            department_id=department.pk,
            event_ids=["e1"],
        )
    finally:
        _migrate(leaves)

    evidence = Evidence.objects.get()
    assert (evidence.name, evidence.uploaded_by_id, evidence.owner_id) == ("判决书.pdf", user.pk, 7)
    assert SubjectVerification.objects.get().email == "a@example.com"
    receipt = SyncReceipt.objects.get()
    assert (receipt.department, receipt.event_ids, receipt.get_source_type_display()) == (
        department,
        ["e1"],
        "信用修复",
    )
    assert ContentType.objects.get(pk=ct_id).app_label == "casework"
    assert Evidence._meta.db_table == "objections_evidence"
