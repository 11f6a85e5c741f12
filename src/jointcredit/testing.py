"""Shared pytest fixtures and helpers (loaded by the root conftest.py)."""

from __future__ import annotations

import json
import os
import random
import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from jointcredit.accounts.models import Department, Role, User
from jointcredit.accounts.services import api_token_create
from jointcredit.subjects import generators as gen


def pytest_addoption(parser):
    parser.addoption(
        "--travel-to",
        metavar="YYYY-MM-DD",
        default=os.environ.get("JOINTCREDIT_TRAVEL_TO") or None,
        help="Run the whole suite with the clock moved to this date (10:00 Asia/Shanghai, ticking): a test "
        "that depends on the real date fails here instead of on a user's machine. CI uses 2031-06-15.",
    )


def pytest_configure(config):
    value = config.getoption("--travel-to")
    if value:
        import time_machine

        start = datetime.combine(date.fromisoformat(value), time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
        config._jointcredit_travel = time_machine.travel(start, tick=True)
        config._jointcredit_travel.start()


def pytest_report_header(config):
    value = config.getoption("--travel-to")
    return f"jointcredit: clock moved to {value}" if value else None


# A marker, not a module-global string condition: ``skipif("connection.vendor …")`` is evaluated in
# the test module's namespace and broke in modules that did not import ``connection`` themselves.
postgres_only = pytest.mark.usefixtures("_postgres_only")


@pytest.fixture
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("需要 PostgreSQL 的真实并发事务")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def race(fn, n: int = 2, *, timeout: float = 60) -> list:
    """Run ``fn(i)`` in ``n`` threads released together, each on its own database connection (real
    concurrent transactions: PostgreSQL tests with ``django_db(transaction=True)``); returns each
    thread's result or raised exception, by thread index."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i):
        try:
            barrier.wait(timeout=10)
            results[i] = fn(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results


class ApiClient:
    """Django test client speaking JSON with a Bearer token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self.headers, **extra)

    def post(self, path, data=None, **extra):
        """JSON body."""
        return self.client.post(
            path,
            json.dumps(data or {}, ensure_ascii=False),
            content_type="application/json",
            **self.headers,
            **extra,
        )

    def upload(self, path, data, **extra):
        """Multipart body (files as open file objects or SimpleUploadedFile)."""
        return self.client.post(path, data, **self.headers, **extra)


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache: cached dashboard counts and rate-limit counters must
    not leak from one test into the next within a worker process."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def rng():
    return random.Random(42)


@pytest.fixture
def department_factory(db):
    counter = iter(range(1, 10_000))

    def make(code: str | None = None, name: str | None = None, **kwargs) -> Department:
        n = next(counter)
        code = code or f"dept{n}"
        existing = Department.objects.filter(code=code).first()
        if existing:
            return existing
        return Department.objects.create(
            code=code,
            name=name or f"测试部门{code}",
            uscc=gen.uscc(random.Random(code), registry="1", org_type="1"),
            **kwargs,
        )

    return make


@pytest.fixture
def user_factory(db, department_factory):
    counter = iter(range(1, 10_000))

    def make(
        department: Department | str | None = None, roles=(Role.CLERK,), username: str | None = None
    ) -> User:
        if isinstance(department, str) or department is None:
            department = department_factory(department or "fgj")
        return User.objects.create_user(
            username=username or f"u{next(counter)}_{department.code}",
            password="x-Secure-Passw0rd",
            department=department,
            roles=list(roles),
        )

    return make


@pytest.fixture
def api_client_for(db):
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient(None)
        _, raw = api_token_create(actor=None, user=user)
        return ApiClient(raw)

    return make


@pytest.fixture
def lixia(department_factory):
    """The demo's stable departments (a subset): fgj is the credit office."""
    return {
        "fgj": department_factory("fgj", "区发改局", is_credit_office=True),
        "scjgj": department_factory("scjgj", "区市场监管局"),
        "xzsp": department_factory("xzsp", "区行政审批服务局"),
        "swj": department_factory("swj", "区税务局"),
        "czj": department_factory("czj", "区财政局"),
    }


@pytest.fixture
def office_admin(user_factory, lixia):
    return user_factory(lixia["fgj"], roles=[Role.OFFICE_ADMIN, Role.APPROVER, Role.CLERK], username="office")
