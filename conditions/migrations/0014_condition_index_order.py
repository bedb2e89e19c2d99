"""The A–Z index sorts and paginates in SQL: each condition stores its name's place in natural order
(conditions.catalogue.names.index_order) instead of every name being read and sorted per request."""

from django.db import migrations, models

from conditions.catalogue.names import index_order


def fill(apps, schema_editor):
    Condition = apps.get_model("conditions", "Condition")
    rows = list(Condition.objects.only("name"))
    for row in rows:
        row.index_order = index_order(row.name)
    Condition.objects.bulk_update(rows, ["index_order"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0013_sign_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="condition",
            name="index_order",
            field=models.CharField(blank=True, editable=False, max_length=600),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="condition",
            index=models.Index(fields=["status", "index_order", "name"], name="conditions_condition_a_to_z"),
        ),
    ]
