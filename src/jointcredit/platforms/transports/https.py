"""The HTTPS transport: signed JSON pushed up and pulled down (docs/platforms.md “HTTPS 接口”,
ADR 0043). The district is always the client; the platform's API mirrors the 前置库 tables:

* ``POST {url}/v1/outgoing``        ``{"platform", "items": [...]}`` → ``{"received", "duplicates"}``
* ``GET  {url}/v1/receipts?platform=&after=&limit=`` → ``{"receipts": [...]}``
* ``GET  {url}/v1/incoming?platform=&after=&limit=`` → ``{"items": [...]}``
* ``POST {url}/v1/incoming/status`` ``{"platform", "statuses": [{"id", "status", "reason"}]}``
* ``GET  {url}/v1/holdings?platform=`` → ``{"holdings": [{"key", "origin", "digest"}]}``

Every request is signed (``signing``) with the platform's key, read from the environment variable
its settings name (``key_env``) — never stored in the database or the code; every answer must be
signed back. Anything else (connection refused, time-out, 4xx/5xx, a bad signature, a body that is
not the agreed JSON or larger than ``MAX_RESPONSE_BYTES``) is a ``TransportError``: the round stops
and is retried with back-off; items stay staged, positions stay where they were.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

import requests

from jointcredit.common import clock

from .. import exchange_db
from ..models import OutgoingItem, Platform
from . import Receipt, TransportError, signing
from .exchange_db import outgoing_row

DEFAULT_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 32 << 20
PLATFORM_HEADER = "X-JC-Platform"
USER_AGENT = "JointCredit-Platform/1.0"
_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (the worker is one thread; tests may run several)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.trust_env = False  # no proxy or .netrc credentials from the environment
    return session


def platform_key(env_name: str) -> bytes:
    value = os.environ.get(env_name or "", "")
    if not value:
        raise TransportError(
            f"环境变量 {env_name or '（未配置）'} 未设置：没有与上级平台约定的签名密钥，不能交换。"
        )
    return value.encode("utf-8")


def _list(answer: dict, name: str) -> list:
    value = answer.get(name)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise TransportError(f"上级平台应答格式错误：缺少列表 {name}。")
    return value


class HttpsTransport:
    reconciles = True

    def __init__(self, platform: Platform):
        settings = platform.settings or {}
        self.code = platform.code
        self.url = (settings.get("url") or "").rstrip("/")
        self.key_env = settings.get("key_env") or ""
        self.timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT)

    def _call(
        self, method: str, path: str, *, query: dict | None = None, payload: dict | None = None
    ) -> dict:
        parts = urlsplit(self.url)
        target = f"{parts.path}{path}" + (f"?{urlencode(query)}" if query else "")
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        key = platform_key(self.key_env)
        headers = signing.request_headers(key, method=method, path=target, body=body, now=clock.timestamp())
        headers.update({PLATFORM_HEADER: self.code, "User-Agent": USER_AGENT})
        if payload is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = _session().request(
                method,
                f"{parts.scheme}://{parts.netloc}{target}",
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            content = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
            response.close()
        except requests.Timeout:
            raise TransportError(f"上级平台接口 {self.url} 在 {self.timeout:g} 秒内没有应答。") from None
        except (requests.RequestException, OSError) as exc:
            raise TransportError(f"无法连接上级平台接口 {self.url}（{exc.__class__.__name__}）。") from None
        if len(content) > MAX_RESPONSE_BYTES:
            raise TransportError(f"上级平台应答超过 {MAX_RESPONSE_BYTES >> 20} MB 上限，已拒收。")
        if response.status_code != 200:
            raise TransportError(
                f"上级平台接口 {method} {path} 返回 HTTP {response.status_code}："
                f"{content[:300].decode('utf-8', 'replace')}"
            )
        try:
            signing.response_verify(
                key,
                status=response.status_code,
                nonce=headers[signing.NONCE],
                headers=response.headers,
                body=content,
                now=clock.timestamp(),
            )
        except signing.SignatureInvalid as exc:
            raise TransportError(exc.message) from None
        try:
            answer = json.loads(content)
        except ValueError:
            raise TransportError("上级平台应答不是 JSON。") from None
        if not isinstance(answer, dict):
            raise TransportError("上级平台应答格式错误：应为 JSON 对象。")
        return answer

    def prepare(self) -> None:
        if not self.url:
            raise TransportError("未配置上级平台接口地址（url）。")

    def send(self, items: Sequence[OutgoingItem]) -> None:
        rows = [outgoing_row(i) for i in items]
        self._call(
            "POST",
            "/v1/outgoing",
            payload={
                "platform": self.code,
                "items": [
                    {
                        "idempotency_key": r.idempotency_key,
                        "item_type": r.item_type,
                        "action": r.action,
                        "source_key": r.source_key,
                        "dfbm": r.dfbm,
                        "sjc": r.sjc,
                        "payload": r.payload,
                    }
                    for r in rows
                ],
            },
        )

    def receipts_after(self, position: int, *, limit: int) -> list[Receipt]:
        answer = self._call(
            "GET", "/v1/receipts", query={"platform": self.code, "after": position, "limit": limit}
        )
        try:
            return [
                (
                    int(r["id"]),
                    str(r["idempotency_key"]),
                    str(r["result"]),
                    str(r.get("reason") or ""),
                    str(r.get("received_at") or ""),
                )
                for r in _list(answer, "receipts")
            ]
        except (KeyError, TypeError, ValueError):
            raise TransportError("上级平台回执格式错误：每条回执须有 id、idempotency_key、result。") from None

    def incoming_after(self, position: int, *, limit: int) -> list[exchange_db.IncomingRow]:
        answer = self._call(
            "GET", "/v1/incoming", query={"platform": self.code, "after": position, "limit": limit}
        )
        try:
            return [
                exchange_db.IncomingRow(
                    id=int(r["id"]),
                    item_key=str(r["item_key"]),
                    item_kind=str(r["item_kind"]),
                    authority_code=str(r["authority_code"]),
                    authority_name=str(r["authority_name"]),
                    authority_level=str(r["authority_level"]),
                    dfbm=str(r["dfbm"]),
                    sjc=str(r["sjc"]),
                    payload=r["payload"] if isinstance(r["payload"], dict) else {},
                )
                for r in _list(answer, "items")
            ]
        except (KeyError, TypeError, ValueError):
            raise TransportError("上级平台下发事项格式错误：字段不全。") from None

    def incoming_status_write(self, rows: list[tuple[int, str, str]]) -> None:
        if rows:
            self._call(
                "POST",
                "/v1/incoming/status",
                payload={
                    "platform": self.code,
                    "statuses": [{"id": i, "status": s, "reason": r} for i, s, r in rows],
                },
            )

    def holdings(self) -> dict[str, tuple[str, str]]:
        answer = self._call("GET", "/v1/holdings", query={"platform": self.code})
        try:
            return {str(h["key"]): (str(h["origin"]), str(h["digest"])) for h in _list(answer, "holdings")}
        except (KeyError, TypeError):
            raise TransportError("上级平台在效清单格式错误。") from None
