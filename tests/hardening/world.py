"""A realistic seeded world shared by the hardening tests.

Built from the demo's own building blocks (the 20 历下区 departments with their stable codes, the
demo accounts, subjects with related persons) plus every app's ``demo.build(ctx)`` hook that exists
when the tests run, so endpoints landing later are exercised on their own realistic data. On top
come the actors of the permission matrix (one user per role, in an "own" and an "other"
department) and a few natural persons with distinctive names for the masking crawler.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from jointcredit.accounts.models import Department, Role, User
from jointcredit.accounts.services import api_token_create
from jointcredit.common import clock
from jointcredit.demo.calendar_years import configure_up_to
from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import RelatedPerson, RelatedRole, Subject, SubjectKind

OWN, OTHER, ACTING, OFFICE = "scjgj", "swj", "xzsp", "fgj"  # xzsp acts for scjgj in the demo

# Actor key → (department code, roles). Pure roles: a matrix cell must test one right at a time.
ACTORS: dict[str, tuple[str, list[str]]] = {
    "viewer@own": (OWN, [Role.VIEWER]),
    "clerk@own": (OWN, [Role.CLERK]),
    "approver@own": (OWN, [Role.APPROVER]),
    "department_admin@own": (OWN, [Role.DEPARTMENT_ADMIN]),
    "viewer@other": (OTHER, [Role.VIEWER]),
    "clerk@other": (OTHER, [Role.CLERK]),
    "approver@other": (OTHER, [Role.APPROVER]),
    "department_admin@other": (OTHER, [Role.DEPARTMENT_ADMIN]),
    "clerk@acting": (ACTING, [Role.CLERK]),
    "office_admin": (OFFICE, [Role.OFFICE_ADMIN]),
}
ANONYMOUS = "anonymous"

# Natural persons whose full name or ID must never appear on a public surface. Four-character
# names with rare characters cannot occur by accident in other text.
DISTINCTIVE_PERSONS = ["欧阳澍霖", "司马湛璟", "上官砚秋", "诸葛栩澄", "慕容翊宸", "东方溯涵"]


@dataclass
class World:
    departments: dict[str, Department]
    users: dict[str, User]
    tokens: dict[str, str]
    companies: list[Subject]
    persons: list[Subject]  # every natural person subject
    distinctive: list[Subject]  # natural persons with DISTINCTIVE_PERSONS names
    pools: dict[str, list] = field(default_factory=dict)  # realistic values by parameter name

    def headers(self, actor: str) -> dict[str, str]:
        if actor == ANONYMOUS:
            return {}
        return {"Authorization": f"Bearer {self.tokens[actor]}"}


def build_world(*, subjects: int = 120, demo_hooks: bool = True, seed: int = 20261126) -> World:
    from jointcredit.common.discovery import app_modules
    from jointcredit.demo.management.commands.demo import Command as DemoCommand
    from jointcredit.demo.management.commands.demo import DemoContext

    rng = random.Random(seed)
    demo = DemoCommand()
    departments = demo._departments()
    demo._users(departments)  # fgj_clerk, scjgj_approver, office … as in `jointcredit demo`
    configure_up_to(clock.today())  # as `jointcredit demo`: the years up to today are entered
    ctx = DemoContext(rng=rng, size="small", today=clock.today(), departments=departments)
    demo._subjects(ctx, subjects)

    distinctive = _distinctive_persons(rng, ctx)
    if demo_hooks:
        for _app, module in app_modules("demo"):
            module.build(ctx)
    _blacklist_distinctive(distinctive, departments[OWN])

    users, tokens = {}, {}
    for key, (code, roles) in ACTORS.items():
        user = User.objects.create_user(
            username=f"hd_{key.replace('@', '_')}",
            password="x-Secure-Passw0rd",
            department=departments[code],
            roles=roles,
            display_name=f"测试用户{len(users) + 1}",
        )
        users[key] = user
        tokens[key] = api_token_create(actor=None, user=user, name="hardening")[1]

    persons = list(Subject.objects.filter(kind=SubjectKind.NATURAL))
    companies = list(Subject.objects.filter(kind=SubjectKind.LEGAL)[:50])
    world = World(
        departments=departments,
        users=users,
        tokens=tokens,
        companies=companies,
        persons=persons,
        distinctive=distinctive,
    )
    world.pools = _pools(world)
    return world


def _distinctive_persons(rng: random.Random, ctx) -> list[Subject]:
    """Natural persons with distinctive names: subjects themselves and legal representatives /
    directly responsible managers of companies (the 关联人 that black-list measures reach)."""
    people = []
    for name in DISTINCTIVE_PERSONS:
        idno = gen.resident_id(rng)
        people.append(
            Subject.objects.create(
                kind=SubjectKind.NATURAL,
                id_type=IdType.RESIDENT_ID,
                identifier=idno,
                name=name,
                region_code=idno[:6],
            )
        )
    companies = list(Subject.objects.filter(pk__in=ctx.companies[: len(people)]))
    for person, company in zip(people, companies):
        Subject.objects.filter(pk=company.pk).update(legal_representative=person.name)
        RelatedPerson.objects.create(
            subject=company, person=person, role=RelatedRole.LEGAL_REPRESENTATIVE, directly_responsible=True
        )
    ctx.persons.extend(p.pk for p in people)
    return people


def _blacklist_distinctive(people: list[Subject], department: Department) -> None:
    """Publish black-list entries for the distinctive persons and their companies, when the lists
    app has black list types configured (its data migration or demo hook creates them)."""
    try:
        from jointcredit.lists.models import EntryState, ListEntry, ListType
    except ImportError:  # pragma: no cover - lists app not installed
        return
    list_type = ListType.objects.filter(color="black", is_active=True).order_by("code").first()
    if list_type is None:
        return
    today = clock.today()
    targets = list(people[:3])
    targets += [
        link.subject for link in RelatedPerson.objects.filter(person__in=people).select_related("subject")
    ]
    for subject in targets:
        ListEntry.objects.create(
            list_type=list_type,
            subject=subject,
            subject_name=subject.name,
            department=department,
            state=EntryState.PUBLISHED,
            reason="严重失信行为（硬化测试数据）",
            legal_basis="《测试依据》第一条",
            decided_on=today - timedelta(days=30),
            valid_from=today - timedelta(days=30),
            valid_until=today + timedelta(days=700),
            published_at=clock.now(),
        )


def _pools(world: World) -> dict[str, list]:
    """Realistic values for parameters the fuzzer meets, by name."""
    identifiers = [s.identifier for s in world.companies[:10]] + [p.identifier for p in world.persons[:5]]
    pools: dict[str, list] = {
        "identifier": identifiers,
        "q": [world.companies[0].name[:4], world.distinctive[0].name, identifiers[0]],
        "department": list(world.departments),
        "department_code": list(world.departments),
    }
    try:
        from jointcredit.measures.scenarios import scenarios_active

        pools["scenario"] = list(scenarios_active())
    except ImportError:  # pragma: no cover
        pass
    try:
        from jointcredit.lists.models import ListType

        pools["list_type"] = list(ListType.objects.values_list("code", flat=True)[:10])
    except ImportError:  # pragma: no cover
        pass
    return {k: v for k, v in pools.items() if v}
