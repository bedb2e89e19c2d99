"""Password guessing is refused on the site's log-in and the admin's alike."""

import pytest
from pytest_django.asserts import assertContains

from community.ratelimit import LOGIN_MESSAGE

PASSWORD = "a-long-test-password"


@pytest.fixture
def member(make_user):
    return make_user(email="ada@example.org")


@pytest.fixture
def superuser(make_user):
    return make_user(email="editor@example.org", is_staff=True, is_superuser=True)


def guess(client, url, email, password):
    return client.post(url, {"username": email, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client, member, superuser, url):
    user = superuser if url.startswith("/admin") else member
    for _ in range(5):
        response = guess(client, url, user.email, "wrong-password")
        assert response.status_code == 200
    response = guess(client, url, user.email, PASSWORD)
    assertContains(response, LOGIN_MESSAGE)
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account(client, member, make_user):
    other = make_user(email="grace@example.org")
    for _ in range(5):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    response = guess(client, "/accounts/login/", other.email, PASSWORD)
    assert response.status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(client, make_user, settings):
    settings.COMMUNITY_RATE_LIMITS = {
        **settings.COMMUNITY_RATE_LIMITS,
        "login_failure": {"account": (5, 900), "ip": (3, 900)},
    }
    victim = make_user(email="victim@example.org")
    for n in range(3):
        guess(client, "/accounts/login/", f"nobody{n}@example.org", "wrong-password")
    assertContains(guess(client, "/accounts/login/", victim.email, PASSWORD), LOGIN_MESSAGE)


def test_a_few_mistakes_do_not_lock_anyone_out(client, member):
    for _ in range(4):
        guess(client, "/accounts/login/", member.email, "wrong-password")
    assert guess(client, "/accounts/login/", member.email, PASSWORD).status_code == 302
