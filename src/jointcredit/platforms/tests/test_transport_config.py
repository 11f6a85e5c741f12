"""Which transport a platform uses is configuration: the workbench config page, validated and audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jointcredit.audit.models import AuditEvent
from jointcredit.platforms.models import Platform, Transport

from .conftest import EXCHANGE

pytestmark = pytest.mark.django_db(databases=EXCHANGE)


def _post(client, **data):
    form = {
        "transport": "https",
        "interval_minutes": "5",
        "url": "",
        "key_env": "",
        "file_format": "xlsx",
        "is_active": "1",
        **data,
    }
    return client.post(reverse("platforms:config", args=["jinan"]), form, follow=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "http://platform.jinan.gov.cn/api", "key_env": "PLATFORM_JINAN_KEY"}, "必须使用 https"),
        (
            {"url": "https://user:pw@platform.jinan.gov.cn/api", "key_env": "PLATFORM_JINAN_KEY"},
            "不能包含用户名或密码",
        ),
        ({"url": "https://platform.jinan.gov.cn/api", "key_env": "SECRET_KEY"}, "须形如 PLATFORM_JINAN_KEY"),
        ({"url": "", "key_env": "PLATFORM_JINAN_KEY"}, "必须填写上级平台接口地址"),
        ({"transport": "ftp"}, "交换方式“ftp”不受支持"),
        ({"transport": "file", "file_format": "pdf"}, "必须是 xlsx 或 csv"),
        ({"transport": "exchange_db", "interval_minutes": "0"}, "交换周期（分钟）必须是 1 到 10080"),
    ],
)
def test_invalid_settings_are_refused_with_the_field_and_rule(client, platform, office_admin, data, message):
    client.force_login(office_admin)
    page = _post(client, **data).content.decode()
    assert message in page
    platform.refresh_from_db()
    assert (
        platform.transport == Transport.EXCHANGE_DB
        and not AuditEvent.objects.filter(action="platform.transport_update").exists()
    )


def test_the_office_switches_a_platform_to_https_and_back_audited_keeping_other_settings(
    client, platform, office_admin, monkeypatch
):
    Platform.objects.filter(pk=platform.pk).update(
        settings={"list_types": {"SXBZXR": "black_other"}}, failures=3
    )
    client.force_login(office_admin)
    page = _post(
        client, url="https://platform.jinan.gov.cn/api/", key_env="PLATFORM_JINAN_KEY"
    ).content.decode()
    assert "交换方式已保存：HTTPS 接口（签名 JSON）" in page and "未设置（交换将失败）" in page
    platform.refresh_from_db()
    assert platform.transport == Transport.HTTPS and platform.interval_minutes == 5 and platform.failures == 0
    assert platform.settings == {
        "list_types": {"SXBZXR": "black_other"},
        "url": "https://platform.jinan.gov.cn/api",
        "key_env": "PLATFORM_JINAN_KEY",
    }
    monkeypatch.setenv("PLATFORM_JINAN_KEY", "s3cret-value-not-shown")
    page = client.get(reverse("platforms:config", args=["jinan"])).content.decode()
    assert "已设置" in page and "s3cret-value-not-shown" not in page
    _post(client, transport="exchange_db", interval_minutes="1")
    platform.refresh_from_db()
    assert platform.transport == Transport.EXCHANGE_DB and platform.settings == {
        "list_types": {"SXBZXR": "black_other"}
    }
    audits = list(AuditEvent.objects.filter(action="platform.transport_update").order_by("seq"))
    assert [a.after["transport"] for a in audits] == ["https", "exchange_db"]
    assert audits[1].before["url"] == "https://platform.jinan.gov.cn/api"


def test_only_the_office_sees_or_changes_the_transport(client, platform, fgj_clerk):
    client.force_login(fgj_clerk)
    assert client.get(reverse("platforms:config", args=["jinan"])).status_code == 403
    assert _post(client, transport="file").status_code == 403
    assert client.get(reverse("platforms:files", args=["jinan"])).status_code == 403
    platform.refresh_from_db()
    assert platform.transport == Transport.EXCHANGE_DB
    assert client.get(reverse("platforms:config", args=["nowhere"])).status_code in (403, 404)
