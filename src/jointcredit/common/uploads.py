"""Request bodies bounded while they stream in (DESIGN.md §6): an upload past
``JOINTCREDIT_UPLOAD_MAX_BYTES`` is refused with 413 before it is stored, whatever reads it.

* ``upload_refusal`` (run by the first middleware) refuses a declared ``Content-Length`` over the
  limit without reading the body, and parses a multipart body early (before CSRF reads
  ``request.POST``) so that the handler's refusal becomes a 413 answer instead of an exception
  inside another middleware.
* ``BoundedUploadHandler`` (first in ``FILE_UPLOAD_HANDLERS``) counts the bytes as Django's
  multipart parser hands them over and stops at the limit: a body that lies about its length, or
  has none, is cut off there too.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse

from .errors import DomainError


class UploadTooLarge(DomainError):
    status = 413
    code = "upload_too_large"

    def __init__(self, limit: int):
        message = (
            f"上传内容超过上限 {limit / 1048576:,.0f} MB（JOINTCREDIT_UPLOAD_MAX_BYTES），"
            "已停止接收；请拆分文件后分批上传。"
        )
        super().__init__(message, details=[{"field": "file", "rule": "max_upload_bytes", "limit": limit}])


def _limit() -> int:
    return settings.JOINTCREDIT_UPLOAD_MAX_BYTES


class BoundedUploadHandler(FileUploadHandler):
    """Passes every chunk on to the next handler, counting; past the limit it raises."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        self.received = 0
        if content_length and content_length > _limit():
            raise UploadTooLarge(_limit())

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > _limit():
            raise UploadTooLarge(_limit())
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadLimitMiddleware:
    """Refuses an over-large multipart request with a 413 before anything reads ``request.POST``
    (CSRF does; a refusal raised there would end as a 500). Placed right after RequestIdMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return upload_refusal(request) or self.get_response(request)


def upload_refusal(request) -> HttpResponse | None:
    """The 413 answer to an over-large multipart request, or ``None``."""
    if request.method not in ("POST", "PUT", "PATCH") or request.content_type != "multipart/form-data":
        return None
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    try:
        if declared > _limit():
            raise UploadTooLarge(_limit())
        request.POST  # noqa: B018 - parse now, through BoundedUploadHandler
    except UploadTooLarge as exc:
        if request.path.startswith("/api/"):
            return JsonResponse(exc.as_dict(), status=exc.status, json_dumps_params={"ensure_ascii": False})
        return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")
    return None
