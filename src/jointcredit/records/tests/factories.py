"""Test helpers: the sample rows of ``records.samples`` plus uploads."""

from django.core.files.uploadedfile import SimpleUploadedFile

from jointcredit.records.samples import (  # noqa: F401 - re-exported for the tests
    LICENSE_HEADER,
    PENALTY_HEADER,
    csv_bytes,
    license_row,
    penalty_row,
    xlsx_bytes,
)


def upload(data: bytes, name: str = "penalties.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")
