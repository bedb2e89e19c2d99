"""The embedded default on one machine: one gunicorn with four worker processes, a SQLite file and
no CACHE_URL (the database cache every process shares), as `README: Running in production` would
run it without Redis. Concurrent joins queue instead of failing with "database is locked"; an
edit saved by another process is fresh on every worker; failed log-ins count across workers; a
reader who comes in while a join is not yet committed never leaves the old count cached.

Real processes (bench/cluster.py) on a file database built like a fresh machine's (migrate,
load_demo). The site is SQLite whatever DATABASE_URL says: SQLite is what is tested here."""

import concurrent.futures
import dataclasses
import re
import subprocess
import threading
import time

import pytest

from bench.cluster import PYTHON, ROOT, Client, Instances, build_site, flush_redis

pytestmark = pytest.mark.sqlite_site  # the same test on either pass: CI runs it once

PASSWORD = "member-demo-2026"
REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("multiprocess")
    # no CACHE_URL: the embedded default (the database cache every process shares) is what is tested
    return build_site(f"sqlite:///{tmp / 'site.sqlite3'}", "", tmp, COMMUNITY_MIN_PUBLIC_COUNT="1")


@pytest.fixture(scope="module")
def base(site):
    with Instances(site, count=1, workers=4, threads=2) as (url,):
        yield url


def shell(site, code, **kwargs):
    command = [PYTHON, "manage.py", "shell", "--no-imports", "-c", code]
    return subprocess.run(command, cwd=ROOT, env=site.env, check=True, capture_output=True, text=True, **kwargs)


def shown_count(text):
    """The member count a reader sees in a condition page's community box."""
    return re.search(r'<p class="count"><strong>([^<]+)</strong>', text).group(1)


def reads(url, count):
    """`count` anonymous reads, each on a new connection, so spread over the workers."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: Client().get(url), range(count)))


def test_concurrent_joins_through_several_workers_are_all_counted(base):
    members = [f"member{n:02}@diseasemaps.example" for n in range(1, 17)]
    clients = [Client() for _ in members]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda c, e: c.log_in(base, e, PASSWORD), clients, members))
    start = threading.Barrier(len(clients))

    def join(client):
        start.wait(timeout=30)
        return client.post_with_cookie_token(f"{base}/conditions/huntington-disease/join/", {"role": "patient"}).status

    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(join, clients))
    assert statuses == [302] * len(clients)  # none refused with "database is locked"
    for response in reads(f"{base}/conditions/huntington-disease/community/", 4):
        assert f"<strong>{len(clients)} members</strong>" in response.text


def test_an_edit_saved_by_another_process_is_fresh_on_every_worker(site, base):
    url = f"{base}/conditions/marfan-syndrome/"
    reads(url, 24)  # every worker has the page cached
    # The name, not the medical text: a shell edit of a demo page's text takes it over and off the site.
    shell(site, "from conditions.models import Condition\nc = Condition.objects.get(slug='marfan-syndrome')\n"
                "c.name = 'Marfan syndrome (corrected)'\nc.save()")  # fmt: skip
    stale = [r for r in reads(url, 30) if "Marfan syndrome (corrected)" not in r.text]
    assert stale == []


def test_failed_log_ins_are_counted_across_workers(base):
    """One guess after another, each on a new connection, so answered by any of the workers."""

    def checked():
        form = {"username": "member20@diseasemaps.example", "password": "not-the-password"}
        response = Client().submit(f"{base}/accounts/login/", form)
        return response.status != 429

    # the fifth wrong guess locks the (account, address) pair, whichever worker answered
    assert sum(checked() for _ in range(20)) == 4


WRITER = """
import sys
from django.db import transaction
from community import services
from community.models import User
from conditions.models import Condition

with transaction.atomic():  # a join whose transaction is still open, as in a slow request
    services.membership_join(user=User.objects.get(email='{email}'), condition=Condition.objects.get(slug='{slug}'),
                             role='patient')
    print('joined', flush=True)
    sys.stdin.readline()  # the test says when to commit
print('committed', flush=True)
"""


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_a_read_during_an_unfinished_join_never_leaves_the_old_count_cached(site, cache):
    """The join bumps the page's version inside its transaction; a reader in between sees the old
    rows and caches them under the new version. Only a second retirement after the commit makes
    the next reader see the new member."""
    slug, email = {"database": ("myasthenia-gravis", "member21"), "redis": ("marfan-syndrome", "member22")}[cache]
    if cache == "redis":
        flush_redis(REDIS_URL)
        site = dataclasses.replace(site, env={**site.env, "CACHE_URL": REDIS_URL})
    with Instances(site, count=1, workers=2, threads=2) as (base,):
        url = f"{base}/conditions/{slug}/"
        assert shown_count(Client().get(url).text) == "Fewer than 1 members"
        writer = subprocess.Popen(
            [PYTHON, "manage.py", "shell", "--no-imports", "-c",
             WRITER.format(email=f"{email}@diseasemaps.example", slug=slug)],
            cwd=ROOT, env=site.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            while (line := writer.stdout.readline()) and line.strip() != "joined":
                pass
            assert line.strip() == "joined"
            reader = concurrent.futures.ThreadPoolExecutor(1).submit(Client().get, url)  # between bump and commit
            time.sleep(1.5)
            writer.stdin.write("\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "committed"
            assert reader.result(timeout=30).status == 200
        finally:
            writer.stdin.close()
            writer.wait(timeout=30)
        assert [shown_count(r.text) for r in reads(url, 8)] == ["1 member"] * 8
