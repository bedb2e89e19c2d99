import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from community.models import User
from conditions import revisions
from conditions.catalogue.demo import load_demo_conditions
from conditions.models import Condition, ConditionCode, Origin, Reference, Review, Status, Synonym
from conditions.workflow import condition_submit_for_review, review_sign_off


@pytest.fixture
def content(make_condition, add_code, reviewer, make_user):
    """Every state a page can be in: reviewed, changed since review, in review, draft, demo."""
    editor = make_user()
    reviewed = make_condition(name="Reviewed", slug="reviewed", status=Status.DRAFT, summary="Words.\n\nMore.",
                              treatment="Rest.")  # fmt: skip
    add_code(reviewed, "icd-10-cm", "G70.80")
    add_code(reviewed, "orpha", "43393")
    Synonym.objects.create(condition=reviewed, name="Zeta name")
    Synonym.objects.create(condition=reviewed, name="Alpha name")
    Reference.objects.create(condition=reviewed, title="Second", order=2, url="https://example.org/2")
    Reference.objects.create(condition=reviewed, title="First", order=1, publisher="CDC")
    condition_submit_for_review(condition=reviewed, editor=editor)
    review_sign_off(condition=reviewed, reviewer=reviewer, reviewed_on=datetime.date(2026, 1, 5), notes="OK.")
    changed = make_condition(name="Changed", slug="changed", status=Status.DRAFT)
    condition_submit_for_review(condition=changed, editor=editor)
    review_sign_off(condition=changed, reviewer=reviewer, reviewed_on=datetime.date(2026, 2, 1))
    changed.summary = "Edited since."
    changed.save()
    waiting = make_condition(name="Waiting", slug="waiting", status=Status.IN_REVIEW)
    make_condition(name="Draft", slug="draft", status=Status.DRAFT)
    demo = make_condition(name="Demo", slug="demo", origin=Origin.DEMO)
    add_code(demo, "icd-9-cm", "358.30")
    reviewed.related.set([changed, demo])
    draft_content = {**revisions.live_content(reviewed), "treatment": "Rest, then amifampridine."}
    revisions.draft_save(condition=reviewed, editor=editor, content=draft_content)
    revisions.draft_submit(condition=reviewed, editor=editor)
    return [reviewed, changed, waiting, demo]


def empty_the_site():
    # Codes and synonyms first: deleting them with their page re-creates the page's search entry
    # after the delete collector has run (conditions/signals.py), leaving a dangling row.
    ConditionCode.objects.all().delete()
    Synonym.objects.all().delete()
    Condition.objects.all().delete()


def export(path):
    call_command("export_conditions", "--output", str(path), verbosity=0)
    return path.read_bytes()


def test_export_import_export_gives_the_same_bytes(content, tmp_path, reviewer):
    first = export(tmp_path / "a.json")
    empty_the_site()
    reviewer.delete()  # an empty site: not even the reviewer's account
    call_command("import_conditions", str(tmp_path / "a.json"), verbosity=0)
    assert export(tmp_path / "b.json") == first
    restored = User.objects.get(email=reviewer.email)
    assert not restored.is_active  # created to keep the record, cannot log in
    assert not restored.has_usable_password()


def test_import_recreates_the_review_state(content, tmp_path):
    export(tmp_path / "a.json")
    empty_the_site()
    call_command("import_conditions", str(tmp_path / "a.json"), verbosity=0)
    assert list(Condition.objects.review_current().values_list("slug", flat=True)) == ["reviewed"]
    assert list(Condition.objects.changed_since_review().values_list("slug", flat=True)) == ["changed"]
    assert Condition.objects.get(slug="changed").status == Status.PUBLISHED
    assert Condition.objects.get(slug="changed").last_reviewed_on == datetime.date(2026, 2, 1)
    assert Condition.objects.get(slug="waiting").status == Status.IN_REVIEW
    assert Condition.objects.get(slug="reviewed").rendered["summary"] == "<p>Words.</p>\n<p>More.</p>"


def test_import_keeps_the_live_version_and_the_open_draft(content, tmp_path):
    export(tmp_path / "a.json")
    empty_the_site()
    call_command("import_conditions", str(tmp_path / "a.json"), verbosity=0)
    page = Condition.objects.get(slug="reviewed")
    assert (page.status, page.treatment) == (Status.PUBLISHED, "Rest.")  # readers get the live words
    draft = revisions.open_revision(page)
    assert (draft.state, draft.content["treatment"]) == ("submitted", "Rest, then amifampridine.")


def test_export_format_is_documented_and_ordered(content, tmp_path):
    document = json.loads(export(tmp_path / "a.json"))
    assert (document["format"], document["version"]) == ("diseasemaps-conditions", 1)
    assert [c["slug"] for c in document["conditions"]] == ["changed", "demo", "draft", "reviewed", "waiting"]
    reviewed = document["conditions"][3]
    assert reviewed["synonyms"] == ["Alpha name", "Zeta name"]
    assert [r["title"] for r in reviewed["references"]] == ["First", "Second"]
    assert reviewed["related"] == ["changed", "demo"]
    assert reviewed["codes"][0] == {"system": "icd-10-cm", "value": "G70.80", "role": "primary", "fit": "exact",
                                    "note": ""}  # fmt: skip
    assert reviewed["reviews"][0]["reviewed_on"] == "2026-01-05"
    assert reviewed["reviews"][0]["next_review_on"] == "2027-01-05"


def test_demo_content_round_trip(db, tmp_path):
    load_demo_conditions()
    first = export(tmp_path / "a.json")
    empty_the_site()
    call_command("import_conditions", str(tmp_path / "a.json"), verbosity=0)
    assert export(tmp_path / "b.json") == first


def test_reimporting_the_same_file_changes_nothing(content, tmp_path):
    export(tmp_path / "a.json")
    out = StringIO()
    call_command("import_conditions", str(tmp_path / "a.json"), stdout=out)
    assert "Imported 0 conditions; 5 already on the site unchanged." in out.getvalue()


def test_a_bad_record_writes_nothing_and_every_problem_is_named(content, tmp_path):
    document = json.loads(export(tmp_path / "a.json"))
    empty_the_site()
    users = User.objects.count()
    document["conditions"][1]["codes"][0]["value"] = "358.41"  # the seed page's code, which does not exist
    document["conditions"][2]["status"] = "published"  # an editorial draft published with no sign-off
    document["conditions"][4]["reviews"] = [{"reviewer": "x@example.org", "reviewed_on": "2026-01-01"}]
    (tmp_path / "bad.json").write_text(json.dumps(document))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_conditions", str(tmp_path / "bad.json"), stderr=err)
    problems = err.getvalue()
    assert "conditions[1] (demo) codes[0] ICD-9-CM 358.41: value: 358.41 is not an ICD-9-CM code" in problems
    assert "conditions[2] (draft): status: This page can be published only after" in problems
    assert "conditions[4] (waiting) reviews[0]:" in problems
    assert Condition.objects.count() == 0
    assert Review.objects.count() == 0
    assert User.objects.count() == users


def test_dry_run_validates_and_writes_nothing(content, tmp_path):
    export(tmp_path / "a.json")
    empty_the_site()
    out = StringIO()
    call_command("import_conditions", str(tmp_path / "a.json"), "--dry-run", stdout=out)
    assert "Would import 5 conditions" in out.getvalue()
    assert Condition.objects.count() == 0


def test_a_file_that_is_not_an_export_is_refused(db, tmp_path):
    (tmp_path / "other.json").write_text('{"conditions": []}')
    with pytest.raises(CommandError):
        call_command("import_conditions", str(tmp_path / "other.json"), stderr=StringIO())
