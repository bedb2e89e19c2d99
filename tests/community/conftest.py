"""Personas for the community rules: a member (Alice), another reader (Bob) and the public (an
anonymous client); the moderator (Mo) is tests/conftest.py's, with the real Moderator role."""

import pytest
from django.test import Client


@pytest.fixture
def condition(make_condition):
    return make_condition(name="Lambert-Eaton myasthenic syndrome", slug="lems", acronym="LEMS")


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.org", display_name="Alice Liddell", password="alice-password-2026")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.org", display_name="Bob Builder")


@pytest.fixture
def as_user():
    """A logged-in test client for a persona."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def rate_limits(settings):
    """Tight limits so a test can reach them: the second attempt is over."""

    def set_limits(**limits):
        settings.COMMUNITY_RATE_LIMITS = {**settings.COMMUNITY_RATE_LIMITS, **limits}

    return set_limits
