"""Bounded load test: mixed traffic against two gunicorn instances (one PostgreSQL database, one
Redis cache) on loopback for a fixed time, then a check that the database holds exactly the writes
the site answered as done.

    .venv/bin/python bench/loadtest.py                   # 60 s, 16 client threads, 2 instances
    .venv/bin/python bench/loadtest.py --duration 20 --clients 8
    .venv/bin/python bench/loadtest.py --varnish         # the same traffic through Varnish in front

It builds a fresh `<name>_loadtest` database beside DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/diseasemaps) like a fresh machine (migrate, load_demo), adds
80 load-test members, runs ANALYZE, flushes Redis database 10 and starts the instances
(bench/cluster.py).
Each client thread plays readers (home, condition, community and search pages, anonymous and so
served from the page cache when they can be) and five members of its own (log-ins, joins,
leaves, stories); requests go to either instance at random, as behind a load balancer without
sticky sessions. Each member has an address of its own (X-Forwarded-For; the instances trust one
proxy), so the per-address rate limits see members, not this one machine.

With --varnish every request goes through Varnish (deploy/varnish/default.vcl, with xkey; the
site purges it after each change) in front of both instances, and the report adds Varnish's hit
ratio (varnishstat: hits / (hits + misses); members and writes pass) and, per kind, how many
answers came from its cache (X-Shared-Cache).

Reported: requests per second, p50 and p99 per kind, errors (any 5xx or a failed connection is a
failure) and the comparison of the database with the successful responses: every membership the
site confirmed is there and no other, every story it confirmed once. Exit status 1 on any failure.
Results are also written to bench/results/loadtest-<time>.json."""

import argparse
import contextlib
import json
import os
import random
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cluster import (  # noqa: E402
    Client,
    Instances,
    Varnish,
    build_site,
    free_port,
    fresh_postgres_database,
    is_postgres,
    manage,
    sql_rows,
)

PASSWORD = "load-test-password-2026"
MEMBERS_PER_CLIENT = 5
SEARCHES = [
    "lambert eaton", "lamber eaton", "LEMS", "G70.80", "g7080", "358.30", "marfan", "marfn", "cystic fibrosis",
    "ptosis", "muscle weakness", "duchenne", "wilson", "fabry disease", "huntington", "myasthenia",
]  # fmt: skip
ROLES = ["patient", "caregiver", "family", "clinician", "supporter"]
# What a client thread does next, by weight: mostly reading, as on any public site.
MIX = {
    "home": 14, "condition": 26, "community": 10, "search": 16,
    "login": 4, "join": 14, "leave": 8, "story": 8,
}  # fmt: skip
CREATE_MEMBERS = """
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from community.models import User
password = make_password({password!r})  # one hash for all: hashing 80 times would take a while
now = timezone.now()  # members agreed to keeping health-related data at sign-up
User.objects.bulk_create([
    User(email=f"loadtest-{{n:03}}@example.org", username=f"loadtest-{{n:03}}", display_name=f"Load {{n}}",
         password=password, health_data_consent_at=now, age_confirmed_at=now)
    for n in range({count})
])
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.failures = []
        self.cache_hits = 0
        self.shared_hits = defaultdict(int)  # per kind, answers from Varnish's cache

    def record(self, kind, started, response=None, error=None):
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.times[kind].append(elapsed)
            status = response.status if response is not None else "error"
            self.statuses[kind][status] += 1
            if error is not None or status == "error" or status >= 500:
                self.failures.append(f"{kind}: {error or status}")
            if response is not None and response.headers.get("X-Cache") == "hit":
                self.cache_hits += 1
            if response is not None and response.headers.get("X-Shared-Cache") == "hit":
                self.shared_hits[kind] += 1


class Member:
    def __init__(self, email, address):
        self.email, self.client = email, Client(address=address)
        self.logged_in = False


class Expected:
    """The writes the site confirmed, to compare with the database at the end."""

    def __init__(self):
        self.lock = threading.Lock()
        self.memberships = {}  # (email, slug) -> True (member) / False (not) / None (unknown: failed)
        self.stories = set()
        self.unknown_stories = 0


def client_thread(n, urls, slugs, deadline, stats, expected, seed):
    rng = random.Random(seed * 1000 + n)
    reader = Client()
    members = [
        Member(f"loadtest-{n * MEMBERS_PER_CLIENT + i:03}@example.org", f"10.9.{n}.{i + 1}")
        for i in range(MEMBERS_PER_CLIENT)
    ]
    kinds, weights = list(MIX), list(MIX.values())

    def call(kind, client, method, path, data=None):
        started = time.perf_counter()
        base = rng.choice(urls)
        try:
            if method == "GET":
                response = client.get(base + path)
            elif data is None:
                response = client.post_with_cookie_token(base + path, {})
            else:
                response = client.post_with_cookie_token(base + path, data)
        except Exception as error:  # a refused or dropped connection counts as a failure
            stats.record(kind, started, error=f"{type(error).__name__}: {error}")
            return None
        stats.record(kind, started, response)
        return response

    def log_in(member):
        member.client.cookies.clear()
        form = call("login form", member.client, "GET", "/accounts/login/")
        if form is None or "csrftoken" not in member.client.cookies:
            return False
        response = call(
            "login", member.client, "POST", "/accounts/login/", {"username": member.email, "password": PASSWORD}
        )
        member.logged_in = response is not None and response.status == 302
        return member.logged_in

    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        slug = rng.choice(slugs)
        if kind == "home":
            call("home", reader, "GET", "/")
        elif kind == "condition":
            call("condition", reader, "GET", f"/conditions/{slug}/")
        elif kind == "community":
            call("community", reader, "GET", f"/conditions/{slug}/community/")
        elif kind == "search":
            call("search", reader, "GET", "/search/?q=" + rng.choice(SEARCHES).replace(" ", "+"))
        else:
            member = rng.choice(members)
            if kind == "login" or not member.logged_in:
                if not log_in(member) or kind == "login":
                    continue
            key = (member.email, slug)
            if kind in ("join", "leave"):
                data = {"role": rng.choice(ROLES)} if kind == "join" else None
                response = call(kind, member.client, "POST", f"/conditions/{slug}/{kind}/", data)
                outcome = None  # unknown: the write may or may not have happened
                if response is not None and response.status == 302:
                    # As a browser does: follow the redirect and read what the site says happened
                    # (a refused leave is a redirect too, with the rate-limit message).
                    page = call("after action", member.client, "GET", response.location.split("#")[0])
                    said = _messages(page.text) if page is not None else ""
                    if re.search(r"You joined the|Your membership is saved", said):
                        outcome = True
                    elif re.search(r"You left the|You are not a member", said):
                        outcome = False
                    elif "too many times" in said:
                        continue
                elif response is not None and response.status < 500:
                    continue  # refused (429): nothing written
                with expected.lock:
                    expected.memberships[key] = outcome
            elif kind == "story":
                form = call("story form", member.client, "GET", f"/conditions/{slug}/stories/new/")
                if form is None or form.status != 200:
                    continue
                story = {"title": f"Load {rng.randrange(10**9)}", "body": "It took *years*.", "role": "patient"}
                response = call(
                    "story", member.client, "POST", f"/conditions/{slug}/stories/new/", story | {"consent": "on"}
                )
                with expected.lock:
                    if response is not None and response.status == 302 and "#story-" in response.location:
                        expected.stories.add(int(response.location.rsplit("-", 1)[1]))
                    elif response is None or response.status >= 500:
                        expected.unknown_stories += 1


def _messages(html):
    return " ".join(re.findall(r'<p class="message[^"]*">([^<]*)</p>', html))


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def compare(database_url, expected, urls):
    """The database against the confirmed writes; the community pages against the database."""
    problems = []
    rows = sql_rows(
        database_url,
        "SELECT u.email, c.slug, count(*) FROM community_membership m JOIN community_user u ON u.id = m.user_id "
        "JOIN conditions_condition c ON c.id = m.condition_id WHERE u.email LIKE 'loadtest-%%' GROUP BY 1, 2",
    )
    in_database = {(email, slug) for email, slug, _ in rows}
    doubled = [(e, s) for e, s, n in rows if n != 1]
    wanted = {key for key, member in expected.memberships.items() if member is True}
    unknown = {key for key, member in expected.memberships.items() if member is None}
    lost = wanted - in_database
    extra = in_database - wanted - unknown
    stories = {row[0] for row in sql_rows(
        database_url,
        "SELECT s.id FROM community_story s JOIN community_user u ON u.id = s.author_id "
        "WHERE u.email LIKE 'loadtest-%%'",
    )}  # fmt: skip
    lost_stories = expected.stories - stories
    extra_stories = len(stories - expected.stories) - expected.unknown_stories
    for label, items in [("lost memberships", lost), ("memberships never confirmed", extra), ("doubled", doubled)]:
        if items:
            problems.append(f"{label}: {sorted(items)[:5]}… ({len(items)})")
    if lost_stories:
        problems.append(f"lost stories: {sorted(lost_stories)[:5]} ({len(lost_stories)})")
    if extra_stories > 0:
        problems.append(f"stories never confirmed: {extra_stories}")
    counts = dict(sql_rows(
        database_url,
        "SELECT c.slug, count(m.id) FROM conditions_condition c LEFT JOIN community_membership m "
        "ON m.condition_id = c.id WHERE c.status = 'published' GROUP BY 1",
    ))  # fmt: skip
    reader = Client()
    for slug, n in counts.items():
        want = f"{n} members" if n >= 10 else "fewer than 10 members"
        for base in urls:
            page = reader.get(f"{base}/conditions/{slug}/community/").text
            shown = re.search(r'<p class="count"><strong>([^<]+)</strong>', page).group(1).lower()
            if shown != want:
                problems.append(f"{base} shows {shown!r} for {slug}, the database has {n}")
    summary = {
        "memberships confirmed": len(wanted),
        "memberships in database": len(in_database),
        "stories confirmed": len(expected.stories),
        "stories in database": len(stories),
        "writes with unknown outcome (5xx, no response)": len(unknown) + expected.unknown_stories,
    }
    return summary, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic (default 60)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per instance (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--varnish", action="store_true", help="send every request through Varnish in front")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/diseasemaps")
    if not is_postgres(base_url):
        sys.exit("The load test runs on PostgreSQL: set DATABASE_URL=postgres://… (a database beside it is used).")
    cache_url = os.environ.get("LOADTEST_CACHE_URL", "redis://127.0.0.1:6379/10")
    tmp = ROOT / "bench" / "results" / "loadtest"
    tmp.mkdir(parents=True, exist_ok=True)

    print("building the site (migrate, load_demo)…", flush=True)
    database_url = fresh_postgres_database(base_url, "_loadtest")
    env = {"TRUSTED_PROXY_COUNT": "1"}
    if args.varnish:
        varnish_port = free_port()
        # Varnish adds a hop to X-Forwarded-For; the site purges it after every change.
        env = {"TRUSTED_PROXY_COUNT": "2", "PURGE_BACKEND": "xkey", "PURGE_URLS": f"http://127.0.0.1:{varnish_port}/"}
    site = build_site(database_url, cache_url, tmp, **env)
    manage(site, "shell", "-c", CREATE_MEMBERS.format(password=PASSWORD, count=args.clients * MEMBERS_PER_CLIENT))
    # Planner statistics, as autovacuum gathers them a while after a load: without them PostgreSQL
    # scans all 113,000 code titles for each search (0.7 s) instead of using their GIN index (1 ms).
    manage(site, "shell", "-c", "from django.db import connection; connection.cursor().execute('ANALYZE')")
    slugs = [
        row[0] for row in sql_rows(database_url, "SELECT slug FROM conditions_condition WHERE status = 'published'")
    ]

    stats, expected = Stats(), Expected()
    with contextlib.ExitStack() as stack:
        urls = stack.enter_context(Instances(site, count=2, workers=args.workers, threads=args.threads))
        print(f"{len(urls)} instances: {' '.join(urls)}; {args.clients} clients for {args.duration:g} s", flush=True)
        front = None
        if args.varnish:
            front = stack.enter_context(Varnish(urls, varnish_port, tmp / "varnish"))
            urls = [front.url]
            print(f"through Varnish at {front.url}", flush=True)
        started = time.monotonic()
        deadline = started + args.duration
        threads = [
            threading.Thread(target=client_thread, args=(n, urls, slugs, deadline, stats, expected, args.seed))
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        varnish = front.counters() if front else None
        summary, problems = compare(database_url, expected, urls)

    total = sum(len(t) for t in stats.times.values())
    print(
        f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s; page cache hits {stats.cache_hits}"
    )
    if varnish:
        ratio = varnish["hit"] / max(1, varnish["hit"] + varnish["miss"])
        hit, miss, passed = varnish["hit"], varnish["miss"], varnish["pass"]
        print(f"Varnish: {hit} hits, {miss} misses, {passed} passed; hit ratio {ratio:.1%}")
        report_varnish = varnish | {"hit_ratio": round(ratio, 3)}
    print(f"{'kind':<12} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    report = {"requests": total, "seconds": round(elapsed, 1), "per_second": round(total / elapsed, 1), "kinds": {}}
    for kind in sorted(stats.times, key=lambda k: -len(stats.times[k])):
        times = stats.times[kind]
        p50, p99 = statistics.median(times), percentile(times, 99)
        statuses = dict(stats.statuses[kind])
        shared = f"  from Varnish's cache: {stats.shared_hits[kind]}" if varnish else ""
        print(f"{kind:<12} {len(times):>8} {p50:>8.1f} {p99:>8.1f}  {statuses}{shared}")
        report["kinds"][kind] = {
            "requests": len(times),
            "p50_ms": round(p50, 1),
            "p99_ms": round(p99, 1),
            "statuses": statuses,
            "varnish_hits": stats.shared_hits[kind],
        }
    if varnish:
        report["varnish"] = report_varnish
    print("\n" + "\n".join(f"{k}: {v}" for k, v in summary.items()))
    failures = stats.failures + problems
    print(f"errors (5xx or no response): {len(stats.failures)}")
    for line in failures[:20]:
        print("  FAIL", line)
    print("RESULT:", "FAIL" if failures else "PASS: no 5xx, no lost or doubled write")
    report |= {"database": summary, "failures": failures}
    out = ROOT / "bench" / "results" / f"loadtest-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"saved to {out.relative_to(ROOT)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
