"""Which transport a platform uses, and its settings: configuration, not code (ADR 0043).

``platform_transport_update`` is the write behind the workbench config page: the transport, its
settings (``url`` and ``key_env`` for HTTPS, ``file_format`` for files) and the schedule, checked
and audited. The signing key itself is never stored: only the name of the environment variable
that holds it.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from django.db import transaction

from jointcredit.accounts.permissions import ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common.errors import ValidationFailed

from ..models import Platform, Transport
from .files import FORMATS

KEY_ENV = re.compile(r"^PLATFORM_[A-Z0-9_]{1,56}_KEY$")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
TRANSPORT_SETTINGS = ("url", "key_env", "timeout", "file_format")
MAX_INTERVAL = 7 * 24 * 60


def _url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationFailed.single("url", "required", "HTTPS 方式必须填写上级平台接口地址（url）。")
    if len(url) > 500:
        raise ValidationFailed.single("url", "max_length", "接口地址（url）不能超过 500 个字符。")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValidationFailed.single("url", "format", "接口地址（url）格式错误。") from None
    if not parts.hostname:
        raise ValidationFailed.single("url", "host", "接口地址（url）缺少主机名。")
    if parts.username or parts.password:
        raise ValidationFailed.single(
            "url", "credentials", "接口地址（url）不能包含用户名或密码，身份由签名密钥证明。"
        )
    if parts.query or parts.fragment:
        raise ValidationFailed.single("url", "format", "接口地址（url）不能带查询参数或锚点。")
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        raise ValidationFailed.single(
            "url", "scheme", "接口地址（url）必须使用 https（仅本机模拟平台可用 http）。"
        )
    return url.rstrip("/")


def key_env_status(platform: Platform) -> str | None:
    """For the config page: whether the named variable is set in this process (never its value)."""
    name = (platform.settings or {}).get("key_env")
    if platform.transport != Transport.HTTPS or not name:
        return None
    return "已设置" if os.environ.get(name) else "未设置（交换将失败）"


def platform_transport_update(
    *,
    actor,
    platform: Platform,
    transport: str,
    interval_minutes: int | str,
    url: str = "",
    key_env: str = "",
    file_format: str = "xlsx",
    is_active: bool = True,
) -> Platform:
    ensure_office_admin(actor)
    if transport not in Transport.values:
        raise ValidationFailed.single(
            "transport", "choice", f"交换方式“{transport}”不受支持，可选：{'、'.join(Transport.labels)}。"
        )
    try:
        interval = int(interval_minutes)
    except (TypeError, ValueError):
        interval = 0
    if not 1 <= interval <= MAX_INTERVAL:
        raise ValidationFailed.single(
            "interval_minutes", "range", f"交换周期（分钟）必须是 1 到 {MAX_INTERVAL} 之间的整数。"
        )
    chosen: dict[str, object] = {}
    if transport == Transport.HTTPS:
        chosen["url"] = _url(url)
        key_env = (key_env or "").strip()
        if not KEY_ENV.match(key_env):
            raise ValidationFailed.single(
                "key_env",
                "format",
                "签名密钥环境变量名（key_env）须形如 PLATFORM_JINAN_KEY：以 PLATFORM_ 开头、以 _KEY 结尾，"
                "大写字母、数字和下划线。密钥本身只放在服务器环境变量中，不填写在这里。",
            )
        chosen["key_env"] = key_env
    elif transport == Transport.FILE:
        if file_format not in FORMATS:
            raise ValidationFailed.single(
                "file_format", "choice", "上报文件格式（file_format）必须是 xlsx 或 csv。"
            )
        chosen["file_format"] = file_format
    with transaction.atomic():
        platform = Platform.objects.select_for_update().get(pk=platform.pk)
        old = platform.settings or {}
        before = {
            "transport": platform.transport,
            "interval_minutes": platform.interval_minutes,
            "is_active": platform.is_active,
            **{k: old[k] for k in TRANSPORT_SETTINGS if k in old},
        }
        # Other settings (the 前置库 alias, list type mapping) are kept as they are.
        platform.settings = {**{k: v for k, v in old.items() if k not in TRANSPORT_SETTINGS}, **chosen}
        platform.transport, platform.interval_minutes, platform.is_active = (
            transport,
            interval,
            bool(is_active),
        )
        platform.next_round_at, platform.failures = None, 0  # the new configuration is tried at once
        moved = before["transport"] != transport or old.get("url") != chosen.get("url")
        if moved:
            # Positions count rows of the old source: read the new one from its start. Receipts for
            # items that have one, and items already received, change nothing (recorded once).
            platform.receipts_position = platform.incoming_position = 0
        platform.save(
            update_fields=[
                "settings",
                "transport",
                "interval_minutes",
                "is_active",
                "next_round_at",
                "failures",
                "receipts_position",
                "incoming_position",
            ]
        )
        after = {"transport": transport, "interval_minutes": interval, "is_active": bool(is_active), **chosen}
        if moved:
            after["positions_reset"] = True
        audit_record(
            actor=actor,
            action="platform.transport_update",
            obj=platform,
            department=platform.receiving_department,
            before=before,
            after=after,
        )
    return platform
