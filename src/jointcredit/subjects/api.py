from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.common.pagination import Page
from jointcredit.common.replicas import lag_tolerant
from jointcredit.common.schemas import (
    Identifier,
    OutSchema,
    PageNumber,
    PageSize,
    choice_of,
    comma_list_of,
    one_of,
    required_text,
)

from . import selectors, services
from .extensions import section_keys, section_keys_as_of, subject_sections
from .identifiers import IdType
from .models import RelatedRole, Subject, SubjectKind

PREFIX = "/subjects"
router = Router(tags=["信用主体"])

if TYPE_CHECKING:  # Literals built at run time from the model choices (the OpenAPI enums)
    Kind = str
    KindChoice = str
    IdTypeChoice = str
    PersonIdType = str
    Role = str
    RelatedState = str
    PersonKind = str
    EndReason = str
    ShareRatio = float
    Include = str
    MergeReason = str
else:
    MergeReason = required_text(services.REASON_MAX)
    Kind = one_of(SubjectKind.values)
    KindChoice = choice_of(SubjectKind.values)
    IdTypeChoice = choice_of(IdType.LABELS)
    PersonIdType = choice_of(IdType.PERSONAL)
    Role = choice_of(RelatedRole.values)
    RelatedState = one_of(["all", "in_force", "ended"])
    PersonKind = choice_of([SubjectKind.NATURAL.value, SubjectKind.LEGAL.value])
    EndReason = required_text(200)
    ShareRatio = Annotated[float, Field(ge=0, le=100)]
    # Sections are registered by the apps' AppConfig.ready, before any api.py is imported.
    Include = comma_list_of(
        ["all", *section_keys()], blank=True, description="附加的业务板块，逗号分隔，或 all"
    )


class NameChangeOut(OutSchema):
    old_name: str
    new_name: str
    changed_at: str


class RelatedPersonOut(OutSchema):
    role: str
    role_label: str
    identifier: str
    name: str
    directly_responsible: bool
    share_ratio: float | None = None
    valid_from: date | None = None
    valid_until: date | None = None


class SubjectOut(OutSchema):
    id: int
    kind: str
    kind_label: str
    id_type: str
    identifier: str
    name: str
    names: list[NameChangeOut]
    legal_representative: str
    region_code: str
    industry: str
    related_persons: list[RelatedPersonOut]
    entries: list[dict[str, Any]] = []
    sections: dict[str, Any] = {}
    as_of: date | None = None
    not_as_of: list[str] = []


class SubjectBrief(Schema):
    id: int
    kind: str
    identifier: str
    name: str


class SubjectPage(Schema):
    items: list[SubjectBrief]
    page: int
    page_size: int
    total: int
    pages: int


class SubjectIn(Schema):
    kind: KindChoice
    identifier: str = ""
    id_type: IdTypeChoice | None = None
    name: str
    operator_id_number: str = ""
    legal_representative: str = ""
    industry: str = ""
    address: str = ""


class RelatedPersonIn(Schema):
    person_identifier: Identifier = Field(
        description="关联人的身份证件号码，或股东为企业时的统一社会信用代码"
    )
    person_name: str
    person_kind: PersonKind = Field("natural", description="natural（自然人，默认）或 legal（企业股东）")
    role: Role
    id_type: PersonIdType = "resident_id"
    directly_responsible: bool = False
    share_ratio: ShareRatio | None = Field(None, description="持股比例（%），仅股东")
    valid_from: date | None = Field(None, description="任职起（含）")
    valid_until: date | None = Field(None, description="任职止（含）")


class RelatedPersonEndIn(Schema):
    valid_until: date = Field(description="任职止（含）：此后该身份不再承担联合惩戒")
    reason: EndReason = Field(description="终止原因，如“工商变更登记”（必填，最多 200 字）")


class MergeIn(Schema):
    into: Identifier = Field(description="保留的主体（合并目标）的统一社会信用代码或证件号码")
    reason: MergeReason = Field(description="合并原因，如重复登记的依据（必填，最多 500 字）")


class MergedSubjectOut(Schema):
    identifier: str
    name: str
    kind: str


class MergeOut(Schema):
    merged: MergedSubjectOut
    into: MergedSubjectOut
    moved: dict[str, int]


_ROLE_LABELS = dict(RelatedRole.choices)
_KIND_LABELS = dict(SubjectKind.choices)


# The contract (DESIGN.md §4) is subject, names, related persons and current entries; the other
# capabilities' sections cost a query each and are only computed when asked for (?include=…).
DEFAULT_SECTIONS = ("entries",)


def _include_keys(include: str) -> tuple[str, ...]:
    requested = {k.strip() for k in (include or "").split(",") if k.strip()}
    if not requested:
        return DEFAULT_SECTIONS
    if "all" in requested:
        return tuple(section_keys())
    unknown = requested - set(section_keys())
    if unknown:
        raise ValidationFailed.single(
            "include",
            "choice",
            f"include 参数含未知部分：{'、'.join(sorted(unknown))}；可选：all、{'、'.join(section_keys())}。",
        )
    return tuple(dict.fromkeys([*DEFAULT_SECTIONS, *requested]))


def subject_out(
    subject: Subject, *, include: tuple[str, ...] = DEFAULT_SECTIONS, viewer=None, on: date | None = None
) -> dict:
    sections = subject_sections(subject, keys=include, viewer=viewer, on=on)
    out = {
        "id": subject.id,
        "kind": subject.kind,
        "kind_label": _KIND_LABELS.get(subject.kind, subject.kind),
        "id_type": subject.id_type,
        "identifier": subject.identifier,
        "name": subject.name,
        "names": [
            {"old_name": old, "new_name": new, "changed_at": changed_at.isoformat()}
            for old, new, changed_at in selectors.subject_name_history_rows(subject.id)
        ],
        "legal_representative": subject.legal_representative,
        "region_code": subject.region_code,
        "industry": subject.industry,
        "related_persons": [
            {
                "role": role,
                "role_label": _ROLE_LABELS.get(role, role),
                "identifier": person_identifier,
                "name": person_name,
                "directly_responsible": direct,
                "share_ratio": None if share is None else float(share),
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
            # The roles held today, or on the date asked about (ADR 0046).
            for role, person_identifier, person_name, direct, share, valid_from, valid_until in (
                selectors.subject_related_rows(subject.id, on or clock.today())
            )
        ],
        "entries": sections.pop("entries", []),
        "sections": sections,
    }
    if on is not None:
        # As of a date (ADR 0036): the sections that know their history answer for it; the others
        # are left out and named here rather than answered for today.
        out["as_of"] = on
        out["not_as_of"] = [k for k in include if k not in section_keys_as_of()]
    return out


def _as_of_date(value: date | None) -> date | None:
    if value is not None and value > clock.today():
        raise ValidationFailed.single("date", "not_future", "date 参数（查询基准日）不能晚于今天。")
    return value


def _page_out(page: Page) -> dict:
    return {"items": page.items, **page.as_meta()}


@router.get("", response=SubjectPage, summary="按名称片段或标识查询主体")
def subject_list(
    request, q: str = "", kind: Kind | None = None, page: PageNumber = 1, page_size: PageSize = 20
):
    return _page_out(selectors.subject_search(q=q, kind=kind, page=page, page_size=page_size))


@router.post("", response={201: SubjectOut}, summary="登记信用主体")
def subject_create(request, payload: SubjectIn):
    subject = services.subject_create(actor=request.auth, **payload.dict())
    return Status(201, subject_out(subject, viewer=request.auth))


@router.get(
    "/{identifier}",
    response=SubjectOut,
    summary="按统一社会信用代码或证件号码查看主体",
    description="返回主体类别、名称（含变更历史）、关联人和当前名单条目。格式错误的标识返回 422。"
    "`include=records,grade,…` 或 `include=all` 同时返回各业务板块（sections）。"
    "`date=YYYY-MM-DD`（不晚于今天）按该日结束时的状态回答（as_of）：名单条目（当日有效）、双公示（公示中）、承诺（履约中/已违约）、"
    "信用等级、荣誉称号；不能按日期回答的板块不返回并列在 `not_as_of` 中。",
)
@decorate_view(lag_tolerant)  # the other hot read: a replica may answer (ADR 0048)
def subject_detail(request, identifier: Identifier, include: Include = "", date: date | None = None):
    # Hot path (DESIGN.md §5, bench/bench_subjects.py): SubjectOut is an OutSchema (ADR 0014).
    subject = selectors.subject_get(identifier)
    return subject_out(subject, include=_include_keys(include), viewer=request.auth, on=_as_of_date(date))


def _related_out(link) -> dict:
    return {
        "role": link.role,
        "role_label": link.get_role_display(),
        "identifier": link.person.identifier,
        "name": link.person.name,
        "directly_responsible": link.directly_responsible,
        "share_ratio": None if link.share_ratio is None else float(link.share_ratio),
        "valid_from": link.valid_from,
        "valid_until": link.valid_until,
    }


class RelatedPersonRow(RelatedPersonOut):
    id: int
    source: str
    end_reason: str


class RelatedPersonPage(Schema):
    items: list[RelatedPersonRow]
    page: int
    page_size: int
    total: int
    pages: int


@router.get(
    "/{identifier}/related-persons",
    response=RelatedPersonPage,
    summary="关联人及其任职历史",
    description="`state=in_force`（今天在任）、`ended`（已终止或尚未开始）或 `all`（默认）。",
)
def related_person_list(
    request,
    identifier: Identifier,
    state: RelatedState = "all",
    page: PageNumber = 1,
    page_size: PageSize = 20,
):
    subject = selectors.subject_get(identifier)
    found = selectors.related_person_list(subject=subject, state=state, page=page, page_size=page_size)
    items = [
        {**_related_out(link), "id": link.id, "source": link.source, "end_reason": link.end_reason}
        for link in found.items
    ]
    return {"items": items, **found.as_meta()}


@router.post(
    "/{identifier}/related-persons",
    response={201: RelatedPersonOut},
    summary="登记关联人（登记机关）",
    description="仅登记机关（设置 JOINTCREDIT_REGISTRATION_DEPARTMENTS，默认区市场监管局、区行政审批服务局）"
    "的经办人、审批人、部门管理员（403）。同一身份已在任时更新其标记；已终止的可再次登记为新的任职期；"
    "与已有任职期重叠 409。企业股东 `person_kind=legal`，按统一社会信用代码关联或建立主体。",
)
def related_person_add(request, identifier: Identifier, payload: RelatedPersonIn):
    subject = selectors.subject_get(identifier)
    data = payload.dict()
    share = data.pop("share_ratio")
    link = services.related_person_add(
        actor=request.auth,
        subject=subject,
        share_ratio=None if share is None else Decimal(str(share)).quantize(Decimal("0.01")),
        **data,
    )
    return Status(201, _related_out(link))


@router.post(
    "/{identifier}/related-persons/{link_id}/end",
    response=RelatedPersonOut,
    summary="终止关联人身份（登记机关）",
    description="设定任职止日期：此后核查不再因该身份对其实施惩戒，历史保留。权限同登记关联人（403）；"
    "不属于该主体的关联人 404；已终止 409；止日期早于任职起 422。",
)
def related_person_end(request, identifier: Identifier, link_id: int, payload: RelatedPersonEndIn):
    subject = selectors.subject_get(identifier)
    link = selectors.related_person_get(subject=subject, link_id=link_id)
    link = services.related_person_end(
        actor=request.auth, link=link, valid_until=payload.valid_until, reason=payload.reason
    )
    return _related_out(link)


@router.post(
    "/{identifier}/merge",
    response=MergeOut,
    summary="合并重复主体（信用办）",
    description="把路径中的主体（重复登记）合并到 `into` 指定的主体：名单条目、双公示信息、异议与修复、"
    "承诺、荣誉、别名和关联人随之转到保留的主体，原标识此后解析到保留的主体。仅信用办管理员（403）。"
    "未知标识 404；标识格式错误、缺少原因、合并到自身、自然人与组织互相合并 422；"
    "任一方已被合并 409（`error.details[0].merged_into` 给出其现归属）。`moved` 为各类数据转移的行数。",
)
def subject_merge(request, identifier: Identifier, payload: MergeIn):
    source = selectors.subject_get(identifier, follow_merges=False)
    target = selectors.subject_get(payload.into, follow_merges=False, field="into")
    merge = services.subject_merge(actor=request.auth, source=source, target=target, reason=payload.reason)
    return {
        "merged": {
            "identifier": merge.source.identifier,
            "name": merge.source.name,
            "kind": merge.source.kind,
        },
        "into": {"identifier": merge.target.identifier, "name": merge.target.name, "kind": merge.target.kind},
        "moved": merge.moved,
    }
