from datetime import timedelta

from django.db import migrations, models

from jointcredit.common import clock

DEFAULTS = [
    (
        "sweep",
        "定时清扫（期限、到期、推送重试、公开数据包、上级平台交换与对账）",
        "jointcredit.operations.tasks.sweep_run",
        300,
    ),
    (
        "partitions",
        "分区维护（提前建分区、按保留期归档）",
        "jointcredit.operations.tasks.partitions_upkeep",
        86_400,
    ),
]


def seed(apps, schema_editor):
    Schedule = apps.get_model("operations", "Schedule")
    start = clock.now() + timedelta(minutes=1)
    for name, label, path, every in DEFAULTS:
        Schedule.objects.get_or_create(
            name=name, defaults={"label": label, "task_path": path, "every": every, "next_due_at": start}
        )


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Schedule",
            fields=[
                (
                    "name",
                    models.SlugField(
                        max_length=64, primary_key=True, serialize=False, verbose_name="任务代码"
                    ),
                ),
                ("label", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "task_path",
                    models.CharField(
                        help_text="django-tasks 任务的导入路径", max_length=200, verbose_name="任务"
                    ),
                ),
                ("every", models.PositiveIntegerField(verbose_name="间隔（秒）")),
                ("next_due_at", models.DateTimeField(verbose_name="下次执行时间")),
                ("last_slot_at", models.DateTimeField(blank=True, null=True, verbose_name="上次执行时段")),
                (
                    "last_enqueued_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="上次排队时间"),
                ),
                ("last_task_id", models.CharField(blank=True, max_length=64, verbose_name="上次任务标识")),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
            ],
            options={"verbose_name": "定时任务", "verbose_name_plural": "定时任务", "ordering": ["name"]},
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
