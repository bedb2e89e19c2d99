import json

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from community.models import Membership, Story, StoryReport, User

from .helpers import field_error


@pytest.fixture
def alice_with_data(alice, bob, condition, make_membership, make_story):
    make_membership(condition, user=alice, role="caregiver", is_public=True)
    make_story(condition, author=alice, title="Alice's story", body="Our year.", status="approved")
    bobs = make_story(condition, author=bob, title="Bob's story", status="approved")
    StoryReport.objects.create(story=bobs, reporter=alice, reason="Names a doctor")
    make_membership(condition, user=bob)
    return alice


def test_export_is_a_json_download_of_my_data_only(as_user, alice_with_data):
    response = as_user(alice_with_data).get("/accounts/me/export/")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="diseasemaps-my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == "alice@example.org"
    assert data["account"]["display_name"] == "Alice Liddell"
    assert [(m["condition"], m["role"], m["listed_by_display_name"]) for m in data["memberships"]] == [
        ("Lambert-Eaton myasthenic syndrome", "caregiver", True)
    ]
    assert [(s["title"], s["body"], s["status"]) for s in data["stories"]] == [
        ("Alice's story", "Our year.", "approved")
    ]
    assert [r["reason"] for r in data["reports"]] == ["Names a doctor"]
    assert "bob@example.org" not in response.content.decode()
    assert "Bob's story" in response.content.decode()  # the story she reported, by title only


def test_export_needs_login(client, db):
    assertRedirects(client.get("/accounts/me/export/"), "/accounts/login/?next=/accounts/me/export/")


def test_deleting_my_account_with_my_stories(as_user, alice_with_data, condition):
    client = as_user(alice_with_data)
    response = client.post(
        "/accounts/me/delete/", {"stories": "delete", "password": "alice-password-2026"}, follow=True
    )
    assertContains(response, "Your account is deleted, with your e-mail address, memberships, follows and reports.")
    assertContains(response, "Your story is deleted too.")
    assert not User.objects.filter(email="alice@example.org").exists()
    assert not Story.objects.filter(title="Alice's story").exists()
    assert Membership.objects.filter(condition=condition).count() == 1  # Bob's
    assert not StoryReport.objects.exists()
    assert Story.objects.filter(title="Bob's story").exists()
    assertRedirects(client.get("/accounts/me/"), "/accounts/login/?next=/accounts/me/")


def test_deleting_my_account_keeping_my_stories_anonymised(as_user, alice_with_data):
    response = as_user(alice_with_data).post(
        "/accounts/me/delete/", {"stories": "keep", "password": "alice-password-2026"}, follow=True
    )
    assertContains(response, "Your story stays on the site anonymised: no name, and no link to you.")
    assertNotContains(response, "deleted too")
    assert not User.objects.filter(email="alice@example.org").exists()
    story = Story.objects.get(title="Alice's story")
    assert (story.author, story.show_name, story.status) == (None, False, "approved")
    assert story.byline == "Anonymous patient"


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"stories": "keep", "password": "wrong"}, "password", "That is not your password."),
        ({"password": "alice-password-2026"}, "stories", "Choose what happens to your stories."),
        ({"stories": "sell", "password": "alice-password-2026"}, "stories", "Select a valid choice."),
    ],
)
def test_deletion_with_bad_input_deletes_nothing(as_user, alice_with_data, data, field, message):
    response = as_user(alice_with_data).post("/accounts/me/delete/", data)
    assert response.status_code == 200
    assert message in field_error(response, field)
    assert User.objects.filter(email="alice@example.org").exists()
    assert Story.objects.filter(title="Alice's story").exists()


def test_my_account_lists_communities_roles_and_story_status(as_user, alice_with_data, condition, make_story):
    make_story(condition, author=alice_with_data, title="Waiting one")
    response = as_user(alice_with_data).get("/accounts/me/")
    assertContains(response, "caregiver, listed by your display name")
    assertContains(response, "Waiting one")
    assertContains(response, "Waiting for a moderator")
    assertContains(response, "Published")
