"""Counts stay exact when members join at the same moment. Threads need committed rows and real
row locks, so this runs on PostgreSQL only (CI's second pass: DATABASE_URL=postgres://...).

It commits its rows and deletes them itself instead of using pytest-django's `transactional_db`,
whose flush after the test would also empty the official code sets the session loaded once."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from community import services
from community.models import Membership, User
from conditions.models import Condition

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locking")

THREADS = 12


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """Autocommit access to the test database; every row the test made is deleted afterwards."""
    with django_db_blocker.unblock():
        condition = Condition.objects.create(
            name="Concurrency syndrome", slug="concurrency", summary="S.", status="published"
        )
        users = [
            User.objects.create_user(email=f"race{n}@example.org", username=f"race{n}", display_name=f"Race {n}")
            for n in range(THREADS)
        ]
        try:
            yield condition, users
        finally:
            Membership.objects.filter(condition=condition).delete()
            User.objects.filter(pk__in=[u.pk for u in users]).delete()
            condition.delete()


def run_together(target, count):
    """Starts `count` threads that call target(n) at the same instant; returns their errors."""
    barrier, errors = threading.Barrier(count), []

    def run(n):
        try:
            barrier.wait()
            target(n)
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
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
