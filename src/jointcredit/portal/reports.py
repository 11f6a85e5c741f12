"""信用报告 (credit report): snapshot → stored row → HTML page and PDF (WeasyPrint) with a QR code
pointing at the online verification page, which renders the same snapshot.

The report is built from the subject sections registered in :mod:`jointcredit.common.portal_registry`
(public sections for the public version; public + staff sections for the internal version), so
every capability that adds a section to the subject page adds it to the report too.
"""

from __future__ import annotations

import hashlib
import json
import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common import clock
from jointcredit.common.jsonable import jsonable
from jointcredit.common.portal_registry import subject_section_list
from jointcredit.subjects.models import Subject, SubjectKind
from jointcredit.subjects.privacy import mask_person_name, public_identifier, public_name

from .models import CreditReport, ReportAudience

_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _new_number(now) -> str:
    # 40 bits of randomness: a report number cannot be guessed from another one.
    return f"XYLX{timezone.localtime(now):%Y%m%d}" + "".join(
        secrets.choice(_NUMBER_ALPHABET) for _ in range(8)
    )


def subject_sections_render(subject: Subject, *, staff: bool, today=None) -> list[dict]:
    """Evaluate the registered sections into plain items (also used by the subject pages)."""
    today = today or clock.today()
    out = []
    for section in subject_section_list(staff=staff):
        items = section.fn(subject, today=today) or []
        out.append(
            {
                "key": section.key,
                "title": section.title,
                "audience": section.audience,
                "empty_text": section.empty_text,
                "items": [normalize_item(i) for i in items],
            }
        )
    return out


def normalize_item(item: dict) -> dict:
    return {
        "title": str(item.get("title", "")),
        "subtitle": str(item.get("subtitle", "") or ""),
        "url": str(item.get("url", "") or ""),
        "fields": [
            [str(label), "" if value is None else str(jsonable(value))]
            for label, value in item.get("fields", [])
        ],
        "tags": [
            {"label": str(t.get("label", "")), "tone": str(t.get("tone", ""))} for t in item.get("tags", [])
        ],
    }


def subject_header(subject: Subject, *, staff: bool) -> dict:
    if staff:
        name, identifier, rep = subject.name, subject.identifier, subject.legal_representative
    else:
        name, identifier, rep = (
            public_name(subject),
            public_identifier(subject),
            mask_person_name(subject.legal_representative),
        )
    header = {
        "name": name,
        "identifier": identifier,
        "id_type_label": subject.get_id_type_display(),
        "kind": subject.kind,
        "kind_label": subject.get_kind_display(),
        "legal_representative": rep,
        "industry": subject.industry,
    }
    if subject.kind != SubjectKind.NATURAL:
        header["address"] = subject.address if (staff or subject.kind == SubjectKind.LEGAL) else ""
    return header


def content_hash(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def credit_report_create(
    *, subject: Subject, audience: str = ReportAudience.PUBLIC, actor=None
) -> CreditReport:
    """Generate and store a report. The internal version needs a logged-in staff user."""
    staff = audience == ReportAudience.STAFF
    if staff:
        ensure_can_view(actor)
    now = clock.now()
    snapshot = jsonable(
        {
            "version": 1,
            "audience": audience,
            "subject": subject_header(subject, staff=staff),
            "sections": subject_sections_render(subject, staff=staff, today=timezone.localdate(now)),
            "issuer": f"{settings.JOINTCREDIT['DISTRICT_NAME']}社会信用体系建设领导小组办公室",
        }
    )
    with transaction.atomic():
        report = CreditReport.objects.create(
            number=_new_number(now),
            subject=subject,
            audience=audience,
            generated_at=now,
            generated_by=actor if actor is not None and actor.is_authenticated else None,
            snapshot=snapshot,
            content_hash=content_hash(snapshot),
        )
        if staff:
            from jointcredit.audit.services import audit_record

            audit_record(
                actor=actor,
                action="credit_report.create",
                obj=report,
                after={"number": report.number, "audience": audience, "subject": subject.identifier},
            )
    return report


def verification_url(report: CreditReport) -> str:
    return settings.SITE_URL + reverse("portal:report_detail", args=[report.number])


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def report_context(report: CreditReport) -> dict:
    url = verification_url(report)
    return {
        "report": report,
        "snap": report.snapshot,
        "verify_url": url,
        "qr": qr_data_uri(url),
        "hash_ok": content_hash(report.snapshot) == report.content_hash,
    }


def report_pdf(report: CreditReport) -> bytes:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_to_string("portal/report_pdf.html", report_context(report))
    return HTML(string=html, base_url=settings.SITE_URL).write_pdf()
