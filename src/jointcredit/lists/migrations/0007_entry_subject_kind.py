"""ListEntry.subject_kind: the subject's kind copied onto the entry (portal name search without a join)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_subject_kind(apps, schema_editor):
    """Existing entries take their subject's kind (one UPDATE with a correlated subquery)."""
    ListEntry = apps.get_model("lists", "ListEntry")
    Subject = apps.get_model("subjects", "Subject")
    ListEntry.objects.filter(subject_kind="").update(
        subject_kind=Subquery(Subject.objects.filter(pk=OuterRef("subject_id")).values("kind")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lists", "0006_portal_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="listentry",
            name="subject_kind",
            field=models.CharField(blank=True, editable=False, max_length=24, verbose_name="主体类别"),
        ),
        migrations.RunPython(fill_subject_kind, migrations.RunPython.noop, elidable=False),
    ]
