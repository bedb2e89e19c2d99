"""A visitor who presses Join comes back a member once they have signed up or logged in, with
nothing to press again; consent to keeping health-related data is asked, recorded and can be
withdrawn; the privacy notice says what is kept."""

import re

import pytest
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from community.models import Follow, Membership, User
from conditions.models import SiteText

from .helpers import field_error

COMMUNITY = "/conditions/lems/community/"
JOIN = "/conditions/lems/join/"
SIGNUP = {
    "email": "robin@example.org",
    "display_name": "Robin",
    "password": "caring-for-dad-since-2019",
    "health_data_consent": "on",
    "age_confirmed": "on",
}


def confirmation_path(message):
    return re.search(r"http://127\.0\.0\.1:8000(/accounts/confirm/\S+)", message.body).group(1)


def test_join_through_sign_up_finishes_after_confirming(client, condition, run_tasks):
    response = client.post(JOIN, {"role": "caregiver"}, follow=True)
    assertContains(response, "Log in or sign up to join the Lambert-Eaton myasthenic syndrome community.")
    client.post("/accounts/signup/", SIGNUP | {"next": COMMUNITY + "?role=caregiver#membership"})
    [message] = run_tasks()
    link = confirmation_path(message)
    # Opened in another browser (no session): the link itself carries the join.
    other_browser = Client()
    page = other_browser.get(link)
    assertContains(page, 'name="join"')
    assert not Membership.objects.exists()  # opening the link joins nothing
    response = other_browser.post(link, {"password": SIGNUP["password"], **hidden_fields(page)}, follow=True)
    assertRedirects(response, COMMUNITY + "#membership")
    assertContains(response, "Welcome, Robin")
    assertContains(response, "You joined the Lambert-Eaton myasthenic syndrome community as a caregiver.")
    assertContains(response, "Your membership")
    membership = Membership.objects.get()
    assert (membership.user.email, membership.role, membership.is_public) == ("robin@example.org", "caregiver", False)
    assert Follow.objects.filter(user=membership.user, condition=condition).exists()


def hidden_fields(response):
    html = response.content.decode()
    return dict(re.findall(r'<input type="hidden" name="(next|join)" value="([^"]*)"', html))


def test_join_through_log_in_finishes_at_once(client, alice, condition):
    client.post(JOIN, {"role": "family", "is_public": "on"})
    response = client.post(
        "/accounts/login/?next=" + COMMUNITY,
        {"username": "alice@example.org", "password": "alice-password-2026"},
        follow=True,
    )
    assertRedirects(response, COMMUNITY + "#membership")
    assertContains(response, "You joined the Lambert-Eaton myasthenic syndrome community as a family member.")
    membership = Membership.objects.get(user=alice)
    assert (membership.role, membership.is_public) == ("family", True)
    client.get("/")
    assert Membership.objects.count() == 1  # done once: a later page does not join again


def test_a_member_without_consent_is_asked_before_the_join_finishes(client, make_user, condition):
    make_user(email="old@example.org", password="an-old-members-password", health_data_consent_at=None)
    client.post(JOIN, {"role": "patient"})
    response = client.post(
        "/accounts/login/", {"username": "old@example.org", "password": "an-old-members-password"}, follow=True
    )
    assertContains(response, "One step left to join the Lambert-Eaton myasthenic syndrome community")
    assert not Membership.objects.exists()
    refused = client.post(JOIN, {"role": "patient"})
    assert "Tick this box to agree" in field_error(refused, "health_data_consent")
    client.post(JOIN, {"role": "patient", "health_data_consent": "on"})
    assert Membership.objects.filter(user__email="old@example.org").exists()
    assert User.objects.get(email="old@example.org").health_data_consent_at is not None


def test_a_forged_join_in_the_link_joins_nothing(client, condition, run_tasks):
    client.post("/accounts/signup/", SIGNUP)
    link = confirmation_path(run_tasks()[0])
    client.post(link, {"password": SIGNUP["password"], "join": "slug:lems:patient"})
    assert User.objects.get().is_active
    assert not Membership.objects.exists()


# --- consent --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "missing, message",
    [
        ("health_data_consent", "Tick this box to agree, or we cannot keep your communities and stories."),
        ("age_confirmed", "DiseaseMaps accounts are for people aged 16 or older."),
    ],
)
def test_sign_up_needs_consent_and_age(client, db, missing, message):
    data = {k: v for k, v in SIGNUP.items() if k != missing}
    response = client.post("/accounts/signup/", data)
    assert message in field_error(response, missing)
    assert not User.objects.exists()
    assertContains(response, 'value="caring-for-dad-since-2019"')  # what was typed is kept


def test_sign_up_records_when_consent_was_given(client, db):
    client.post("/accounts/signup/", SIGNUP)
    user = User.objects.get()
    assert user.health_data_consent_at is not None
    assert user.age_confirmed_at is not None


def test_the_account_page_shows_consent_and_withdrawing_leaves_the_communities(
    as_user, alice, condition, make_condition
):
    from community import services

    services.membership_join(user=alice, condition=condition, role="patient")
    other = make_condition(name="Myasthenia gravis", slug="mg")
    services.condition_follow(user=alice, condition=other)
    client = as_user(alice)
    page = client.get("/accounts/me/")
    assertContains(page, f"On {alice.health_data_consent_at:%-d %B %Y} you agreed")
    assertContains(page, "Withdraw my consent and leave my communities")
    assertContains(page, "Myasthenia gravis")  # followed without joining
    response = client.post("/accounts/me/consent/", {"action": "withdraw"}, follow=True)
    assertContains(response, "Your consent is withdrawn. You left 1 community (Lambert-Eaton myasthenic syndrome)")
    assert not alice.memberships.exists()
    assert not alice.follows.exists()
    alice.refresh_from_db()
    assert alice.health_data_consent_at is None
    assertContains(response, "you are in no community and follow no page")
    client.post("/accounts/me/consent/", {"action": "give"})
    alice.refresh_from_db()
    assert alice.health_data_consent_at is not None


def test_email_choices_are_saved_on_the_account_page(as_user, alice):
    response = as_user(alice).post("/accounts/me/", {"page_updates": "weekly"}, follow=True)
    assertContains(response, "Your e-mail choices are saved.")
    alice.refresh_from_db()
    assert (alice.page_updates, alice.story_emails) == ("weekly", False)


def test_following_a_page_without_joining(as_user, bob, condition, client):
    member_client = as_user(bob)
    response = member_client.post("/conditions/lems/follow/", follow=True)
    assertContains(response, "You follow the Lambert-Eaton myasthenic syndrome page")
    assertContains(response, "Stop following")
    assert not Membership.objects.exists()
    assertNotContains(client.get(COMMUNITY), "Bob Builder")  # nobody else sees it
    member_client.post("/conditions/lems/follow/", {"unfollow": "1"})
    assert not Follow.objects.exists()


def test_the_privacy_page_says_what_is_kept_and_staff_can_edit_it(client, db):
    page = client.get("/privacy/")
    assertContains(page, "<h1>Privacy</h1>", html=True)
    for said in ["What we keep", "Who sees it", "How long", "Download my data", "Delete your account"]:
        assertContains(page, said)
    SiteText.objects.create(key=SiteText.Key.PRIVACY_NOTICE, text="## Our notice\n\nWe keep <script>x</script> little.")
    page = client.get("/privacy/")
    assertContains(page, "<h2>Our notice</h2>", html=True)
    assertNotContains(page, "<script>x")
    assertContains(client.get("/accounts/signup/"), 'href="/privacy/"')


def test_editors_find_the_privacy_notice_among_the_site_texts(as_user, editor):
    client = as_user(editor)
    assertContains(client.get("/admin/conditions/sitetext/"), "Privacy notice")
    text = SiteText.objects.get(key=SiteText.Key.PRIVACY_NOTICE)
    assert "What we keep" in text.text
