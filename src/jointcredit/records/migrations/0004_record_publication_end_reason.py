from django.db import migrations, models


def backfill(apps, schema_editor):
    """Records whose publication a repair already ended (their history says so) get the reason."""
    history = apps.get_model("records", "RecordHistory")
    for record_type, model_name in (("license", "License"), ("penalty", "Penalty")):
        ended = history.objects.filter(
            record_type=record_type, after__has_key="publication_ended"
        ).values_list("record_id", "after")
        model = apps.get_model("records", model_name)
        for record_id, after in ended:
            model.objects.filter(pk=record_id).update(publication_end_reason=after["publication_ended"][:16])


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0003_record_expiry_emitted_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="license",
            name="publication_end_reason",
            field=models.CharField(
                blank=True,
                choices=[("repaired", "信用修复")],
                db_default="",
                default="",
                help_text="信用修复等提前结束公示时填写；为空表示公示期按 public_until 自然届满。",
                max_length=16,
                verbose_name="提前结束公示原因",
            ),
        ),
        migrations.AddField(
            model_name="penalty",
            name="publication_end_reason",
            field=models.CharField(
                blank=True,
                choices=[("repaired", "信用修复")],
                db_default="",
                default="",
                help_text="信用修复等提前结束公示时填写；为空表示公示期按 public_until 自然届满。",
                max_length=16,
                verbose_name="提前结束公示原因",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
