"""Revisions: a published page stays live while its next version is drafted, submitted, sent back
and approved; readers see the live version everywhere until a reviewer approves; only Unpublish
takes a page off the site. Personas: an editor, a medical reviewer, a moderator, a reader."""

import datetime
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from pytest_django.asserts import assertContains, assertNotContains

from conditions import revisions
from conditions.models import Condition, Review, Revision, Status, WorkflowStep
from conditions.workflow import condition_submit_for_review, review_sign_off

OLD, NEW = "LEMS is a rare autoimmune disease.", "LEMS is a rare autoimmune disease of the nerve endings."


@pytest.fixture
def live(make_condition, add_code, editor, reviewer, make_membership):
    """A reviewed, published LEMS page with a community."""
    page = make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS",
                          status=Status.DRAFT, summary=OLD, treatment="Amifampridine.")  # fmt: skip
    add_code(page, "icd-10-cm", "G70.80")
    condition_submit_for_review(condition=page, editor=editor)
    review_sign_off(condition=page, reviewer=reviewer, reviewed_on=datetime.date(2026, 1, 5))
    make_membership(page)
    page.refresh_from_db()
    return page


def edit(page, editor, **changes):
    return revisions.draft_save(condition=page, editor=editor, content={**revisions.live_content(page), **changes})


def steps(page):
    return [(s.action, s.user.display_name) for s in page.workflow_steps.order_by("at", "id")]


def reader_views(client, page):
    """What readers get from every place a page shows: page, community, search, sitemap, feed, JSON-LD."""
    detail = client.get(page.get_absolute_url())
    html = detail.content.decode()
    ld = json.loads(re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1))
    return {
        "page": (detail.status_code, "of the nerve endings" in html),
        "community": client.get(f"/conditions/{page.slug}/community/").status_code,
        "search": page.name in client.get("/search/?q=lambert").content.decode(),
        "sitemap": f"/conditions/{page.slug}/" in client.get("/sitemap-conditions.xml").content.decode(),
        "feed": page.name in client.get("/feeds/updates/").content.decode(),
        "json-ld": ld,
    }


# --- transitions -----------------------------------------------------------------------------------


def test_saving_a_draft_of_a_live_page_keeps_the_live_words(live, editor):
    draft = edit(live, editor, summary=NEW)
    live.refresh_from_db()
    assert (live.status, live.summary) == (Status.PUBLISHED, OLD)
    assert (draft.state, draft.content["summary"], draft.created_by) == ("editing", NEW, editor)


def test_saving_unchanged_words_starts_no_draft(live, editor):
    assert edit(live, editor) is None
    assert not Revision.objects.exists()


def test_one_open_draft_per_page(live, editor):
    draft = edit(live, editor, summary=NEW)
    assert edit(live, editor, summary=NEW + " More.") == draft  # the same draft, updated
    with pytest.raises(IntegrityError), transaction.atomic():
        Revision.objects.create(condition=live, content={}, base_version=1, created_by=editor, updated_by=editor)


def test_submit_request_changes_resubmit_approve(live, editor, reviewer):
    draft = edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    draft.refresh_from_db()
    assert draft.state == "submitted"

    revisions.changes_request(condition=live, reviewer=reviewer, note="Say which nerve endings.",
                              token=draft.token())  # fmt: skip
    draft.refresh_from_db()
    assert (draft.state, draft.note) == ("changes_requested", "Say which nerve endings.")

    draft = edit(live, editor, summary=NEW + " Those that release acetylcholine.")
    revisions.draft_submit(condition=live, editor=editor)
    review = revisions.revision_approve(condition=live, reviewer=reviewer, token=draft.token(),
                                        reviewed_on=datetime.date(2026, 12, 1))  # fmt: skip
    live.refresh_from_db()
    draft.refresh_from_db()
    assert live.summary == NEW + " Those that release acetylcholine."
    assert (review.revision, review.content_version) == (draft, live.content_version)
    assert live.last_reviewed_on == datetime.date(2026, 12, 1)
    assert draft.state == "published"
    assert revisions.open_revision(live) is None
    assert steps(live) == [
        ("draft_started", "Eda Editor"), ("submitted", "Eda Editor"), ("changes_requested", "Dr Ada Reviewer"),
        ("draft_saved", "Eda Editor"), ("submitted", "Eda Editor"), ("approved", "Dr Ada Reviewer"),
    ]  # fmt: skip


def test_a_draft_changed_after_the_reviewer_opened_it_cannot_be_approved(live, editor, reviewer):
    draft = edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    shown = draft.token()
    edit(live, editor, summary=NEW + " A late, unreviewed claim.")
    with pytest.raises(ValidationError) as error:
        revisions.revision_approve(condition=live, reviewer=reviewer, token=shown)
    assert error.value.code == "stale"
    live.refresh_from_db()
    assert live.summary == OLD
    assert not Review.objects.filter(revision__isnull=False).exists()


def test_only_a_submitted_draft_can_be_approved(live, editor, reviewer):
    edit(live, editor, summary=NEW)
    with pytest.raises(ValidationError):
        revisions.revision_approve(condition=live, reviewer=reviewer)


def test_editor_and_moderator_cannot_approve_request_changes_or_unpublish(live, editor, moderator):
    edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    for person in (editor, moderator):
        with pytest.raises(PermissionDenied):
            revisions.revision_approve(condition=live, reviewer=person)
        with pytest.raises(PermissionDenied):
            revisions.changes_request(condition=live, reviewer=person, note="No.")
        with pytest.raises(PermissionDenied):
            revisions.condition_unpublish(condition=live, user=person, reason="No.")


def test_request_changes_needs_a_note(live, editor, reviewer):
    edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    with pytest.raises(ValidationError):
        revisions.changes_request(condition=live, reviewer=reviewer, note="  ")


def test_discarding_a_draft_leaves_the_live_page(live, editor):
    edit(live, editor, summary=NEW)
    revisions.draft_discard(condition=live, editor=editor)
    live.refresh_from_db()
    assert (live.status, live.summary, revisions.open_revision(live)) == (Status.PUBLISHED, OLD, None)


def test_a_page_not_yet_live_is_sent_back_to_draft_with_a_note(make_condition, editor, reviewer):
    page = make_condition(status=Status.DRAFT)
    revisions.draft_submit(condition=page, editor=editor)
    revisions.changes_request(condition=page, reviewer=reviewer, note="Add the sources.")
    page.refresh_from_db()
    assert page.status == Status.DRAFT
    assert page.workflow_steps.first().note == "Add the sources."


def test_a_published_page_cannot_be_sent_back_to_review(live, editor):
    with pytest.raises(ValidationError):
        condition_submit_for_review(condition=live, editor=editor)
    live.status = Status.IN_REVIEW
    with pytest.raises(ValidationError):
        live.full_clean()


def test_unpublish_takes_the_page_off_and_keeps_its_community(live, editor, reviewer, client):
    edit(live, editor, summary=NEW)
    revisions.condition_unpublish(condition=live, user=reviewer, reason="A dosing error in Treatment.")
    live.refresh_from_db()
    assert live.status == Status.DRAFT
    assert live.summary == NEW  # the draft's words are the page's working text now; none lost
    assert client.get("/conditions/lems/").status_code == 404
    community = client.get("/conditions/lems/community/")
    assertContains(community, "being revised")
    assertNotContains(community, 'href="/conditions/lems/"')
    step = live.workflow_steps.first()
    assert (step.action, step.user, step.note) == ("unpublished", reviewer, "A dosing error in Treatment.")


def test_unpublish_needs_a_reason(live, reviewer):
    with pytest.raises(ValidationError):
        revisions.condition_unpublish(condition=live, user=reviewer, reason="")


# --- readers see the live version ------------------------------------------------------------------


def test_readers_see_the_live_version_while_a_draft_is_open_and_in_review(live, editor, reviewer, client):
    before = reader_views(client, live)
    assert before["page"] == (200, False)
    assert (before["community"], before["search"], before["sitemap"], before["feed"]) == (200, True, True, True)
    edit(live, editor, summary=NEW, name="Lambert-Eaton syndrome")
    assert reader_views(client, live) == before
    revisions.draft_submit(condition=live, editor=editor)
    assert reader_views(client, live) == before
    revisions.changes_request(condition=live, reviewer=reviewer, note="Shorter.")
    assert reader_views(client, live) == before

    revisions.draft_submit(condition=live, editor=editor)
    revisions.revision_approve(condition=live, reviewer=reviewer, reviewed_on=datetime.date(2026, 12, 1))
    live.refresh_from_db()
    after = client.get(live.get_absolute_url())
    assertContains(after, "of the nerve endings")
    assertContains(after, "Lambert-Eaton syndrome")
    assertContains(after, "1 December 2026")


# --- the admin, as each role uses it ---------------------------------------------------------------


def form_data(condition, **changes):
    data = {field: getattr(condition, field) for field in ["name", "slug", "acronym"]}
    data |= {field: getattr(condition, field).replace("\n", "\r\n") for field in Condition.MEDICAL_FIELDS}
    for prefix in ["synonyms", "codes", "references"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    return data | changes


def test_admin_round_trip(client, live, editor, reviewer):
    change = f"/admin/conditions/condition/{live.pk}/change/"
    review = f"/admin/conditions/condition/{live.pk}/review/"
    client.force_login(editor)
    response = client.post(change, form_data(live, summary=NEW, _submit_for_review="1"), follow=True)
    assertContains(response, "Readers keep seeing the published version")
    assert client.get("/conditions/lems/").status_code == 200
    assertContains(client.get(change), NEW)  # the form shows the draft

    client.force_login(reviewer)
    page = client.get(review)
    assertContains(page, "of the nerve endings</ins>", html=False)
    assertContains(page, "Approve and publish")
    token = page.context["approve_form"]["token"].value()
    client.post(review, {"decision": "changes", "note": "Name the nerve endings.", "token": token})

    client.force_login(editor)
    form = client.get(change)
    assertContains(form, "Changes requested by Dr Ada Reviewer")
    assertContains(form, "Name the nerve endings.")
    assertContains(client.get("/admin/"), "Name the nerve endings.")  # on the editor's dashboard
    client.post(change, form_data(live, summary=NEW + " Motor ones.", _submit_for_review="1"))

    client.force_login(reviewer)
    token = client.get(review).context["approve_form"]["token"].value()
    response = client.post(review, {"decision": "approve", "next_review_on": "2027-12-01", "notes": "", "token": token})
    assert response.status_code == 302
    assertContains(client.get("/conditions/lems/"), "Motor ones.")


def test_reviewer_cannot_approve_what_changed_since_the_review_page_was_opened(client, live, editor, reviewer):
    edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    client.force_login(reviewer)
    review = f"/admin/conditions/condition/{live.pk}/review/"
    token = client.get(review).context["approve_form"]["token"].value()
    edit(live, editor, summary=NEW + " Late claim.")
    response = client.post(review, {"decision": "approve", "next_review_on": "2027-12-01", "token": token})
    assertContains(response, "changed after you opened it")
    live.refresh_from_db()
    assert live.summary == OLD


def test_unpublish_is_offered_to_reviewers_only(client, live, editor, reviewer):
    url = f"/admin/conditions/condition/{live.pk}/unpublish/"
    client.force_login(editor)
    assert client.get(url).status_code == 403
    assertNotContains(client.get(f"/admin/conditions/condition/{live.pk}/change/"), "Unpublish")
    client.force_login(reviewer)
    assertContains(client.post(url, {"reason": ""}), "This field is required")
    assert client.post(url, {"reason": "Wrong dose."}).status_code == 302
    assert client.get("/conditions/lems/").status_code == 404
    assert client.get("/conditions/lems/community/").status_code == 200


def test_history_lists_every_workflow_step(client, live, editor, reviewer):
    edit(live, editor, summary=NEW)
    revisions.draft_submit(condition=live, editor=editor)
    client.force_login(reviewer)
    history = client.get(f"/admin/conditions/condition/{live.pk}/history/")
    assertContains(history, "Submitted for review")
    assertContains(history, "Started a draft")
    assert WorkflowStep.objects.filter(condition=live).count() == 2
