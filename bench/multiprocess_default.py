"""The default set-up (SQLite, no CACHE_URL) served by several gunicorn workers on one machine:
does every worker agree on cached pages and rate limits?

Builds a fresh SQLite site in a temporary directory (migrate, collectstatic, load_demo), starts
one gunicorn with --workers worker processes and measures, as a reader and an attacker would:
- stale page: every worker has the condition page cached; a page edit is saved by another process
  (as the admin of one worker, a command or the shell would); how many of 30 anonymous reads
  still show the old text;
- withdrawn story: an approved story is cached on the condition page; its author withdraws it
  through the site; how many of 60 anonymous reads still show it;
- log-in guesses: 30 wrong passwords for one account, one after another and then 30 at once
  (each from a new connection, so spread over the workers); how many were checked rather than
  refused, against the limit of 5.

    .venv/bin/python bench/multiprocess_default.py              # this tree's code, 4 workers
    .venv/bin/python bench/multiprocess_default.py --workers 8

Prints one JSON object; exit status 1 when any figure is over its limit (0 stale reads, 0 visible
withdrawn stories, 5 guesses)."""

import argparse
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cluster import PYTHON, ROOT, Client, Instances, build_site  # noqa: E402

SLUG = "lambert-eaton-myasthenic-syndrome"
PASSWORD = "member-demo-2026"


def build(tmp):
    return build_site(f"sqlite:///{tmp / 'site.sqlite3'}", "", tmp)  # no CACHE_URL: the embedded default


def shell(site, code):
    command = [PYTHON, "manage.py", "shell", "--no-imports", "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=site.env, check=True, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def reads(url, count):
    """`count` anonymous reads, each on a new connection (so spread over the workers)."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda _: Client().get(url).text, range(count)))


def stale_page(site, base):
    url = f"{base}/conditions/{SLUG}/"
    reads(url, 40)  # every worker has the page cached
    shell(site, f"from conditions.models import Condition\nc = Condition.objects.get(slug='{SLUG}')\n"
                "c.summary = 'Corrected summary, release 2.'\nc.save()")  # fmt: skip
    return sum("Corrected summary, release 2." not in text for text in reads(url, 30))


def approved_story(site):
    """An approved story on the page, written before the site starts serving."""
    return shell(site, "from community.models import Story, User\nfrom conditions.models import Condition\n"
                     "s = Story.objects.create(author=User.objects.get(email='member05@diseasemaps.example'), "
                     f"condition=Condition.objects.get(slug='{SLUG}'), title='Withdrawn-story marker', "
                     "body='Text.', role='patient', consent=True, status='approved')\nprint(s.pk)")  # fmt: skip


def withdrawn_story(base, pk):
    url = f"{base}/conditions/{SLUG}/"
    assert sum("Withdrawn-story marker" in text for text in reads(url, 40)) == 40
    author = Client()
    author.log_in(base, "member05@diseasemaps.example", PASSWORD)
    response = author.post_with_cookie_token(f"{base}/conditions/{SLUG}/stories/{pk}/withdraw/", {})
    assert response.status == 302, response.status
    return sum("Withdrawn-story marker" in text for text in reads(url, 60))


def guess(base, email):
    response = Client().submit(f"{base}/accounts/login/", {"username": email, "password": "wrong-guess"})
    return response.status == 200  # checked; a locked pair is answered 429


def guesses_one_by_one(base):
    return sum(guess(base, "member06@diseasemaps.example") for _ in range(30))


def guesses_at_once(base):
    start = threading.Barrier(30)

    def one(_):
        start.wait(timeout=30)
        return guess(base, "member07@diseasemaps.example")

    with concurrent.futures.ThreadPoolExecutor(30) as pool:
        return sum(pool.map(one, range(30)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="multiprocess-") as tmp:
        site = build(Path(tmp))
        story = approved_story(site)
        with Instances(site, count=1, workers=args.workers, threads=2) as (base,):
            figures = {
                "workers": args.workers,
                "stale_reads_of_30": stale_page(site, base),
                "withdrawn_story_visible_of_60": withdrawn_story(base, story),
                "guesses_checked_one_by_one_limit_5": guesses_one_by_one(base),
                "guesses_checked_30_at_once_limit_5": guesses_at_once(base),
            }
    print(json.dumps(figures, indent=2))
    guesses = max(figures["guesses_checked_one_by_one_limit_5"], figures["guesses_checked_30_at_once_limit_5"])
    return 1 if figures["stale_reads_of_30"] or figures["withdrawn_story_visible_of_60"] or guesses > 5 else 0


if __name__ == "__main__":
    sys.exit(main())
