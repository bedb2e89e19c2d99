"""Moderators work in the admin: one by one on the change form, or in bulk with actions."""

import pytest
from django.core.exceptions import ValidationError
from pytest_django.asserts import assertContains, assertNotContains

from community import services
from community.models import Story, StoryReport

CHANGELIST = "/admin/community/story/"


@pytest.fixture
def mod_client(as_user, moderator):
    return as_user(moderator)


def change_form_data(story, **changes):
    data = {
        "role": story.role,
        "show_name": "on" if story.show_name else "",
        "title": story.title,
        "body": story.body,
        "status": story.status,
        "rejection_reason": story.rejection_reason,
        "moderator_note": story.moderator_note,
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
        "reports-MIN_NUM_FORMS": "0",
        "reports-MAX_NUM_FORMS": "1000",
        "seen_version": story.version_token(),
    }
    return {k: v for k, v in (data | changes).items() if v != ""}


def test_bulk_approve(mod_client, moderator, condition, make_story):
    stories = [make_story(condition, title=f"Pending {n}") for n in range(3)]
    response = mod_client.post(
        CHANGELIST, {"action": "approve_selected", "_selected_action": [s.pk for s in stories]}, follow=True
    )
    assertContains(response, "Approved 3 stories.")
    assert set(Story.objects.values_list("status", "moderated_by")) == {("approved", moderator.pk)}


def test_bulk_reject_asks_for_a_reason_first(mod_client, condition, make_story, alice, as_user):
    stories = [make_story(condition, author=alice, title=f"Spammy {n}") for n in range(2)]
    selected = {"action": "reject_selected", "_selected_action": [s.pk for s in stories]}
    response = mod_client.post(CHANGELIST, selected)
    assertContains(response, "Reason the authors will see")
    assert set(Story.objects.values_list("status", flat=True)) == {"pending"}
    response = mod_client.post(CHANGELIST, selected | {"apply": "1", "rejection_reason": ""})
    assertContains(response, "Tell the author why")
    assert set(Story.objects.values_list("status", flat=True)) == {"pending"}
    response = mod_client.post(CHANGELIST, selected | {"apply": "1", "rejection_reason": "Advertising."}, follow=True)
    assertContains(response, "Rejected 2 stories.")
    assert set(Story.objects.values_list("status", "rejection_reason")) == {("rejected", "Advertising.")}
    assertContains(as_user(alice).get("/accounts/me/"), "Advertising.")


def test_approving_one_story_on_its_page(mod_client, moderator, condition, make_story, client):
    story = make_story(condition, title="One by one")
    response = mod_client.post(f"{CHANGELIST}{story.pk}/change/", change_form_data(story, status="approved"))
    assert response.status_code == 302, response.content.decode()[:3000]
    story.refresh_from_db()
    assert (story.status, story.moderated_by, story.moderator_edited) == ("approved", moderator, False)
    assertContains(client.get("/conditions/lems/community/"), "One by one")


def test_rejecting_on_its_page_needs_a_reason(mod_client, condition, make_story):
    story = make_story(condition)
    response = mod_client.post(f"{CHANGELIST}{story.pk}/change/", change_form_data(story, status="rejected"))
    assertContains(response, "Tell the author why the story was not published.")
    story.refresh_from_db()
    assert story.status == "pending"


def test_a_moderator_edit_is_recorded_and_shown_to_the_author(mod_client, condition, make_story, alice, as_user):
    story = make_story(condition, author=alice, body="Dr Jones at Leeds General said so.")
    data = change_form_data(
        story, body="My neurologist said so.", status="approved", moderator_note="Removed the doctor's name."
    )
    assert mod_client.post(f"{CHANGELIST}{story.pk}/change/", data).status_code == 302
    story.refresh_from_db()
    assert (story.moderator_edited, story.status) == (True, "approved")
    assert "Dr Jones" not in story.body_html
    response = as_user(alice).get("/accounts/me/")
    assertContains(response, "A moderator edited your story")
    assertContains(response, "Removed the doctor&#x27;s name.")


def test_reported_stories_surface_with_a_count_and_a_filter(mod_client, condition, make_story, make_user):
    quiet = make_story(condition, title="Quiet story", status="approved")
    loud = make_story(condition, title="Loud story", status="approved")
    for _ in range(2):
        StoryReport.objects.create(story=loud, reporter=make_user(), reason="Spam")
    response = mod_client.get(CHANGELIST + "?reported=open")
    assertContains(response, "Loud story")
    assertNotContains(response, "Quiet story")
    assertContains(response, '<td class="field-open_reports">2</td>', html=True)
    response = mod_client.post(CHANGELIST, {"action": "resolve_reports", "_selected_action": [loud.pk]}, follow=True)
    assertContains(response, "2 reports marked as dealt with.")
    assert not StoryReport.objects.open().exists()
    assert quiet.pk  # untouched


def test_rejecting_a_reported_story_settles_its_reports(moderator, condition, make_story, make_user):
    from community import services

    story = make_story(condition, status="approved")
    StoryReport.objects.create(story=story, reporter=make_user(), reason="Names a nurse")
    services.story_reject(story=story, moderator=moderator, reason="It names a nurse.")
    assert not StoryReport.objects.open().exists()
    assert not Story.objects.reported().exists()


def test_moderators_never_see_an_authors_email_on_the_story_page(mod_client, condition, make_story, alice):
    story = make_story(condition, author=alice)
    assertNotContains(mod_client.get(f"{CHANGELIST}{story.pk}/change/"), "alice@example.org")


# --- the moderator acts on what they were shown, and never on the author's choices ---------------


def seen_version(response):
    return response.context["adminform"].form["seen_version"].value()


def test_approval_is_refused_when_the_author_edited_the_story_since(mod_client, condition, make_story, alice, client):
    story = make_story(condition, author=alice, title="First draft", body="Names my nurse, Jo.")
    url = f"{CHANGELIST}{story.pk}/change/"
    shown = seen_version(mod_client.get(url))
    read = change_form_data(story, status="approved")
    services.story_update(story=story, title="Second draft", body="Names nobody.", role="patient", show_name=False)
    response = mod_client.post(url, read | {"seen_version": shown})
    assertContains(response, "This story changed after you opened it")
    story.refresh_from_db()
    assert (story.title, story.body, story.status) == ("Second draft", "Names nobody.", "pending")
    assertNotContains(client.get("/conditions/lems/community/"), "Second draft")


def test_a_moderator_edit_never_undoes_the_authors_newer_edit(mod_client, condition, make_story, alice):
    story = make_story(condition, author=alice, body="Dr Jones said so.")
    url = f"{CHANGELIST}{story.pk}/change/"
    shown = seen_version(mod_client.get(url))
    read = change_form_data(story, body="A doctor said so.", moderator_note="Removed a name.")
    services.story_update(story=story, title="My story", body="My doctor said so.", role="patient", show_name=False)
    response = mod_client.post(url, read | {"seen_version": shown})
    assertContains(response, "This story changed after you opened it")
    story.refresh_from_db()
    assert (story.body, story.moderator_edited) == ("My doctor said so.", False)


def test_moderators_cannot_change_the_authors_privacy_choices(mod_client, condition, make_story, alice, client):
    story = make_story(condition, author=alice, title="Quietly", role="patient", show_name=False)
    data = change_form_data(story, status="approved", show_name="on", role="caregiver", consent="")
    assert mod_client.post(f"{CHANGELIST}{story.pk}/change/", data).status_code == 302
    story.refresh_from_db()
    assert (story.status, story.show_name, story.role, story.consent) == ("approved", False, "patient", True)
    response = client.get("/conditions/lems/community/")
    assertContains(response, "Anonymous patient")
    assertNotContains(response, "Alice Liddell")


def test_a_withdrawn_story_cannot_be_approved(mod_client, moderator, condition, make_story, alice, client):
    story = make_story(condition, author=alice, title="Taken back", status="withdrawn")
    url = f"{CHANGELIST}{story.pk}/change/"
    assertNotContains(mod_client.get(url), '<option value="approved"')
    mod_client.post(url, change_form_data(story, status="approved"))
    with pytest.raises(ValidationError, match="withdrew"):
        services.story_approve(story=story, moderator=moderator)
    story.refresh_from_db()
    assert story.status == "withdrawn"
    assertNotContains(client.get("/conditions/lems/community/"), "Taken back")


def test_a_moderator_cannot_withdraw_a_story_for_its_author(mod_client, condition, make_story):
    story = make_story(condition)
    response = mod_client.post(f"{CHANGELIST}{story.pk}/change/", change_form_data(story, status="withdrawn"))
    assertContains(response, "Select a valid choice")
    story.refresh_from_db()
    assert story.status == "pending"


def test_story_reports_are_read_only_apart_from_their_resolution(mod_client, condition, make_story, bob, make_user):
    story = make_story(condition, status="approved")
    report = StoryReport.objects.create(story=story, reporter=bob, reason="Names a nurse.")
    other = make_user()
    data = {
        "story": story.pk,
        "reporter": other.pk,
        "reason": "Nothing wrong.",
        "resolved_at_0": "2026-05-01",
        "resolved_at_1": "10:00:00",
    }
    response = mod_client.post(f"/admin/community/storyreport/{report.pk}/change/", data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.reporter, report.reason) == (bob, "Names a nurse.")
    assert report.resolved_at is not None
    assert mod_client.get("/admin/community/storyreport/add/").status_code == 403
