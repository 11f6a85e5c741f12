"""`jointcredit demo --size small|large|xlarge|city`: a realistic 历下区 (DESIGN.md §7); ``city`` adds
30M 双公示 records and 1M list entries by COPY (demo/city.py, issue #21 §4) and resumes a build
that stopped.

Deterministic for a given --seed. Every app adds its part through a module ``<app>.demo`` exposing
``build(ctx)`` (common.discovery: INSTALLED_APPS order, after the apps named in the module's ``AFTER``).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from jointcredit.accounts.models import Delegation, DelegationScope, Department, Role, User
from jointcredit.common import clock
from jointcredit.common.bulk import bulk_insert, reset_sequence
from jointcredit.common.discovery import app_modules
from jointcredit.demo import city
from jointcredit.demo.calendar_years import configure_up_to
from jointcredit.demo.departments import DEPARTMENTS, ORGANS
from jointcredit.lists.models import ListType
from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject, SubjectKind

SIZES = {"small": 1_500, "large": 1_000_000, "xlarge": 10_000_000, "city": 10_000_000}
DEMO_PASSWORD = "Demo@2026!lixia"  # noqa: S105 - documented demo credential, demo data only


@dataclass
class DemoContext:
    rng: random.Random
    size: str
    today: date
    departments: dict[str, Department]
    companies: list[int] = field(default_factory=list)  # subject ids
    persons: list[int] = field(default_factory=list)
    businesses: list[int] = field(default_factory=list)
    stdout: object = None
    password: str = DEMO_PASSWORD  # every demo login's password (demo data only)

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)


class Command(BaseCommand):
    help = "生成历下区演示数据（部门、账号、主体、关联人及各业务数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=20261126)
        parser.add_argument("--only-foundation", action="store_true", help="只生成部门、账号和主体")

    def handle(self, *args, **o):
        if Department.objects.exists():
            if o["size"] == "city" and not o["only_foundation"]:
                self._city_resume(o["seed"])  # a long build goes on where it stopped
                return
            self.stdout.write("数据库中已有部门数据，跳过演示数据生成（如需重建请先清空数据库）。")
            return
        rng = random.Random(o["seed"])
        started = time.monotonic()
        with transaction.atomic():
            departments = self._departments()
            self._users(departments)
            for year in configure_up_to(clock.today()):
                self.stdout.write(f"  已按周一至周五录入 {year} 年工作日历（chinese-calendar 不含该年度）。")
        ctx = DemoContext(
            rng=rng, size=o["size"], today=clock.today(), departments=departments, stdout=self.stdout
        )
        self._subjects(ctx, SIZES[o["size"]])
        if not o["only_foundation"]:
            for app, module in app_modules("demo"):
                t0 = time.monotonic()
                module.build(ctx)
                self.stdout.write(f"  {app}: {time.monotonic() - t0:.1f}s")
            if o["size"] == "city":
                city.build(ctx)
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已生成：{len(departments)} 个部门，{Subject.objects.count()} 个主体，"
                f"耗时 {time.monotonic() - started:.1f}s。演示账号密码：{DEMO_PASSWORD}"
            )
        )

    def _city_resume(self, seed: int) -> None:
        """City size on a database that already has the foundation (or part of the history): the
        apps' demo data if it is missing, then the rest of the city's records and entries."""
        ctx = DemoContext(
            rng=random.Random(seed),
            size="city",
            today=clock.today(),
            departments={d.code: d for d in Department.objects.all()},
            stdout=self.stdout,
        )
        kinds = Subject.objects.order_by("id").values_list
        ctx.persons = list(kinds("id", flat=True).filter(kind=SubjectKind.NATURAL))
        ctx.businesses = list(kinds("id", flat=True).filter(kind=SubjectKind.INDIVIDUAL_BUSINESS))
        ctx.companies = list(kinds("id", flat=True).filter(kind=SubjectKind.LEGAL))
        if not ListType.objects.exists():
            for app, module in app_modules("demo"):
                t0 = time.monotonic()
                module.build(ctx)
                self.stdout.write(f"  {app}: {time.monotonic() - t0:.1f}s")
        city.build(ctx)

    def _departments(self) -> dict[str, Department]:
        rng = random.Random(7)
        out = {}
        for code, name, initiating, cooperating, office in DEPARTMENTS:
            out[code] = Department.objects.create(
                code=code,
                name=name,
                organ_name=ORGANS[code][0],
                doc_abbr=ORGANS[code][1],
                uscc=gen.uscc(rng, registry="1", org_type="1"),
                is_initiating=initiating,
                is_cooperating=cooperating,
                is_credit_office=office,
            )
        # 区行政审批服务局 publishes licences on behalf of the departments whose approvals moved to it.
        Delegation.objects.bulk_create(
            Delegation(department=out["xzsp"], on_behalf_of=out[code], scope=DelegationScope.LICENSE)
            for code in ("scjgj", "wjj", "wlj", "jtj")
        )
        return out

    def _users(self, departments: dict[str, Department]) -> None:
        # Hash the shared demo password once: 80 PBKDF2 runs would take most of the demo's time.
        hashed = make_password(DEMO_PASSWORD)
        users = []
        for code, dept in departments.items():
            for suffix, roles, label in (
                ("clerk", [Role.CLERK], "经办人"),
                ("approver", [Role.APPROVER, Role.CLERK], "审批人"),
                ("admin", [Role.DEPARTMENT_ADMIN], "部门管理员"),
                ("viewer", [Role.VIEWER], "查询员"),
            ):
                users.append(
                    User(
                        username=f"{code}_{suffix}",
                        password=hashed,
                        department=dept,
                        roles=roles,
                        display_name=f"{dept.name}{label}",
                    )
                )
        users.append(
            User(
                username="office",
                password=hashed,
                department=departments["fgj"],
                roles=[Role.OFFICE_ADMIN, Role.APPROVER, Role.CLERK],
                is_staff=True,
                display_name="区信用办工作人员",
            )
        )
        User.objects.bulk_create(users)

    def _subjects(self, ctx: DemoContext, total: int) -> None:
        """Companies ~60%, 个体工商户 ~15%, natural persons ~25%; every company has a legal
        representative among the persons; some have more related persons."""
        rng = ctx.rng
        n_persons = max(50, total // 4)
        n_business = max(20, total * 15 // 100)
        n_companies = total - n_persons - n_business
        now = clock.now()
        cols = [
            "id",
            "kind",
            "id_type",
            "identifier",
            "name",
            "operator_id_number",
            "legal_representative",
            "region_code",
            "industry",
            "address",
            "created_at",
            "updated_at",
        ]
        seen: set[str] = set()
        persons: list[tuple[int, str]] = []  # (id, name)
        next_id = (Subject.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        bar = tqdm(total=total, desc="信用主体", unit="行", disable=total < 50_000, mininterval=1.0)
        t0 = time.monotonic()

        def unique(make):
            while True:
                value = make()
                if value not in seen:
                    seen.add(value)
                    return value

        def person_rows():
            nonlocal next_id
            for _ in range(n_persons):
                idno = unique(lambda: gen.resident_id(rng))
                name = gen.person_name(rng)
                persons.append((next_id, name))
                yield (
                    next_id,
                    SubjectKind.NATURAL,
                    IdType.RESIDENT_ID,
                    idno,
                    name,
                    "",
                    "",
                    idno[:6],
                    "",
                    "",
                    now,
                    now,
                )
                next_id += 1
                bar.update()

        def business_rows():
            nonlocal next_id
            for _ in range(n_business):
                pid, pname = persons[rng.randrange(len(persons))]
                code = unique(lambda: gen.uscc(rng, registry="9", org_type="2"))
                name = (
                    f"历下区{pname}{rng.choice(['小吃店', '便利店', '理发店', '五金店', '水果店', '干洗店'])}"
                )
                yield (
                    next_id,
                    SubjectKind.INDIVIDUAL_BUSINESS,
                    IdType.USCC,
                    code,
                    name,
                    "",
                    pname,
                    gen.LIXIA,
                    "批发和零售业",
                    gen.address(rng),
                    now,
                    now,
                )
                next_id += 1
                bar.update()

        company_links: list[tuple[int, int, str, bool]] = []

        def company_rows():
            nonlocal next_id
            for i in range(n_companies):
                r = rng.random()
                registry, org_type = (
                    ("9", "1")
                    if r < 0.9
                    else ("5", "2")
                    if r < 0.96
                    else ("1", "2")
                    if r < 0.98
                    else ("Y", "1")
                )
                code = unique(lambda r=registry, t=org_type: gen.uscc(rng, registry=r, org_type=t))
                name, sector = gen.company_name(rng, i)
                rep_id, rep_name = persons[rng.randrange(len(persons))]
                company_links.append((next_id, rep_id, RelatedRole.LEGAL_REPRESENTATIVE, rng.random() < 0.3))
                if rng.random() < 0.2:
                    other = persons[rng.randrange(len(persons))][0]
                    if other != rep_id:
                        company_links.append(
                            (
                                next_id,
                                other,
                                rng.choice(
                                    [
                                        RelatedRole.SENIOR_MANAGER,
                                        RelatedRole.DIRECTOR,
                                        RelatedRole.SHAREHOLDER,
                                        RelatedRole.LICENSED_PROFESSIONAL,
                                        RelatedRole.PRINCIPAL,
                                    ]
                                ),
                                rng.random() < 0.2,
                            )
                        )
                yield (
                    next_id,
                    SubjectKind.LEGAL,
                    IdType.USCC,
                    code,
                    name,
                    "",
                    rep_name,
                    code[2:8],
                    sector,
                    gen.address(rng),
                    now,
                    now,
                )
                next_id += 1
                bar.update()

        table = Subject._meta.db_table
        with transaction.atomic():
            bulk_insert(table, cols, person_rows())
            first_business = next_id
            bulk_insert(table, cols, business_rows())
            first_company = next_id
            bulk_insert(table, cols, company_rows())
            bulk_insert(
                RelatedPerson._meta.db_table,
                ["subject_id", "person_id", "role", "directly_responsible"],
                ((s, p, role, d) for s, p, role, d in dict.fromkeys(company_links)),
            )
            reset_sequence(Subject)
            reset_sequence(RelatedPerson)
        bar.close()
        if connection.vendor == "postgresql":
            # Fresh statistics for every bulk-loaded table: without them the planner guesses ~2,000
            # related persons per subject and picks a parallel plan 30× slower than the index scan.
            with connection.cursor() as cursor:
                for t in (table, RelatedPerson._meta.db_table):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(t)}")
        elapsed = time.monotonic() - t0
        ctx.persons = [pid for pid, _ in persons]
        ctx.businesses = list(range(first_business, first_company))
        ctx.companies = list(range(first_company, next_id))
        ctx.log(
            f"  信用主体 {total} 个，关联人 {len(company_links)} 条，{total / max(elapsed, 1e-6):,.0f} 行/秒"
        )
