"""E-mails to members, sent by the task queue's worker: to an author when a moderator decides on
their story, to followers when a page's medical content is published after review. Each is sent
once, to the right person alone, never for a write that rolled back, never after unsubscribing,
and its unsubscribe link works without logging in."""

import datetime
import re

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pytest_django.asserts import assertContains

from community import services
from community.models import Follow, PageUpdates

CHANGELIST = "/admin/community/story/"


class Rollback(Exception):
    pass


def unsubscribe_path(message):
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/unsubscribe/\S+/)", message.body).group(1)


def html_part(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# --- an author hears about their story ---------------------------------------------------------


def test_the_author_is_told_once_when_their_story_is_approved(alice, moderator, condition, make_story, run_tasks):
    story = make_story(condition, author=alice, title="Learning to help Dad")
    services.story_approve(story=story, moderator=moderator)
    services.story_approve(story=story, moderator=moderator)  # approving again tells nobody again
    [message] = run_tasks()
    assert message.to == ["alice@example.org"]
    assert message.cc == message.bcc == []
    assert message.subject == "Your story “Learning to help Dad” is published"
    assert "http://127.0.0.1:8000/conditions/lems/community/#story-" in message.body
    assert "Learning to help Dad" in html_part(message)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{unsubscribe_path(message)}>"
    assert run_tasks() == [message]  # nothing more to send


def test_a_rejection_tells_the_author_the_moderators_reason(alice, moderator, condition, make_story, run_tasks):
    story = make_story(condition, author=alice, title="Our year")
    services.story_reject(
        story=story, moderator=moderator, reason="It names your son's school; remove it and send again."
    )
    [message] = run_tasks()
    assert message.to == ["alice@example.org"]
    assert message.subject == "Your story “Our year” was not published"
    assert "Their reason: It names your son's school; remove it and send again." in message.body
    assert "It names your son&#x27;s school" in html_part(message)


def test_a_moderators_edit_tells_the_author_with_the_note(alice, moderator, condition, make_story, run_tasks):
    story = make_story(condition, author=alice, status="approved", body="Dr Jones at St Mary's was kind.")
    services.story_moderator_edit(
        story=story,
        moderator=moderator,
        title=story.title,
        body="The doctor was kind.",
        note="Removed the doctor's name.",
    )
    [message] = run_tasks()
    assert message.to == ["alice@example.org"]
    assert message.subject == "A moderator edited your story “My story”"
    assert "Their note: Removed the doctor's name." in message.body


def test_approve_and_reject_buttons_tell_the_author(as_user, alice, moderator, condition, make_story, run_tasks):
    mod = as_user(moderator)
    story = make_story(condition, author=alice, title="Pacing")
    page = mod.get(f"{CHANGELIST}{story.pk}/change/")
    assertContains(page, 'value="Approve and publish"')
    seen = page.context["adminform"].form["seen_version"].value()
    response = mod.post(f"{CHANGELIST}{story.pk}/approve/", {"seen_version": seen}, follow=True)
    assertContains(response, "“Pacing” is approved and published; its author is told by e-mail.")
    other = make_story(condition, author=alice, title="Too much detail")
    seen = other.version_token()
    asked = mod.post(f"{CHANGELIST}{other.pk}/reject/", {"seen_version": seen, "rejection_reason": ""})
    assertContains(asked, "Reason the author will read")
    refused = mod.post(
        f"{CHANGELIST}{other.pk}/reject/", {"seen_version": seen, "confirm": "1", "rejection_reason": " "}
    )
    assertContains(refused, "Tell the author why the story was not published.")
    mod.post(
        f"{CHANGELIST}{other.pk}/reject/", {"seen_version": seen, "confirm": "1", "rejection_reason": "Names a nurse."}
    )
    subjects = sorted(m.subject for m in run_tasks())
    assert subjects == ["Your story “Pacing” is published", "Your story “Too much detail” was not published"]


def test_the_approve_button_refuses_a_story_changed_since_it_was_shown(
    as_user, alice, moderator, condition, make_story, run_tasks
):
    story = make_story(condition, author=alice, title="First draft")
    seen = story.version_token()
    services.story_update(story=story, title="Second draft", body="New words.", role="patient", show_name=False)
    response = as_user(moderator).post(f"{CHANGELIST}{story.pk}/approve/", {"seen_version": seen}, follow=True)
    assertContains(response, "This story changed after you opened it")
    story.refresh_from_db()
    assert story.status == "pending"
    assert run_tasks() == []


def test_approving_in_the_change_form_sends_one_email(as_user, alice, moderator, condition, make_story, run_tasks):
    from .test_moderation_admin import change_form_data

    story = make_story(condition, author=alice, body="Call me on 07700 900123.")
    data = change_form_data(story, status="approved", body="Call me.", moderator_note="Removed a phone number.")
    as_user(moderator).post(f"{CHANGELIST}{story.pk}/change/", data)
    [message] = run_tasks()  # the edit and the approval: one e-mail that says both
    assert message.subject == "Your story “My story” is published"
    assert "Removed a phone number." in message.body


def test_a_rolled_back_moderation_sends_nothing(alice, moderator, condition, make_story, run_tasks):
    story = make_story(condition, author=alice)
    with pytest.raises(Rollback), transaction.atomic():
        services.story_approve(story=story, moderator=moderator)
        raise Rollback
    with pytest.raises(Rollback), transaction.atomic():
        services.story_reject(story=story, moderator=moderator, reason="No.")
        raise Rollback
    assert run_tasks() == []


def test_an_author_who_unsubscribed_hears_nothing(alice, moderator, condition, make_story, run_tasks):
    alice.story_emails = False
    alice.save()
    services.story_approve(story=make_story(condition, author=alice), moderator=moderator)
    assert run_tasks() == []


def test_the_unsubscribe_link_works_logged_out(alice, moderator, condition, make_story, run_tasks):
    services.story_approve(story=make_story(condition, author=alice), moderator=moderator)
    [message] = run_tasks()
    path = unsubscribe_path(message)
    visitor = Client(enforce_csrf_checks=True)  # logged out, as a mail program is
    assertContains(visitor.get(path), "Stop e-mails about your stories?")
    alice.refresh_from_db()
    assert alice.story_emails  # opening the link (a link scanner) changes nothing
    assertContains(visitor.post(path), "Done: you will get no more e-mails about your stories.")
    alice.refresh_from_db()
    assert not alice.story_emails
    services.story_approve(story=make_story(condition, author=alice), moderator=moderator)
    assert run_tasks() == [message]  # nothing new


def test_a_mail_programs_one_click_post_unsubscribes(alice, moderator, condition, make_story, run_tasks):
    services.story_approve(story=make_story(condition, author=alice), moderator=moderator)
    path = unsubscribe_path(run_tasks()[0])
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert not alice.story_emails


def test_a_forged_unsubscribe_link_does_nothing(client, alice, moderator, condition, make_story, run_tasks):
    services.story_approve(story=make_story(condition, author=alice), moderator=moderator)
    path = unsubscribe_path(run_tasks()[0])
    assertContains(client.post(path[:-3] + "xx/"), "This link does not work", status_code=400)
    alice.refresh_from_db()
    assert alice.story_emails


# --- followers hear about a page published after review ------------------------------------------


@pytest.fixture
def followers(condition, alice, bob, make_user, make_membership):
    """Alice is a private member (she follows by joining), Bob follows without joining, Carol does neither."""
    services.membership_join(user=alice, condition=condition, role="caregiver")
    services.condition_follow(user=bob, condition=condition)
    make_membership(condition, user=make_user(email="carol@example.org"))  # a member from before following existed
    Follow.objects.filter(user__email="carol@example.org").delete()
    return alice, bob


def sign_off_new_version(condition, reviewer):
    from conditions.models import Condition
    from conditions.workflow import review_sign_off

    Condition.objects.filter(pk=condition.pk).update(content_version=condition.content_version + 1)
    condition.refresh_from_db()
    return review_sign_off(condition=condition, reviewer=reviewer)


def test_followers_are_told_once_when_a_page_is_published_after_review(followers, condition, reviewer, run_tasks):
    sign_off_new_version(condition, reviewer)
    messages = run_tasks()
    assert sorted(m.to[0] for m in messages) == ["alice@example.org", "bob@example.org"]
    for message in messages:
        assert len(message.to) == 1 and message.cc == message.bcc == []
        assert message.subject == "Lambert-Eaton myasthenic syndrome: the page was updated after a medical review"
        assert "http://127.0.0.1:8000/conditions/lems/" in message.body
        other = "bob@example.org" if message.to == ["alice@example.org"] else "alice@example.org"
        assert other not in message.body + html_part(message)  # no other member's address or membership


def test_at_most_one_email_a_day_per_page(followers, condition, reviewer, run_tasks):
    sign_off_new_version(condition, reviewer)
    sign_off_new_version(condition, reviewer)
    assert len(run_tasks()) == 2  # one each for Alice and Bob, not four
    sign_off_new_version(condition, reviewer)
    assert len(run_tasks()) == 2


def test_a_second_review_of_the_same_words_tells_nobody(followers, condition, reviewer, run_tasks):
    from conditions.workflow import review_sign_off

    sign_off_new_version(condition, reviewer)
    first = run_tasks()
    from community.models import Notification

    Notification.objects.all().delete()  # as if a day had passed
    review_sign_off(condition=condition, reviewer=reviewer)  # re-review: no new medical content
    assert run_tasks() == first


def test_a_rolled_back_sign_off_tells_nobody(followers, condition, reviewer, run_tasks):
    with pytest.raises(Rollback), transaction.atomic():
        sign_off_new_version(condition, reviewer)
        raise Rollback
    assert run_tasks() == []


def test_followers_who_unsubscribed_or_withdrew_consent_hear_nothing(followers, condition, reviewer, run_tasks):
    alice, bob = followers
    alice.page_updates = PageUpdates.NEVER
    alice.save()
    services.member_consent_withdraw(user=bob)
    sign_off_new_version(condition, reviewer)
    assert run_tasks() == []


def test_the_page_update_unsubscribe_link_stops_page_emails(followers, condition, reviewer, run_tasks):
    alice, _ = followers
    sign_off_new_version(condition, reviewer)
    message = next(m for m in run_tasks() if m.to == ["alice@example.org"])
    Client().post(unsubscribe_path(message))
    alice.refresh_from_db()
    assert alice.page_updates == PageUpdates.NEVER
    assert alice.memberships.exists()  # still a member: only the e-mails stop


def test_a_weekly_digest_instead_of_an_email_per_update(followers, condition, make_condition, reviewer, run_tasks):
    alice, bob = followers
    alice.page_updates = PageUpdates.WEEKLY
    alice.save()
    other = make_condition(name="Myasthenia gravis", slug="mg")
    services.condition_follow(user=alice, condition=other)
    sign_off_new_version(condition, reviewer)
    sign_off_new_version(other, reviewer)
    assert [m.to for m in run_tasks()] == [["bob@example.org"]]  # Alice's digest waits for the week's end
    digest = DBTaskResult.objects.get(task_path__endswith="send_digest")
    assert digest.run_after > timezone.now() + datetime.timedelta(hours=1)
    DBTaskResult.objects.filter(pk=digest.pk).update(run_after=timezone.now())  # the week is over
    message = run_tasks()[-1]
    assert message.to == ["alice@example.org"]
    assert message.subject == "This week on DiseaseMaps: 2 pages you follow updated after review"
    assert "Lambert-Eaton myasthenic syndrome: http://127.0.0.1:8000/conditions/lems/" in message.body
    assert "Myasthenia gravis: http://127.0.0.1:8000/conditions/mg/" in message.body
    assert "List-Unsubscribe" in message.extra_headers


@pytest.mark.postgres
def test_notifications_on_postgresql(followers, alice, moderator, condition, reviewer, make_story, run_tasks):
    """The same rules on PostgreSQL: a rolled-back write sends nothing, the rest once."""
    story = make_story(condition, author=alice)
    with pytest.raises(Rollback), transaction.atomic():
        services.story_approve(story=story, moderator=moderator)
        sign_off_new_version(condition, reviewer)
        raise Rollback
    assert run_tasks() == []
    services.story_approve(story=story, moderator=moderator)
    sign_off_new_version(condition, reviewer)
    sign_off_new_version(condition, reviewer)
    assert sorted((m.to[0], m.subject[:10]) for m in run_tasks()) == [
        ("alice@example.org", "Lambert-Ea"),
        ("alice@example.org", "Your story"),
        ("bob@example.org", "Lambert-Ea"),
    ]
