"""The simulator's HTTPS side: the upstream platform's API (docs/platforms.md “HTTPS 接口”) served by
a small threaded WSGI server, over the platform's own memory (``MemoryTables``) instead of the
前置库. It checks every request's signature, window and nonce (``transports.signing``), signs every
answer, validates the items it receives with ``PlatformSimulator`` (``formats.row_problems``), and
can be made slow, down (503) or duplicating like the 前置库 simulator.

``SimulatorServer(sim, key).start()`` serves on a free port of 127.0.0.1 in a thread (tests, demo);
``jointcredit platform-simulator --http PORT`` runs it in the foreground. Plain HTTP: in production
the platform's API is HTTPS, and the district refuses a non-local ``http://`` URL.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from jointcredit.common import clock

from . import exchange_db
from .simulator import PlatformSimulator
from .transports import signing

MAX_BODY = 32 << 20


class MemoryTables:
    """The platform's store when it serves the API: the same rows as the 前置库 tables, in memory."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.outgoing: dict[str, dict] = {}  # idempotency key → row (+ "taken")
        self.receipts: list[dict] = []
        self.incoming: list[dict] = []
        self.held: dict[str, tuple[str, str]] = {}
        self._ids = {"outgoing": 0, "receipt": 0, "incoming": 0}

    def _next(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    def atomic(self):
        return self.lock

    # what the API does
    def outgoing_put(self, items: list[dict]) -> tuple[int, int]:
        """Store received items once per key: (new, duplicates)."""
        new = duplicates = 0
        with self.lock:
            for item in items:
                if item["idempotency_key"] in self.outgoing:
                    duplicates += 1
                    continue
                self.outgoing[item["idempotency_key"]] = {
                    **item,
                    "id": self._next("outgoing"),
                    "taken": False,
                }
                new += 1
        return new, duplicates

    def receipts_after(self, after: int, limit: int) -> list[dict]:
        with self.lock:
            return [r for r in self.receipts if r["id"] > after][:limit]

    def incoming_after(self, after: int, limit: int) -> list[dict]:
        with self.lock:
            return [
                {k: v for k, v in r.items() if k not in ("status", "status_reason")}
                for r in self.incoming
                if r["id"] > after
            ][:limit]

    def incoming_status_write(self, statuses: list[dict]) -> int:
        with self.lock:
            by_id = {r["id"]: r for r in self.incoming}
            written = 0
            for s in statuses:
                row = by_id.get(s["id"])
                if row is not None:
                    row["status"], row["status_reason"] = str(s["status"]), str(s.get("reason") or "")
                    written += 1
            return written

    def holdings(self) -> list[dict]:
        with self.lock:
            return [{"key": k, "origin": o, "digest": d} for k, (o, d) in sorted(self.held.items())]

    # what PlatformSimulator does (the ExchangeTables interface)
    def outgoing_take(self, *, limit: int) -> list[tuple]:
        with self.lock:
            rows = [r for r in self.outgoing.values() if not r["taken"]][:limit]
            for r in rows:
                r["taken"] = True
            return [
                (
                    r["id"],
                    r["idempotency_key"],
                    r["item_type"],
                    r["action"],
                    r["source_key"],
                    r["dfbm"],
                    r["sjc"],
                    r["payload"],
                )
                for r in rows
            ]

    def receipts_write(self, receipts: list[tuple[str, str, str]]) -> None:
        with self.lock:
            stamp = exchange_db.sjc()
            for key, result, reason in receipts:  # a duplicating platform answers twice: kept twice
                self.receipts.append(
                    {
                        "id": self._next("receipt"),
                        "idempotency_key": key,
                        "result": result,
                        "reason": reason,
                        "received_at": stamp,
                    }
                )

    def holdings_put(self, items: list[tuple[str, str, str]]) -> None:
        with self.lock:
            self.held.update({key: (origin, digest) for key, origin, digest in items})

    def holdings_drop(self, keys: list[str]) -> None:
        with self.lock:
            for key in keys:
                self.held.pop(key, None)

    def incoming_insert_many(self, items: list[tuple[str, str, tuple[str, str, str], str, dict]]) -> None:
        with self.lock:
            for item_key, item_kind, authority, dfbm, payload in items:
                self.incoming.append(
                    {
                        "id": self._next("incoming"),
                        "item_key": item_key,
                        "item_kind": item_kind,
                        "authority_code": authority[0],
                        "authority_name": authority[1],
                        "authority_level": authority[2],
                        "dfbm": dfbm,
                        "sjc": exchange_db.sjc(),
                        "payload": payload,
                        "status": exchange_db.IN_NEW,
                        "status_reason": "",
                    }
                )

    def incoming_status(self, item_key: str) -> list[tuple[str, str]]:
        with self.lock:
            return [(r["status"], r["status_reason"]) for r in self.incoming if r["item_key"] == item_key]


class BadRequest(Exception):
    pass


def _header(environ, name: str) -> str:
    return environ.get("HTTP_" + name.upper().replace("-", "_"), "")


class SimulatorApp:
    """The platform's API as a WSGI application."""

    def __init__(self, sim: PlatformSimulator, key: bytes):
        self.sim, self.key, self.nonces = sim, key, signing.NonceStore()
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status): what the tests look at

    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        target = path + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        nonce = _header(environ, signing.NONCE)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            return self._answer(start_response, method, path, 413, {"error": "报文过大"}, nonce)
        body = environ["wsgi.input"].read(length) if length else b""
        if self.sim.down:
            return self._answer(start_response, method, path, 503, {"error": "平台停机维护中"}, nonce)
        headers = {
            name: _header(environ, name)
            for name in (signing.TIMESTAMP, signing.NONCE, signing.DIGEST, signing.SIGNATURE)
        }
        try:
            signing.request_verify(
                self.key,
                method=method,
                path=target,
                headers=headers,
                body=body,
                now=clock.timestamp(),
                nonces=self.nonces,
            )
        except signing.SignatureInvalid as exc:
            return self._answer(
                start_response, method, path, 401, {"error": exc.message, "rule": exc.rule}, nonce
            )
        if self.sim.slow:
            time.sleep(self.sim.slow)
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            status, answer = self._route(method, path, query, body)
        except BadRequest as exc:
            status, answer = 400, {"error": str(exc)}
        return self._answer(start_response, method, path, status, answer, nonce)

    def _platform(self, code) -> None:
        if code != self.sim.platform_code:
            raise BadRequest(f"平台代码“{code}”与本平台（{self.sim.platform_code}）不符")

    def _route(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        store = self.sim.store
        if method == "GET" and path in ("/v1/receipts", "/v1/incoming", "/v1/holdings"):
            self._platform(query.get("platform"))
            try:
                after, limit = int(query.get("after", 0)), min(int(query.get("limit", 1000)), 5000)
            except ValueError:
                raise BadRequest("after、limit 必须是整数") from None
            if path == "/v1/receipts":
                return 200, {"receipts": store.receipts_after(after, limit)}
            if path == "/v1/incoming":
                return 200, {"items": store.incoming_after(after, limit)}
            return 200, {"holdings": store.holdings()}
        if method == "POST" and path in ("/v1/outgoing", "/v1/incoming/status"):
            try:
                data = json.loads(body)
            except ValueError:
                raise BadRequest("报文不是 JSON") from None
            if not isinstance(data, dict):
                raise BadRequest("报文应为 JSON 对象")
            self._platform(data.get("platform"))
            if path == "/v1/outgoing":
                items = data.get("items")
                fields = ("idempotency_key", "item_type", "action", "source_key", "dfbm", "sjc", "payload")
                if not isinstance(items, list) or not all(
                    isinstance(i, dict) and all(f in i for f in fields) and isinstance(i["payload"], dict)
                    for i in items
                ):
                    raise BadRequest(f"items 必须是列表，每项包含 {'、'.join(fields)}")
                new, duplicates = store.outgoing_put(items)
                self.sim.answer()  # validated and answered at once; receipts are pulled
                return 200, {"received": new, "duplicates": duplicates}
            statuses = data.get("statuses")
            if not isinstance(statuses, list) or not all(
                isinstance(s, dict) and "id" in s and "status" in s for s in statuses
            ):
                raise BadRequest("statuses 必须是列表，每项包含 id、status")
            return 200, {"updated": store.incoming_status_write(statuses)}
        return 404, {"error": f"没有接口 {method} {path}"}

    def _answer(self, start_response, method: str, path: str, status: int, answer: dict, nonce: str):
        self.requests.append((method, path, status))
        body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        headers = [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
        if nonce:
            signed = signing.response_headers(
                self.key, status=status, nonce=nonce, body=body, now=clock.timestamp()
            )
            headers += list(signed.items())
        reason = {
            200: "OK",
            400: "Bad Request",
            401: "Unauthorized",
            404: "Not Found",
            413: "Payload Too Large",
            503: "Service Unavailable",
        }[status]
        start_response(f"{status} {reason}", headers)
        return [body]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        return None


class SimulatorServer:
    """The simulator's API on ``host:port`` (port 0: a free one), in a daemon thread."""

    def __init__(self, sim: PlatformSimulator, key: bytes, *, host: str = "127.0.0.1", port: int = 0):
        if not isinstance(sim.store, MemoryTables):
            sim.store = MemoryTables()
        self.sim = sim
        self.app = SimulatorApp(sim, key)
        self.httpd = make_server(
            host, port, self.app, server_class=_ThreadingServer, handler_class=_QuietHandler
        )
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> SimulatorServer:
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, name="platform-simulator", daemon=True
        )
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        with contextlib.suppress(KeyboardInterrupt):
            self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(5)
