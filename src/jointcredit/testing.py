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


_DB_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


@pytest.fixture(autouse=True)
def _calendar_entered_up_to_today(request):
    """The office has entered the holiday arrangement of every year up to the current one.

    chinese-calendar covers the years up to its release; later years need the office's entry
    (DESIGN.md §2 Working-day calendar). A real office enters the current year as soon as the State
    Council publishes it, so with the clock moved years ahead (``--travel-to``) the tests see what a
    user sees then: this year configured, next year still 待配置节假日 — not a calendar frozen at
    the package's last year. Entered through the calendar service, as the office does it (the same
    step as ``jointcredit demo``); only for tests that use the database, and a no-op while the
    package covers today.
    """
    if request.node.get_closest_marker("django_db") is None and not _DB_FIXTURES & set(request.fixturenames):
        return
    from jointcredit.calendar.selectors import package_years
    from jointcredit.common import clock
    from jointcredit.demo.calendar_years import configure_up_to

    today = clock.today()
    if today.year > max(package_years()):
        request.getfixturevalue("db")
        configure_up_to(today, source="测试：信用办已录入当年节假日安排")


def next_unconfigured_year() -> int:
    """The first year nobody has entered: past chinese-calendar's years and the years up to today
    (entered by the fixture above), i.e. next year once the package is out of date."""
    from jointcredit.calendar.selectors import package_years
    from jointcredit.common import clock

    return max(max(package_years()), clock.today().year) + 1


def last_passed(month: int, day: int) -> date:
    """The latest ``month``/``day`` that is not after today: this year's, else last year's. For tests
    written around a day of the year (a Monday in November…) that must not depend on the year."""
    from jointcredit.common import clock

    today = clock.today()
    this_year = date(today.year, month, day)
    return this_year if this_year <= today else date(today.year - 1, month, day)


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


@pytest.fixture(scope="session")
def platform_exchange_schema(django_db_setup, django_db_blocker):
    """The exchange database's tables (platforms.exchange_db, ADR 0038) in its test database, created
    once and committed; a test using them declares ``databases=["default", "platform_exchange"]``
    and its rows roll back with it."""
    from jointcredit.platforms import exchange_db

    with django_db_blocker.unblock():
        exchange_db.schema_forget()
        exchange_db.schema_ensure()


def platform_exchange_clear() -> None:
    """Empty the exchange database's tables (keeping the schema): for seeded worlds that write it
    outside a test's transaction (the platforms demo hook), so nothing meets the next module's tests."""
    from django.db import connections

    from jointcredit.platforms import exchange_db

    exchange_db.schema_ensure()
    with connections[exchange_db.alias()].cursor() as cursor:
        for table in ("xchg_outgoing", "xchg_receipt", "xchg_incoming", "xchg_holding"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed table names


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
