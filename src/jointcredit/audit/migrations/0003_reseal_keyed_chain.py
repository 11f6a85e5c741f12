"""Re-seal the existing audit rows under JOINTCREDIT_AUDIT_KEY (docs/adr/0015-keyed-audit-chain.md).

Uses the app's sealing code on purpose: the rows must end up sealed exactly as ``audit verify``
checks them today. The old unkeyed hashes are not kept (the old head is recorded in the appended
``audit.reseal`` row); migrating back leaves the keyed seals in place.
"""

from django.db import migrations


def reseal(apps, schema_editor):
    from jointcredit.audit.reseal import legacy_chain_reseal

    legacy_chain_reseal(apps.get_model("audit", "AuditEvent"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_seq_primary_key")]

    operations = [migrations.RunPython(reseal, migrations.RunPython.noop)]
