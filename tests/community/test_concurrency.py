"""Counts stay exact when members join at the same moment. Threads need committed rows and real
row locks, so this runs on PostgreSQL only (CI's second pass: DATABASE_URL=postgres://...).

Each thread has its own connection, which commits for real. The test itself runs in pytest-django's
usual transaction (a `transactional_db` flush afterwards would also empty the official code sets the
session loaded once), so its rows are made and removed on a connection of their own, and read back
under PostgreSQL's READ COMMITTED, which sees what other connections committed."""

import threading

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from community import services
from community.models import Membership, Story, User
from conditions.models import Condition

pytestmark = pytest.mark.postgres  # row locking under concurrent joins

THREADS = 12


def on_own_connection(work):
    """Runs work() in a fresh thread, so on its own autocommitting connection; returns its result."""
    results, errors = [], []
    thread = threading.Thread(target=run_and_close, args=(lambda: results.append(work()), errors))
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def run_and_close(work, errors):
    try:
        work()
    except Exception as error:  # handed back to the test's thread
        errors.append(error)
    finally:
        connections.close_all()


@pytest.fixture
def committed(db):
    """A published condition and members, committed; deleted again after the test."""

    def create():
        condition = Condition.objects.create(
            name="Concurrency syndrome", slug="concurrency", summary="S.", status="published"
        )
        users = [
            User.objects.create_user(
                email=f"race{n}@example.org",
                username=f"race{n}",
                display_name=f"Race {n}",
                health_data_consent_at=timezone.now(),
                age_confirmed_at=timezone.now(),
            )  # fmt: skip
            for n in range(THREADS)
        ]
        return condition, users

    def delete():
        Membership.objects.filter(condition=condition).delete()
        User.objects.filter(pk__in=[u.pk for u in users]).delete()
        condition.delete()
        return True

    condition, users = on_own_connection(create)
    yield condition, users
    on_own_connection(delete)


def run_together(target, count):
    """Starts `count` threads that call target(n) at the same instant; returns their errors."""
    barrier, errors = threading.Barrier(count), []

    def run(n):
        barrier.wait()
        target(n)

    threads = [threading.Thread(target=run_and_close, args=(lambda n=n: run(n), errors)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_concurrent_joins_by_different_members_are_all_counted(committed, settings):
    condition, users = committed
    settings.COMMUNITY_MIN_PUBLIC_COUNT = 1

    def join(n):
        client = Client()
        client.force_login(users[n])
        response = client.post("/conditions/concurrency/join/", {"role": "caregiver"})
        assert response.status_code == 302, response.status_code

    assert run_together(join, THREADS) == []
    assert Membership.objects.filter(condition=condition).count() == THREADS
    response = Client().get("/conditions/concurrency/community/")
    assert f"<strong>{THREADS} members</strong>" in response.content.decode()


def test_one_member_joining_from_many_tabs_at_once_is_counted_once(committed):
    condition, users = committed

    def join(n):
        services.membership_join(user=users[0], condition=condition, role="patient")

    assert run_together(join, THREADS) == []
    assert Membership.objects.filter(condition=condition).count() == 1


def test_a_story_form_sent_many_times_at_once_stores_one_story(committed):
    condition, users = committed
    url = f"/conditions/{condition.slug}/stories/new/"

    def open_form():  # on its own connection: logging in here would lock the user's row until the test ends
        client = Client()
        client.force_login(users[0])
        return client.get(url).context["form"]["token"].value()

    token = on_own_connection(open_form)
    data = {"title": "Double click", "body": "Sent once.", "role": "patient", "consent": "on", "token": token}
    locations = []

    def send(n):
        tab = Client()
        tab.force_login(users[0])
        response = tab.post(url, data)
        assert response.status_code == 302, response.status_code
        locations.append(response["Location"])

    try:
        assert run_together(send, 5) == []
        assert Story.objects.filter(condition=condition).count() == 1
        assert len(set(locations)) == 1
    finally:
        on_own_connection(lambda: Story.objects.filter(condition=condition).delete())
