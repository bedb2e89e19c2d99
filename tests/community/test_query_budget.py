"""A community page and a condition page cost a fixed number of queries, with 3 members or 1,000
and with 2 stories or 200. The reader page cache is bypassed (cleared) so the views really run."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Membership, Role, Story, User
from conditions.markdown import render

ROLES = Role.values


def populate(condition, members, stories):
    users = User.objects.bulk_create(
        User(
            email=f"bulk-{condition.pk}-{n}@example.org",
            username=f"bulk-{condition.pk}-{n}",
            display_name=f"Bulk {n}",
            password="!",
        )
        for n in range(members)
    )
    Membership.objects.bulk_create(
        Membership(user=u, condition=condition, role=ROLES[n % len(ROLES)], is_public=n % 7 == 0)
        for n, u in enumerate(users)
    )
    body = "It took *years* to get a name for it.\n\n- a list\n- of things"
    Story.objects.bulk_create(
        Story(
            author=users[n % len(users)], condition=condition, title=f"Story {n}", body=body, body_html=render(body),
            role=ROLES[n % len(ROLES)], show_name=n % 2 == 0, consent=True,
            status=Story.Status.APPROVED if n % 10 else Story.Status.PENDING,
        )
        for n in range(stories)
    )  # fmt: skip


def count_queries(client, url):
    cache.clear()  # no cached page: measure the view
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def small_and_large(make_condition):
    small, large = make_condition(slug="small"), make_condition(slug="large")
    populate(small, members=3, stories=2)
    populate(large, members=1000, stories=200)
    assert Membership.objects.filter(condition=large).count() == 1000
    return small, large


def test_community_page_query_budget_is_fixed(client, small_and_large, django_assert_max_num_queries):
    small, large = small_and_large
    # condition; role counts; listed members; story count (paginator); story page + authors;
    # the footer's medical disclaimer (cached after the first page, but the cache starts empty here)
    with django_assert_max_num_queries(6):
        response = client.get(f"/conditions/{large.slug}/community/?page=3")
    assert response.status_code == 200
    assert "1,000 members" in response.content.decode()
    assert count_queries(client, f"/conditions/{small.slug}/community/") == count_queries(
        client, f"/conditions/{large.slug}/community/"
    )


def test_community_page_query_budget_for_a_member(as_user, alice, small_and_large, django_assert_max_num_queries):
    small, large = small_and_large
    client = as_user(alice)
    # session; user; condition; role counts; listed members; story count; story page; own membership;
    # medical disclaimer
    with django_assert_max_num_queries(9):
        response = client.get(f"/conditions/{large.slug}/community/")
    assert response.status_code == 200
    assert count_queries(client, f"/conditions/{small.slug}/community/") == count_queries(
        client, f"/conditions/{large.slug}/community/"
    )


def test_condition_page_query_budget_is_fixed(client, small_and_large, django_assert_max_num_queries):
    small, large = small_and_large
    # first view after a change: condition; synonyms; references; codes+code; reviews; related; signs;
    # open-data facts; storing the rendered parts; member count; 3 stories+authors; medical disclaimer
    with django_assert_max_num_queries(12):
        response = client.get(f"/conditions/{large.slug}/")
    assert response.status_code == 200
    assert "1,000 members" in response.content.decode()
    client.get(f"/conditions/{small.slug}/")  # both pages' parts are stored now
    assert count_queries(client, f"/conditions/{small.slug}/") == count_queries(client, f"/conditions/{large.slug}/")
