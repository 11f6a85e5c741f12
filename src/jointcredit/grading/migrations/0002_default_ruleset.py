from django.db import migrations


def forwards(apps, schema_editor):
    GradingRuleSet = apps.get_model("grading", "GradingRuleSet")  # noqa: N806
    if not GradingRuleSet.objects.exists():
        # Field defaults are the shipped rules (models.GradingRuleSet); the office edits by
        # publishing a new version.
        GradingRuleSet.objects.create(version=1, is_active=True, note="系统默认评分规则")


class Migration(migrations.Migration):
    dependencies = [("grading", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
