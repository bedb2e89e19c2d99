"""The mail queue with real worker processes (manage.py db_worker), on the database the suite
runs on: a fresh SQLite file, or a fresh `<name>_queue` PostgreSQL database beside DATABASE_URL's.
Workers write mail with Django's file-based backend, which the test reads."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_url(tmp):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'queue.sqlite3'}"
    import psycopg

    base, _, name = url.rpartition("/")
    queue_db = f"{name.split('?')[0]}_queue"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:  # DATABASE_URL's own may not exist
        conn.execute(f'DROP DATABASE IF EXISTS "{queue_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{queue_db}"')
    return f"{base}/{queue_db}"


class Site:
    def __init__(self, tmp):
        self.mail = tmp / "mail"
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "DATABASE_URL": _database_url(tmp),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "SITE_URL": "http://testserver",
        }
        self.manage("migrate", "--noinput", "-v0")

    def manage(self, *args, env=None):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env or self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout

    def python(self, code, env=None):
        return self.manage("shell", "-v0", "-c", code, env=env)

    def worker(self, env=None):
        args = ["db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", "-v0"]
        return subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env or self.env)

    def mail_to(self, address):
        """How many messages the workers sent to `address`."""
        if not self.mail.exists():
            return 0
        return sum(f.read_text().count(f"\nTo: {address}\n") for f in self.mail.iterdir())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return Site(tmp_path_factory.mktemp("queue"))


SIGNUP = (
    "from community import services; "
    "services.member_signup(email={!r}, password='a-long-passphrase-1', display_name='Q')"
)


def test_mail_waits_for_a_worker_and_is_sent_exactly_once(site):
    site.python(SIGNUP.format("waits@example.org"))
    time.sleep(1)
    assert site.mail_to("waits@example.org") == 0  # no worker yet: nothing sent, nothing lost
    assert site.worker().wait(timeout=120) == 0
    assert site.mail_to("waits@example.org") == 1
    assert site.worker().wait(timeout=120) == 0  # a later worker finds nothing left to send
    assert site.mail_to("waits@example.org") == 1


def test_two_workers_at_once_never_send_one_mail_twice(site):
    addresses = [f"pair{n}@example.org" for n in range(30)]
    site.python(";".join(SIGNUP.format(a) for a in addresses))
    workers = [site.worker(), site.worker()]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    assert [site.mail_to(a) for a in addresses] == [1] * 30


def test_a_rolled_back_signup_sends_nothing(site):
    site.python(
        "from django.db import transaction\n"
        "with transaction.atomic():\n"
        f"    {SIGNUP.format('rolled-back@example.org')}\n"
        "    transaction.set_rollback(True)\n"
    )
    assert site.worker().wait(timeout=120) == 0
    assert site.mail_to("rolled-back@example.org") == 0
    assert "False" in site.python(
        "from community.models import User; print(User.objects.filter(email='rolled-back@example.org').exists())"
    )


def test_a_failed_send_is_retried_later_and_recorded(site):
    site.python(SIGNUP.format("retry@example.org"))
    # No mail server listens on port 9: the send fails.
    broken = site.env | {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1"}
    broken |= {"EMAIL_PORT": "9", "EMAIL_USE_TLS": "false"}
    assert site.worker(env=broken).wait(timeout=120) == 0
    queued = (
        "from django_tasks_db.models import DBTaskResult as T\n"
        "rows = T.objects.filter(args_kwargs__kwargs__email='retry@example.org')\n"
        "print(sorted((r.status, r.args_kwargs['kwargs'].get('attempt', 1)) for r in rows))\n"
    )
    assert site.python(queued).strip() == "[('FAILED', 1), ('READY', 2)]"  # the retry waits a minute
    assert site.worker().wait(timeout=120) == 0
    assert site.mail_to("retry@example.org") == 0  # not before its time
    site.python(
        "from django.utils import timezone; from django_tasks_db.models import DBTaskResult as T\n"
        "T.objects.filter(status='READY').update(run_after=timezone.now())\n"
    )
    assert site.worker().wait(timeout=120) == 0
    assert site.mail_to("retry@example.org") == 1
