"""Webhook mechanics: URL validation (SSRF allow-list), signing and the HTTP client.

Signature (docs/webhooks.md): ``X-JointCredit-Signature: t=<unix>,v1=<hex>`` where ``hex`` is
HMAC-SHA256 with the subscription secret over ``"<t>." + body`` (body = the exact bytes sent).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed

from . import conf

USER_AGENT = "JointCredit-Webhook/1.0"
SIGNATURE_HEADER = "X-JointCredit-Signature"
EVENT_ID_HEADER = "X-JointCredit-Event-Id"
BATCH_SIZE_HEADER = "X-JointCredit-Batch-Size"


def host_allowed(host: str, allow: list[str]) -> bool:
    if not allow:
        return True
    host = host.lower().rstrip(".")
    return any(host == p or (p.startswith(".") and host.endswith(p)) for p in allow)


def webhook_url_validate(url: str, *, field: str = "url") -> str:
    """http/https only, a host, no credentials, and (if configured) a host on the allow-list."""
    url = (url or "").strip()
    if not url:
        raise ValidationFailed.single(field, "required", "接收地址 url 不能为空。")
    if len(url) > 500:
        raise ValidationFailed.single(field, "max_length", "接收地址 url 不能超过 500 个字符。")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationFailed.single(field, "format", "接收地址 url 格式错误。") from None
    if parts.scheme not in {"http", "https"}:
        raise ValidationFailed.single(field, "scheme", "接收地址 url 只能使用 http 或 https 协议。")
    if not parts.hostname:
        raise ValidationFailed.single(field, "host", "接收地址 url 缺少主机名。")
    if parts.username or parts.password:
        raise ValidationFailed.single(
            field, "credentials", "接收地址 url 不能包含用户名或密码，请改用签名密钥验证。"
        )
    if port == 0:
        raise ValidationFailed.single(field, "port", "接收地址 url 的端口无效。")
    if not host_allowed(parts.hostname, conf.allowed_hosts()):
        raise ValidationFailed.single(
            field,
            "allow_list",
            f"接收地址主机“{parts.hostname}”不在允许列表（JOINTCREDIT_WEBHOOK_ALLOWED_HOSTS）中。",
        )
    return url


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance: int = 300, now: float | None = None) -> bool:
    """Reference verifier (the same code is in docs/webhooks.md for receivers)."""
    try:
        fields = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(fields["t"])
    except (ValueError, KeyError):
        return False
    if abs((now or clock.timestamp()) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


@dataclass
class SendResult:
    ok: bool
    status: int | None = None
    error: str = ""


class _OneWriteMixin:
    """Send the request line, headers and a bytes body in one write. ``http.client`` writes the
    body separately: with TCP_NODELAY that is two segments, two syscalls here and two reads and
    wake-ups at the receiver per event — measurable at thousands of small requests a second."""

    def _send_output(self, message_body=None, encode_chunked=False):
        if isinstance(message_body, bytes) and not encode_chunked:
            self._buffer.extend((b"", message_body))
            request = b"\r\n".join(self._buffer)
            del self._buffer[:]
            self.send(request)
            return
        super()._send_output(message_body, encode_chunked=encode_chunked)


class _HTTPConnection(_OneWriteMixin, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_OneWriteMixin, http.client.HTTPSConnection):
    pass


class Sender:
    """Keep-alive HTTP connections, one per (thread, origin): no redirects are followed (SSRF)."""

    def __init__(self, *, timeout: float | None = None):
        self.timeout = conf.timeout() if timeout is None else timeout
        self._local = threading.local()

    def _conn(self, scheme: str, host: str, port: int | None, fresh: bool = False):
        conns = self._local.__dict__.setdefault("conns", {})
        key = (scheme, host, port)
        if fresh and key in conns:
            conns.pop(key).close()
        if key not in conns:
            cls = _HTTPSConnection if scheme == "https" else _HTTPConnection
            conns[key] = cls(host, port, timeout=self.timeout)
        return conns[key]

    def close(self) -> None:
        for conn in self._local.__dict__.get("conns", {}).values():
            conn.close()
        self._local.__dict__["conns"] = {}

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        parts = urlsplit(url)
        if not host_allowed(parts.hostname or "", conf.allowed_hosts()):
            return SendResult(False, None, f"主机 {parts.hostname} 不在允许列表中")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **headers}
        for attempt in (0, 1):
            conn = self._conn(parts.scheme, parts.hostname, parts.port, fresh=attempt == 1)
            reused = conn.sock is not None
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read(65536)
                if response.will_close:
                    conn.close()
                return SendResult(
                    200 <= response.status < 300,
                    response.status,
                    "" if 200 <= response.status < 300 else f"HTTP {response.status}",
                )
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                if reused and attempt == 0:
                    continue  # the receiver closed an idle keep-alive connection: retry on a fresh one
                return SendResult(False, None, f"连接被对方关闭：{type(exc).__name__}")
            except TimeoutError:
                conn.close()
                return SendResult(False, None, f"超时（{self.timeout:g} 秒）")
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:300])
        return SendResult(False, None, "连接失败")
