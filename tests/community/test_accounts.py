import re

import pytest
from django.core import mail
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from community.models import User

from .helpers import field_error

SIGNUP = "/accounts/signup/"
GOOD = {"email": "Carer@Example.org", "display_name": "Sam", "password": "a-long-and-unusual-passphrase"}


@pytest.mark.django_db
def test_signup_creates_the_account_logs_in_and_opens_my_account(client):
    response = client.post(SIGNUP, GOOD, follow=True)
    assertRedirects(response, "/accounts/me/")
    assertContains(response, "Welcome, Sam")
    user = User.objects.get()
    assert user.email == "carer@example.org"  # stored in lower case: logging in ignores case
    assert user.display_name == "Sam"
    assert "carer" not in user.username  # the username is never shown, but keep the address out of it


@pytest.mark.django_db
def test_signup_goes_back_to_where_the_member_came_from(client):
    response = client.post(SIGNUP, GOOD | {"next": "/conditions/lems/community/?role=caregiver#membership"})
    assert response.status_code == 302
    assert response["Location"] == "/conditions/lems/community/?role=caregiver#membership"


@pytest.mark.django_db
def test_signup_ignores_a_next_address_on_another_site(client):
    response = client.post(SIGNUP, GOOD | {"next": "https://evil.example/"})
    assert response["Location"] == "/accounts/me/"


def test_duplicate_email_in_any_case_is_refused_next_to_the_field_keeping_the_input(client, alice):
    response = client.post(SIGNUP, GOOD | {"email": "ALICE@example.org", "display_name": "Second Alice"})
    assert response.status_code == 200
    assert "already exists" in field_error(response, "email")
    assertContains(response, 'value="Second Alice"')
    assertContains(response, 'value="a-long-and-unusual-passphrase"')  # not lost either
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"email": "not-an-address"}, "email", "Enter an e-mail address like name@example.org."),
        ({"display_name": "   "}, "display_name", "Enter a display name."),
        ({"password": ""}, "password", "Choose a password."),
        ({"display_name": "x" * 61}, "display_name", "at most 60 characters"),
        ({"password": "12345678"}, "password", "too common"),
        ({"password": "short"}, "password", "too short"),
        ({"email": "x" * 250 + "@example.org"}, "email", "at most 254 characters"),
    ],
)
@pytest.mark.django_db
def test_bad_signup_input_gets_a_clear_message_next_to_the_field_and_writes_nothing(client, change, field, message):
    response = client.post(SIGNUP, GOOD | change)
    assert response.status_code == 200
    assert message in field_error(response, field)
    for other in {"email", "display_name"} - set(change):
        assertContains(response, f'value="{GOOD[other]}"')
    assert not User.objects.exists()


@pytest.mark.django_db
def test_honeypot_filled_in_creates_no_account(client):
    response = client.post(SIGNUP, GOOD | {"website": "http://spam.example"})
    assert response.status_code == 200
    assertContains(response, "could not be sent")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_signup_rate_limit_per_address_keeps_the_form_and_writes_nothing(client, rate_limits):
    rate_limits(signup={"ip": (1, 3600)})
    client.post(SIGNUP, GOOD)
    other = type(client)()  # a second visitor from the same address
    response = other.post(SIGNUP, GOOD | {"email": "second@example.org", "display_name": "Second"})
    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assertContains(response, 'value="second@example.org"', status_code=429)
    assertContains(response, 'value="Second"', status_code=429)
    assert not User.objects.filter(email="second@example.org").exists()


def test_login_accepts_the_email_in_any_case(client, alice):
    response = client.post("/accounts/login/", {"username": "Alice@Example.ORG", "password": "alice-password-2026"})
    assertRedirects(response, "/accounts/me/")


def test_wrong_password_says_so_and_keeps_the_email(client, alice):
    response = client.post("/accounts/login/", {"username": "alice@example.org", "password": "nope"})
    assertContains(response, "Please enter a correct e-mail address and password")
    assertContains(response, 'value="alice@example.org"')


def test_logout_is_a_post(as_user, alice):
    client = as_user(alice)
    assert client.get("/accounts/logout/").status_code == 405
    assertRedirects(client.post("/accounts/logout/"), "/", fetch_redirect_response=False)
    assertRedirects(client.get("/accounts/me/"), "/accounts/login/?next=/accounts/me/")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice):
    response = client.post("/accounts/password-reset/", {"email": "ALICE@example.org"})
    assertRedirects(response, "/accounts/password-reset/sent/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert mail.outbox[0].subject == "Reset your DiseaseMaps password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session-bound URL
    response = client.post(
        form_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )
    assertRedirects(response, "/accounts/reset/done/")
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, alice):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assertRedirects(response, "/accounts/password-reset/sent/")
    assert mail.outbox == []


def test_password_reset_honeypot_sends_nothing(client, alice):
    response = client.post("/accounts/password-reset/", {"email": "alice@example.org", "website": "x"})
    assertContains(response, "could not be sent")
    assert mail.outbox == []


def test_my_account_shows_my_own_email_only_to_me(as_user, alice):
    assertContains(as_user(alice).get("/accounts/me/"), "alice@example.org")


@pytest.mark.django_db
def test_account_pages_are_styled_like_the_site(client):
    for url in [SIGNUP, "/accounts/login/", "/accounts/password-reset/"]:
        response = client.get(url)
        assertContains(response, 'class="site-header"')
        assertNotContains(response, "Django administration")


def test_member_signup_refuses_a_taken_address_even_past_the_form(alice):
    from django.core.exceptions import ValidationError

    from community import services

    with pytest.raises(ValidationError, match="already exists"):
        services.member_signup(email="ALICE@example.org", password="x-long-passphrase", display_name="A")
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1


def test_password_reset_rate_limit_per_address(client, alice, rate_limits):
    rate_limits(password_reset={"ip": (1, 3600)})
    client.post("/accounts/password-reset/", {"email": "alice@example.org"})
    response = client.post("/accounts/password-reset/", {"email": "alice@example.org"})
    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assertContains(response, 'value="alice@example.org"', status_code=429)
    assert len(mail.outbox) == 1
