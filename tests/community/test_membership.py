import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from community.models import Membership, Story, StoryReport, User

from .helpers import checked_values, field_error

JOIN = "/conditions/lems/join/"
LEAVE = "/conditions/lems/leave/"
COMMUNITY = "/conditions/lems/community/"


def test_joining_in_a_role_creates_one_membership_and_says_so(as_user, alice, condition):
    response = as_user(alice).post(JOIN, {"role": "caregiver"}, follow=True)
    assertContains(response, "You joined the Lambert-Eaton myasthenic syndrome community as a caregiver.")
    assertContains(response, "You are a member as a <strong>caregiver</strong>")
    membership = Membership.objects.get(user=alice, condition=condition)
    assert membership.role == "caregiver"
    assert membership.is_public is False  # private unless the member opts in


def test_joining_twice_changes_nothing(as_user, alice, condition):
    client = as_user(alice)
    client.post(JOIN, {"role": "patient"})
    first = Membership.objects.get()
    client.post(JOIN, {"role": "patient"})
    assert Membership.objects.count() == 1
    assert Membership.objects.get().joined_at == first.joined_at


def test_joining_again_in_another_role_updates_the_role_not_the_count(as_user, alice, condition):
    client = as_user(alice)
    client.post(JOIN, {"role": "patient"})
    client.post(JOIN, {"role": "supporter", "is_public": "on"})
    membership = Membership.objects.get()
    assert (membership.role, membership.is_public) == ("supporter", True)


def test_join_and_leave_answer_post_only(as_user, alice, condition):
    client = as_user(alice)
    assert client.get(JOIN).status_code == 405
    assert client.get(LEAVE).status_code == 405
    assert not Membership.objects.exists()


def test_the_public_is_sent_to_log_in_and_comes_back_with_the_chosen_role(client, condition):
    response = client.post(JOIN, {"role": "caregiver"})
    assert response.status_code == 302
    assert response["Location"] == ("/accounts/login/?next=/conditions/lems/community/%3Frole%3Dcaregiver%23membership")
    assert not Membership.objects.exists()
    back = client.get("/conditions/lems/community/?role=caregiver")
    assert checked_values(back, "role") == ["caregiver"]


@pytest.mark.parametrize("role", ["", "doctor", "patient'; DROP TABLE"])
def test_a_wrong_role_is_refused_next_to_the_field(as_user, alice, condition, role):
    response = as_user(alice).post(JOIN, {"role": role})
    assert response.status_code == 200
    assert field_error(response, "role") == "Choose the role that describes you."
    assert not Membership.objects.exists()


def test_an_unknown_or_unpublished_condition_is_not_found(as_user, alice, make_condition):
    make_condition(slug="draft", status="draft")
    client = as_user(alice)
    assert client.post("/conditions/no-such-thing/join/", {"role": "patient"}).status_code == 404
    assert client.post("/conditions/draft/join/", {"role": "patient"}).status_code == 404
    assert client.get("/conditions/no-such-thing/community/").status_code == 404
    assert not Membership.objects.exists()


def test_leaving_deletes_the_membership_and_keeps_the_stories(as_user, alice, condition, make_membership, make_story):
    make_membership(condition, user=alice)
    story = make_story(condition, author=alice, status="approved")
    response = as_user(alice).post(LEAVE, follow=True)
    assertContains(response, "You left the Lambert-Eaton myasthenic syndrome community and no longer follow its page.")
    assert not Membership.objects.exists()
    assert Story.objects.filter(pk=story.pk, author=alice).exists()


def test_leaving_when_not_a_member_says_so(as_user, alice, condition):
    response = as_user(alice).post(LEAVE, follow=True)
    assertContains(response, "You are not a member")


def test_join_rate_limit_per_account_keeps_the_choice_and_writes_nothing(as_user, alice, condition, rate_limits):
    rate_limits(membership={"user": (2, 3600), "ip": (100, 3600)})
    client = as_user(alice)
    client.post(JOIN, {"role": "patient"})
    client.post(LEAVE)
    response = client.post(JOIN, {"role": "clinician"})
    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assert checked_values(response, "role") == ["clinician"]
    assert not Membership.objects.exists()


def test_join_rate_limit_per_address_covers_many_accounts(make_user, as_user, condition, rate_limits):
    rate_limits(membership={"user": (100, 3600), "ip": (3, 3600)})
    responses = [as_user(make_user()).post(JOIN, {"role": "patient"}) for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert Membership.objects.count() == 3


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_forms_without_a_csrf_token_are_refused(csrf_client, alice, bob, condition, make_story):
    story = make_story(condition, author=bob, status="approved")
    signup = {"email": "new@example.org", "display_name": "New", "password": "a-long-and-unusual-passphrase"}
    assert csrf_client.post("/accounts/signup/", signup).status_code == 403
    csrf_client.force_login(alice)
    posts = [
        (JOIN, {"role": "patient"}),
        (LEAVE, {}),
        ("/conditions/lems/stories/new/", {"title": "T", "body": "B", "role": "patient", "consent": "on"}),
        (f"/conditions/lems/stories/{story.pk}/report/", {"reason": "Spam"}),
        ("/accounts/me/delete/", {"stories": "delete", "password": "alice-password-2026"}),
    ]
    for url, data in posts:
        assert csrf_client.post(url, data).status_code == 403, url
    assert not User.objects.filter(email="new@example.org").exists()
    assert not Membership.objects.exists()
    assert Story.objects.count() == 1
    assert not StoryReport.objects.exists()
    assert User.objects.filter(pk=alice.pk).exists()


def test_the_community_page_offers_leave_only_to_members(as_user, alice, bob, condition, make_membership):
    make_membership(condition, user=alice)
    assertContains(as_user(alice).get(COMMUNITY), "Leave the Lambert-Eaton myasthenic syndrome community")
    assertNotContains(as_user(bob).get(COMMUNITY), "Leave the")
