"""Names and titles refuse Unicode's invisible text-direction controls: a right-to-left override
(U+202E) makes text display as something other than what it says."""

import pytest
from pytest_django.asserts import assertContains

from community.models import Story, User
from conditions.models import Condition

pytestmark = pytest.mark.django_db

RLO = "\u202e"
REFUSED = "Remove the invisible text-direction characters"


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u061c"])
def test_signup_refuses_a_display_name_with_a_direction_control(client, control):
    data = {"email": "eve@example.org", "display_name": f"Dr {control}htimS", "password": "a-long-test-password"}
    response = client.post("/accounts/signup/", data)
    assertContains(response, REFUSED)
    assert not User.objects.filter(email="eve@example.org").exists()


def test_a_story_title_with_a_right_to_left_override_is_refused(client, make_user, make_condition):
    make_condition(slug="lems")
    client.force_login(make_user())
    data = {"title": f"Cured by {RLO}gnirahs", "body": "Text.", "role": "patient", "consent": "on"}
    response = client.post("/conditions/lems/stories/new/", data)
    assertContains(response, REFUSED)
    assert not Story.objects.exists()


def test_editors_cannot_name_a_page_with_a_right_to_left_override(client, editor):
    client.force_login(editor)
    data = {"name": f"Benign {RLO}lataf", "slug": "benign", "acronym": "", "status": "draft", "summary": "S."}
    for prefix in ["synonyms", "codes", "references"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    response = client.post("/admin/conditions/condition/add/", data)
    assertContains(response, REFUSED)
    assert not Condition.objects.filter(slug="benign").exists()


def test_ordinary_right_to_left_text_is_welcome(client):
    data = {"email": "dana@example.org", "display_name": "דנה", "password": "a-long-test-password"}
    data |= {"health_data_consent": "on", "age_confirmed": "on"}  # sign-up asks both
    assert client.post("/accounts/signup/", data).status_code == 302
    assert User.objects.get(email="dana@example.org").display_name == "דנה"
