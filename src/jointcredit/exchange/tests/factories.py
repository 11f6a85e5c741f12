"""Realistic exchange fixtures: a black list under a memorandum of real measures, published entries
(created directly with the ORM: the lists services are written separately), and a local receiver."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.db import transaction

from jointcredit.common import clock
from jointcredit.lists.models import EntryState, ListCategory, ListColor, ListEntry, ListType
from jointcredit.measures.models import Measure, MeasureKind, Memorandum
from jointcredit.subjects.tests.factories import CompanyFactory

from ..dispatcher import dispatch_all
from ..outbox import event_emit
from ..sequencer import sequence_all


def food_safety_setup(lixia, *, feedback_days: int = 10):
    """区市场监管局's 食品安全严重失信 black list; measures applied by 行政审批 and 财政, plus one
    measure with no implementing department (→ every cooperating department)."""
    memo = Memorandum.objects.create(
        code="food-safety-2026",
        name="食品药品安全领域联合惩戒备忘录",
        document_no="历信用办〔2026〕3号",
        feedback_working_days=feedback_days,
    )
    memo.signatories.set(lixia.values())
    strict = Measure.objects.create(
        memorandum=memo,
        code="strict-licensing",
        name="从严审核行政许可",
        kind=MeasureKind.PUNISHMENT,
        scenarios=["licensing"],
    )
    strict.implementing_departments.set([lixia["xzsp"]])
    funding = Measure.objects.create(
        memorandum=memo,
        code="limit-funding",
        name="限制申请财政性资金项目",
        kind=MeasureKind.PUNISHMENT,
        scenarios=["funding"],
    )
    funding.implementing_departments.set([lixia["czj"], lixia["fgj"]])
    Measure.objects.create(
        memorandum=memo,
        code="key-supervision",
        name="列为重点监管对象",
        kind=MeasureKind.PUNISHMENT,
        scenarios=["inspection"],
    )
    Measure.objects.create(
        memorandum=memo,
        code="green-channel",
        name="行政审批绿色通道",
        kind=MeasureKind.INCENTIVE,
        scenarios=["licensing"],
    )
    list_type = ListType.objects.create(
        code="food-safety-black",
        name="食品安全严重违法失信名单",
        color=ListColor.BLACK,
        category=ListCategory.HEALTH_SAFETY,
        legal_basis="《食品安全严重违法生产经营者黑名单管理办法》第五条",
        memorandum=memo,
    )
    list_type.initiating_departments.set([lixia["scjgj"]])
    return list_type


def entry_publish(list_type: ListType, department, *, subject=None, pump: bool = True) -> ListEntry:
    """Publish an entry the way lists.services will: state change + event in one transaction."""
    subject = subject or CompanyFactory()
    decided_on = clock.today() - timedelta(days=15)  # decided a fortnight ago, listed for three years
    with transaction.atomic():
        entry = ListEntry.objects.create(
            list_type=list_type,
            subject=subject,
            subject_name=subject.name,
            department=department,
            state=EntryState.PUBLISHED,
            reason="生产经营添加非食用物质的食品",
            legal_basis=list_type.legal_basis,
            document_no=f"历市监罚〔{decided_on.year}〕{subject.pk}号",
            decided_on=decided_on,
            valid_from=decided_on,
            valid_until=decided_on + timedelta(days=3 * 365),
            published_at=clock.now(),
        )
        event_emit(
            kind="list_entry.published",
            aggregate_type="list_entry",
            aggregate_id=entry.pk,
            data={
                "entry_id": entry.pk,
                "identifier": subject.identifier,
                "name": subject.name,
                "list_type": list_type.code,
            },
            department=department,
            list_type_code=list_type.code,
        )
    if pump:
        sequence_all()
        dispatch_all()
    return entry


def verify_signature(secret: str, header: str, body: bytes) -> bool:
    fields = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"]) and abs(time.time() - int(fields["t"])) < 300


class Receiver:
    """A real HTTP receiver on 127.0.0.1. ``script`` is consumed per request: an int status, or
    ("sleep", seconds) to stall past the sender's timeout; when empty it answers 200. It dedupes
    by event id like a well-behaved consumer and checks every signature."""

    def __init__(self, secret: str = "", script=None, port: int = 0):
        self.secret = secret
        self.script = list(script or [])
        self.requests: list[dict] = []
        self.ok_counts: dict[str, int] = {}  # event id → 2xx answers given (≥ 1: at-least-once)
        self.applied: list[str] = []  # effects applied after dedupe by event id (each id once)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    step = receiver.script.pop(0) if receiver.script else 200
                    event_id = self.headers.get("X-JointCredit-Event-Id", "")
                    receiver.requests.append(
                        {
                            "event_id": event_id,
                            "body": body,
                            "step": step,
                            "signature": self.headers.get("X-JointCredit-Signature", ""),
                            "valid": bool(receiver.secret)
                            and verify_signature(
                                receiver.secret, self.headers.get("X-JointCredit-Signature", ""), body
                            ),
                        }
                    )
                if isinstance(step, tuple):
                    time.sleep(step[1])
                    step = 200
                if step == 200:
                    if self.headers.get("X-JointCredit-Batch-Size"):  # batch mode: the ids are in the body
                        event_ids = [e["id"] for e in json.loads(body)["events"]]
                    else:
                        assert json.loads(body)["id"] == event_id
                        event_ids = [event_id]
                    with receiver.lock:
                        for one in event_ids:
                            if one not in receiver.ok_counts:
                                receiver.applied.append(one)
                            receiver.ok_counts[one] = receiver.ok_counts.get(one, 0) + 1
                self.send_response(step)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/jointcredit"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
