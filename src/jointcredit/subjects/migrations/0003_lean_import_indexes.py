"""Fewer indexes on subjects_subject (ADR 0008: every index costs each imported subject an insert).

Dropped: ``kind`` (and its ``_like``; three values, never selective), the ``varchar_pattern_ops``
(``_like``) twins of identifier, name, region_code and industry (no ``LIKE 'x%'`` query uses
them: the portal's prefix search has ``subject_name_c``, fragments the trigram index), and the
full ``merged_into_id`` index, replaced by a partial one over merged rows only. The plain btrees
on name, region_code and industry stay and are renamed in place (no rebuild on PostgreSQL).
Measured (70,919 new subjects, one COPY): 15 indexes ~26 µs a subject, these 9 ~16 µs.
"""

from django.db import migrations, models

TABLE = "subjects_subject"
RENAMED = {
    "name": "subject_name_idx",
    "region_code": "subject_region_idx",
    "industry": "subject_industry_idx",
}
LIKE_COLUMNS = ("kind", "identifier", "name", "region_code", "industry")
MERGED = "subject_merged_into_idx"


def _old(schema_editor, column: str, suffix: str = "") -> str:
    return schema_editor._create_index_name(TABLE, [column], suffix=suffix)


def forward(apps, schema_editor):
    qn, run = schema_editor.quote_name, schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:
        for column in LIKE_COLUMNS:
            run(f"DROP INDEX IF EXISTS {qn(_old(schema_editor, column, '_like'))}")
    run(f"DROP INDEX IF EXISTS {qn(_old(schema_editor, 'kind'))}")
    for column, new in RENAMED.items():
        if postgres:
            run(f"ALTER INDEX IF EXISTS {qn(_old(schema_editor, column))} RENAME TO {qn(new)}")
        else:  # SQLite cannot rename an index
            run(f"DROP INDEX IF EXISTS {qn(_old(schema_editor, column))}")
            run(f"CREATE INDEX IF NOT EXISTS {qn(new)} ON {qn(TABLE)} ({qn(column)})")
    run(f"DROP INDEX IF EXISTS {qn(_old(schema_editor, 'merged_into_id'))}")
    run(
        f"CREATE INDEX IF NOT EXISTS {qn(MERGED)} ON {qn(TABLE)} ({qn('merged_into_id')}) "
        f"WHERE {qn('merged_into_id')} IS NOT NULL"
    )


def backward(apps, schema_editor):
    qn, run = schema_editor.quote_name, schema_editor.execute
    postgres = schema_editor.connection.vendor == "postgresql"
    run(f"DROP INDEX IF EXISTS {qn(MERGED)}")
    run(
        f"CREATE INDEX IF NOT EXISTS {qn(_old(schema_editor, 'merged_into_id'))} ON {qn(TABLE)} "
        f"({qn('merged_into_id')})"
    )
    for column, new in RENAMED.items():
        if postgres:
            run(f"ALTER INDEX IF EXISTS {qn(new)} RENAME TO {qn(_old(schema_editor, column))}")
        else:
            run(f"DROP INDEX IF EXISTS {qn(new)}")
            run(f"CREATE INDEX IF NOT EXISTS {qn(_old(schema_editor, column))} ON {qn(TABLE)} ({qn(column)})")
    run(f"CREATE INDEX IF NOT EXISTS {qn(_old(schema_editor, 'kind'))} ON {qn(TABLE)} ({qn('kind')})")
    if postgres:
        for column in LIKE_COLUMNS:
            run(
                f"CREATE INDEX IF NOT EXISTS {qn(_old(schema_editor, column, '_like'))} ON {qn(TABLE)} "
                f"({qn(column)} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [("subjects", "0002_portal_search_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forward, backward, elidable=False)],
            state_operations=[
                migrations.AlterField(
                    model_name="subject",
                    name="kind",
                    field=models.CharField(
                        choices=[
                            ("legal", "法人及非法人组织"),
                            ("individual_business", "个体工商户"),
                            ("natural", "自然人"),
                        ],
                        max_length=24,
                        verbose_name="主体类别",
                    ),
                ),
                migrations.AlterField(
                    model_name="subject",
                    name="name",
                    field=models.CharField(max_length=200, verbose_name="名称/姓名"),
                ),
                migrations.AlterField(
                    model_name="subject",
                    name="region_code",
                    field=models.CharField(blank=True, max_length=6, verbose_name="行政区划码"),
                ),
                migrations.AlterField(
                    model_name="subject",
                    name="industry",
                    field=models.CharField(blank=True, max_length=100, verbose_name="行业"),
                ),
                migrations.AlterField(
                    model_name="subject",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=models.deletion.PROTECT,
                        related_name="merged_from",
                        to="subjects.subject",
                        verbose_name="已合并至",
                    ),
                ),
                migrations.AddIndex(
                    model_name="subject", index=models.Index(fields=["name"], name="subject_name_idx")
                ),
                migrations.AddIndex(
                    model_name="subject",
                    index=models.Index(fields=["region_code"], name="subject_region_idx"),
                ),
                migrations.AddIndex(
                    model_name="subject", index=models.Index(fields=["industry"], name="subject_industry_idx")
                ),
                migrations.AddIndex(
                    model_name="subject",
                    index=models.Index(
                        condition=models.Q(merged_into__isnull=False), fields=["merged_into"], name=MERGED
                    ),
                ),
            ],
        ),
    ]
