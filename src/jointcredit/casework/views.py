"""Staff pages of a kind of case (/staff/objections/, /staff/repairs/): the filtered list, filing
on the subject's behalf, the detail with the steps this user may take, the step forms, letters.
Each app's ``views.py`` makes one ``CasePages`` from its ``CaseKind``, forms, services and step
table, and its ``urls.py`` mounts ``pages.urls()`` (URL names list, new, detail, letter, action)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from jointcredit.accounts.models import Role
from jointcredit.accounts.permissions import can_write_for
from jointcredit.audit.models import AuditEvent
from jointcredit.common import clock
from jointcredit.common.errors import DomainError
from jointcredit.common.params import int_or

from . import forms, selectors, verification
from .evidence import evidence_of
from .kinds import CaseKind
from .letters import letter_html, letters_available, pdf_response


@dataclass(frozen=True)
class Step:
    """One POST step of the detail page: its form (None: no input), the service, the success message
    and, where the form's names differ from the service's keywords, how to map them."""

    form: type | None
    service: Callable
    ok: str
    data: Callable[[dict], dict] | None = None


@dataclass(frozen=True)
class Rights:
    write: bool  # clerk/approver/department admin of the deciding department (or acting for it)
    decide: bool  # approver of the deciding department (“谁决定、谁负责”)
    office: bool  # credit office (催办)


def rights(user, case) -> Rights:
    """What ``user`` may do on ``case`` — the same rules the services enforce, to offer only those steps."""
    return Rights(
        write=can_write_for(user, case.department),
        decide=user.has_role(Role.APPROVER) and user.department_id == case.department_id,
        office=bool(user.is_office_admin or user.is_superuser),
    )


def _errors(form, *, labels: bool) -> str:
    def name(k):
        return form.fields[k].label if labels and k in form.fields else k

    return "；".join(f"{name(k)}：{'，'.join(v)}" for k, v in form.errors.items())


class CasePages:
    """The staff pages of one kind of case.

    ``new_form``/``file``/``filed``: the form for filing on the subject's behalf, the service and the
    success message (``{case_no}``); ``steps``: the POST steps of the detail page; ``actions(case,
    rights)``: the steps offered to this user; ``error_labels``: name invalid fields by label
    (objections) or by field name (repairs, as they always were)."""

    def __init__(
        self,
        kind: CaseKind,
        *,
        new_form,
        file: Callable,
        filed: str,
        steps: dict[str, Step],
        actions: Callable[[object, Rights], list[dict]],
        error_labels: bool = True,
    ):
        self.kind, self.new_form, self.file, self.filed = kind, new_form, file, filed
        self.steps, self.actions, self.error_labels = steps, actions, error_labels

    def urls(self) -> list:
        return [
            path("", login_required(self.list), name="list"),
            path("new/", login_required(self.new), name="new"),
            path("<int:pk>/", login_required(self.detail), name="detail"),
            path("<int:pk>/letters/<str:letter>.<str:fmt>", login_required(self.letter), name="letter"),
            path("<int:pk>/<str:step>/", login_required(require_POST(self.action)), name="action"),
        ]

    def _get(self, pk):
        try:
            return selectors.case_get(self.kind, pk)
        except DomainError as exc:
            raise Http404(exc.message) from None

    def list(self, request):
        kind = self.kind
        f = {k: request.GET.get(k, "").strip() for k in ("state", "mine", "overdue", "identifier")}
        error, page = None, None
        try:
            page = selectors.case_list(
                kind,
                department=request.user.department if f["mine"] else None,
                state=f["state"] or None,
                identifier=f["identifier"] or None,
                overdue=bool(f["overdue"]),
                page=int_or(request.GET.get("page"), 1),
            )
        except DomainError as exc:
            error = exc.message
        today = clock.today()
        for case in page.items if page else []:
            case.overdue = selectors.case_is_overdue(kind, case, today)
        query = "&".join(f"{k}={v}" for k, v in f.items() if v)
        return render(
            request,
            f"{kind.namespace}/list.html",
            {"f": f, "page": page, "error": error, "query": query, "states": kind.states.choices},
        )

    def new(self, request):
        form = self.new_form(
            request.POST or None,
            request.FILES or None,
            initial={
                "target_type": request.GET.get("target_type", "list_entry"),
                "target_id": request.GET.get("target_id", ""),
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                case = self.file(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, self.filed.format(case_no=case.case_no))
                return redirect(f"{self.kind.namespace}:detail", pk=case.pk)
        return render(request, f"{self.kind.namespace}/new.html", {"form": form})

    def detail(self, request, pk: int):
        kind, case = self.kind, self._get(pk)
        history = AuditEvent.objects.filter(object_type=kind.audit_type, object_id=str(case.pk)).order_by(
            "seq"
        )
        return render(
            request,
            f"{kind.namespace}/detail.html",
            {
                kind.var: case,
                "overdue": selectors.case_is_overdue(kind, case),
                "actions": self.actions(case, rights(request.user, case)),
                "evidence": evidence_of(kind.key, case.pk),
                "letters": letters_available(kind, case),
                "receipts": selectors.receipts_of(kind.key, case.pk),
                "history": history,
            },
        )

    def action(self, request, pk: int, step: str):
        """POST of one step: validate its form, call the service, report its domain error or success."""
        if step not in self.steps:
            raise Http404("未知操作")
        spec, detail = self.steps[step], f"{self.kind.namespace}:detail"
        case = self._get(pk)
        data = {}
        if spec.form is not None:
            form = spec.form(request.POST, request.FILES)
            if not form.is_valid():
                messages.error(request, _errors(form, labels=self.error_labels))
                return redirect(detail, pk=pk)
            data = spec.data(form.cleaned_data) if spec.data else form.cleaned_data
        try:
            spec.service(actor=request.user, **{self.kind.key: case}, **data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, spec.ok)
        return redirect(detail, pk=pk)

    def letter(self, request, pk: int, letter: str, fmt: str):
        try:
            case = selectors.case_get(self.kind, pk)
            _, html = letter_html(self.kind, case, letter)
        except DomainError as exc:
            raise Http404(exc.message) from None
        if fmt == "pdf":
            return pdf_response(html, f"{self.kind.key}-{case.pk}-{letter}.pdf")
        if fmt != "html":
            raise Http404("格式不支持")
        return HttpResponse(html)


# --- 身份核验: a clerk checks the documents of an online applicant (docs/identity.md) -------------


@login_required
def identity_queue(request):
    """Applications awaiting identity verification in the clerk's department."""
    department = request.user.department
    return render(
        request,
        "casework/staff_identity_list.html",
        {"items": selectors.identity_applications_pending(department) if department else []},
    )


@login_required
def identity_detail(request, pk: int):
    try:
        app = selectors.identity_application_get(pk)
    except DomainError as exc:
        raise Http404(exc.message) from None
    if not can_write_for(request.user, app.department):
        raise Http404("申请不存在")
    form = forms.IdentityDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            verification.identity_application_verify
            if form.cleaned_data["decision"] == "verify"
            else verification.identity_application_reject
        )
        try:
            decide(actor=request.user, application=app, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已记录核验结果，并已通知申请人。")
            return redirect("objections:identity_queue")
    return render(
        request,
        "casework/staff_identity_detail.html",
        {"app": app, "form": form, "documents": evidence_of("identity", app.pk)},
    )
