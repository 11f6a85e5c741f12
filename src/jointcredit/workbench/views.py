from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from jointcredit.accounts.selectors import department_capabilities
from jointcredit.common.errors import DomainError
from jointcredit.subjects import selectors as subject_selectors
from jointcredit.subjects.extensions import subject_sections

from .registry import todos


@login_required
def home(request):
    user = request.user
    return render(request, "workbench/home.html", {
        "capabilities": department_capabilities(user.department, user.roles if not user.is_superuser
                                                else user.roles + ["office_admin"]),
        "todos": todos(user),
    })


def _int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def subjects(request):
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind") or None
    error, page = None, None
    try:
        page = subject_selectors.subject_search(q=q, kind=kind, page=_int(request.GET.get("page"), 1), page_size=20)
    except DomainError as exc:
        error = exc.message
    return render(request, "workbench/subjects.html", {"q": q, "kind": kind or "", "page": page, "error": error})


@login_required
def subject_detail(request, identifier: str):
    subject = subject_selectors.subject_get(identifier)
    return render(request, "workbench/subject_detail.html", {
        "subject": subject,
        "related": subject_selectors.subject_related(subject),
        "roles_in": subject_selectors.subject_roles_elsewhere(subject),
        "sections": subject_sections(subject),
    })
