"""承诺书 as PDF (WeasyPrint; fonts-noto-cjk provides the Chinese glyphs)."""

from __future__ import annotations

from django.template.loader import render_to_string


def commitment_pdf(commitment) -> bytes:
    from weasyprint import HTML

    html = render_to_string("commitments/letter.html", {"c": commitment})
    return HTML(string=html).write_pdf()
