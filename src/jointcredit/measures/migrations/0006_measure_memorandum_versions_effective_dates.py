"""Memoranda and measures carry effective dates and a version (issue #20 §2, ADR 0045). Existing rows
become version 1 with open validity (effective_from/effective_until empty), so every check answers as
before until the office dates them; a measure's code is unique per version and among current rows."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_department_organ_name_documents"),
        ("measures", "0005_scenario_table_seeded"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="measure",
            options={
                "ordering": ["memorandum", "code", "version"],
                "verbose_name": "奖惩措施",
                "verbose_name_plural": "奖惩措施",
            },
        ),
        migrations.AddField(
            model_name="measure",
            name="effective_from",
            field=models.DateField(
                blank=True, help_text="为空表示自始有效", null=True, verbose_name="生效日期"
            ),
        ),
        migrations.AddField(
            model_name="measure",
            name="effective_until",
            field=models.DateField(
                blank=True, help_text="为空表示长期有效（含当日）", null=True, verbose_name="失效日期"
            ),
        ),
        migrations.AddField(
            model_name="measure",
            name="superseded_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="measures.measure",
                verbose_name="被新版本取代",
            ),
        ),
        migrations.AddField(
            model_name="measure",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="版本"),
        ),
        migrations.AddField(
            model_name="memorandum",
            name="effective_from",
            field=models.DateField(
                blank=True, help_text="为空表示自始有效", null=True, verbose_name="生效日期"
            ),
        ),
        migrations.AddField(
            model_name="memorandum",
            name="effective_until",
            field=models.DateField(
                blank=True, help_text="为空表示长期有效（含当日）", null=True, verbose_name="失效日期"
            ),
        ),
        migrations.AddField(
            model_name="memorandum",
            name="version",
            field=models.PositiveIntegerField(
                default=1, help_text="每次修改加一；修改前后的内容记入审计", verbose_name="版本"
            ),
        ),
        migrations.AlterField(
            model_name="measure",
            name="code",
            field=models.SlugField(max_length=64, verbose_name="措施代码"),
        ),
        migrations.AddConstraint(
            model_name="measure",
            constraint=models.UniqueConstraint(fields=("code", "version"), name="measure_code_version"),
        ),
        migrations.AddConstraint(
            model_name="measure",
            constraint=models.UniqueConstraint(
                condition=models.Q(("superseded_by__isnull", True)),
                fields=("code",),
                name="measure_code_current",
            ),
        ),
    ]
