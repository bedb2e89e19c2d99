"""The condition page's community box is stored on the condition's row (Condition.community_part)
after its first view: every change a reader could see in it must empty it, and nothing else should."""

import pytest
from django.contrib.auth.models import update_last_login
from pytest_django.asserts import assertContains, assertNotContains

from community import services
from community.templatetags.community_tags import community_box
from conditions.models import Condition


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE = False  # what is checked here is the stored box, not the cached page
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 2


@pytest.fixture
def page(make_condition):
    return make_condition(name="Quokka fever", slug="quokka-fever")


def box(client, condition):
    html = client.get(condition.get_absolute_url()).content.decode()
    return html[
        html.index('<section class="box community-box"') : html.index("</section>", html.index("community-box"))
    ]


def stored(condition):
    return Condition.objects.values_list("community_part", flat=True).get(pk=condition.pk)


def test_the_box_is_stored_at_first_view_and_later_views_read_only_the_row(
    client, page, make_membership, django_assert_num_queries
):
    make_membership(page)
    make_membership(page)
    assert "2 members" in box(client, page)
    assert "2 members" in stored(page)
    with django_assert_num_queries(1):
        assertContains(client.get(page.get_absolute_url()), "2 members")


def test_joining_and_leaving_change_the_count_at_once(client, page, make_user):
    members = [make_user() for _ in range(3)]
    for member in members[:2]:
        services.membership_join(user=member, condition=page, role="patient")
    assert "2 members" in box(client, page)
    services.membership_join(user=members[2], condition=page, role="caregiver")
    assert "3 members" in box(client, page)
    services.membership_leave(user=members[0], condition=page)
    assert "2 members" in box(client, page)


def test_an_approved_story_appears_and_a_withdrawn_one_goes(client, page, make_story, moderator):
    story = make_story(page, title="Ten years to a diagnosis")
    assert "Ten years" not in box(client, page)  # waiting for a moderator
    services.story_approve(story=story, moderator=moderator)
    assert "Ten years to a diagnosis" in box(client, page)
    services.story_withdraw(story=story)
    assert "Ten years" not in box(client, page)


def test_a_members_new_display_name_shows_on_their_named_story(client, page, make_user, make_story):
    author = make_user(display_name="Sam")
    make_story(page, author=author, title="Finding a doctor", show_name=True, status="approved")
    assert "by Sam" in box(client, page)
    author.display_name = "Sam K."
    author.save()  # as the admin's user form does
    assert "by Sam K." in box(client, page)


def test_logging_in_leaves_the_stored_box_alone(client, page, make_user, make_story):
    author = make_user(display_name="Sam")
    make_story(page, author=author, title="Finding a doctor", show_name=True, status="approved")
    box(client, page)
    before = stored(page)
    update_last_login(None, author)  # what a log-in saves: the last log-in time alone
    assert stored(page) == before != ""


def test_a_renamed_condition_names_itself_in_its_box(client, page):
    assert "the Quokka fever community" in box(client, page)
    page.name = "Quokka fever (Setonix disease)"
    page.save()
    assert "the Quokka fever (Setonix disease) community" in box(client, page)


def test_a_new_threshold_for_showing_counts_renders_the_box_again(client, page, make_membership, settings):
    for _ in range(3):
        make_membership(page)
    assert "3 members" in box(client, page)
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 5  # a release that shows fewer counts
    result = box(client, page)
    assert "Fewer than 5 members" in result
    assertNotContains(client.get(page.get_absolute_url()), "3 members")


def test_a_box_rendered_while_the_community_changed_is_not_kept(page, make_membership):
    seen = Condition.objects.only("name", "slug", "page_serial", "community_part").get(pk=page.pk)
    make_membership(page)  # a join lands while this request renders the box from the old row
    assert "members" in community_box(seen)
    assert stored(page) == ""
