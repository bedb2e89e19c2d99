"""Password guessing is refused on the site's log-in, the admin's and the delete-account form
alike, per (account, address) pair, without letting a stranger lock the owner out."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from community.ratelimit import LOGIN_MESSAGE

PASSWORD = "a-long-test-password"


@pytest.fixture
def member(make_user):
    return make_user(email="ada@example.org")


@pytest.fixture
def superuser(make_user):
    return make_user(email="editor@example.org", is_staff=True, is_superuser=True)


def guess(client, url, email, password, address="10.0.0.1"):
    return client.post(url, {"username": email, "password": password}, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_pair_even_for_the_right_one(client, member, superuser, url):
    user = superuser if url.startswith("/admin") else member
    for _ in range(4):
        assert guess(client, url, user.email, "wrong-password").status_code == 200
    assertContains(guess(client, url, user.email, "wrong-password"), LOGIN_MESSAGE, status_code=429)
    response = guess(client, url, user.email, PASSWORD)
    assertContains(response, LOGIN_MESSAGE, status_code=429)
    assert "_auth_user_id" not in client.session


def test_a_strangers_guesses_do_not_lock_the_owner_out(client, member):
    for _ in range(6):
        guess(client, "/accounts/login/", member.email, "wrong-password", address="203.0.113.9")
    response = guess(Client(), "/accounts/login/", member.email, PASSWORD, address="198.51.100.7")
    assert response.status_code == 302


def test_the_lock_is_per_account(client, member, make_user):
    other = make_user(email="grace@example.org")
    for _ in range(5):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    assert guess(client, "/accounts/login/", other.email, PASSWORD).status_code == 302


def test_each_try_while_locked_makes_the_lock_longer(client, member):
    from axes.models import AccessAttempt

    for _ in range(5):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    # 20 minutes later a 5-failure lock (15 minutes) has passed: the owner gets in from there.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=20))
    assert guess(Client(), "/accounts/login/", member.email, PASSWORD).status_code == 302
    Client().post("/accounts/logout/")
    for _ in range(7):  # 5 failures and 2 tries while locked: 15 min × 2 × 2 = 1 hour
        guess(client, "/accounts/login/", member.email, "wrong-password")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=50))
    assertContains(guess(Client(), "/accounts/login/", member.email, PASSWORD), LOGIN_MESSAGE, status_code=429)


def test_one_address_guessing_many_accounts_is_stopped(client, make_user, settings):
    settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, "login_failure": {"ip": (3, 900)}}
    victim = make_user(email="victim@example.org")
    for n in range(3):
        guess(client, "/accounts/login/", f"nobody{n}@example.org", "wrong-password")
    assertContains(guess(client, "/accounts/login/", victim.email, PASSWORD), LOGIN_MESSAGE)


def test_a_few_mistakes_do_not_lock_anyone_out(client, member):
    for _ in range(4):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    assert guess(client, "/accounts/login/", member.email, PASSWORD).status_code == 302


def test_the_owner_gets_in_through_a_reset_link_which_clears_the_lock(client, member, run_tasks):
    for _ in range(6):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    client.post("/accounts/password-reset/", {"email": member.email}, REMOTE_ADDR="10.0.0.1")
    link = re.search(r"http://127.0.0.1:8000(/accounts/reset/\S+/)", run_tasks()[0].body).group(1)
    form_url = client.get(link)["Location"]
    new = {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"}
    assertRedirects(client.post(form_url, new), "/accounts/reset/done/")
    assert client.session["_auth_user_id"] == str(member.pk)  # logged in by the reset itself
    client.post("/accounts/logout/")
    response = guess(client, "/accounts/login/", member.email, "a-brand-new-passphrase")
    assert response.status_code == 302


def test_the_delete_account_form_throttles_wrong_passwords_like_log_in(client, member):
    client.force_login(member)
    form = {"stories": "delete"}
    for _ in range(4):
        response = client.post("/accounts/me/delete/", form | {"password": "wrong"}, REMOTE_ADDR="10.0.0.1")
        assertContains(response, "That is not your password.")
    response = client.post("/accounts/me/delete/", form | {"password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    assertContains(response, LOGIN_MESSAGE, status_code=429)
    response = client.post("/accounts/me/delete/", form | {"password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assertContains(response, LOGIN_MESSAGE, status_code=429)
    member.refresh_from_db()  # still there
