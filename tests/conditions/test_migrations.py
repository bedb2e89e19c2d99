"""Data migrations, run for real: migrate the test database back to the state before one, make rows
through the historical models as they were then, migrate forward, and check the promise it makes.

PostgreSQL only (CI's second pass): its schema changes are transactional, so the test's own
transaction rolls the schema and the rows back. SQLite cannot alter tables inside a transaction,
and a `transactional_db` flush afterwards would also empty the official code sets the session
loaded once (tests/conftest.py)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.postgres  # transactional schema changes


def migrate(target):
    """Runs the migrations to `target` and returns the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


def test_0010_puts_pages_the_old_workflow_took_offline_back_live_and_keeps_the_words_as_a_draft(make_user):
    editor = make_user()  # today's model: the members' app is not migrated back
    apps = migrate(("conditions", "0009_revisions"))
    Condition = apps.get_model("conditions", "Condition")
    History = apps.get_model("conditions", "HistoricalCondition")
    published_on = timezone.now() - datetime.timedelta(days=30)

    def page(slug, status, summary, *, live_summary=None):
        """A page in `status` with `summary`, once published with `live_summary` at version 3."""
        condition = Condition.objects.create(name=slug.title(), slug=slug, summary=summary, status=status,
                                             content_version=4 if live_summary else 1)  # fmt: skip
        if live_summary is not None:
            History.objects.create(id=condition.pk, name=condition.name, slug=slug, summary=live_summary,
                                   status="published", content_version=3, created_at=published_on,
                                   updated_at=published_on, history_date=published_on, history_type="~",
                                   history_user_id=editor.pk)  # fmt: skip
        History.objects.create(id=condition.pk, name=condition.name, slug=slug, summary=summary, status=status,
                               content_version=condition.content_version, created_at=published_on,
                               updated_at=timezone.now(), history_date=timezone.now(), history_type="~",
                               history_user_id=editor.pk)  # fmt: skip
        return condition.pk

    in_review = page("in-review", "in_review", "Words written since.", live_summary="Words readers had.")
    sent_back = page("sent-back", "draft", "Words sent back.", live_summary="Words readers had too.")
    never_live = page("never-live", "draft", "A first draft.")
    apps = migrate(("conditions", "0010_restore_live_pages"))
    Condition = apps.get_model("conditions", "Condition")
    Revision = apps.get_model("conditions", "Revision")

    restored = Condition.objects.get(pk=in_review)
    assert (restored.status, restored.summary, restored.content_version) == ("published", "Words readers had.", 3)
    assert restored.rendered["summary"] == "<p>Words readers had.</p>"
    draft = Revision.objects.get(condition_id=in_review)
    assert (draft.state, draft.content["summary"], draft.base_version) == ("submitted", "Words written since.", 3)
    assert draft.created_by_id == editor.pk
    assert apps.get_model("conditions", "WorkflowStep").objects.get(revision=draft).action == "draft_started"

    assert Condition.objects.get(pk=sent_back).status == "published"
    assert Revision.objects.get(condition_id=sent_back).state == "editing"

    assert Condition.objects.get(pk=never_live).status == "draft"  # readers never had it
    assert not Revision.objects.filter(condition_id=never_live).exists()


def test_0016_counts_the_published_conditions_of_every_sign_already_recorded(db):
    apps = migrate(("conditions", "0015_condition_community_part"))
    Condition, Symptom = apps.get_model("conditions", "Condition"), apps.get_model("conditions", "Symptom")
    ConditionSymptom = apps.get_model("conditions", "ConditionSymptom")
    dry_mouth = Symptom.objects.create(hpo_id="HP:0000217", name="Xerostomia", slug="x-217")
    Symptom.objects.create(hpo_id="HP:0000508", name="Ptosis", slug="p-508")  # recorded nowhere
    for n, status in enumerate(["published", "published", "draft"]):
        page = Condition.objects.create(name=f"Page {n}", slug=f"page-{n}", summary="Short.", status=status)
        ConditionSymptom.objects.create(condition=page, symptom=dry_mouth)
    apps = migrate(("conditions", "0016_symptom_published_count"))
    counts = apps.get_model("conditions", "Symptom").objects.values_list("slug", "published_count")
    assert dict(counts) == {"x-217": 2, "p-508": 0}
