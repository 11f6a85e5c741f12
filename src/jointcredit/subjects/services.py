from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.dispatch import Signal

from jointcredit.accounts.permissions import ensure_can_write, ensure_office_admin
from jointcredit.audit.services import audit_record
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed

from .identifiers import (
    INDIVIDUAL_BUSINESS_PLACEHOLDER,
    IdType,
    validate_document,
    validate_resident_id,
    validate_uscc,
)
from .models import (
    RelatedPerson,
    RelatedRole,
    Subject,
    SubjectAlias,
    SubjectContact,
    SubjectKind,
    SubjectNameChange,
)

# Sent inside the merge transaction with ``source`` and ``target``: apps that point at subjects
# move their rows to the target in a receiver.
subject_merged = Signal()

NAME_MAX = 200


def subject_identifier_validate(
    *,
    kind: str,
    identifier: str,
    id_type: str | None = None,
    operator_id_number: str = "",
    field: str = "identifier",
) -> tuple[str, str]:
    """Check an identifier against the rules of the subject kind; return (id_type, stored identifier)."""
    if kind not in SubjectKind.values:
        raise ValidationFailed.single(
            "kind",
            "choice",
            "主体类别必须是 legal（法人及非法人组织）、"
            "individual_business（个体工商户）或 natural（自然人）。",
        )
    if kind in (SubjectKind.LEGAL, SubjectKind.INDIVIDUAL_BUSINESS):
        code = (identifier or "").strip().upper()
        if kind == SubjectKind.INDIVIDUAL_BUSINESS and code in ("", INDIVIDUAL_BUSINESS_PLACEHOLDER):
            if not operator_id_number:
                raise ValidationFailed.single(
                    "operator_id_number",
                    "required",
                    "个体工商户没有统一社会信用代码时，必须填写经营者身份证号码。",
                )
            op = validate_resident_id(operator_id_number, field="operator_id_number")
            return IdType.USCC, f"{INDIVIDUAL_BUSINESS_PLACEHOLDER}:{op}"
        return IdType.USCC, validate_uscc(code, field=field)
    id_type = id_type or IdType.RESIDENT_ID
    if id_type == IdType.RESIDENT_ID:
        return id_type, validate_resident_id(identifier, field=field)
    if id_type not in IdType.PERSONAL:
        raise ValidationFailed.single(
            "id_type",
            "choice",
            "自然人证件类型必须是居民身份证、护照、港澳通行证、台湾通行证或外国人永久居留身份证。",
        )
    return id_type, validate_document(identifier, id_type, field=field)


def _validate_name(name: str, field: str = "name") -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.single(field, "required", "名称/姓名不能为空。")
    if len(name) > NAME_MAX:
        raise ValidationFailed.single(
            field, "max_length", f"名称/姓名不能超过 {NAME_MAX} 个字符（实际 {len(name)}）。"
        )
    return name


def _region_of(id_type: str, identifier: str) -> str:
    if id_type == IdType.USCC and not identifier.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER):
        return identifier[2:8]
    if id_type == IdType.RESIDENT_ID:
        return identifier[:6]
    return ""


def subject_create(
    *,
    actor,
    kind: str,
    identifier: str,
    name: str,
    id_type: str | None = None,
    operator_id_number: str = "",
    legal_representative: str = "",
    industry: str = "",
    address: str = "",
) -> Subject:
    """Register a subject by hand (staff). Duplicate identifiers are refused."""
    if actor is None or actor.department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能登记信用主体。")
    ensure_can_write(actor, actor.department)
    id_type, code = subject_identifier_validate(
        kind=kind, identifier=identifier, id_type=id_type, operator_id_number=operator_id_number
    )
    name = _validate_name(name)
    for field, value, limit in (
        ("legal_representative", legal_representative, 100),
        ("industry", industry, 100),
        ("address", address, 255),
    ):
        if len(value or "") > limit:
            raise ValidationFailed.single(field, "max_length", f"字段 {field} 不能超过 {limit} 个字符。")
    try:
        with transaction.atomic():
            subject = Subject.objects.create(
                kind=kind,
                id_type=id_type,
                identifier=code,
                name=name,
                operator_id_number=operator_id_number.strip().upper() if operator_id_number else "",
                legal_representative=legal_representative,
                industry=industry,
                address=address,
                region_code=_region_of(id_type, code),
            )
            _add_legacy_aliases(subject)
            audit_record(
                actor=actor,
                action="subject.create",
                obj=subject,
                after={"kind": kind, "identifier": code, "name": name},
            )
    except IntegrityError:
        raise Conflict(
            f"标识“{code}”的信用主体已存在，不能重复登记。",
            details=[{"field": "identifier", "rule": "unique", "message": "标识已存在"}],
        ) from None
    return subject


def _add_legacy_aliases(subject: Subject) -> None:
    if subject.operator_id_number:
        SubjectAlias.objects.get_or_create(
            id_type=IdType.RESIDENT_ID,
            value=subject.operator_id_number,
            defaults={"subject": subject, "source": "个体工商户经营者"},
        )


def subject_match_or_create(
    *,
    kind: str,
    identifier: str,
    name: str,
    id_type: str | None = None,
    operator_id_number: str = "",
    actor=None,
    source: str = "",
) -> tuple[Subject, bool]:
    """Used by importers: find the subject by identifier (then alias); create it if unknown; record
    a name change when the incoming name differs. Validates like ``subject_create``."""
    id_type, code = subject_identifier_validate(
        kind=kind, identifier=identifier, id_type=id_type, operator_id_number=operator_id_number
    )
    name = _validate_name(name)
    with transaction.atomic():
        subject = Subject.objects.filter(identifier=code).first()
        if subject is None:
            alias = SubjectAlias.objects.select_related("subject").filter(value=code).first()
            subject = alias.subject if alias else None
        if subject is None:
            subject, created = Subject.objects.get_or_create(
                identifier=code,
                defaults={
                    "kind": kind,
                    "id_type": id_type,
                    "name": name,
                    "region_code": _region_of(id_type, code),
                    "operator_id_number": operator_id_number.strip().upper() if operator_id_number else "",
                },
            )
            if created:
                _add_legacy_aliases(subject)
                audit_record(
                    actor=actor,
                    action="subject.create",
                    obj=subject,
                    after={"kind": kind, "identifier": code, "name": name, "source": source},
                )
                return subject, True
        if subject.name != name:
            subject_rename(actor=actor, subject=subject, new_name=name, source=source, _checked=True)
    return subject, False


def subject_rename(
    *, actor, subject: Subject, new_name: str, source: str = "", _checked: bool = False
) -> Subject:
    """Record a name change (名称变更), keeping the old name in the history."""
    if not _checked:
        if actor is None or actor.department is None:
            raise PermissionDenied("当前账号未归属任何部门，不能变更主体名称。")
        ensure_can_write(actor, actor.department)
    new_name = _validate_name(new_name)
    with transaction.atomic():
        locked = Subject.objects.select_for_update().get(pk=subject.pk)
        if locked.name == new_name:
            return locked
        SubjectNameChange.objects.create(
            subject=locked, old_name=locked.name, new_name=new_name, source=source[:200]
        )
        audit_record(
            actor=actor,
            action="subject.rename",
            obj=locked,
            before={"name": locked.name},
            after={"name": new_name, "source": source},
        )
        locked.name = new_name
        locked.save(update_fields=["name", "updated_at"])
    subject.name = new_name
    return locked


def related_person_add(
    *,
    actor,
    subject: Subject,
    person_identifier: str,
    person_name: str,
    role: str,
    id_type: str = IdType.RESIDENT_ID,
    directly_responsible: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> RelatedPerson:
    if actor is None or actor.department is None:
        raise PermissionDenied("当前账号未归属任何部门，不能登记关联人。")
    ensure_can_write(actor, actor.department)
    if role not in RelatedRole.values:
        raise ValidationFailed.single(
            "role",
            "choice",
            "关联人身份必须是：" + "、".join(f"{v}（{label}）" for v, label in RelatedRole.choices),
        )
    if subject.kind == SubjectKind.NATURAL:
        raise ValidationFailed.single(
            "subject", "kind", "自然人没有关联人；关联人只登记在法人、非法人组织或个体工商户名下。"
        )
    if since and until and until < since:
        raise ValidationFailed.single("until", "order", "任职止日期不能早于任职起日期。")
    person, _ = subject_match_or_create(
        kind=SubjectKind.NATURAL,
        identifier=person_identifier,
        id_type=id_type,
        name=person_name,
        actor=actor,
        source=f"{subject.name} 关联人",
    )
    with transaction.atomic():
        link, created = RelatedPerson.objects.get_or_create(
            subject=subject,
            person=person,
            role=role,
            defaults={"directly_responsible": directly_responsible, "since": since, "until": until},
        )
        if not created:
            before = {
                "directly_responsible": link.directly_responsible,
                "since": link.since,
                "until": link.until,
            }
            link.directly_responsible, link.since, link.until = directly_responsible, since, until
            link.save()
        else:
            before = None
        audit_record(
            actor=actor,
            action="subject.related_person_set",
            obj=link,
            before=before,
            after={"person": person.identifier, "role": role, "directly_responsible": directly_responsible},
        )
    return link


def subject_merge(*, actor, source: Subject, target: Subject) -> Subject:
    """Merge a duplicate subject into the real one (office action, audited)."""
    ensure_office_admin(actor)
    if source.pk == target.pk:
        raise ValidationFailed.single("target", "distinct", "不能把主体合并到它自己。")
    if source.kind != target.kind:
        raise ValidationFailed.single("target", "same_kind", "只能合并同一类别的主体。")
    with transaction.atomic():
        source = Subject.objects.select_for_update().get(pk=source.pk)
        if source.merged_into_id:
            raise Conflict("该主体已经被合并过。", details=[{"merged_into": source.merged_into_id}])
        SubjectAlias.objects.filter(subject=source).update(subject=target)
        SubjectAlias.objects.get_or_create(
            id_type=source.id_type, value=source.identifier, defaults={"subject": target, "source": "合并"}
        )
        for link in RelatedPerson.objects.filter(subject=source):
            if not RelatedPerson.objects.filter(subject=target, person=link.person, role=link.role).exists():
                RelatedPerson.objects.filter(pk=link.pk).update(subject=target)
        subject_merged.send(sender=Subject, source=source, target=target)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        audit_record(
            actor=actor, action="subject.merge", obj=source, after={"merged_into": target.identifier}
        )
    return target


def subject_contact_add(*, actor, subject: Subject, email: str, source: str) -> SubjectContact:
    """Record a contact on file (预留联系方式) from data the actor's department holds; audited."""
    if actor is None or getattr(actor, "department", None) is None:
        raise PermissionDenied("当前账号未归属任何部门，不能登记预留联系方式。")
    ensure_can_write(actor, actor.department)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed.single("email", "email", "邮箱（email）格式不正确。") from None
    source = (source or "").strip()
    if not source:
        raise ValidationFailed.single("source", "required", "请填写联系方式的来源（如：企业登记信息）。")
    with transaction.atomic():
        contact = SubjectContact.objects.create(
            subject=subject, email=email, source=source[:100], department=actor.department, recorded_by=actor
        )
        audit_record(
            actor=actor,
            action="subject.contact_add",
            obj=contact,
            after={"subject": subject.identifier, "email": email, "source": source},
        )
    return contact


def subject_contact_deactivate(*, actor, contact: SubjectContact, reason: str) -> SubjectContact:
    """Retire a contact on file (only the department that recorded it); audited."""
    ensure_can_write(actor, contact.department)
    with transaction.atomic():
        contact = SubjectContact.objects.select_for_update().get(pk=contact.pk)
        if not contact.active:
            return contact
        contact.active = False
        contact.save(update_fields=["active"])
        audit_record(
            actor=actor,
            action="subject.contact_deactivate",
            obj=contact,
            before={"active": True},
            after={"active": False, "reason": reason},
        )
    return contact
