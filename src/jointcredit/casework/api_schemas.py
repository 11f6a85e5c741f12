"""Pieces of the objections and repairs routers that are the same in both: request bodies with one
field and the JSON of evidence and receipts. (Not a router: ``config.api`` mounts the apps' own.)

Only bodies identical in both apps are shared, so the OpenAPI components keep their names and
content; ``DecisionIn`` stays in each app (required in objections, optional in repairs)."""

from __future__ import annotations

from ninja import Schema


class ReasonIn(Schema):
    reason: str


class NoteIn(Schema):
    note: str = ""


def evidence_out(e) -> dict:
    return {"id": e.pk, "kind": e.kind, "name": e.name, "content_type": e.content_type, "size": e.size,
            "sha256": e.sha256, "uploaded_at": e.uploaded_at}


def receipt_out(r) -> dict:
    return {"id": r.pk, "source_type": r.source_type, "source_id": r.source_id, "target_type": r.target_type,
            "target_id": r.target_id, "subject_name": r.subject_name, "department": r.department.code,
            "department_name": r.department.name, "acknowledged": r.acknowledged_at is not None,
            "acknowledged_at": r.acknowledged_at, "channel": r.channel, "note": r.note,
            "reminded_at": r.reminded_at, "created_at": r.created_at}
