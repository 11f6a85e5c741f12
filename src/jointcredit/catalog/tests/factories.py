"""Realistic rows for catalog items (valid USCCs and IDs from the demo generators)."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from jointcredit.common import clock
from jointcredit.subjects import generators as gen


def company(rng: random.Random) -> dict:
    return {"ZTMC": gen.company_name(rng)[0], "TYSHXYDM": gen.uscc(rng)}


def person(rng: random.Random) -> dict:
    return {"ZTMC": gen.person_name(rng), "ZTLB": "自然人", "ZJHM": gen.resident_id(rng)}


def tax_rating_row(rng, *, year: int | None = None, grade: str = "A", **over) -> dict:
    # Ratings of year Y are published on 15 April of Y+1; the default is the latest one published
    # at least eight months ago (well inside the item's retention, whatever today is).
    year = year if year is not None else (clock.today() - timedelta(days=240)).year - 1
    return company(rng) | {"XXRQ": f"{year + 1}-04-15", "PJND": str(year), "XYDJ": grade} | over


def si_arrears_row(rng, n: int = 1, **over) -> dict:
    reported = clock.today() - timedelta(days=35)
    return (
        company(rng)
        | {
            "XXRQ": reported.isoformat(),
            "XXBH": f"历人社欠〔{reported.year}〕{n}号",
            "QJXZ": "养老保险",
            "QJYS": "3",
            "QJJE": "12,860.50",
        }
        | over
    )


def csv_upload(
    rows: list[dict], name: str = "rows.csv", header: list[str] | None = None, encoding: str = "utf-8"
) -> SimpleUploadedFile:
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    return SimpleUploadedFile(name, buf.getvalue().encode(encoding), content_type="text/csv")
