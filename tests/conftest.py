import contextlib
import datetime
import itertools
import os

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from community.models import Membership, Story, User
from conditions.models import Condition, ConditionCode
from conditions.workflow import review_sign_off
from diseasemaps import roles


@pytest.hookimpl(trylast=True)  # after `-m` has deselected what it leaves out
def pytest_collection_modifyitems(items):
    """Browser tests last: they are the slowest, and the rest fail faster without them. Under
    pytest-xdist (`./dev test` runs two workers) they come first instead, so that one worker starts
    on them while the other runs the rest (see pytest_xdist_make_scheduler).
    Tests marked `postgres` are skipped on SQLite, and those marked `sqlite` on PostgreSQL (CI
    deselects them instead: see .ci/run)."""
    parallel = "PYTEST_XDIST_WORKER" in os.environ
    items.sort(key=lambda item: ("tests/browser/" in item.nodeid) != parallel)
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    marker, database = ("sqlite", "SQLite") if on_postgres else ("postgres", "PostgreSQL")  # the other one's
    needs_other = [item for item in items if item.get_closest_marker(marker)]
    if needs_other and os.environ.get("CI"):  # CI never passes a test over: it deselects them
        raise pytest.UsageError(f'{database}-only tests selected: add -m "not {marker}"')
    for item in needs_other:
        item.add_marker(pytest.mark.skip(reason=f"needs {database}"))


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist, a test module is one unit of work, so its module-scoped fixtures (the
    catalogue, the demo site, the backup databases, the scale-out cluster) are built once, on one
    worker; all browser tests are one unit, as they share one server and its database.
    (`--dist loadgroup` cannot do this: with pytest 9, xdist 3.8 ignores `xdist_group` marks.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return "tests/browser/" if nodeid.startswith("tests/browser/") else nodeid.split("::", 1)[0]

    return ByModule(config, log)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only


_skipped = []


def pytest_runtest_logreport(report):
    """Under pytest-xdist this also runs in the controlling process, for every worker's reports."""
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """A test that does not run hides what it tests: in CI any skip is a failure."""
    if _skipped and os.environ.get("CI"):
        print("\nTests were skipped, which CI does not allow:", *_skipped, sep="\n  ")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The official code sets are loaded once per session (about 12 s), not once per test.
    Tests that use `db` run inside a transaction, so they all see these rows."""
    with django_db_blocker.unblock():
        call_command("load_codesets", verbosity=0)


@contextlib.contextmanager
def shared_rows(django_db_blocker, load):
    """Rows made once for a module's tests by `load()` (what it returns is yielded), inside an outer
    transaction that is rolled back after the module: each test's own transaction nests inside it
    (a savepoint), so a test that changes them leaves them as they were for the next, and no other
    module ever sees them. For module-scoped fixtures; the module's tests must use `db`, not
    `transactional_db` (whose flush would commit)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            made = load()
            # Their deferred foreign-key checks, once, here. Left pending, every test's end would run
            # them all again (PostgreSQL un-does checks run inside a savepoint that rolls back): 5-8 s a
            # test after the whole catalogue.
            connection.check_constraints()
        yield made
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _load_demo():
    from django.test.utils import override_settings

    # load_demo refuses production; accounts hashed as the tests' settings check them
    with override_settings(DEBUG=True, PASSWORD_HASHERS=FAST_HASHERS):
        call_command("load_demo", verbosity=0)


@pytest.fixture(scope="module")
def _demo_rows(django_db_setup, django_db_blocker):
    with shared_rows(django_db_blocker, _load_demo):
        yield


@pytest.fixture
def demo(_demo_rows, db):
    """The README's demo site (`load_demo`: pages, accounts, the LEMS community), loaded once per
    module that asks for it; what a test changes is rolled back before the next test."""


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    # manifest storage needs collectstatic
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = FAST_HASHERS
    # One process: its own memory cache, emptied for each test. The default database cache, shared by
    # several processes, is tested with real gunicorn workers (tests/test_multiprocess.py).
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _fresh_cache(_test_settings):
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


_numbers = itertools.count(1)


@pytest.fixture
def make_condition(db):
    def make(**fields):
        n = next(_numbers)
        defaults = {"name": f"Condition {n}", "slug": f"condition-{n}", "summary": "Short.", "status": "published"}
        return Condition.objects.create(**(defaults | fields))

    return make


@pytest.fixture
def add_code(db):
    def add(condition, system, value, **fields):
        code = ConditionCode(condition=condition, system=system, value=value, **fields)
        code.full_clean()
        code.save()
        return code

    return add


@pytest.fixture
def make_user(db):
    def make(**fields):
        n = next(_numbers)
        defaults = {"email": f"user{n}@example.org", "username": f"user{n}", "display_name": f"User {n}"}
        # Members agreed to keeping health-related data at sign-up; health_data_consent_at=None for one who did not.
        defaults |= {"health_data_consent_at": timezone.now(), "age_confirmed_at": timezone.now()}
        password = fields.pop("password", "a-long-test-password")
        user = User(**(defaults | fields))
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def make_review(db):
    def make(condition, reviewer, **fields):
        return review_sign_off(
            condition=condition, reviewer=reviewer, **({"reviewed_on": datetime.date(2026, 11, 1)} | fields)
        )

    return make


@pytest.fixture
def make_membership(make_user):
    def make(condition, **fields):
        user = fields.pop("user", None) or make_user()
        return Membership.objects.create(user=user, condition=condition, **({"role": "patient"} | fields))

    return make


@pytest.fixture
def make_story(make_user):
    def make(condition, **fields):
        author = fields.pop("author", None) or make_user()
        defaults = {"title": "My story", "body": "It took *years*.", "role": "patient", "consent": True}
        return Story.objects.create(author=author, condition=condition, **(defaults | fields))

    return make


# --- personas: one per staff role, each given exactly its role's group (diseasemaps/roles.py) ---


@pytest.fixture
def staff(make_user):
    """make_user with an editorial role: staff(roles.EDITOR)."""
    from django.contrib.auth.models import Group

    call_command("setup_roles", verbosity=0)

    def make(role, **fields):
        user = make_user(is_staff=True, **fields)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def editor(staff):
    return staff(roles.EDITOR, display_name="Eda Editor")


@pytest.fixture
def reviewer(staff):
    return staff(roles.REVIEWER, display_name="Dr Ada Reviewer", credentials="MD, neurologist")


@pytest.fixture
def moderator(staff):
    return staff(roles.MODERATOR, email="mo@example.org", display_name="Mo Derator")


@pytest.fixture
def run_tasks(db):
    """Runs the task queue's ready tasks in this process, as a worker would, and returns the sent
    mail (locmem outbox). A task enqueued inside the test's transaction is visible here."""
    from django.core import mail
    from django.db import transaction
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    def run():
        # Worker.run() would also close "old" connections, which ends the test's transaction on
        # PostgreSQL: claim and run each task as it does, without that.
        while True:
            with transaction.atomic():
                result = DBTaskResult.objects.ready().get_locked()
                if result is None:
                    return mail.outbox
                result.claim(worker.worker_id)
            worker.run_task(result)

    return run
