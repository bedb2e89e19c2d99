"""The story form never cuts a story short, says plainly when it is too long, and shows the author
what looks like an identifying detail before sending; the moderator sees the same flags."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from community import identifying
from community.models import Story

from .helpers import field_error

NEW = "/conditions/lems/stories/new/"
STORY = {"title": "Our first year", "role": "caregiver", "consent": "on"}


def test_the_form_prompts_and_never_truncates(as_user, alice, condition):
    page = as_user(alice).get(NEW)
    assertContains(page, "What helped? What do you wish you had known sooner?")
    assertNotContains(page, "*italic*")
    html = page.content.decode()
    textarea = html[html.index("<textarea") : html.index(">", html.index("<textarea"))]
    assert "maxlength" not in textarea
    assert 'data-limit="10000"' in textarea
    assertContains(page, "js/story-counter.js")


def test_a_long_story_is_refused_in_plain_words_and_kept(as_user, alice, condition):
    body = "word " * 2479 + "word."  # 12,400 characters
    response = as_user(alice).post(NEW, STORY | {"body": body})
    assert field_error(response, "body") == (
        "Your story is 12,400 characters; the limit is 10,000. Nothing was lost: shorten it and send it again."
    )
    assertContains(response, body.strip()[:200])
    assert response.context["form"]["body"].value() == body
    assert not Story.objects.exists()


def test_new_lines_count_once_as_in_the_browser(as_user, alice, condition):
    body = ("x" * 99 + "\r\n") * 100  # 10,000 characters as the page counts them; 10,100 with CRLF
    as_user(alice).post(NEW, STORY | {"body": body})
    assert Story.objects.get().body == body.replace("\r\n", "\n").strip()


@pytest.mark.parametrize(
    "text, kind, found",
    [
        ("Ring me on 07700 900123 any time.", "phone number", "07700 900123"),
        ("Or +1 (555) 010-4477 in the evening.", "phone number", "+1 (555) 010-4477"),
        ("Write to robin.h@example.org please.", "e-mail address", "robin.h@example.org"),
        ("We live at 12 Baker Street, Leeds.", "street address", "12 Baker Street"),
        ("She was born 3 March 2015.", "full date", "3 March 2015"),
        ("Born on 03/03/2015 at home.", "full date", "03/03/2015"),
        ("See https://example.org/our-blog for more.", "web link", "https://example.org/our-blog"),
    ],
)
def test_identifying_details_are_found(text, kind, found):
    assert [(f.kind, f.text) for f in identifying.find(text)] == [(kind, found)]


@pytest.mark.parametrize(
    "text",
    ["She was diagnosed in 2015, aged 3.", "We tried 3 x 10 mg a day for 12 weeks.", "In March it got better."],
)
def test_ordinary_numbers_are_not_flagged(text):
    assert identifying.find(text) == []


def test_pathological_input_is_quick():
    import time

    for text in ["1 " * 5000, "1-" * 5000, "a@" * 5000, "12 Aa " * 1600, "www." * 2500]:
        start = time.monotonic()
        identifying.find(text)
        assert time.monotonic() - start < 1


def test_the_author_sees_the_flags_before_sending_and_can_send_as_it_is(as_user, alice, condition):
    client = as_user(alice)
    body = "Call me on 07700 900123. We met at 12 Baker Street."
    response = client.post(NEW, STORY | {"body": body, "submit": "1"})
    assertContains(response, "Before you send it: could these identify someone?")
    assertContains(response, "Phone number: <strong>07700 900123</strong>", html=True)
    assertContains(response, "Street address: <strong>12 Baker Street</strong>", html=True)
    assert not Story.objects.exists()
    checked = response.context["details_checked"]
    client.post(NEW, STORY | {"body": body, "submit": "1", "details_checked": checked})
    assert Story.objects.get().body == body


def test_a_changed_text_is_checked_again(as_user, alice, condition):
    client = as_user(alice)
    first = client.post(NEW, STORY | {"body": "Call 07700 900123."})
    response = client.post(
        NEW, STORY | {"body": "Call 07700 900999.", "details_checked": first.context["details_checked"]}
    )
    assertContains(response, "07700 900999")
    assert not Story.objects.exists()


def test_remove_them_for_me(as_user, alice, condition):
    response = as_user(alice).post(
        NEW, STORY | {"body": "Mail robin@example.org or call 07700 900123.", "remove_details": "1"}
    )
    assertContains(response, "2 details replaced by “[removed]”. Read your story again, then send it.")
    assert response.context["form"]["body"].value() == "Mail [removed] or call [removed]."
    assert response.context["form"]["title"].value() == "Our first year"
    assert not Story.objects.exists()


def test_moderators_see_the_same_flags(as_user, moderator, alice, condition, make_story):
    story = make_story(condition, author=alice, title="Our year", body="Call 07700 900123, or see www.example.org.")
    make_story(condition, author=alice, title="Plain", body="Nothing identifying here.")
    client = as_user(moderator)
    listing = client.get("/admin/community/story/")
    assertContains(listing, "2: phone number, web link")
    page = client.get(f"/admin/community/story/{story.pk}/change/")
    assertContains(page, "Phone number: <strong>07700 900123</strong>", html=True)
    assertContains(page, "Web link: <strong>www.example.org</strong>", html=True)


def test_the_condition_filter_is_a_search_box(as_user, moderator, alice, condition, make_condition, make_story):
    make_story(condition, author=alice, title="About LEMS")
    make_story(make_condition(name="Myasthenia gravis", slug="mg"), author=alice, title="About MG")
    for n in range(30):
        make_condition(name=f"Unrelated condition {n}", slug=f"unrelated-{n}")
    client = as_user(moderator)
    listing = client.get("/admin/community/story/")
    assertContains(listing, 'name="condition_name"')
    assertNotContains(listing, "Unrelated condition 7")  # not a list of every condition
    found = client.get("/admin/community/story/?condition_name=lambert&status__exact=pending")
    assertContains(found, "About LEMS")
    assertNotContains(found, "About MG")
    assertContains(found, 'type="hidden" name="status__exact" value="pending"')
    assertContains(client.get("/admin/community/story/?condition_name=LEMS"), "About LEMS")
