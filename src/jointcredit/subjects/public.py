"""How a subject appears on public surfaces: masked name/identifier and its public URL.

URLs (ADR 0005): an organisation or 个体工商户 with a USCC is addressed by its USCC
(``/subjects/91370102MA3C4XXXXX/``), which is public and stable; a natural person — and a 个体工商户
whose identifier embeds the operator's ID — by an opaque slug ``p<id>-<signature>`` so that no
personal ID ever appears in a URL, a log line or a search engine, and the pages cannot be walked by
counting ids.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings
from django.urls import reverse

from jointcredit.common.masking import mask_id_number, mask_person_name
from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER, IdType
from jointcredit.subjects.models import Subject, SubjectKind

_OPAQUE = re.compile(r"^p(\d{1,19})-([0-9a-z]{10})$")


def _signature(subject_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"portal-subject:{subject_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


def has_public_identifier(subject: Subject) -> bool:
    return (
        subject.kind != SubjectKind.NATURAL
        and subject.id_type == IdType.USCC
        and not subject.identifier.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER)
    )


def subject_slug(subject: Subject) -> str:
    if has_public_identifier(subject):
        return subject.identifier
    return f"p{subject.pk}-{_signature(subject.pk)}"


def subject_from_slug(slug: str) -> Subject | None:
    """The subject a public URL names, or None (wrong signature, a person's ID used as slug …)."""
    match = _OPAQUE.match(slug or "")
    if match:
        subject_id = int(match.group(1))
        if not hmac.compare_digest(match.group(2), _signature(subject_id)):
            return None
        return Subject.objects.filter(pk=subject_id).first()
    if not slug or len(slug) != 18:
        return None
    subject = Subject.objects.filter(identifier=slug.upper(), id_type=IdType.USCC).first()
    if subject is None or not has_public_identifier(subject):
        return None
    return subject


def subject_public_url(subject: Subject) -> str:
    return reverse("portal:subject", args=[subject_slug(subject)])


def public_name(subject: Subject) -> str:
    return mask_person_name(subject.name) if subject.kind == SubjectKind.NATURAL else subject.name


def public_identifier(subject: Subject) -> str:
    """USCC in full; a person's document number masked (370102********1234); a 个体工商户 without
    USCC shows only the masked operator ID."""
    if has_public_identifier(subject):
        return subject.identifier
    if subject.identifier.startswith(INDIVIDUAL_BUSINESS_PLACEHOLDER + ":"):
        return f"无统一社会信用代码（经营者证件 {mask_id_number(subject.identifier.split(':', 1)[1])}）"
    return mask_id_number(subject.identifier)


def public_person_name(name: str) -> str:
    """Names of natural persons that appear as attributes (法定代表人, 经营者) are masked too."""
    return mask_person_name(name)


def subject_public_ref(subject: Subject) -> dict:
    """Everything a public surface may show about the subject itself."""
    return {
        "name": public_name(subject),
        "identifier": public_identifier(subject),
        "id_type_label": subject.get_id_type_display(),
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "url": subject_public_url(subject),
        "slug": subject_slug(subject),
        "is_natural_person": subject.kind == SubjectKind.NATURAL,
    }
