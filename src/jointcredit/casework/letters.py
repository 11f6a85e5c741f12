"""Letters as HTML (print) and PDF (WeasyPrint; fonts-noto-cjk gives the Chinese glyphs). Each
kind lists its letters as ``{key: (title, template, states in which it exists)}``; templates
extend ``casework/doc_base.html``."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string

from jointcredit.common import clock
from jointcredit.common.errors import Conflict

from .kinds import CaseKind


def render_letter(template: str, context: dict) -> str:
    return render_to_string(template, {**context, "today": clock.today()})


def to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def letters_available(kind: CaseKind, case) -> list[tuple[str, str]]:
    return [(key, title) for key, (title, _, states) in kind.letters.items() if case.state in states]


def letter_html(kind: CaseKind, case, key: str) -> tuple[str, str]:
    if key not in kind.letters:
        raise Conflict("文书类别不存在。", details=[{"field": "letter", "rule": "choice"}])
    title, template, states = kind.letters[key]
    if case.state not in states:
        raise Conflict(
            f"{kind.short}当前状态为“{case.get_state_display()}”，尚无{title}。",
            details=[{"field": "state", "rule": "letter_available", "current_state": case.state}],
        )
    return title, render_letter(template, {kind.var: case, "title": title})


def pdf_response(html: str, filename: str) -> HttpResponse:
    response = HttpResponse(to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def letter_pdf(kind: CaseKind, case, key: str) -> HttpResponse:
    """The letter as an inline PDF download named ``<kind>-<id>-<letter>.pdf``."""
    _, html = letter_html(kind, case, key)
    return pdf_response(html, f"{kind.key}-{case.pk}-{key}.pdf")
