"""The index of conditions by symptom holds the condition too, so search by sign reads the index
alone (conditions.search._ranked): on SQLite, a table row per condition made "muscle weakness"
(2,500 rows) cost 20 ms of its 30."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conditions", "0012_patient_sections"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="conditionsymptom", name="conditions_symptom_conditions"),
        migrations.AddIndex(
            model_name="conditionsymptom",
            index=models.Index(fields=["symptom", "frequency_rank", "condition"], name="conditions_symptom_conditions"),
        ),
    ]
