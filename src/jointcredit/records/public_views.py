"""Public 双公示 pages: search by name, USCC or 文书号; natural persons masked; window only."""

from django.http import Http404
from django.shortcuts import render

from jointcredit.common.errors import DomainError

from . import selectors
from .fields import RECORD_TYPE_LABELS, RECORD_TYPES


def search(request):
    record_type = request.GET.get("type") or "license"
    if record_type not in RECORD_TYPES:
        record_type = "license"
    q = request.GET.get("q", "").strip()
    page, error = None, None
    try:
        page_no = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_no = 1
    try:
        page = selectors.public_search(record_type=record_type, q=q, page=page_no, page_size=20)
    except DomainError as exc:
        error = exc.message
    return render(request, "records/public_search.html", {
        "record_type": record_type, "types": RECORD_TYPE_LABELS, "q": q, "page": page, "error": error})


def detail(request, record_type: str, pk: int):
    if record_type not in RECORD_TYPES:
        raise Http404
    try:
        item = selectors.public_get(record_type=record_type, pk=pk)
    except DomainError:
        raise Http404("该记录不存在或已不在公示期内。") from None
    return render(request, "records/public_detail.html", {"item": item, "record_type": record_type,
                                                          "type_label": RECORD_TYPE_LABELS[record_type]})
