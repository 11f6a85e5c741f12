"""核查留痕 (issue #17 §3): a check recorded for a business case, its digest and its verification.

The stored answer is ``check_answer`` of the check — the JSON ``GET /check`` returns. The digest is
SHA-256 over ``canonical_document``: the request (department, user, identifier, scenario, date,
known_at, case number, matter, time) and the answer, serialised with sorted keys, no spaces, UTF-8.
Verification asks the check again for the same date with what the history knew at the recorded time
(``measure_check(known_at=…)``, ADR 0037) and lists every difference.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime

from .selectors import CheckResult


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def check_answer(result: CheckResult) -> dict:
    """The answer of a check as plain JSON values, in the shape of ``GET /check`` (``CheckOut``)."""
    subject = result.subject
    hits = []
    for hit in result.hits:
        data = hit.as_dict()
        data["valid_until"] = _iso(data["valid_until"])
        data["removed_on"] = _iso(data["removed_on"])
        hits.append(data)
    return {
        "subject": (
            {
                "id": subject.id,
                "kind": subject.kind,
                "kind_label": subject.get_kind_display(),
                "identifier": subject.identifier,
                "name": subject.name,
            }
            if subject is not None
            else None
        ),
        "scenario": result.scenario,
        "date": result.on.isoformat(),
        "known_at": _iso(result.known_at),
        "hits": hits,
    }


def canonical_document(
    *,
    department: str,
    user: str,
    identifier: str,
    scenario: str,
    on: date,
    known_at: datetime | None,
    case_no: str,
    matter_name: str,
    created_at: datetime,
    answer: dict,
) -> bytes:
    document = {
        "department": department,
        "user": user,
        "identifier": identifier,
        "scenario": scenario,
        "date": on.isoformat(),
        "known_at": _iso(known_at),
        "case_no": case_no,
        "matter_name": matter_name,
        "created_at": created_at.isoformat(),
        "answer": answer,
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest_of(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


def _hit_key(hit: dict) -> tuple:
    return (hit.get("entry_id"), hit.get("measure_code"), hit.get("via"))


def answer_differences(recorded: dict, reproduced: dict) -> list[dict]:
    """Every difference between two answers: ``{"path", "recorded", "reproduced"}``, hits matched
    by (entry, measure, via)."""
    out: list[dict] = []
    if recorded.get("subject") != reproduced.get("subject"):
        out.append(
            {"path": "subject", "recorded": recorded.get("subject"), "reproduced": reproduced.get("subject")}
        )
    old = {_hit_key(h): h for h in recorded.get("hits") or []}
    new = {_hit_key(h): h for h in reproduced.get("hits") or []}
    for key in old.keys() | new.keys():
        label = f"hits[entry_id={key[0]}, measure_code={key[1]}, via={key[2]}]"
        if key not in new:
            out.append({"path": label, "recorded": old[key], "reproduced": None})
        elif key not in old:
            out.append({"path": label, "recorded": None, "reproduced": new[key]})
        else:
            for field in sorted(old[key].keys() | new[key].keys()):
                if old[key].get(field) != new[key].get(field):
                    out.append(
                        {
                            "path": f"{label}.{field}",
                            "recorded": old[key].get(field),
                            "reproduced": new[key].get(field),
                        }
                    )
    if [_hit_key(h) for h in recorded.get("hits") or []] != [
        _hit_key(h) for h in reproduced.get("hits") or []
    ] and not out:
        out.append({"path": "hits", "recorded": "顺序不同", "reproduced": "顺序不同"})
    return sorted(out, key=lambda d: d["path"])


def recorded_check_verify(recorded) -> dict:
    """Integrity (the stored digest is the digest of the stored document) and reproduction (the
    check asked again as of the recorded date with what the history knew at the recorded time)."""
    from .selectors import measure_check

    document = recorded_check_document(recorded)
    result = measure_check(
        identifier=recorded.identifier,
        scenario=recorded.scenario,
        on=recorded.on,
        known_at=recorded.known_at or recorded.created_at,
        retired_ok=True,
    )
    reproduced = check_answer(result)
    reproduced["known_at"] = recorded.answer.get("known_at")
    differences = answer_differences(recorded.answer, reproduced)
    return {
        "digest_valid": digest_of(document) == recorded.digest,
        "reproduced": not differences,
        "differences": differences,
    }


def recorded_check_document(recorded) -> bytes:
    return canonical_document(
        department=recorded.department.code,
        user=recorded.user.username,
        identifier=recorded.identifier,
        scenario=recorded.scenario,
        on=recorded.on,
        known_at=recorded.known_at,
        case_no=recorded.case_no,
        matter_name=recorded.matter_name,
        created_at=recorded.created_at,
        answer=recorded.answer,
    )


def recorded_check_refusal(recorded_check_id: int, department, entry_id: int) -> str | None:
    """The rule for feedback citing a recorded check (registered with the exchange): the check was
    made by the feedback's department, for the entry's subject or with the entry among its hits."""
    from jointcredit.lists.models import ListEntry

    from .models import RecordedCheck

    recorded = RecordedCheck.objects.filter(pk=recorded_check_id).first()
    if recorded is None or recorded.department_id != department.pk:
        return f"核查留痕 {recorded_check_id} 不存在，或不是“{department.name}”所作的核查。"
    subject_id = ListEntry.objects.filter(pk=entry_id).values_list("subject_id", flat=True).first()
    cited = any(h.get("entry_id") == entry_id for h in recorded.answer.get("hits") or [])
    if recorded.subject_id != subject_id and not cited:
        return f"核查留痕 {recorded_check_id} 核查的不是名单条目 {entry_id} 的主体，也未命中该条目。"
    return None
