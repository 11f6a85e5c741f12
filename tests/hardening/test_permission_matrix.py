"""Role × endpoint × department matrix over every write operation (DESIGN.md §1, §6).

Operations are discovered from the OpenAPI schemas at test time. Each must have a rule in
``RULES``; a new write endpoint without one fails ``test_every_write_operation_has_a_rule`` with
the line to add. A rule names who may call the endpoint (see ``allowed``); an optional builder
makes a request that succeeds for an allowed actor, so both sides are asserted exactly
(allowed → the success status, denied → 403/404, anonymous → 401). Without a builder the request
body is derived from the schema and only the deny side is asserted (anonymous → 401, no 2xx for a
denied actor, never a 5xx).

Actors (tests/hardening/world.py): viewer, clerk, approver, department_admin of the resource's own
department (scjgj) and of another department (swj), a clerk of 区行政审批服务局 which acts for
scjgj, the office admin, and anonymous. Resources built by builders belong to scjgj.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jointcredit.accounts.models import Role, User
from jointcredit.accounts.services import api_token_create
from jointcredit.common import clock
from jointcredit.subjects import generators as gen

from .conftest import rolled_back
from .discovery import Operation, request_body_schema, write_operations
from .world import ACTORS, ANONYMOUS, OWN, World

WRITE_ROLES = {Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN}
RULE_HELP = {
    "public": "anyone, no authentication",
    "authenticated": "any signed-in user, any role",
    "writer": "clerk/approver/department_admin of any department (shared data such as subjects)",
    # 代为报送 covers only the record type it was granted for (issue #16 §5): the acting department
    # (xzsp) reports scjgj's licences in the demo, and the builders here write penalties, entries,
    # cases … so the acting clerk is denied like any other department's.
    "dept_write": "clerk/approver/department_admin of the owning department",
    # 关联人 are registration data (ADR 0046): the 登记机关 of JOINTCREDIT_REGISTRATION_DEPARTMENTS.
    "registrar": "clerk/approver/department_admin of a registration authority (scjgj, xzsp)",
    "dept_decide": "approver of the owning (deciding) department only",
    "dept_admin": "department_admin of the owning department, or the office admin",
    "office_admin": "office admin only",
}


def allowed(rule: str, actor: str) -> bool:
    if rule == "public":
        return True
    if actor == ANONYMOUS:
        return False
    code, roles = ACTORS[actor]
    roles = set(roles)
    own = code == OWN
    return {
        "authenticated": True,
        "writer": bool(roles & WRITE_ROLES),
        "dept_write": bool(roles & WRITE_ROLES) and own,
        "registrar": bool(roles & WRITE_ROLES) and code in settings.JOINTCREDIT_REGISTRATION_DEPARTMENTS,
        "dept_decide": Role.APPROVER in roles and own,
        "dept_admin": (Role.DEPARTMENT_ADMIN in roles and own) or Role.OFFICE_ADMIN in roles,
        "office_admin": Role.OFFICE_ADMIN in roles,
    }[rule]


def denied_in_every_department(rule: str, actor: str) -> bool:
    """Without a builder the generic request's resource may belong to any department (even the
    actor's), so only denials that do not depend on the department are asserted."""
    if actor == ANONYMOUS:
        return not allowed(rule, actor)
    same_roles_own = (
        next(k for k, (code, roles) in ACTORS.items() if code == OWN and roles == ACTORS[actor][1])
        if any(code == OWN and roles == ACTORS[actor][1] for code, roles in ACTORS.values())
        else actor
    )
    return not allowed(rule, actor) and not allowed(rule, same_roles_own)


@dataclass
class Request:
    path_params: dict
    body: dict | None = None
    multipart: bool = False
    success: int = 200  # status an allowed actor gets


Builder = Callable[[World, random.Random], Request]


# --- builders: a request that an allowed actor can really perform -------------------------------


def _new_company(world: World, rng: random.Random) -> Request:
    code = gen.uscc(rng)
    name, _ = gen.company_name(rng)
    return Request({}, {"kind": "legal", "identifier": code, "name": name}, success=201)


def _related_person(world: World, rng: random.Random) -> Request:
    company = world.companies[rng.randrange(10, 40)]
    return Request(
        {"identifier": company.identifier},
        {
            "person_identifier": gen.resident_id(rng),
            "person_name": gen.person_name(rng),
            "role": "legal_representative",
        },
        success=201,
    )


def _subject_merge(world: World, rng: random.Random) -> Request:
    source, target = world.companies[rng.randrange(40, 45)], world.companies[rng.randrange(45, 50)]
    return Request(
        {"identifier": source.identifier},
        {"into": target.identifier, "reason": "同一企业以错误的统一社会信用代码重复登记"},
    )


def _token_of_own_department_user(world: World, rng: random.Random) -> Request:
    owner = User.objects.get(username=f"{OWN}_clerk")
    token, _ = api_token_create(actor=None, user=owner, name="matrix")
    return Request({"token_id": token.pk})


def _office_actor(world: World) -> User:
    return world.users["office_admin"]


def _memorandum(world: World):
    from jointcredit.measures.models import Memorandum

    memo = Memorandum.objects.order_by("code").first()
    if memo is None:
        from jointcredit.measures.services import memorandum_create

        memo = memorandum_create(actor=_office_actor(world), code="hd_memo", name="硬化测试备忘录")
    return memo


def _new_memorandum(world: World, rng: random.Random) -> Request:
    return Request(
        {},
        {"code": f"hd_memo_{rng.randrange(10**6)}", "name": "关于对失信主体实施联合惩戒的合作备忘录（测试）"},
        success=201,
    )


def _patch_memorandum(world: World, rng: random.Random) -> Request:
    return Request({"code": _memorandum(world).code}, {"document_no": "发改财金〔2026〕1号"})


def _new_measure(world: World, rng: random.Random) -> Request:
    return Request(
        {},
        {
            "memorandum": _memorandum(world).code,
            "code": f"hd_measure_{rng.randrange(10**6)}",
            "name": "限制参与政府采购（测试）",
            "kind": "punishment",
            "scenarios": ["licensing"],
        },
        success=201,
    )


def _patch_measure(world: World, rng: random.Random) -> Request:
    from jointcredit.measures.models import Measure

    measure = Measure.objects.order_by("code").first()
    if measure is None:
        measure_request = _new_measure(world, rng).body
        from jointcredit.measures.services import measure_create

        measure = measure_create(
            actor=_office_actor(world),
            memorandum=_memorandum(world),
            **{k: v for k, v in measure_request.items() if k != "memorandum"},
        )
    return Request({"code": measure.code}, {"legal_basis": "《测试依据》第二条"})


def _related_end(world: World, rng: random.Random) -> Request:
    from jointcredit.subjects.models import RelatedPerson, Subject

    company = world.companies[rng.randrange(10, 40)]
    person = Subject.objects.create(
        kind="natural", id_type="resident_id", identifier=gen.resident_id(rng), name=gen.person_name(rng)
    )
    link = RelatedPerson.objects.create(subject=company, person=person, role="director")
    return Request(
        {"identifier": company.identifier, "link_id": link.pk},
        {"valid_until": clock.today().isoformat(), "reason": "工商变更登记"},
    )


def _related_import(world: World, rng: random.Random) -> Request:
    from jointcredit.relations.columns import HEADER

    row = {
        "QY_MC": world.companies[0].name,
        "QY_TYSHXYDM": world.companies[0].identifier,
        "GLR_MC": gen.person_name(rng),
        "GLR_ZJHM": gen.resident_id(rng),
        "GLR_SF": "监事",
    }
    text = ",".join(HEADER) + "\n" + ",".join(row.get(h, "") for h in HEADER) + "\n"
    upload = SimpleUploadedFile("登记信息.csv", text.encode(), content_type="text/csv")
    return Request({}, {"file": upload}, multipart=True, success=201)


def _screening_file(world: World, rng: random.Random) -> Request:
    rows = [s.identifier for s in world.companies[:3]] + ["不是标识"]
    upload = SimpleUploadedFile(
        "名单.csv", ("identifier\n" + "\n".join(rows)).encode(), content_type="text/csv"
    )
    return Request({}, {"file": upload, "scenario": "licensing"}, multipart=True, success=201)


def _recorded_check(world: World, rng: random.Random) -> Request:
    body = {
        "identifier": world.companies[rng.randrange(0, 10)].identifier,
        "scenario": "licensing",
        "case_no": f"历审批〔2026〕{rng.randrange(10**6)}号",
        "matter_name": "食品经营许可",
    }
    return Request({}, body, success=201)


def _penalty_body(world: World, rng: random.Random) -> dict:
    from jointcredit.records.samples import penalty_row

    return penalty_row(rng, world.departments[OWN], n=rng.randrange(10**6))


def _new_penalty(world: World, rng: random.Random) -> Request:
    return Request({"kind": "penalties"}, _penalty_body(world, rng), success=201)


def _penalty_file(world: World, rng: random.Random) -> Request:
    from jointcredit.records.samples import csv_bytes

    upload = SimpleUploadedFile("处罚.csv", csv_bytes([_penalty_body(world, rng)]), content_type="text/csv")
    return Request({"kind": "penalties"}, {"file": upload, "department": OWN}, multipart=True, success=201)


def _draft_penalty(world: World, rng: random.Random, body: dict | None = None) -> Request:
    from jointcredit.records.services import record_save

    record, _ = record_save(
        actor=User.objects.get(username=f"{OWN}_clerk"),
        record_type="penalty",
        data=_penalty_body(world, rng),
        hold_as_draft=True,
    )
    return Request({"kind": "penalties", "record_id": record.pk}, body)


def _withdraw_penalty(world: World, rng: random.Random) -> Request:
    return _draft_penalty(world, rng, {"reason": "经行政复议撤销原处罚决定"})


def _list_entry(world: World, rng: random.Random, state: str, body: dict | None = None) -> Request:
    """A black entry of the own department (scjgj) brought to ``state`` through lists.services."""
    from datetime import timedelta

    from jointcredit.lists import services as ls

    clerk, approver = (User.objects.get(username=f"{OWN}_{r}") for r in ("clerk", "approver"))
    ls.list_types_seed()
    name, _ = gen.company_name(rng)
    entry = ls.list_entry_create(
        actor=clerk,
        list_type="black_health_safety",
        identifier=gen.uscc(rng),
        name=name,
        reason="使用超过保质期的食品原料（权限矩阵）",
    )
    if state != "draft":
        entry = ls.list_entry_notify(entry=entry, actor=clerk, notified_on=clock.today() - timedelta(days=30))
    if state in ("decided", "published"):
        entry = ls.list_entry_decide(entry=entry, actor=approver)
    if state == "published":
        entry = ls.list_entry_publish(entry=entry, actor=approver)
    return Request({"entry_id": entry.pk}, body)


_CONTACT = {"contact_name": "李明", "contact_email": "liming@example.com"}
_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _objection(world: World, rng: random.Random, state: str, body: dict | None = None) -> Request:
    """An objection against a published entry of the own department, brought to ``state``."""
    from jointcredit.objections import services as objections

    clerk = User.objects.get(username=f"{OWN}_clerk")
    entry_id = _list_entry(world, rng, "published").path_params["entry_id"]
    o = objections.objection_file(
        actor=clerk,
        target_type="list_entry",
        target_id=entry_id,
        statement="原处罚决定已被复议撤销（权限矩阵）",
        **_CONTACT,
    )
    if state in ("accepted", "under_review"):
        objections.objection_accept(actor=clerk, objection=o)
    if state == "under_review":
        objections.objection_review(actor=clerk, objection=o)
    return Request({"objection_id": o.pk}, body)


def _new_objection(world: World, rng: random.Random) -> Request:
    entry_id = _list_entry(world, rng, "published").path_params["entry_id"]
    return Request(
        {},
        {"target_type": "list_entry", "target_id": entry_id, "statement": "事实有误", **_CONTACT},
        success=201,
    )


def _evidence_upload(request: Request, **extra) -> Request:
    request.body = {"files": SimpleUploadedFile("证明.pdf", _PDF, content_type="application/pdf"), **extra}
    request.multipart, request.success = True, 201
    return request


def _old_entry_id(world: World, rng: random.Random) -> int:
    from datetime import timedelta

    from jointcredit.lists import services as ls

    clerk, approver = (User.objects.get(username=f"{OWN}_{r}") for r in ("clerk", "approver"))
    ls.list_types_seed()
    today = clock.today()
    name, _ = gen.company_name(rng)
    entry = ls.list_entry_create(
        actor=clerk,
        list_type="black_health_safety",
        identifier=gen.uscc(rng),
        name=name,
        reason="使用超过保质期的食品原料（权限矩阵）",
    )
    entry = ls.list_entry_notify(entry=entry, actor=clerk, notified_on=today - timedelta(days=440))
    entry = ls.list_entry_decide(entry=entry, actor=approver, decided_on=today - timedelta(days=400))
    return ls.list_entry_publish(entry=entry, actor=approver).pk


def _repair_body(entry_id: int) -> dict:
    return {
        "target_type": "list_entry",
        "target_id": entry_id,
        "correction": "已缴清罚款并整改（权限矩阵）",
        "commitment_signatory": "张伟",
        "commitment_accepted": True,
        **_CONTACT,
    }


def _new_repair(world: World, rng: random.Random) -> Request:
    return Request({}, _repair_body(_old_entry_id(world, rng)), success=201)


def _repair(world: World, rng: random.Random, state: str, body: dict | None = None) -> Request:
    from jointcredit.repairs import services as repairs

    clerk = User.objects.get(username=f"{OWN}_clerk")
    body_in = _repair_body(_old_entry_id(world, rng))
    r = repairs.repair_file(
        actor=clerk,
        **body_in,
        proofs=[SimpleUploadedFile("缴款凭证.pdf", _PDF, content_type="application/pdf")],
    )
    if state == "under_review":
        repairs.repair_accept(actor=clerk, repair=r)
    return Request({"repair_id": r.pk}, body)


def _receipt(world: World, rng: random.Random) -> Request:
    from jointcredit.casework.models import SyncReceipt

    entry_id = _list_entry(world, rng, "published").path_params["entry_id"]
    receipt = SyncReceipt.objects.create(
        source_type="repair",
        source_id=rng.randrange(10**6, 10**7),
        target_type="list_entry",
        target_id=entry_id,
        subject_name="权限矩阵",
        department=world.departments[OWN],
    )
    return Request({"receipt_id": receipt.pk}, {"note": "已解除限制"})


def _recompute_grade(world: World, rng: random.Random) -> Request:
    return Request({"identifier": world.companies[rng.randrange(0, 10)].identifier})


def _article(world: World, rng: random.Random, state: str, body: dict | None = None, **data) -> Request:
    """A 诚信宣传 article of the own department (scjgj) brought to ``state``; reviewed by the office."""
    from jointcredit.publicity import services as ps

    clerk = User.objects.get(username=f"{OWN}_clerk")
    fields = {
        "kind": "notice",
        "title": "关于开展诚信宣传月活动的通知",
        "body_html": "<p>请组织活动。</p>",
    } | data
    article = ps.article_create(actor=clerk, **fields)
    if state != "draft":
        article = ps.article_submit(actor=clerk, article=article)
    if state in ("published", "withdrawn"):
        article = ps.article_publish(actor=_office_actor(world), article=article)
    if state == "withdrawn":
        article = ps.article_withdraw(actor=_office_actor(world), article=article, reason="内容需更新")
    return Request({"article_id": article.pk}, body)


def _past_activity(world: World, rng: random.Random) -> Request:
    from datetime import timedelta

    return _article(
        world,
        rng,
        "published",
        {"report_html": "<p>120 名居民参加。</p>"},
        kind="activity",
        venue_kind="community",
        activity_form="moral_lecture",
        activity_date=clock.today() - timedelta(days=1),
        organiser="区委宣传部",
        place="某街道新时代文明实践站",
    )


def _article_image(world: World, rng: random.Random) -> Request:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(out, format="PNG")
    return Request({}, {"file": SimpleUploadedFile("合影.png", out.getvalue())}, multipart=True, success=201)


# --- the rule table: path pattern (regex on the full path template) → (rule, builder or None) ----
# Read the endpoint's service to decide its rule; keep the most specific pattern first.
RULES: list[tuple[str, str, str, Builder | None]] = [
    # method, path regex, rule, builder
    ("post", r"^/api/v1/subjects$", "writer", _new_company),
    ("post", r"^/api/v1/subjects/\{identifier\}/related-persons$", "registrar", _related_person),
    ("post", r"^/api/v1/subjects/\{identifier\}/related-persons/\{link_id\}/end$", "registrar", _related_end),
    ("post", r"^/api/v1/related-persons/imports$", "registrar", _related_import),
    ("post", r"^/api/v1/subjects/\{identifier\}/merge$", "office_admin", _subject_merge),
    ("post", r"^/api/v1/tokens/\{token_id\}/revoke$", "dept_admin", _token_of_own_department_user),
    # measures: configuration of memoranda and measures is the office's (measures.services)
    ("post", r"^/api/v1/memoranda$", "office_admin", _new_memorandum),
    ("patch", r"^/api/v1/memoranda/\{code\}$", "office_admin", _patch_memorandum),
    ("post", r"^/api/v1/measures$", "office_admin", _new_measure),
    ("patch", r"^/api/v1/measures/\{code\}$", "office_admin", _patch_measure),
    # screening a file of identifiers is a read for any signed-in user (ensure_can_view)
    ("post", r"^/api/v1/screenings$", "writer", _screening_file),  # ADR 0030: a clerk's task
    # 核查留痕 is recorded for the actor's own department (ensure_can_write, ADR 0037)
    ("post", r"^/api/v1/checks$", "writer", _recorded_check),
    ("post", r"^/api/v1/match$", "authenticated", None),  # a read sent as POST (ADR 0041), like the check
    # 双公示: records belong to the deciding department (records.services, ensure_can_write)
    ("post", r"^/api/v1/records/\{kind\}/imports$", "dept_write", _penalty_file),
    ("post", r"^/api/v1/records/\{kind\}/\{record_id\}/publish$", "dept_write", _draft_penalty),
    ("post", r"^/api/v1/records/\{kind\}/\{record_id\}/withdraw$", "dept_write", _withdraw_penalty),
    ("post", r"^/api/v1/records/\{kind\}$", "dept_write", _new_penalty),
    # red/black lists (lists.services): clerks of the entry's department draft, notify, record the
    # statement and mark objections; only its approvers decide, publish, correct and remove.
    # Creating needs the actor's own department to be an initiating department of the list type.
    ("post", r"^/api/v1/list-entries$", "dept_write", None),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/update$",
        "dept_write",
        lambda w, r: _list_entry(w, r, "draft", {"reason": "补充事实：涉及 12 人就医"}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/notify$",
        "dept_write",
        lambda w, r: _list_entry(w, r, "draft", {}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/statement$",
        "dept_write",
        lambda w, r: _list_entry(w, r, "notified", {"outcome": "waived"}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/objection$",
        "dept_write",
        lambda w, r: _list_entry(w, r, "published", {"under_objection": True}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/decide$",
        "dept_decide",
        lambda w, r: _list_entry(w, r, "notified", {}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/publish$",
        "dept_decide",
        lambda w, r: _list_entry(w, r, "decided"),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/remove$",
        "dept_decide",
        lambda w, r: _list_entry(w, r, "published", {"reason": "revoked", "note": "复议撤销"}),
    ),
    (
        "post",
        r"^/api/v1/list-entries/\{entry_id\}/correct$",
        "dept_decide",
        lambda w, r: _list_entry(w, r, "published", {"note": "事实更正", "reason": "更正后的列入事由"}),
    ),
    # exchange (exchange.services): subscriptions and redelivery are the department admin's;
    # feedback is written for the actor's own department (or a named one: ensure_can_write)
    ("post", r"^/api/v1/subscriptions$", "dept_admin", None),
    ("post", r"^/api/v1/subscriptions/\{subscription_id\}/active$", "dept_admin", None),
    ("post", r"^/api/v1/deliveries/\{delivery_id\}/redeliver$", "dept_admin", None),
    ("post", r"^/api/v1/feedback$", "writer", None),
    ("post", r"^/api/v1/feedback/imports$", "writer", None),
    # grading (grading.services / inspections / honours)
    ("post", r"^/api/v1/grading/subjects/\{identifier\}/recompute$", "office_admin", _recompute_grade),
    ("post", r"^/api/v1/grading/rulesets$", "office_admin", None),
    ("post", r"^/api/v1/grading/inspection-plans$", "writer", None),
    ("post", r"^/api/v1/grading/inspection-plans/\{plan_id\}/publish$", "dept_write", None),
    ("post", r"^/api/v1/grading/honours/screenings$", "authenticated", None),
    ("post", r"^/api/v1/grading/honours/screenings/upload$", "authenticated", None),
    ("post", r"^/api/v1/grading/honours$", "writer", None),
    ("post", r"^/api/v1/grading/honours/\{honour_id\}/revoke$", "dept_write", None),
    # commitments (commitments.services): accepted by the actor's department, then its own
    ("post", r"^/api/v1/commitments$", "writer", None),
    ("post", r"^/api/v1/commitments/\{commitment_id\}/fulfil$", "dept_write", None),
    ("post", r"^/api/v1/commitments/\{commitment_id\}/break$", "dept_write", None),
    # catalog (catalog.services): the office keeps the catalog; the using department's admin (or the
    # office) keeps its 应用清单 rows; only the providing department submits (ensure_can_write)
    ("post", r"^/api/v1/catalog/items$", "office_admin", None),
    ("post", r"^/api/v1/catalog/usages$", "dept_admin", None),
    ("post", r"^/api/v1/catalog/usages/\{usage_id\}/delete$", "dept_admin", None),
    ("post", r"^/api/v1/catalog/\{item\}/submissions$", "dept_write", None),
    ("post", r"^/api/v1/catalog/\{item\}$", "office_admin", None),
    # objections and repairs (objections.services / repairs.services): the entry's department files on
    # the subject's behalf, accepts and reviews; only its approvers decide; the office urges;
    # receiving departments confirm sync receipts
    ("post", r"^/api/v1/objections$", "dept_write", _new_objection),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/evidence$",
        "dept_write",
        lambda w, r: _evidence_upload(_objection(w, r, "submitted")),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/accept$",
        "dept_write",
        lambda w, r: _objection(w, r, "submitted"),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/reject$",
        "dept_write",
        lambda w, r: _objection(w, r, "submitted", {"reason": "未提供新的事实和证据"}),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/review$",
        "dept_write",
        lambda w, r: _objection(w, r, "accepted"),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/uphold$",
        "dept_decide",
        lambda w, r: _objection(w, r, "under_review", {"decision": "异议不成立"}),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/correct$",
        "dept_decide",
        lambda w, r: _objection(w, r, "under_review", {"decision": "异议成立，撤销", "resolution": "revoke"}),
    ),
    (
        "post",
        r"^/api/v1/objections/\{objection_id\}/urge$",
        "office_admin",
        lambda w, r: _objection(w, r, "submitted", {"note": "请尽快受理"}),
    ),
    ("post", r"^/api/v1/sync-receipts/\{receipt_id\}/acknowledge$", "dept_write", _receipt),
    ("post", r"^/api/v1/repairs$", "dept_write", _new_repair),
    (
        "post",
        r"^/api/v1/repairs/\{repair_id\}/evidence$",
        "dept_write",
        lambda w, r: _evidence_upload(_repair(w, r, "submitted"), kind="proof"),
    ),
    (
        "post",
        r"^/api/v1/repairs/\{repair_id\}/accept$",
        "dept_write",
        lambda w, r: _repair(w, r, "submitted"),
    ),
    (
        "post",
        r"^/api/v1/repairs/\{repair_id\}/approve$",
        "dept_decide",
        lambda w, r: _repair(w, r, "under_review", {"decision": ""}),
    ),
    (
        "post",
        r"^/api/v1/repairs/\{repair_id\}/reject$",
        "dept_decide",
        lambda w, r: _repair(w, r, "submitted", {"reason": "材料不全"}),
    ),
    (
        "post",
        r"^/api/v1/repairs/\{repair_id\}/urge$",
        "office_admin",
        lambda w, r: _repair(w, r, "submitted", {"note": "请尽快办理"}),
    ),
    # 诚信宣传: departments draft; the office (or 区委宣传部's approvers, not in this world) reviews.
    (
        "post",
        r"^/api/v1/publicity/articles$",
        "writer",
        lambda w, r: Request(
            {}, {"kind": "notice", "title": "诚信宣传月通知", "body_html": "<p>正文</p>"}, success=201
        ),
    ),
    (
        "patch",
        r"^/api/v1/publicity/articles/\{article_id\}$",
        "dept_write",
        lambda w, r: _article(w, r, "draft", {"title": "新标题"}),
    ),
    (
        "post",
        r"^/api/v1/publicity/articles/\{article_id\}/submit$",
        "dept_write",
        lambda w, r: _article(w, r, "draft"),
    ),
    (
        "post",
        r"^/api/v1/publicity/articles/\{article_id\}/publish$",
        "office_admin",
        lambda w, r: _article(w, r, "submitted", {}),
    ),
    (
        "post",
        r"^/api/v1/publicity/articles/\{article_id\}/return$",
        "office_admin",
        lambda w, r: _article(w, r, "submitted", {"note": "请补充附件说明"}),
    ),
    (
        "post",
        r"^/api/v1/publicity/articles/\{article_id\}/withdraw$",
        "office_admin",
        lambda w, r: _article(w, r, "published", {"reason": "内容需更新"}),
    ),
    (
        "post",
        r"^/api/v1/publicity/articles/\{article_id\}/reopen$",
        "dept_write",
        lambda w, r: _article(w, r, "withdrawn"),
    ),
    ("post", r"^/api/v1/publicity/articles/\{article_id\}/report$", "dept_write", _past_activity),
    ("post", r"^/api/v1/publicity/images$", "writer", _article_image),
    # 上下联动 (platforms.services): held upstream items are handled by the platform's 承接部门,
    # rejected items re-sent by the department whose change they reported (their tests exercise the
    # allowed and denied actors over the exchange database); an exchange round is the office's.
    ("post", r"^/api/v1/platforms/held\-items/\{item_id\}/apply$", "dept_write", None),
    ("post", r"^/api/v1/platforms/held\-items/\{item_id\}/reject$", "dept_write", None),
    ("post", r"^/api/v1/platforms/rejected\-items/\{item_id\}/resend$", "dept_write", None),
    ("post", r"^/api/v1/platforms/\{code\}/exchange$", "office_admin", None),
]


# Rules for endpoints of apps still being written (not yet committed when the rule was added): used
# like RULES but not reported as stale while the endpoint is absent. Move them into RULES once the
# app is on main.
PENDING_RULES: list[tuple[str, str, str, Builder | None]] = [
    # (catalog rules moved into RULES: the catalog app is on main)
]


def rule_for(op: Operation) -> tuple[str, Builder | None] | None:
    for method, pattern, rule, builder in [*RULES, *PENDING_RULES]:
        if method == op.method and re.search(pattern, op.path):
            return rule, builder
    if op.api == "public":
        return "public", None
    return None


# --- generic requests from the schema -----------------------------------------------------------


def _sample(schema: dict, name: str, world: World):
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"] or schema["anyOf"]
        return _sample(options[0], name, world)
    if "allOf" in schema:
        return _sample(schema["allOf"][0], name, world)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    pool = world.pools.get(name)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _sample(v, k, world) for k, v in props.items() if k in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-01-05"
    if fmt == "date-time":
        return "2026-01-05T09:00:00+08:00"
    if fmt == "binary":
        return SimpleUploadedFile(
            "data.csv", b"identifier\n" + world.companies[0].identifier.encode(), content_type="text/csv"
        )
    return pool[0] if pool else "测试"


def generic_request(op: Operation, world: World) -> Request:
    params = {}
    for name in op.path_params:
        pool = world.pools.get(name)
        params[name] = pool[0] if pool else 1
    content_type, schema = request_body_schema(op)
    if schema is None:
        return Request(params)
    body = _sample(schema, "", world)
    return Request(params, body, multipart=bool(content_type and "multipart" in content_type))


# --- running a cell -----------------------------------------------------------------------------


def send(op: Operation, request: Request, world: World, actor: str):
    path = op.path
    for name, value in request.path_params.items():
        path = path.replace("{" + name + "}", str(value))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world.tokens[actor]}"} if actor != ANONYMOUS else {}
    client = Client()
    call = getattr(client, op.method)
    if request.multipart:
        return call(path, request.body or {}, **headers)
    return call(
        path,
        json.dumps(request.body or {}, ensure_ascii=False, default=str),
        content_type="application/json",
        **headers,
    )


CELLS: Counter = Counter()  # exact / deny_only cells, reported in the closing note
MATRIX_ACTORS = [*ACTORS, ANONYMOUS]


def test_every_write_operation_has_a_rule():
    missing = [op for op in write_operations() if rule_for(op) is None]
    assert not missing, (
        "Write endpoints without a permission rule — add a line to RULES in "
        "tests/hardening/test_permission_matrix.py after reading the endpoint's service "
        f"(rules: {', '.join(RULE_HELP)}):\n"
        + "\n".join(f'    ("{op.method}", r"^{re.escape(op.path)}$", "<rule>", None),' for op in missing)
    )


def test_rules_have_no_stale_patterns():
    ops = write_operations()
    stale = [
        (m, p) for m, p, _, _ in RULES if not any(op.method == m and re.search(p, op.path) for op in ops)
    ]
    assert not stale, f"RULES entries match no endpoint any more (renamed or removed?): {stale}"


@pytest.mark.parametrize("op", write_operations(), ids=str)
def test_permission_matrix(op: Operation, seeded):
    found = rule_for(op)
    if found is None:
        pytest.fail(f"no rule for {op.label}: see test_every_write_operation_has_a_rule")
    rule, builder = found
    rng = random.Random(op.label)
    failures = []
    for actor in MATRIX_ACTORS:
        expect_allowed = allowed(rule, actor)
        with rolled_back():
            request = builder(seeded, rng) if builder else generic_request(op, seeded)
            response = send(op, request, seeded, actor)
        status = response.status_code
        body = response.content[:300].decode(errors="replace")
        if status >= 500:
            failures.append(f"{actor}: {status} {body}")
        elif actor == ANONYMOUS and rule != "public":
            if status != 401:
                failures.append(f"{actor}: expected 401, got {status} {body}")
        elif builder is not None and expect_allowed and status != request.success:
            failures.append(
                f"{actor}: allowed by rule {rule!r}, expected {request.success}, got {status} {body}"
            )
        elif builder is not None and not expect_allowed and status not in (403, 404):
            failures.append(f"{actor}: denied by rule {rule!r}, expected 403, got {status} {body}")
        elif builder is None and denied_in_every_department(rule, actor) and 200 <= status < 300:
            failures.append(f"{actor}: denied by rule {rule!r} but got {status} {body}")
        CELLS["exact" if builder else "deny_only"] += 1
    assert not failures, f"{op.label} (rule {rule}):\n" + "\n".join(failures)
