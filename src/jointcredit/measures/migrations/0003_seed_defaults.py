"""Ship the default memoranda and measures (DESIGN.md §2) to every installation.

Departments usually do not exist yet when this runs; ``jointcredit demo`` (or the office) fills the
signatory and implementing-department links later through ``measures_seed_defaults``.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from jointcredit.measures.seed import seed_defaults

    seed_defaults(
        apps.get_model("measures", "Memorandum"),
        apps.get_model("measures", "Measure"),
        apps.get_model("accounts", "Department"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("measures", "0002_catalog_version_screening"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
