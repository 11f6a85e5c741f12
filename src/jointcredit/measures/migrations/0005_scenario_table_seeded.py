"""业务场景 become data (issue #20 §2, ADR 0045): the Scenario table, seeded with the codes and names
that were the fixed dict ``measures.scenarios.SCENARIOS``; stored scenario columns lose their
code-side ``choices``."""

from django.db import migrations, models


def seed(apps, schema_editor):
    from jointcredit.measures.seed import seed_scenarios

    seed_scenarios(apps.get_model("measures", "Scenario"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_department_organ_name_documents"),
        ("measures", "0004_recorded_check"),
    ]

    operations = [
        migrations.AlterField(
            model_name="measure",
            name="scenarios",
            field=models.JSONField(
                default=list,
                help_text="业务场景代码列表（业务场景表 Scenario 的 code）",
                verbose_name="适用业务场景",
            ),
        ),
        migrations.AlterField(
            model_name="recordedcheck",
            name="scenario",
            field=models.CharField(max_length=32, verbose_name="业务场景"),
        ),
        migrations.AlterField(
            model_name="screening",
            name="scenario",
            field=models.CharField(max_length=32, verbose_name="业务场景"),
        ),
        migrations.CreateModel(
            name="Scenario",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="小写字母开头，由小写字母、数字和下划线组成；登记后不可修改。",
                        max_length=32,
                        unique=True,
                        verbose_name="场景代码",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="场景名称")),
                ("is_active", models.BooleanField(default=True, verbose_name="在用")),
                ("created_at", models.DateTimeField(blank=True, null=True, verbose_name="登记时间")),
                ("retired_at", models.DateTimeField(blank=True, null=True, verbose_name="停用时间")),
                (
                    "departments",
                    models.ManyToManyField(
                        blank=True,
                        related_name="scenarios",
                        to="accounts.department",
                        verbose_name="使用部门",
                    ),
                ),
            ],
            options={
                "verbose_name": "业务场景",
                "verbose_name_plural": "业务场景",
                "ordering": ["id"],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
