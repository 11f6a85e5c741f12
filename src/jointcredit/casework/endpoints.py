"""What the objections and repairs routers share (not a router itself: ``config.api`` mounts the
apps' own): filing, list and detail, the step endpoints ``POST …/{id}/<step>`` and the letter
download, declared from a table, request bodies with one field, the JSON of evidence and receipts.

The OpenAPI document is part of the contract: generated endpoints keep the operation ids of the
functions they replaced (``jointcredit_<app>_api_<kind>_<step>``), their path parameter names and
summaries. Only bodies identical in both apps are shared, so components keep their names and
content; the decision bodies stay in each app (``ObjectionDecisionIn`` requires ``decision``,
``RepairDecisionIn`` does not) under distinct names, so the OpenAPI document shows both."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal, NamedTuple

from ninja import Router, Schema, Status
from pydantic import Field

from jointcredit.accounts.permissions import ensure_can_view
from jointcredit.common.schemas import PageNumber, PageSize, comma_list_of, required_text
from jointcredit.common.validation import TEXT_MAX

from . import selectors
from .kinds import CaseKind
from .letters import letter_pdf

if TYPE_CHECKING:  # built at run time (the documented bounds)
    Reason = str
else:
    Reason = required_text(TEXT_MAX)
# 联系邮箱 as the service checks it (required, at most 254 characters, Django's email validator).
ContactEmail = Annotated[str, Field(json_schema_extra={"format": "email", "minLength": 1, "maxLength": 254})]


class ReasonIn(Schema):
    reason: Reason


class NoteIn(Schema):
    note: str = ""


def evidence_out(e) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "name": e.name,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "uploaded_at": e.uploaded_at,
    }


def receipt_out(r) -> dict:
    return {
        "id": r.pk,
        "source_type": r.source_type,
        "source_id": r.source_id,
        "target_type": r.target_type,
        "target_id": r.target_id,
        "subject_name": r.subject_name,
        "department": r.department.code,
        "department_name": r.department.name,
        "acknowledged": r.acknowledged_at is not None,
        "acknowledged_at": r.acknowledged_at,
        "channel": r.channel,
        "note": r.note,
        "reminded_at": r.reminded_at,
        "created_at": r.created_at,
    }


class StepEndpoint(NamedTuple):
    step: str  # last path segment and the operation id's suffix
    service: Callable  # service(actor=, <kind.key>=case, **body)
    summary: str
    body: type[Schema] | None = None


def _operation_id(kind: CaseKind, name: str) -> str:
    return f"jointcredit_{kind.namespace}_api_{kind.key}_{name}"


def _view(signature: list[tuple], call: Callable) -> Callable:
    """A view whose signature ninja reads as ``(request, <name>: <type> [= default], …)``."""

    def view(request, **kwargs):
        return call(request, **kwargs)

    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [
        inspect.Parameter(
            name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=annotation,
            default=default[0] if default else inspect.Parameter.empty,
        )
        for name, annotation, *default in signature
    ]
    view.__signature__ = inspect.Signature(params)
    return view


_STATES_DOC = "状态，可用逗号分隔多个（如 submitted,accepted）"


def case_endpoints(
    router: Router,
    kind: CaseKind,
    *,
    path: str,
    param: str,
    get: Callable,
    out: Callable,
    create: tuple[type[Schema], Callable, str, str],
    list_summary: str,
    detail_summary: str,
) -> None:
    """``POST {path}`` (filing on the subject's behalf, 201; ``create`` = body, service, summary,
    description), ``GET {path}`` (filtered, paginated) and ``GET {path}/{<param>}``."""
    body, file, summary, description = create
    base = path.rsplit("/{", 1)[0]

    def create_case(request, payload):
        return Status(201, out(file(actor=request.auth, channel="api", **payload.dict())))

    def list_cases(request, *, state, identifier, mine, overdue, page, page_size):
        ensure_can_view(request.auth)
        p = selectors.case_list(
            kind,
            department=request.auth.department if mine else None,
            state=state,
            identifier=identifier,
            overdue=overdue,
            page=page,
            page_size=page_size,
        )
        return {"items": [out(case) for case in p.items], **p.as_meta()}

    def case_detail(request, **ids):
        ensure_can_view(request.auth)
        return out(get(ids[param]))

    router.post(
        base,
        response={201: dict},
        summary=summary,
        description=description,
        operation_id=_operation_id(kind, "create"),
    )(_view([("payload", body)], create_case))
    router.get(base, summary=list_summary, operation_id=_operation_id(kind, "list"))(
        _view(
            [
                ("state", comma_list_of(kind.states.values, description=_STATES_DOC) | None, None),
                ("identifier", str | None, None),
                ("mine", bool, False),
                ("overdue", bool, False),
                ("page", PageNumber, 1),
                ("page_size", PageSize, 20),
            ],
            list_cases,
        )
    )
    router.get(path, summary=detail_summary, operation_id=_operation_id(kind, "detail"))(
        _view([(param, int)], case_detail)
    )


def step_endpoints(
    router: Router,
    kind: CaseKind,
    *,
    path: str,
    param: str,
    get: Callable,
    out: Callable,
    steps: list[StepEndpoint],
) -> None:
    """``POST {path}/<step>`` for each step: the case from ``get(<param>)``, the service with the
    body's fields, the answer ``out(case)``; the service decides who may (403) and when (409)."""
    for spec in steps:

        def call(request, spec=spec, payload=None, **ids):
            data = payload.dict() if payload is not None else {}
            return out(spec.service(actor=request.auth, **{kind.key: get(ids[param])}, **data))

        signature = [(param, int)] + ([("payload", spec.body)] if spec.body else [])
        router.post(f"{path}/{spec.step}", summary=spec.summary, operation_id=_operation_id(kind, spec.step))(
            _view(signature, call)
        )


def letter_endpoint(
    router: Router, kind: CaseKind, *, path: str, param: str, get: Callable, summary: str
) -> None:
    """``GET {path}/letters/{letter}.pdf``: the letter as an inline PDF (any signed-in user may read)."""

    def call(request, *, letter: str, **ids):
        ensure_can_view(request.auth)
        return letter_pdf(kind, get(ids[param]), letter)

    # The letter key is one of the kind's letters (documented as an enum); one that the case's state
    # has not produced yet is a 409 with the current state.
    letter_key = Literal[tuple(kind.letters)]  # type: ignore[valid-type]
    router.get(
        f"{path}/letters/{{letter}}.pdf",
        summary=summary,
        operation_id=_operation_id(kind, "letter"),
        response={200: None, 409: None},
    )(_view([(param, int), ("letter", letter_key)], call))
