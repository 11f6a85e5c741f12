from django.db import migrations


def forwards(apps, schema_editor):
    from jointcredit.lists.defaults import seed_list_types

    seed_list_types(
        apps.get_model("lists", "ListType"),
        apps.get_model("accounts", "Department"),
        apps.get_model("measures", "Memorandum"),
    )


class Migration(migrations.Migration):
    """The measures seed ships the default memoranda; attach them to the default list types so the
    check engine finds measures out of the box."""

    dependencies = [
        ("lists", "0004_default_list_types"),
        ("measures", "0003_seed_defaults"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
