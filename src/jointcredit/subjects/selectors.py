from __future__ import annotations

from datetime import date

from django.db.models import F, Q
from django.db.models.functions import Substr

from jointcredit.accounts.permissions import can_write_for
from jointcredit.common import clock
from jointcredit.common.errors import NotFound, ValidationFailed
from jointcredit.common.fastpath import CompiledQuery
from jointcredit.common.pagination import Page, paginate

from .identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType, detect_and_validate, normalize
from .models import RelatedPerson, Subject, SubjectAlias, SubjectContact, SubjectNameChange

# Hot path of GET /subjects/{identifier} and of every check by identifier (DESIGN.md §5, bench/):
# compiled once per process, see common.fastpath.
_BY_IDENTIFIER = CompiledQuery(lambda code: Subject.objects.filter(identifier=code).order_by()[:1])
# The fallback for an identifier no subject is filed under (every unknown identifier a check asks
# about): the first alias, as ``SubjectAlias…first()`` would pick it.
_BY_ALIAS = CompiledQuery(
    lambda code: Subject.objects.filter(aliases__value=code).order_by("aliases__id")[:1]
)
_RELATED_ROWS = CompiledQuery(
    lambda subject_id: (
        RelatedPerson.objects.filter(subject_id=subject_id)
        .order_by("role", "person__name")
        .values_list(
            "role",
            "person__identifier",
            "person__name",
            "directly_responsible",
            "share_ratio",
            "valid_from",
            "valid_until",
        )
    ),
    arg_types=(int,),
)
_NAME_ROWS = CompiledQuery(
    lambda subject_id: (
        SubjectNameChange.objects.filter(subject_id=subject_id)
        .order_by("-changed_at")
        .values_list("old_name", "new_name", "changed_at")
    ),
    arg_types=(int,),
)


def subject_find_by_org_code(org_code: str) -> Subject | None:
    """Legacy records carry a 组织机构代码 only: it is positions 9–17 of the USCC (indexed)."""
    return (
        Subject.objects.annotate(org_code=Substr("identifier", 9, 9))
        .filter(org_code=normalize(org_code), id_type=IdType.USCC)
        .first()
    )


def lookup_code(identifier: str, *, field: str = "identifier") -> str:
    """The identifier as subjects are filed under it (normalised), after validating it: a
    个体工商户 without a USCC is filed under the placeholder + the operator's ID number, whose ID is
    what gets validated. Malformed → IdentifierInvalid (422)."""
    code = normalize(identifier)
    detect_and_validate(
        code.split(":", 1)[1] if code.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":") else code, field=field
    )
    return code


def subject_ids_for_identifier(code: str) -> list[int]:
    """Exact identifier, else alias, else (9 characters) legacy 组织机构代码 — separate indexed
    lookups: one OR across them makes PostgreSQL scan the table."""
    ids = list(Subject.objects.filter(identifier=code).values_list("pk", flat=True)[:5])
    if not ids:
        ids = list(SubjectAlias.objects.filter(value=code).values_list("subject_id", flat=True)[:20])
    if not ids and len(code) == 9:
        ids = list(
            Subject.objects.annotate(org_code=Substr("identifier", 9, 9))
            .filter(org_code=code, id_type=IdType.USCC)
            .values_list("pk", flat=True)[:20]
        )
    return ids


def subject_find(identifier: str, *, follow_merges: bool = True, field: str = "identifier") -> Subject | None:
    """Lookup by exact identifier, then by alias; follows merges unless told not to (the merge itself
    must see the row filed under the identifier). Malformed → IdentifierInvalid (422) naming ``field``."""
    code = lookup_code(identifier, field=field)
    subject = _BY_IDENTIFIER.instance(code) or _BY_ALIAS.instance(code)
    if not follow_merges:
        return subject
    hops = 0
    while subject is not None and subject.merged_into_id and hops < 5:
        subject, hops = subject.merged_into, hops + 1
    return subject


def subject_get(identifier: str, *, follow_merges: bool = True, field: str = "identifier") -> Subject:
    subject = subject_find(identifier, follow_merges=follow_merges, field=field)
    if subject is None:
        label = "" if field == "identifier" else f"（{field}）"
        raise NotFound(f"未找到标识为“{normalize(identifier)}”的信用主体{label}。")
    return subject


def subject_search(*, q: str = "", kind: str | None = None, page: int = 1, page_size: int = 20) -> Page:
    """Exact identifier or name fragment."""
    q = (q or "").strip()
    if len(q) > 100:
        raise ValidationFailed.single("q", "max_length", "查询内容不能超过 100 个字符。")
    qs = Subject.objects.filter(merged_into__isnull=True)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        code = normalize(q)
        qs = qs.filter(Q(identifier=code) | Q(name__icontains=q) | Q(aliases__value=code)).distinct()
    return paginate(qs.order_by("name", "id"), page=page, page_size=page_size)


def subject_merged_from(subject: Subject) -> list[Subject]:
    """The duplicates merged into ``subject`` (their identifiers now lead to it)."""
    return list(Subject.objects.filter(merged_into=subject).order_by("identifier"))


def subject_related_rows(subject_id: int, on: date) -> list[tuple]:
    """(role, person identifier, person name, directly_responsible, share_ratio, valid_from,
    valid_until) of the roles held on ``on`` (ADR 0046), by role then person name."""
    return [
        row
        for row in _RELATED_ROWS.rows(subject_id)
        if (row[5] is None or row[5] <= on) and (row[6] is None or on <= row[6])
    ]


def related_person_list(*, subject: Subject, state: str = "all", page: int = 1, page_size: int = 20) -> Page:
    """关联人 of an organisation with their history (ADR 0046): ``in_force`` (held today), ``ended``
    (ended or not yet begun) or ``all``; open periods first, then by role and start."""
    today = clock.today()
    held = (Q(valid_from__isnull=True) | Q(valid_from__lte=today)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )
    qs = RelatedPerson.objects.filter(subject=subject).select_related("person")
    if state == "in_force":
        qs = qs.filter(held)
    elif state == "ended":
        qs = qs.exclude(held)
    return paginate(
        qs.order_by(F("valid_until").desc(nulls_first=True), "role", "-valid_from", "id"),
        page=page,
        page_size=page_size,
    )


def related_person_get(*, subject: Subject, link_id: int) -> RelatedPerson:
    link = (
        RelatedPerson.objects.select_related("person", "subject").filter(pk=link_id, subject=subject).first()
    )
    if link is None:
        raise NotFound(f"{subject.name}名下没有编号为 {link_id} 的关联人。")
    return link


def related_persons_in_force(*, subject: Subject, on: date) -> list[RelatedPerson]:
    """The roles held on ``on``: what a clerk picks the directly responsible persons from at 认定."""
    held = (Q(valid_from__isnull=True) | Q(valid_from__lte=on)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    return list(
        RelatedPerson.objects.filter(held, subject=subject).select_related("person").order_by("role", "id")
    )


def subject_name_history_rows(subject_id: int) -> list[tuple]:
    """(old_name, new_name, changed_at), newest first."""
    return _NAME_ROWS.rows(subject_id)


def subject_contacts_on_file(subject) -> list[str]:
    """The e-mail addresses on file and in use for ``subject`` (预留联系方式), oldest first: where a
    one-time code may go (phone numbers on file are for staff; no SMS channel, docs/identity.md)."""
    return list(
        dict.fromkeys(
            SubjectContact.objects.filter(subject=subject, ended_at__isnull=True)
            .exclude(email="")
            .order_by("created_at", "id")
            .values_list("email", flat=True)
        )
    )


CONTACT_STATES = {"in_use": "在用", "ended": "已停用", "all": "全部"}


def subject_contact_filter(*, subject, state: str = "in_use"):
    """The subject's contacts on file in ``state`` (在用 / 已停用 / 全部), newest first."""
    if state not in CONTACT_STATES:
        raise ValidationFailed.single(
            "state", "choice", f"状态（state）“{state}”无效；可选：{'、'.join(CONTACT_STATES)}。"
        )
    qs = SubjectContact.objects.filter(subject=subject).select_related(
        "department", "recorded_by", "ended_by"
    )
    if state == "in_use":
        qs = qs.filter(ended_at__isnull=True)
    elif state == "ended":
        qs = qs.filter(ended_at__isnull=False)
    return qs.order_by("-created_at", "-id")


def contact_shown_in_full(actor, contact: SubjectContact) -> bool:
    """Addresses are personal data: shown in full to the writers of the department that recorded the
    contact (they keep it right) and to the credit office's admin; masked (l***@example.com,
    138****5678) to everybody else, who still sees that a contact exists, where from and who
    recorded it when."""
    if getattr(actor, "is_superuser", False) or getattr(actor, "is_office_admin", False):
        return True
    return can_write_for(actor, contact.department)


def contact_get(contact_id: int, *, subject) -> SubjectContact:
    contact = (
        SubjectContact.objects.filter(pk=contact_id, subject=subject).select_related("department").first()
    )
    if contact is None:
        raise NotFound(f"该主体没有编号为 {contact_id} 的预留联系方式。")
    return contact
