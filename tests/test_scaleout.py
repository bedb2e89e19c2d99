"""Two gunicorn instances against one PostgreSQL database and one Redis cache behave as one site:
a log-in on one holds on the other, concurrent joins spread over both give exact counts, rate
limits count across both, and a cached page changed through one is fresh on the other.

Real processes, as production runs them (bench/cluster.py). The database is `<name>_scaleout`
beside DATABASE_URL's, built like a fresh machine's; the cache is Redis database 9, flushed
first. Runs only on PostgreSQL (CI's second run); SQLite is one machine's database."""

import concurrent.futures
import os
import re
import threading
import time

import pytest

from bench.cluster import Client, Instances, build_site, fresh_postgres_database, sql

DATABASE_URL = os.environ.get("DATABASE_URL", "")
CACHE_URL = os.environ.get("SCALEOUT_CACHE_URL", "redis://127.0.0.1:6379/9")
PASSWORD = "member-demo-2026"
MEMBERS = [f"member{n:02}@diseasemaps.example" for n in range(1, 24)]

pytestmark = pytest.mark.postgres  # two instances share one PostgreSQL database


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    database_url = fresh_postgres_database(DATABASE_URL, "_scaleout")
    return build_site(database_url, CACHE_URL, tmp_path_factory.mktemp("scaleout"), TRUSTED_PROXY_COUNT="1")


@pytest.fixture(scope="module")
def urls(site):
    with Instances(site, count=2, workers=2, threads=4) as urls:
        yield urls


def count(site, query, *params):
    return sql(site.database_url, query, *params)[0]


def members_of(site, slug):
    return count(
        site,
        "SELECT count(*) FROM community_membership m JOIN conditions_condition c ON c.id = m.condition_id "
        "WHERE c.slug = %s",
        slug,
    )


def shown_count(text):
    """The member count a reader sees on a community page."""
    return re.search(r'<p class="count"><strong>([^<]+)</strong>', text).group(1)


def test_a_member_logged_in_on_one_instance_is_logged_in_on_the_other(urls):
    a, b = urls
    member = Client(address="10.1.0.1")
    member.log_in(a, "member01@diseasemaps.example", PASSWORD)
    me = member.get(f"{b}/accounts/me/")
    assert me.status == 200
    assert "member01@diseasemaps.example" in me.text
    assert Client().get(f"{b}/accounts/me/").status == 302  # without the cookie: the log-in page

    logout = member.submit(f"{b}/accounts/me/", {}, action=f"{b}/accounts/logout/")
    assert logout.status == 302
    assert member.get(f"{a}/accounts/me/").status == 302  # logged out everywhere


def test_concurrent_joins_across_both_instances_give_exact_counts(site, urls):
    a, b = urls
    slug = "marfan-syndrome"
    assert members_of(site, slug) == 0
    clients = [Client(address=f"10.2.0.{n}") for n in range(1, len(MEMBERS) + 1)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda c, e, i: c.log_in(urls[i % 2], e, PASSWORD), clients, MEMBERS, range(len(MEMBERS))))

    # Every member joins twice at once, through both instances, with different roles.
    start = threading.Barrier(len(clients) * 2)

    def join(client, base, role):
        start.wait(timeout=30)
        return client.post_with_cookie_token(f"{base}/conditions/{slug}/join/", {"role": role}).status

    with concurrent.futures.ThreadPoolExecutor(len(clients) * 2) as pool:
        statuses = list(
            pool.map(join, clients * 2, [a] * len(clients) + [b] * len(clients), ["patient"] * 23 + ["caregiver"] * 23)
        )
    assert statuses == [302] * 46
    assert members_of(site, slug) == 23
    for base in urls:
        assert shown_count(Client().get(f"{base}/conditions/{slug}/community/").text) == "23 members"

    # Half of them leave at once, again through both instances (and twice each).
    leaving = clients[:12]
    start = threading.Barrier(len(leaving) * 2)

    def leave(client, base):
        start.wait(timeout=30)
        return client.post_with_cookie_token(f"{base}/conditions/{slug}/leave/", {}).status

    with concurrent.futures.ThreadPoolExecutor(len(leaving) * 2) as pool:
        statuses = list(pool.map(leave, leaving * 2, [a] * 12 + [b] * 12))
    assert statuses == [302] * 24
    assert members_of(site, slug) == 11
    for base in urls:
        assert shown_count(Client().get(f"{base}/conditions/{slug}/community/").text) == "11 members"


def _not_near_a_window_edge(window):
    """Rate-limit counts live in fixed windows; a test that crosses an edge starts counting anew."""
    left = window - time.time() % window
    if left < 15:
        time.sleep(left + 0.5)


def test_failed_log_ins_count_across_both_instances(urls):
    a, b = urls
    _not_near_a_window_edge(900)
    email = "member23@diseasemaps.example"
    guesser = Client(address="10.3.0.1")
    for n in range(4):  # the limit is 5 failures per (account, address) pair, wherever they happen
        response = guesser.submit(f"{urls[n % 2]}/accounts/login/", {"username": email, "password": f"guess-{n}"})
        assert response.status == 200
        assert "Too many failed log-in attempts" not in response.text
    response = guesser.submit(f"{b}/accounts/login/", {"username": email, "password": "guess-4"})
    assert response.status == 429
    for base in urls:  # now refused on both instances for that address, even with the right password
        response = guesser.submit(f"{base}/accounts/login/", {"username": email, "password": PASSWORD})
        assert response.status == 429
        assert "Too many failed log-in attempts" in response.text
    # The owner, from their own address, is not locked out by a stranger's guesses.
    owner = Client(address="10.3.0.2").submit(f"{a}/accounts/login/", {"username": email, "password": PASSWORD})
    assert owner.status == 302
    admin = Client(address="10.3.0.1").submit(f"{a}/admin/login/", {"username": email, "password": PASSWORD})
    assert "Too many failed log-in attempts" in admin.text


def test_action_rate_limits_count_across_both_instances(urls):
    _not_near_a_window_edge(3600)
    member = Client(address="10.4.0.1")
    member.log_in(urls[1], "editor@diseasemaps.example", "editor-demo-2026")  # no community actions yet
    join = "/conditions/wilson-disease/join/"
    for n in range(30):  # the limit is 30 joins and leaves an hour per member
        assert member.post_with_cookie_token(urls[n % 2] + join, {"role": "patient"}).status == 302
    for base in urls:
        response = member.post_with_cookie_token(base + join, {"role": "patient"})
        assert response.status == 429
        assert "too many times" in response.text


def test_a_cached_page_changed_through_one_instance_is_fresh_on_the_other(site, urls):
    a, b = urls
    page = "/conditions/cystic-fibrosis/"  # cached whole for anonymous readers; lists recent stories
    reader = Client()
    first = reader.get(a + page)
    assert first.headers["X-Cache"] == "miss"
    assert reader.get(b + page).headers["X-Cache"] == "hit"  # one cache for both instances
    assert "Breathing treatments every morning" not in first.text

    member = Client(address="10.5.0.1")
    member.log_in(a, "member03@diseasemaps.example", PASSWORD)
    story = {
        "title": "Breathing treatments every morning",
        "body": "An hour before school, every day.",
        "role": "patient",
        "consent": "on",
    }
    submitted = member.submit(f"{a}/conditions/cystic-fibrosis/stories/new/", story)
    assert submitted.status == 302
    story_id = submitted.location.rsplit("-", 1)[1]

    moderator = Client(address="10.5.0.2")
    moderator.log_in(b, "moderator@diseasemaps.example", "moderator-demo-2026")
    approved = moderator.submit(
        f"{b}/admin/community/story/",
        {"action": "approve_selected", "_selected_action": story_id, "index": "0"},
    )
    assert approved.status == 302
    assert count(site, "SELECT status FROM community_story WHERE id = %s", int(story_id)) == "approved"

    for base in (a, b):
        fresh = reader.get(base + page)
        assert "Breathing treatments every morning" in fresh.text
