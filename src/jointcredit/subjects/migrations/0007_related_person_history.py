"""Related persons keep their history (ADR 0046): ``since``/``until`` become ``valid_from``/
``valid_until`` (the same dates, renamed like list entries' validity), a role may be held again
after it ended (one open period per organisation, person and role instead of one row ever), and
shareholders carry their share, and 监事 is a role. Existing rows keep their dates; the data step repairs rows whose
end precedes their start (the service refused them, the table did not) so the new order check holds,
and marks every existing row as registered before the history came in."""

from django.db import migrations, models
from django.db.models import F


def existing_rows(apps, schema_editor):
    RelatedPerson = apps.get_model("subjects", "RelatedPerson")
    RelatedPerson.objects.filter(
        valid_from__isnull=False, valid_until__isnull=False, valid_until__lt=F("valid_from")
    ).update(valid_until=F("valid_from"))
    RelatedPerson.objects.filter(source="").update(source="手工登记（历史数据）")


class Migration(migrations.Migration):
    dependencies = [("subjects", "0006_former_name_indexes")]

    operations = [
        migrations.RenameField("relatedperson", "since", "valid_from"),
        migrations.RenameField("relatedperson", "until", "valid_until"),
        migrations.AddField(
            model_name="relatedperson",
            name="share_ratio",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="股东的持股比例，0–100；其他身份为空。",
                max_digits=5,
                null=True,
                verbose_name="持股比例（%）",
            ),
        ),
        migrations.AddField(
            model_name="relatedperson",
            name="source",
            field=models.CharField(
                blank=True,
                db_default="",
                help_text="手工登记，或登记信息导入批次（如“关联人导入 #12”）。",
                max_length=100,
                verbose_name="来源",
            ),
        ),
        migrations.AddField(
            model_name="relatedperson",
            name="end_reason",
            field=models.CharField(blank=True, db_default="", max_length=200, verbose_name="终止原因"),
        ),
        migrations.AddField(
            model_name="relatedperson",
            name="batch_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="导入批次"),
        ),
        migrations.AlterField(
            model_name="relatedperson",
            name="role",
            field=models.CharField(
                choices=[
                    ("legal_representative", "法定代表人"),
                    ("principal", "主要负责人"),
                    ("senior_manager", "高级管理人员"),
                    ("director", "董事"),
                    ("supervisor", "监事"),
                    ("shareholder", "股东"),
                    ("licensed_professional", "注册执业人员"),
                ],
                max_length=32,
                verbose_name="身份",
            ),
        ),
        migrations.RunPython(existing_rows, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="relatedperson", name="uniq_related_person_role"),
        migrations.AddConstraint(
            model_name="relatedperson",
            constraint=models.UniqueConstraint(
                condition=models.Q(("valid_until__isnull", True)),
                fields=("subject", "person", "role"),
                name="related_person_one_open_role",
            ),
        ),
        migrations.AddConstraint(
            model_name="relatedperson",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("valid_from__isnull", True),
                    ("valid_until__isnull", True),
                    ("valid_until__gte", models.F("valid_from")),
                    _connector="OR",
                ),
                name="related_person_period_order",
            ),
        ),
    ]
