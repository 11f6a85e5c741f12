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

from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import Subject, SubjectKind
from jointcredit.subjects.privacy import has_public_identifier, public_identifier, public_name

_OPAQUE = re.compile(r"^p(\d{1,19})-([0-9a-z]{10})$")


def _signature(subject_id: int) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"portal-subject:{subject_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


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


def subject_public_ref(subject: Subject) -> dict:
    """Everything a public surface may show about the subject itself (masked by
    ``subjects.privacy``)."""
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
