import re

import pytest
from django.core import mail
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from community.models import User

from .helpers import field_error

SIGNUP = "/accounts/signup/"
GOOD = {
    "email": "Carer@Example.org",
    "display_name": "Sam",
    "password": "a-long-and-unusual-passphrase",
    "health_data_consent": "on",
    "age_confirmed": "on",
}


def _confirmation_link(message):
    return re.search(r"http://127.0.0.1:8000(/accounts/confirm/\S+/)", message.body).group(1)


@pytest.mark.django_db
def test_signup_sends_a_confirmation_link_and_the_account_works_only_once_confirmed(client, run_tasks):
    response = client.post(SIGNUP, GOOD, follow=True)
    assertRedirects(response, "/accounts/signup/sent/")
    assertContains(response, "Check your inbox")
    user = User.objects.get()
    assert user.email == "carer@example.org"  # stored in lower case: logging in ignores case
    assert user.display_name == "Sam"
    assert "carer" not in user.username  # the username is never shown, but keep the address out of it
    assert "_auth_user_id" not in client.session
    login = {"username": "carer@example.org", "password": GOOD["password"]}
    assert client.post("/accounts/login/", login).status_code == 200  # not yet: unconfirmed

    [message] = run_tasks()
    assert message.to == ["carer@example.org"]
    assert message.subject == "Confirm your DiseaseMaps account"
    link = _confirmation_link(message)
    assertContains(client.get(link), "Confirm my account")  # a GET (a mail scanner) confirms nothing
    assert not User.objects.get().is_active
    response = client.post(link, {"password": GOOD["password"]}, follow=True)
    assertRedirects(response, "/accounts/me/")
    assertContains(response, "Welcome, Sam")
    client.post("/accounts/logout/")
    assert client.post("/accounts/login/", login).status_code == 302
    assert client.post(link, {"password": GOOD["password"]}).status_code == 400  # used once


@pytest.mark.django_db
def test_a_forged_or_expired_confirmation_link_does_nothing(client, run_tasks, settings):
    client.post(SIGNUP, GOOD)
    link = _confirmation_link(run_tasks()[0])
    assert client.post(link[:-3] + "xx/").status_code == 400
    settings.PASSWORD_RESET_TIMEOUT = -1  # every link has expired
    assertContains(client.post(link), "does not work", status_code=400)
    assert not User.objects.get().is_active


@pytest.mark.django_db
def test_confirming_goes_back_to_where_the_member_came_from(client, run_tasks):
    response = client.post(SIGNUP, GOOD | {"next": "/conditions/lems/community/?role=caregiver#membership"})
    assertRedirects(response, "/accounts/signup/sent/")
    link = _confirmation_link(run_tasks()[0])
    next_url = "/conditions/lems/community/?role=caregiver#membership"
    response = client.post(link, {"password": GOOD["password"], "next": next_url})
    assert response["Location"] == "/conditions/lems/community/?role=caregiver#membership"


@pytest.mark.django_db
def test_confirming_ignores_a_next_address_on_another_site(client, run_tasks):
    client.post(SIGNUP, GOOD)
    link = _confirmation_link(run_tasks()[0])
    response = client.post(link, {"password": GOOD["password"], "next": "https://evil.example/"})
    assert response["Location"] == "/accounts/me/"


def test_signup_with_a_known_address_answers_the_same_and_mails_its_owner_instead(client, alice, run_tasks):
    new = client.post(SIGNUP, GOOD | {"email": "new@example.org"}, follow=True)
    known = type(client)().post(SIGNUP, GOOD | {"email": "ALICE@example.org"}, follow=True)
    assert known.status_code == new.status_code == 200
    assert known.redirect_chain == new.redirect_chain
    assert known.content.decode().replace("alice@example.org", "new@example.org") == new.content.decode()
    assertNotContains(known, "already")
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    alice.refresh_from_db()
    assert alice.check_password("alice-password-2026")  # the stranger's password changed nothing
    sent = {m.to[0]: m for m in run_tasks()}
    assert sent["alice@example.org"].subject == "You already have a DiseaseMaps account"
    assert "/accounts/password-reset/" in sent["alice@example.org"].body
    assert "/accounts/confirm/" not in sent["alice@example.org"].body


@pytest.mark.django_db
def test_a_newer_signup_with_an_unconfirmed_address_replaces_the_older_one(client, run_tasks):
    client.post(SIGNUP, GOOD | {"password": "the-first-passphrase-x"})
    first = _confirmation_link(run_tasks()[0])
    client.post(SIGNUP, GOOD | {"password": "the-second-passphrase-y"})
    second = _confirmation_link(run_tasks()[1])
    assert client.post(first, {"password": "the-first-passphrase-x"}).status_code == 400
    assert client.post(second, {"password": "the-second-passphrase-y"}).status_code == 302
    assert User.objects.get().check_password("the-second-passphrase-y")


@pytest.mark.django_db
def test_a_stranger_who_signs_up_with_someone_elses_address_cannot_get_into_their_account(client, run_tasks):
    stranger, owner = client, type(client)()
    stranger.post(SIGNUP, GOOD | {"email": "owner@example.org", "password": "the-strangers-passphrase"})
    [message] = run_tasks()
    assert "If you did not sign up, ignore this e-mail: no account is created." in message.body
    link = _confirmation_link(message)

    # The owner follows the link anyway: confirming needs the password chosen at sign-up.
    assertContains(owner.get(link), "the password you chose when you signed up")
    response = owner.post(link, {"password": ""})
    assert "Enter the password you chose when you signed up." in field_error(response, "password")
    response = owner.post(link, {"password": "the-owners-own-passphrase"})
    assert "not the password chosen when this address was signed up" in field_error(response, "password")
    assert "If you did not sign up, you need do nothing" in field_error(response, "password")
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in owner.session
    login = {"username": "owner@example.org", "password": "the-strangers-passphrase"}
    assert type(client)().post("/accounts/login/", login).status_code == 200  # refused

    # The owner signs up themselves: only their own password opens the account.
    owner.post(SIGNUP, GOOD | {"email": "owner@example.org", "password": "the-owners-own-passphrase"})
    own_link = _confirmation_link(run_tasks()[1])
    assertContains(stranger.post(link, {"password": "the-strangers-passphrase"}), "does not work", status_code=400)
    assertRedirects(owner.post(own_link, {"password": "the-owners-own-passphrase"}), "/accounts/me/")
    owner.post("/accounts/logout/")
    assert type(client)().post("/accounts/login/", login).status_code == 200
    login["password"] = "the-owners-own-passphrase"
    assert type(client)().post("/accounts/login/", login).status_code == 302


@pytest.mark.django_db
def test_wrong_passwords_at_confirmation_count_against_the_log_in_lock(client, run_tasks):
    client.post(SIGNUP, GOOD)
    link = _confirmation_link(run_tasks()[0])
    for _ in range(4):
        assert client.post(link, {"password": "a-wrong-guess-here"}).status_code == 200
    # The fifth failure, on the log-in page, locks the (account, address) pair for both pages.
    login = {"username": "carer@example.org", "password": "a-wrong-guess-here"}
    assert client.post("/accounts/login/", login).status_code == 429
    response = client.post(link, {"password": GOOD["password"]})
    assertContains(response, "Too many wrong passwords", status_code=429)
    assert not User.objects.get().is_active
    assert "_auth_user_id" not in client.session


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


def test_failed_signups_count_against_the_limit_so_addresses_cannot_be_tested_at_speed(client, alice, rate_limits):
    rate_limits(signup={"ip": (3, 3600)})
    for _ in range(3):
        client.post(SIGNUP, GOOD | {"email": "alice@example.org", "password": "short"})
    response = client.post(SIGNUP, GOOD | {"email": "alice@example.org"})
    assertContains(response, "too many times", status_code=429)


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


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice, run_tasks):
    response = client.post("/accounts/password-reset/", {"email": "ALICE@example.org"})
    assertRedirects(response, "/accounts/password-reset/sent/")
    assert mail.outbox == []  # sent by a worker, not inside the request
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert mail.outbox[0].subject == "Reset your DiseaseMaps password"
    link = re.search(r"http://127.0.0.1:8000(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session-bound URL
    response = client.post(
        form_url, {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    )
    assertRedirects(response, "/accounts/reset/done/")
    alice.refresh_from_db()
    assert alice.check_password("a-brand-new-passphrase")


def test_password_reset_for_an_unknown_address_reveals_nothing(client, alice, run_tasks):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assertRedirects(response, "/accounts/password-reset/sent/")
    assert run_tasks() == []


def test_password_reset_does_the_same_work_in_the_request_for_known_and_unknown_addresses(
    client, alice, django_assert_num_queries
):
    # Both enqueue one task (one INSERT); looking the address up happens in the worker.
    with django_assert_num_queries(1) as known:
        client.post("/accounts/password-reset/", {"email": "alice@example.org"})
    with django_assert_num_queries(1) as unknown:
        client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert [q["sql"].split()[0] for q in known] == [q["sql"].split()[0] for q in unknown] == ["INSERT"]


def test_reset_mail_to_one_address_is_limited_whoever_asks(client, alice, run_tasks, rate_limits):
    rate_limits(password_reset_email={"email": (2, 3600)})
    for _ in range(4):
        response = type(client)().post("/accounts/password-reset/", {"email": "alice@example.org"})
        assertRedirects(response, "/accounts/password-reset/sent/")
    assert len(run_tasks()) == 2


def test_password_reset_honeypot_sends_nothing(client, alice, run_tasks):
    response = client.post("/accounts/password-reset/", {"email": "alice@example.org", "website": "x"})
    assertContains(response, "could not be sent")
    assert run_tasks() == []


def test_my_account_shows_my_own_email_only_to_me(as_user, alice):
    assertContains(as_user(alice).get("/accounts/me/"), "alice@example.org")


@pytest.mark.django_db
def test_account_pages_are_styled_like_the_site(client):
    for url in [SIGNUP, "/accounts/login/", "/accounts/password-reset/"]:
        response = client.get(url)
        assertContains(response, 'class="site-header"')
        assertNotContains(response, "Django administration")


def test_member_signup_never_touches_a_taken_address_even_past_the_form(alice):
    from community import services

    services.member_signup(email="ALICE@example.org", password="x-long-passphrase", display_name="A")
    assert User.objects.filter(email__iexact="alice@example.org").count() == 1
    alice.refresh_from_db()
    assert alice.is_active and alice.display_name == "Alice Liddell"


def test_password_reset_rate_limit_per_address(client, alice, rate_limits, run_tasks):
    rate_limits(password_reset={"ip": (1, 3600)})
    client.post("/accounts/password-reset/", {"email": "alice@example.org"})
    response = client.post("/accounts/password-reset/", {"email": "alice@example.org"})
    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assertContains(response, 'value="alice@example.org"', status_code=429)
    assert len(run_tasks()) == 1
