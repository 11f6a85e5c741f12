"""Public 双公示 pages: search by name, USCC or 文书号; natural persons masked; window only.
Records carrying a registered mark (``extensions``: 异议中 from objections) show it.

Also the records app's own portal plug-ins (registered in ``apps.py``; they replace the portal's
fall-back adapters): the subject page's 双公示 section and the 行政许可 / 行政处罚 search providers,
with the same marks as tags."""

from datetime import date

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.subjects.privacy import public_query

from . import selectors
from .extensions import add_marks
from .fields import RECORD_TYPE_LABELS, RECORD_TYPES


def search(request):
    record_type = request.GET.get("type") or "license"
    if record_type not in RECORD_TYPES:
        record_type = "license"
    q = request.GET.get("q", "").strip()
    query = public_query(q)  # a person's full ID or name is never echoed (subjects.privacy)
    page, error = None, None
    try:
        page_no = max(1, int(request.GET.get("page") or 1))
    except ValueError:
        page_no = 1
    try:
        page = selectors.public_search(record_type=record_type, q=q, page=page_no, page_size=20)
        add_marks(page.items)
    except DomainError as exc:
        error = exc.message
    return render(
        request,
        "records/public_search.html",
        {
            "record_type": record_type,
            "types": RECORD_TYPE_LABELS,
            "q": query.link,
            "q_display": query.echo,
            "sensitive": query.sensitive,
            "page": page,
            "error": error,
        },
    )


def detail(request, record_type: str, pk: int):
    if record_type not in RECORD_TYPES:
        raise Http404
    try:
        item = selectors.public_get(record_type=record_type, pk=pk)
    except DomainError:
        raise Http404("该记录不存在或已不在公示期内。") from None
    add_marks([item])
    return render(
        request,
        "records/public_detail.html",
        {"item": item, "record_type": record_type, "type_label": RECORD_TYPE_LABELS[record_type]},
    )


# --- portal plug-ins -----------------------------------------------------------------------------


def portal_item(view: dict) -> dict:
    """A public view (with ``marks``) as a portal item (docs/portal.md)."""
    rt = view["record_type"]
    penalty = rt == "penalty"
    label = RECORD_TYPE_LABELS.get(rt, rt)
    fields = [
        ("文书号", view["doc_no"]),
        ("统一社会信用代码/证件号码", view.get("uscc") or view.get("id_number") or ""),
        ("决定日期", view.get("decision_date") or "—"),
        ("决定机关", view.get("organ_name") or view.get("department")),
    ]
    if penalty:
        fields += [
            ("处罚类别", view.get("categories", "")),
            ("违法行为类型", view.get("violation_type", "")),
            ("处罚内容", view.get("content", "")),
        ]
    else:
        fields += [
            ("许可类别", view.get("category", "")),
            ("许可内容", view.get("content", "")),
            ("有效期", f"{view.get('valid_from') or '—'} 至 {view.get('valid_to') or '长期'}"),
        ]
    fields.append(("公示截止", view.get("public_until") or "—"))
    tags = [{"label": label, "tone": "warn" if penalty else ""}]
    tags += [{"label": m["label"], "tone": m["tone"]} for m in view.get("marks", [])]
    return {
        "title": f"{label} · {view['subject_name']}",
        "subtitle": view.get("tier", "") if penalty else view.get("doc_name", ""),
        "fields": [(k, v) for k, v in fields if v not in ("", None)],
        "tags": tags,
        "url": reverse("records_public_detail", args=[rt, view["id"]]),
    }


def portal_subject_section(subject, *, today: date) -> list[dict]:
    """The public subject page's 双公示 block; a page asked for a past date (``?date=``) shows what was
    under publication then (ADR 0036), a record withdrawn since marked 已撤销."""
    on = today if today < clock.today() else None
    views = add_marks(selectors.subject_records_section(subject, public=True, on=on))
    items = [portal_item(v) for v in views]
    for view, item in zip(views, items, strict=True):
        if view.get("withdrawn_later"):
            item["tags"].append({"label": "已撤销", "tone": "warn"})
    return items


def portal_search(record_type: str):
    def search_provider(q: str, page: int, page_size: int):
        from jointcredit.common.portal_registry import SearchResults

        result = selectors.public_search(record_type=record_type, q=q, page=page, page_size=page_size)
        return SearchResults(items=[portal_item(v) for v in add_marks(result.items)], total=result.total)

    return search_provider
