"""Pages the old workflow took offline: a published page submitted for review (or taken back to
draft) answered 404 until signed off. Each goes live again with the words it was last published
with, and the words written since become its open draft (submitted when it was in review), so no
one's text is lost and readers get the page back. Derived data (search, stored page parts) is
rebuilt at the end of the migration's transaction by `manage.py rebuild_derived`; the pages' own
rendered HTML is set here."""

from django.db import migrations
from django.utils import timezone

FIELDS = ["name", "acronym", "summary", "clinical_significance", "symptoms", "causes", "diagnosis",
          "treatment", "living_with", "coding_notes"]  # fmt: skip
MEDICAL = FIELDS[2:]


def restore_live_pages(apps, schema_editor):
    from conditions.markdown import render

    Condition = apps.get_model("conditions", "Condition")
    Revision = apps.get_model("conditions", "Revision")
    WorkflowStep = apps.get_model("conditions", "WorkflowStep")
    History = apps.get_model("conditions", "HistoricalCondition")
    for condition in Condition.objects.exclude(status="published"):
        records = History.objects.filter(id=condition.pk).order_by("-history_date", "-history_id")
        live = records.filter(status="published").first()
        editor = records.exclude(history_user=None).values_list("history_user", flat=True).first()
        if live is None or editor is None:
            continue  # never published: nothing readers lost
        draft = {field: getattr(condition, field) for field in FIELDS}
        state = "submitted" if condition.status == "in_review" else "editing"
        if draft != {field: getattr(live, field) for field in FIELDS}:
            revision = Revision.objects.create(condition=condition, content=draft, state=state,
                                               base_version=live.content_version, created_by_id=editor,
                                               updated_by_id=editor)  # fmt: skip
            WorkflowStep.objects.create(condition=condition, revision=revision, action="draft_started",
                                        user_id=editor, note="Kept as a draft when the page went live again.")  # fmt: skip
        for field in FIELDS:
            setattr(condition, field, getattr(live, field))
        condition.status = "published"
        condition.content_version = live.content_version
        condition.rendered = {field: render(getattr(condition, field)) for field in MEDICAL}
        condition.page_parts = {}
        condition.updated_at = timezone.now()
        condition.save()


class Migration(migrations.Migration):
    dependencies = [("conditions", "0009_revisions")]

    operations = [migrations.RunPython(restore_live_pages, migrations.RunPython.noop)]
