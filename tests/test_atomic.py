"""No half-written actions: when a join, a leave, a story or a sign-off fails after its first
write (here the shared cache goes down as the write finishes, or the second write fails), the
member sees an error and the database holds exactly what it held before, so trying again
neither loses nor doubles anything."""

import datetime

import pytest
from django.test import Client

from community import services as community_services
from community.models import Membership, Story
from conditions import services as condition_services
from conditions.models import Condition, Review, Status
from diseasemaps import pagecache


class CacheDown:
    """Stands in for Redis gone away: every call fails, as redis-py's ConnectionError does."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("the cache is down")

        return fail


@pytest.fixture
def cache_down(monkeypatch):
    """Retiring cached pages (a post_save / post_delete receiver) fails after each row is written."""
    monkeypatch.setattr(pagecache, "cache", CacheDown())


@pytest.fixture
def condition(make_condition):
    return make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems")


@pytest.fixture
def member(make_user):
    return make_user(email="alice@example.org", password="alice-password-2026")


def logged_in(user):
    client = Client(raise_request_exception=False)  # the member sees the 500 page
    client.force_login(user)
    return client


# --- join and leave -------------------------------------------------------------------------


def test_a_join_that_fails_after_writing_leaves_no_membership(member, condition, cache_down):
    with pytest.raises(ConnectionError):
        community_services.membership_join(user=member, condition=condition, role="patient")
    assert not Membership.objects.exists()


def test_a_role_change_that_fails_after_writing_keeps_the_old_role(member, condition, make_membership, monkeypatch):
    make_membership(condition, user=member, role="patient")
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    with pytest.raises(ConnectionError):
        community_services.membership_join(user=member, condition=condition, role="caregiver", is_public=True)
    assert list(Membership.objects.values_list("role", "is_public")) == [("patient", False)]


def test_a_leave_that_fails_after_deleting_keeps_the_membership(member, condition, make_membership, monkeypatch):
    make_membership(condition, user=member)
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    with pytest.raises(ConnectionError):
        community_services.membership_leave(user=member, condition=condition)
    assert Membership.objects.filter(user=member, condition=condition).count() == 1


def test_a_failed_join_request_is_an_error_and_trying_again_joins_once(member, condition, monkeypatch):
    client = logged_in(member)
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    response = client.post("/conditions/lems/join/", {"role": "caregiver"})
    assert response.status_code == 500
    assert not Membership.objects.exists()

    monkeypatch.undo()  # the cache is back
    response = client.post("/conditions/lems/join/", {"role": "caregiver"})
    assert response.status_code == 302
    assert list(Membership.objects.values_list("user", "role")) == [(member.pk, "caregiver")]


def test_a_failed_leave_request_is_an_error_and_keeps_the_membership(member, condition, make_membership, monkeypatch):
    make_membership(condition, user=member)
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    response = logged_in(member).post("/conditions/lems/leave/")
    assert response.status_code == 500
    assert Membership.objects.filter(user=member).count() == 1


# --- stories --------------------------------------------------------------------------------

STORY = {"title": "Diagnosed at 42", "body": "It took *three years*.", "role": "patient", "show_name": False}


def test_a_story_that_fails_after_writing_is_not_saved(member, condition, cache_down):
    with pytest.raises(ConnectionError):
        community_services.story_submit(author=member, condition=condition, **STORY)
    assert not Story.objects.exists()


def test_a_failed_story_request_is_an_error_and_sending_again_saves_it_once(member, condition, monkeypatch):
    client = logged_in(member)
    form = STORY | {"show_name": "", "consent": "on"}
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    assert client.post("/conditions/lems/stories/new/", form).status_code == 500
    assert not Story.objects.exists()

    monkeypatch.undo()
    assert client.post("/conditions/lems/stories/new/", form).status_code == 302
    assert list(Story.objects.values_list("title", "status")) == [("Diagnosed at 42", "pending")]


def test_an_edit_that_fails_after_writing_keeps_the_approved_story(member, condition, make_story, monkeypatch):
    story = make_story(condition, author=member, title="First words", status="approved")
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    with pytest.raises(ConnectionError):
        community_services.story_update(
            story=story, title="New words", body="Changed.", role="patient", show_name=False
        )
    assert list(Story.objects.values_list("title", "status")) == [("First words", "approved")]


# --- review sign-off ------------------------------------------------------------------------


@pytest.fixture
def in_review(make_condition):
    return make_condition(name="Myasthenia gravis", slug="mg", status=Status.IN_REVIEW, summary="Short.")


def _state(condition):
    condition = Condition.objects.get(pk=condition.pk)
    return condition.status, condition.origin, condition.last_reviewed_on, condition.history.count()


def test_a_sign_off_that_fails_after_writing_the_review_leaves_the_page_as_it_was(in_review, reviewer, monkeypatch):
    before = _state(in_review)

    def second_write_fails(condition, **kwargs):
        raise ConnectionError("lost the database connection")

    monkeypatch.setattr(condition_services, "_save", second_write_fails)
    with pytest.raises(ConnectionError):
        condition_services.review_sign_off(condition=in_review, reviewer=reviewer)
    assert not Review.objects.exists()
    assert _state(in_review) == before


def test_a_sign_off_that_fails_after_publishing_leaves_the_page_in_review(in_review, reviewer, cache_down):
    before = _state(in_review)
    with pytest.raises(ConnectionError):
        condition_services.review_sign_off(condition=in_review, reviewer=reviewer)
    assert not Review.objects.exists()
    assert _state(in_review) == before
    assert before[0] == Status.IN_REVIEW


def test_a_failed_sign_off_request_is_an_error_and_signing_again_records_one_review(in_review, reviewer, monkeypatch):
    client = logged_in(reviewer)
    url = f"/admin/conditions/condition/{in_review.pk}/sign-off/"
    form = {"next_review_on": "2027-11-02", "notes": "Checked.", "version": in_review.content_version}
    monkeypatch.setattr(pagecache, "cache", CacheDown())
    assert client.post(url, form).status_code == 500
    assert not Review.objects.exists()
    assert Condition.objects.get(pk=in_review.pk).status == Status.IN_REVIEW

    monkeypatch.undo()
    assert client.post(url, form).status_code == 302
    assert list(Review.objects.values_list("next_review_on", flat=True)) == [datetime.date(2027, 11, 2)]
    assert Condition.objects.get(pk=in_review.pk).status == Status.PUBLISHED
