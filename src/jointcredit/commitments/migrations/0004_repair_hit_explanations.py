"""Repair stored ``<bound method Hit.explanation …>`` text (issue #20 §2; ADR 0045).

Where it could be stored: a commitment's ``eligibility`` (the 容缺受理 basis, kept at intake) and the
audit row of that intake (``commitment.create``, ``after.basis``). The reasons of the eligibility
check and of the honours screening were only ever returned, never stored; recorded checks store
``Hit.as_dict()``, which always called the method.

* Commitments: the JSON is rewritten with the hit's explanation computed again from the repr
  (``measures.explanation_repair``).
* Audit rows are sealed in a keyed chain with checkpoints held outside the database: rewriting them
  would be indistinguishable from tampering. Each affected row gets an appended ``audit.correct`` row
  naming its ``seq`` with the bad and the repaired text, so the trail states the repair itself.
"""

from django.db import migrations
from django.db.models import TextField
from django.db.models.functions import Cast

MARKER = "<bound method Hit.explanation of "


def repair(apps, schema_editor):
    from jointcredit.audit.services import audit_record
    from jointcredit.measures.explanation_repair import explanation_json_repair

    Commitment = apps.get_model("commitments", "Commitment")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    rows = Commitment.objects.annotate(text=Cast("eligibility", TextField())).filter(text__contains=MARKER)
    for c in rows.iterator(chunk_size=500):
        repaired, changed = explanation_json_repair(c.eligibility)
        if changed:
            Commitment.objects.filter(pk=c.pk).update(eligibility=repaired)
    audits = (
        AuditEvent.objects.filter(action="commitment.create")
        .annotate(text=Cast("after", TextField()))
        .filter(text__contains=MARKER)
        .order_by("seq")
    )
    for row in list(audits.values("seq", "object_type", "object_id", "after")):
        repaired, changed = explanation_json_repair(row["after"])
        if not changed:
            continue
        fields = [k for k in row["after"] if row["after"][k] != repaired.get(k)]
        audit_record(
            actor=None,
            action="audit.correct",
            object_type="audit.auditevent",
            object_id=str(row["seq"]),
            object_repr=f"审计记录 #{row['seq']}（{row['object_type']}:{row['object_id']}）的命中说明文本",
            before={k: row["after"][k] for k in fields},
            after={k: repaired[k] for k in fields} | {"note": "存量数据修复：命中说明误存为方法对象描述"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0003_backfill_status_history"),
        ("audit", "0003_reseal_keyed_chain"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
