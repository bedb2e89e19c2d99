"""The public sees counts, never who is a member; small counts are not exact; no e-mail address is
ever shown to anyone but its owner."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

COMMUNITY = "/conditions/lems/community/"
CONDITION = "/conditions/lems/"


@pytest.fixture
def small_community(condition, make_membership, alice):
    make_membership(condition, user=alice, role="patient")
    for _ in range(2):
        make_membership(condition, role="caregiver")
    return condition


def test_below_the_threshold_the_public_sees_neither_the_number_nor_the_roles(client, small_community):
    for url in [COMMUNITY, CONDITION]:
        response = client.get(url)
        assertContains(response, "Fewer than 10 members")
        assertNotContains(response, "3 members")
        assertNotContains(response, 'class="role-counts"')


def test_members_of_a_small_community_see_the_same_guarded_count(as_user, alice, small_community):
    response = as_user(alice).get(COMMUNITY)
    assertContains(response, "Fewer than 10 members")
    assertNotContains(response, 'class="role-counts"')


def test_the_threshold_is_a_setting(client, small_community, settings):
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 3
    assertContains(client.get(COMMUNITY), "<strong>3 members</strong>", html=True)


def test_at_the_threshold_the_count_and_roles_are_exact(client, condition, make_membership):
    for role in ["patient"] * 6 + ["caregiver"] * 3 + ["clinician"]:
        make_membership(condition, role=role)
    response = client.get(COMMUNITY)
    assertContains(response, "<strong>10 members</strong>", html=True)
    assertContains(response, "<li><span>Patient</span> <strong>6</strong></li>", html=True)
    assertContains(response, "<li><span>Caregiver</span> <strong>3</strong></li>", html=True)
    assertContains(response, "<li><span>Family member</span> <strong>0</strong></li>", html=True)
    assertContains(client.get(CONDITION), "10 members")


def test_the_count_is_exact_right_after_my_own_join(as_user, alice, condition, make_membership):
    for _ in range(10):
        make_membership(condition)
    client = as_user(alice)
    assertContains(client.get(COMMUNITY), "<strong>10 members</strong>", html=True)
    response = client.post("/conditions/lems/join/", {"role": "caregiver"}, follow=True)
    assertContains(response, "<strong>11 members</strong>", html=True)
    assertContains(response, "<li><span>Caregiver</span> <strong>1</strong></li>", html=True)
    response = client.post("/conditions/lems/leave/", follow=True)
    assertContains(response, "<strong>10 members</strong>", html=True)


def test_private_members_are_never_named(client, as_user, bob, alice, condition, make_membership):
    for _ in range(12):
        make_membership(condition)
    make_membership(condition, user=alice)
    for response in [client.get(COMMUNITY), client.get(CONDITION), as_user(bob).get(COMMUNITY)]:
        assertNotContains(response, "Alice Liddell")
        assertNotContains(response, "alice@example.org")


def test_a_member_who_opts_in_is_listed_by_display_name_but_never_by_email(client, alice, condition, make_membership):
    make_membership(condition, user=alice, is_public=True)
    response = client.get(COMMUNITY)
    assertContains(response, "<li>Alice Liddell</li>", html=True)
    assertNotContains(response, "alice@example.org")


def test_a_listed_member_without_a_display_name_is_not_listed(client, make_user, condition, make_membership):
    make_membership(condition, user=make_user(display_name="", email="nameless@example.org"), is_public=True)
    response = client.get(COMMUNITY)
    assertNotContains(response, "Members who chose to be listed")
    assertNotContains(response, "nameless")


def test_no_page_shows_an_email_address_to_another_member(as_user, alice, bob, condition, make_membership, make_story):
    make_membership(condition, user=alice, is_public=True)
    story = make_story(condition, author=alice, show_name=True, status="approved")
    client = as_user(bob)
    for url in [COMMUNITY, CONDITION, "/accounts/me/", f"/conditions/lems/stories/{story.pk}/report/", "/"]:
        assertNotContains(client.get(url), "alice@example.org")


def test_a_story_by_a_deleted_member_stays_anonymous(client, alice, condition, make_story):
    from community import services

    make_story(condition, author=alice, title="Kept", show_name=True, status="approved")
    services.member_delete(user=alice, keep_stories=True)
    response = client.get(COMMUNITY)
    assertContains(response, "Kept")
    assertContains(response, "By Anonymous patient")
    assertNotContains(response, "Alice Liddell")
