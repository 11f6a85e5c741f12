"""Staff pages of 上下联动 over a real exchange: the office's overview and the held/rejected lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from jointcredit.common import clock
from jointcredit.platforms import services
from jointcredit.platforms.models import InboundItem, InboundState
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import EXCHANGE

pytestmark = pytest.mark.django_db(databases=EXCHANGE)


def test_office_sees_figures_and_a_clerk_fixes_a_held_item_on_the_page(
    client, platform, platform_simulator, office_admin, fgj_clerk, scjgj_clerk
):
    company = CompanyFactory()
    today = clock.today()
    key = platform_simulator.issue_entry(
        list_code="ZDSSWF",
        identifier=company.identifier[:-1] + ("0" if company.identifier[-1] != "0" else "1"),
        name=company.name,
        subject_kind_label="法人及非法人组织",
        document_no="鲁税稽罚〔2026〕15号",
        decided_on=today - timedelta(days=2),
        valid_until=today + timedelta(days=1095),
        reason="虚开增值税专用发票",
    )
    services.platform_exchange(platform=platform)
    client.force_login(scjgj_clerk)
    assert client.get("/staff/platforms/").status_code == 403
    assert "没有暂挂的下发事项" in client.get("/staff/platforms/held/").content.decode()
    client.force_login(office_admin)
    page = client.get("/staff/platforms/").content.decode()
    assert "信用济南" in page and "暂挂 1 条" in page
    client.force_login(fgj_clerk)
    held = client.get("/staff/platforms/held/").content.decode()
    assert key in held and "校验位" in held
    item = InboundItem.objects.get(item_key=key)
    response = client.post(f"/staff/platforms/held/{item.pk}/apply/", {"MD_XDR_SHXYM": company.identifier})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == InboundState.APPLIED
    detail = client.get(reverse("lists:entry_detail", args=[item.entry_id])).content.decode()
    assert "认定单位：济南市发展和改革委员会" in detail
