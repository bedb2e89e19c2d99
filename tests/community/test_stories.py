import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from community import services
from community.models import Story, StoryReport

from .helpers import checked_values, field_error

NEW = "/conditions/lems/stories/new/"
COMMUNITY = "/conditions/lems/community/"
STORY = {"title": "Diagnosed at 42", "body": "It took *three years*.", "role": "caregiver", "consent": "on"}


def test_sharing_a_story_needs_an_account_and_comes_back_after_login(client, condition):
    assertRedirects(client.get(NEW), f"/accounts/login/?next={NEW}")


def test_the_form_says_where_the_story_will_be_shown_and_preselects_my_role(as_user, alice, condition, make_membership):
    make_membership(condition, user=alice, role="family")
    response = as_user(alice).get(NEW)
    assertContains(response, "may be shown to anyone on the Lambert-Eaton myasthenic syndrome community page")
    assert checked_values(response, "role") == ["family"]


def test_preview_renders_markdown_on_the_server_keeps_every_field_and_saves_nothing(as_user, alice, condition):
    response = as_user(alice).post(NEW, STORY | {"preview": "1"})
    assert response.status_code == 200
    assertContains(response, "<p>It took <em>three years</em>.</p>", html=True)
    assertContains(response, 'value="Diagnosed at 42"')
    assertContains(response, "It took *three years*.</textarea>")
    assert checked_values(response, "role") == ["caregiver"]
    assert checked_values(response, "consent") == ["on"]
    assertNotContains(response, 'class="errorlist"')  # no nagging before the member submits
    assert not Story.objects.exists()


def test_preview_is_sanitised(as_user, alice, condition):
    response = as_user(alice).post(NEW, STORY | {"body": "<script>alert(1)</script>hi", "preview": "1"})
    assertNotContains(response, "<script>alert(1)</script>")


def test_a_submitted_story_waits_for_a_moderator_and_only_its_author_sees_it(as_user, alice, bob, client, condition):
    response = as_user(alice).post(NEW, STORY, follow=True)
    assertContains(response, "Your story is waiting for a moderator")
    story = Story.objects.get()
    assert (story.status, story.author, story.consent) == ("pending", alice, True)
    assertContains(response, "Waiting for a moderator")
    assertNotContains(client.get(COMMUNITY), "Diagnosed at 42")
    assertNotContains(as_user(bob).get(COMMUNITY), "Diagnosed at 42")


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"consent": ""}, "consent", "Tick the box to agree"),
        ({"title": ""}, "title", "Give your story a title."),
        ({"title": "   "}, "title", "Give your story a title."),
        ({"title": "x" * 121}, "title", "at most 120 characters"),
        ({"body": ""}, "body", "Write your story before sending it."),
        ({"body": "x" * 10_001}, "body", "Your story is 10,001 characters; the limit is 10,000. Nothing was lost"),
        ({"role": "doctor"}, "role", "Choose the role that describes you."),
    ],
)
def test_bad_story_input_is_refused_next_to_the_field_keeping_the_text(
    as_user, alice, condition, change, field, message
):
    response = as_user(alice).post(NEW, STORY | change)
    assert response.status_code == 200
    assert message in field_error(response, field)
    if "body" not in change:
        assertContains(response, "It took *three years*.</textarea>")
    assert not Story.objects.exists()


def test_story_rate_limit_keeps_the_text_and_saves_nothing(as_user, alice, condition, rate_limits):
    rate_limits(story={"user": (1, 3600), "ip": (100, 3600)})
    client = as_user(alice)
    client.post(NEW, STORY)
    response = client.post(NEW, STORY | {"title": "A second one", "body": "More to say."})
    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assertContains(response, 'value="A second one"', status_code=429)
    assertContains(response, "More to say.</textarea>", status_code=429)
    assert Story.objects.count() == 1


def test_previews_do_not_count_against_the_rate_limit(as_user, alice, condition, rate_limits):
    rate_limits(story={"user": (1, 3600), "ip": (100, 3600)})
    client = as_user(alice)
    for _ in range(3):
        client.post(NEW, STORY | {"preview": "1"})
    assert client.post(NEW, STORY).status_code == 302


def test_approved_story_shows_on_the_community_and_condition_pages(client, condition, make_story, moderator):
    story = make_story(condition, title="Finally a name for it")
    services.story_approve(story=story, moderator=moderator)
    assertContains(client.get(COMMUNITY), "Finally a name for it")
    assertContains(client.get("/conditions/lems/"), "Finally a name for it")


def test_condition_page_shows_the_newest_three_stories(client, condition, make_story):
    for n in range(5):
        make_story(condition, title=f"Story number {n}", status="approved")
    response = client.get("/conditions/lems/")
    for n in [2, 3, 4]:
        assertContains(response, f"Story number {n}")
    assertNotContains(response, "Story number 1")


def test_community_stories_are_paginated(client, condition, make_story):
    for n in range(12):
        make_story(condition, title=f"Story {n:02}", status="approved")
    first, second = client.get(COMMUNITY), client.get(COMMUNITY + "?page=2")
    assertContains(first, "Story 11")
    assertNotContains(first, "Story 01")
    assertContains(first, "Page 1 of 2")
    assertContains(second, "Story 01")
    assertNotContains(second, "Story 11")


def test_rejected_story_shows_its_reason_to_the_author_only(
    as_user, alice, bob, client, condition, make_story, moderator
):
    story = make_story(condition, author=alice, title="Not this one")
    services.story_reject(story=story, moderator=moderator, reason="It names your neurologist; please remove the name.")
    assertContains(as_user(alice).get("/accounts/me/"), "It names your neurologist")
    assertNotContains(client.get(COMMUNITY), "Not this one")
    assertNotContains(as_user(bob).get(COMMUNITY), "It names your neurologist")


def test_rejection_needs_a_reason(condition, make_story, moderator):
    story = make_story(condition)
    with pytest.raises(Exception, match="Tell the author why"):
        services.story_reject(story=story, moderator=moderator, reason="  ")
    story.refresh_from_db()
    assert story.status == "pending"


def test_the_author_is_told_when_a_moderator_edited_the_story(as_user, alice, condition, make_story, moderator):
    story = make_story(condition, author=alice, body="Dr Smith at St Mary's in Leeds, March 2024.")
    services.story_moderator_edit(
        story=story, moderator=moderator, title=story.title, body="My neurologist, in 2024.", note="Removed the names."
    )
    services.story_approve(story=story, moderator=moderator)
    response = as_user(alice).get("/accounts/me/")
    assertContains(response, "A moderator edited your story")
    assertContains(response, "Removed the names.")
    story.refresh_from_db()
    assert "Dr Smith" not in story.body_html


def test_editing_sends_the_story_back_to_moderation(as_user, alice, client, condition, make_story):
    story = make_story(condition, author=alice, title="Old title", status="approved")
    response = as_user(alice).post(f"/conditions/lems/stories/{story.pk}/edit/", STORY | {"title": "New title"})
    assertRedirects(response, f"/accounts/me/#story-{story.pk}", fetch_redirect_response=False)
    story.refresh_from_db()
    assert (story.title, story.status) == ("New title", "pending")
    assertNotContains(client.get(COMMUNITY), "New title")


def test_the_author_can_withdraw(as_user, alice, client, condition, make_story):
    story = make_story(condition, author=alice, title="Withdraw me", status="approved")
    client_alice = as_user(alice)
    assert client_alice.get(f"/conditions/lems/stories/{story.pk}/withdraw/").status_code == 405
    client_alice.post(f"/conditions/lems/stories/{story.pk}/withdraw/")
    story.refresh_from_db()
    assert story.status == "withdrawn"
    assertNotContains(client.get(COMMUNITY), "Withdraw me")


def test_nobody_else_can_edit_or_withdraw_a_story(as_user, alice, bob, condition, make_story):
    story = make_story(condition, author=alice, status="approved")
    client = as_user(bob)
    assert client.get(f"/conditions/lems/stories/{story.pk}/edit/").status_code == 404
    assert client.post(f"/conditions/lems/stories/{story.pk}/edit/", STORY).status_code == 404
    assert client.post(f"/conditions/lems/stories/{story.pk}/withdraw/").status_code == 404
    story.refresh_from_db()
    assert story.status == "approved"


def test_stories_are_anonymous_unless_the_author_chooses_their_name(client, alice, condition, make_story):
    make_story(condition, author=alice, title="Anonymous one", role="caregiver", status="approved")
    make_story(condition, author=alice, title="Named one", show_name=True, status="approved")
    response = client.get(COMMUNITY)
    assertContains(response, "By Anonymous caregiver")
    assertContains(response, "By Alice Liddell", count=1)
    assertNotContains(response, "alice@example.org")


def test_a_logged_in_reader_reports_a_story_once(as_user, bob, alice, condition, make_story):
    story = make_story(condition, author=alice, status="approved")
    client = as_user(bob)
    url = f"/conditions/lems/stories/{story.pk}/report/"
    assertContains(client.get(COMMUNITY), url)
    response = client.post(url, {"reason": "It names a nurse."}, follow=True)
    assertContains(response, "A moderator will look at this story.")
    response = client.post(url, {"reason": "Again"}, follow=True)
    assertContains(response, "You have already reported this story")
    assert StoryReport.objects.get().reason == "It names a nurse."
    assert list(Story.objects.reported()) == [story]


def test_reporting_needs_an_account_a_reason_and_an_approved_story(as_user, client, bob, alice, condition, make_story):
    story = make_story(condition, author=alice, status="approved")
    url = f"/conditions/lems/stories/{story.pk}/report/"
    assertNotContains(client.get(COMMUNITY), url)
    assertRedirects(client.post(url, {"reason": "x"}), f"/accounts/login/?next={url}")
    response = as_user(bob).post(url, {"reason": ""})
    assert field_error(response, "reason") == "Tell the moderators what is wrong."
    pending = make_story(condition, author=alice)
    assert as_user(bob).get(f"/conditions/lems/stories/{pending.pk}/report/").status_code == 404
    assert not StoryReport.objects.exists()


def test_report_rate_limit_keeps_the_reason(as_user, bob, condition, make_story, rate_limits):
    rate_limits(report={"user": (1, 3600), "ip": (100, 3600)})
    first, second = make_story(condition, status="approved"), make_story(condition, status="approved")
    client = as_user(bob)
    client.post(f"/conditions/lems/stories/{first.pk}/report/", {"reason": "Spam"})
    response = client.post(f"/conditions/lems/stories/{second.pk}/report/", {"reason": "Also spam, selling pills"})
    assert response.status_code == 429
    assertContains(response, "Also spam, selling pills</textarea>", status_code=429)
    assert StoryReport.objects.count() == 1


def test_honeypot_on_story_and_report_forms_stops_bots(as_user, alice, bob, condition, make_story):
    response = as_user(alice).post(NEW, STORY | {"website": "http://spam.example"})
    assertContains(response, "could not be sent")
    assertContains(response, "It took *three years*.</textarea>")
    story = make_story(condition, author=alice, status="approved")
    response = as_user(bob).post(f"/conditions/lems/stories/{story.pk}/report/", {"reason": "x", "website": "y"})
    assertContains(response, "could not be sent")
    assert Story.objects.count() == 1
    assert not StoryReport.objects.exists()


def test_preview_refuses_a_story_over_the_length_limit(as_user, alice, condition):
    response = as_user(alice).post(NEW, STORY | {"body": "[" * 10_001, "preview": "1"})
    assertContains(response, "Your story is 10,001 characters; the limit is 10,000.", status_code=400)
    assertContains(response, 'id="preview" aria-labelledby="preview-heading" tabindex="-1" hidden', status_code=400)


def test_previews_are_rate_limited(as_user, alice, condition, rate_limits):
    rate_limits(preview={"user": (2, 600), "ip": (100, 600)})
    client = as_user(alice)
    for _ in range(2):
        assertContains(client.post(NEW, STORY | {"preview": "1"}), "<em>three years</em>")
    response = client.post(NEW, STORY | {"preview": "1"})
    assertContains(response, "too many times", status_code=429)
    assertNotContains(response, "<em>three years</em>", status_code=429)
    assertContains(response, 'value="Diagnosed at 42"', status_code=429)  # what was typed is kept


def test_sending_the_same_form_twice_stores_one_story(as_user, alice, condition):
    client = as_user(alice)
    token = client.get(NEW).context["form"]["token"].value()
    first = client.post(NEW, STORY | {"token": token})
    again = client.post(NEW, STORY | {"token": token})
    assert Story.objects.count() == 1
    assert again.status_code == 302
    assert again["Location"] == first["Location"] == f"/accounts/me/#story-{Story.objects.get().pk}"
    # A new form is a new story.
    client.post(NEW, STORY | {"token": client.get(NEW).context["form"]["token"].value()})
    assert Story.objects.count() == 2
