"""Demo identities at the local provider for a few seeded subjects that have something to contest:
one natural person and one company's agent (password: the demo password)."""

from __future__ import annotations

from django.conf import settings

from jointcredit.lists.models import EntryState, ListEntry
from jointcredit.subjects.models import Subject, SubjectKind

from .services import demo_identity_create, devidp_setup

AGENT_ID = "370102198507150014"  # the agent's own 身份证号 (valid check digit)


AFTER = ("casework",)


def build(ctx) -> None:
    devidp_setup(base_urls=[settings.SITE_URL, settings.SITE_URL.replace("127.0.0.1", "localhost")])
    listed = ListEntry.objects.filter(state=EntryState.PUBLISHED).values("subject_id")
    person = Subject.objects.filter(kind=SubjectKind.NATURAL, pk__in=listed).order_by("pk").first()
    company = Subject.objects.filter(kind=SubjectKind.LEGAL, pk__in=listed).order_by("pk").first()
    if person is not None:
        demo_identity_create(
            username="sso_person", password=ctx.password, name=person.name, id_number=person.identifier
        )
        ctx.log(f"  统一身份认证演示账号 sso_person：自然人 {person.name}")
    if company is not None:
        demo_identity_create(
            username="sso_agent",
            password=ctx.password,
            name="王经办",
            id_number=AGENT_ID,
            uscc=company.identifier,
        )
        ctx.log(f"  统一身份认证演示账号 sso_agent：{company.name} 的经办人")
