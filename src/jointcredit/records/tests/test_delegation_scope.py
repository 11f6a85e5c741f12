"""代为报送 is limited to the record type it was granted for (issue #16 §5): 区行政审批服务局 reports
市场监管局's licences, and cannot touch its penalties — neither through the services nor the API."""

import io

import pytest

from jointcredit.accounts.models import Delegation, DelegationScope, Role
from jointcredit.common.errors import PermissionDenied
from jointcredit.records.models import License, Penalty, RecordState
from jointcredit.records.services import (
    ImportRejected,
    record_publish,
    record_save,
    record_withdraw,
    records_import,
)

from .factories import csv_bytes, license_row, penalty_row


@pytest.fixture
def xzsp_clerk(user_factory, lixia):
    Delegation.objects.create(
        department=lixia["xzsp"], on_behalf_of=lixia["scjgj"], scope=DelegationScope.LICENSE
    )
    return user_factory(lixia["xzsp"], roles=[Role.CLERK])


def test_services_allow_the_granted_type_only(xzsp_clerk, scj_clerk, lixia, rrng):
    penalty, _ = record_save(
        actor=scj_clerk, record_type="penalty", data=penalty_row(rrng, lixia["scjgj"], n=1)
    )
    draft, _ = record_save(
        actor=scj_clerk,
        record_type="penalty",
        data=penalty_row(rrng, lixia["scjgj"], n=2),
        hold_as_draft=True,
    )
    with pytest.raises(PermissionDenied) as info:
        record_withdraw(actor=xzsp_clerk, record=penalty, reason="代报部门试图撤销")
    assert "代为报送授权仅限行政许可" in info.value.message
    with pytest.raises(PermissionDenied):
        record_publish(actor=xzsp_clerk, record=draft)
    with pytest.raises(PermissionDenied):
        record_save(actor=xzsp_clerk, record_type="penalty", data=penalty_row(rrng, lixia["scjgj"], n=3))
    penalty.refresh_from_db()
    draft.refresh_from_db()
    assert (penalty.state, draft.state) == (RecordState.PUBLISHED, RecordState.DRAFT)

    licence, _ = record_save(
        actor=xzsp_clerk, record_type="license", data=license_row(rrng, lixia["scjgj"], n=4)
    )
    assert licence.department == lixia["scjgj"]
    assert (
        record_withdraw(actor=xzsp_clerk, record=licence, reason="许可决定已撤回").state
        == RecordState.WITHDRAWN
    )


def _import(actor, department, record_type, rows):
    data = csv_bytes(rows)
    return records_import(
        actor=actor,
        record_type=record_type,
        department=department,
        fileobj=io.BytesIO(data),
        name="rows.csv",
        size=len(data),
    )


def test_import_accepts_the_delegating_organ_for_the_granted_type_only(xzsp_clerk, lixia, rrng):
    licences = _import(xzsp_clerk, lixia["xzsp"], "license", [license_row(rrng, lixia["scjgj"], n=5)])
    assert licences.rejected_count == 0
    assert License.objects.filter(department=lixia["scjgj"]).count() == 1
    with pytest.raises(ImportRejected) as info:
        _import(xzsp_clerk, lixia["xzsp"], "penalty", [penalty_row(rrng, lixia["scjgj"], n=6)])
    assert [e["rule"] for e in info.value.batch.errors] == ["organ"]
    assert not Penalty.objects.filter(department=lixia["scjgj"]).exists()


def test_api_refuses_the_other_record_type(api_client_for, xzsp_clerk, scj_clerk, lixia, rrng):
    penalty, _ = record_save(
        actor=scj_clerk, record_type="penalty", data=penalty_row(rrng, lixia["scjgj"], n=7)
    )
    api = api_client_for(xzsp_clerk)
    withdraw = api.post(f"/api/v1/records/penalties/{penalty.pk}/withdraw", {"reason": "代报部门试图撤销"})
    assert withdraw.status_code == 403, withdraw.json()
    assert "仅限行政许可" in withdraw.json()["error"]["message"]
    assert api.post("/api/v1/records/penalties", penalty_row(rrng, lixia["scjgj"], n=8)).status_code == 403
    penalty.refresh_from_db()
    assert penalty.state == RecordState.PUBLISHED

    created = api.post("/api/v1/records/licenses", license_row(rrng, lixia["scjgj"], n=9))
    assert created.status_code == 201 and created.json()["department"] == "scjgj"
    licence_id = created.json()["id"]
    withdrawn = api.post(f"/api/v1/records/licenses/{licence_id}/withdraw", {"reason": "许可决定已撤回"})
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == RecordState.WITHDRAWN
