"""The signs index reads each sign's stored count of published conditions (kept by
conditions.derived.count_signs) instead of counting every condition–sign link per request."""

from django.db import migrations, models
from django.db.models import Count


def fill(apps, schema_editor):
    Symptom = apps.get_model("conditions", "Symptom")
    ConditionSymptom = apps.get_model("conditions", "ConditionSymptom")
    counted = (
        ConditionSymptom.objects.filter(condition__status="published")
        .values_list("symptom")
        .annotate(n=Count("pk"))
        .order_by()
    )
    Symptom.objects.bulk_update(
        [Symptom(pk=pk, published_count=n) for pk, n in counted], ["published_count"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0015_condition_community_part"),
    ]

    operations = [
        migrations.AddField(
            model_name="symptom",
            name="published_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="How many published conditions record this sign (conditions.derived).",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
