"""Backups restore: the README's dump-and-restore, run with real commands on real databases, brings
back every member, membership, story, review and condition page, and search works afterwards.

Django's way (any database): dumpdata with natural keys, leaving out the official code sets, then
into an empty database migrate, load_codesets, loaddata and rebuild_search. PostgreSQL's way
(only when DATABASE_URL is PostgreSQL): pg_dump -Fc and pg_restore, which copy everything.
The databases are files or `<name>_backup_*` databases beside the test database's; to save a
second load of the code sets, the empty database is a copy of one already migrated and loaded,
exactly as the first two restore steps leave it."""

import datetime
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://"))
EXCLUDED = [  # reloaded (code sets), rebuilt (search) or not worth keeping (log-in sessions)
    "contenttypes", "auth.permission", "sessions",
    "conditions.code", "conditions.codemapping", "conditions.searchentry",
]  # fmt: skip


def manage(url, *args, debug=False):
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "REDIS_URL"}}
    env |= {"DATABASE_URL": url, "DEBUG": "true" if debug else "false", "HTTPS": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Databases:
    """Empty databases of this run's kind: SQLite files, or PostgreSQL databases beside DATABASE_URL's."""

    def __init__(self, tmp):
        self.tmp = tmp
        if POSTGRES:
            base, _, name = DATABASE_URL.rpartition("/")
            self.server, self.prefix = base, f"{name.split('?')[0]}_backup"

    def _admin(self, *statements):
        import psycopg

        with psycopg.connect(f"{self.server}/postgres".replace("postgres://", "postgresql://", 1)) as conn:
            conn.autocommit = True
            for statement in statements:
                conn.execute(statement)

    def drop_all(self):
        if POSTGRES:
            for name in ["empty", "source", "restored", "pg_restored"]:
                self._admin(f'DROP DATABASE IF EXISTS "{self.prefix}_{name}" WITH (FORCE)')

    def new(self, name, copy_of=None):
        if not POSTGRES:
            path = self.tmp / f"{name}.sqlite3"
            if copy_of:
                shutil.copy(copy_of.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        database = f"{self.prefix}_{name}"
        template = f' TEMPLATE "{copy_of.rpartition("/")[2]}"' if copy_of else ""
        self._admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"{template}')
        return f"{self.server}/{database}"


def add_content():
    """What a site has after a while: stories in every state, a report, a review, a listed member."""
    from community import services
    from community.models import Membership, User
    from conditions.models import Condition
    from conditions.services import review_sign_off

    lems = Condition.objects.get(slug="lambert-eaton-myasthenic-syndrome")
    marfan = Condition.objects.get(slug="marfan-syndrome")
    members = list(User.objects.filter(email__startswith="member").order_by("email"))
    moderator = User.objects.get(email="moderator@diseasemaps.example")
    for n, member in enumerate(members[:6]):
        story = services.story_submit(
            author=member, condition=lems, title=f"Story {n}", body=f"It took *{n + 1} years*.", role="patient",
            show_name=n % 2 == 0,
        )  # fmt: skip
        if n < 4:
            services.story_approve(story=story, moderator=moderator)
        if n == 4:
            services.story_reject(story=story, moderator=moderator, reason="Names a hospital.")
    services.story_report(story=members[0].stories.get(), reporter=members[1], reason="Gives medical advice.")
    services.membership_join(user=members[7], condition=marfan, role="caregiver", is_public=True)
    services.member_delete(user=members[2], keep_stories=True)  # an anonymised story, with no author
    review_sign_off(condition=lems, reviewer=User.objects.get(email="reviewer@diseasemaps.example"))
    assert Membership.objects.filter(condition=marfan).count() == 1


def summary():
    """Everything a restore must bring back, and what readers and members would find."""
    from django.conf import settings
    from django.test.utils import override_settings

    plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=plain):  # pages render without collectstatic's manifest
        return _summary()


def _summary():
    from django.test import Client

    from community.models import Membership, Story, StoryReport, User
    from conditions import search
    from conditions.models import Condition, ConditionCode, Review, Synonym

    def rows(queryset, *fields):
        # dumpdata's JSON keeps times to the millisecond (DjangoJSONEncoder)
        ms = lambda v: v.isoformat(timespec="milliseconds") if isinstance(v, datetime.datetime) else v  # noqa: E731
        return sorted(([ms(v) for v in row] for row in queryset.values_list(*fields)), key=str)

    client = Client()
    published = Condition.objects.published().order_by("slug")
    pages = {c.slug: client.get(c.get_absolute_url()).status_code for c in published}
    community = client.get("/conditions/lambert-eaton-myasthenic-syndrome/community/").content.decode()
    member = client.login(
        request=HttpRequest(), email="member01@diseasemaps.example", password="member-demo-2026"
    )  # axes needs the request
    return {
        "members": rows(User.objects, "email", "display_name", "is_staff", "is_active", "password", "groups__name"),
        "memberships": rows(Membership.objects, "user__email", "condition__slug", "role", "is_public", "joined_at"),
        "stories": rows(
            Story.objects, "title", "author__email", "condition__slug", "status", "body_html", "created_at"
        ),
        "reports": rows(StoryReport.objects, "story__title", "reporter__email", "reason", "resolved_at"),
        "pages": rows(Condition.objects, "slug", "name", "status", "origin", "content_version", "last_reviewed_on"),
        "page_versions": Condition.history.count(),
        "synonyms": rows(Synonym.objects, "condition__slug", "name"),
        "codes": rows(ConditionCode.objects, "condition__slug", "system", "value", "role", "code__code", "code__title"),
        "reviews": rows(Review.objects, "condition__slug", "reviewer__email", "reviewed_on", "content_version"),
        "related": rows(Condition.related.through.objects, "from_condition__slug", "to_condition__slug"),
        "page_status": pages,
        "approved_story_shown": "Story 0" in community,
        "member_logs_in": member,
        "search": {
            q: [Condition.objects.get(pk=h.condition_id).slug for h in search.search(q)][:3]
            for q in ["LEMS", "g7080", "lambert eaton", "marfan"]
        },
    }


def site_summary(url):
    script = "import json; from tests.test_backups import summary; print(json.dumps(summary(), default=str))"
    return json.loads(manage(url, "shell", "-c", script).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def databases(tmp_path_factory):
    databases = Databases(tmp_path_factory.mktemp("backups"))
    empty = databases.new("empty")
    manage(empty, "migrate", "--noinput", "-v0")  # restore steps 1 and 2, done once for every copy
    manage(empty, "load_codesets", "-v0")
    source = databases.new("source", copy_of=empty)
    manage(source, "load_demo", "-v0", debug=True)
    manage(source, "shell", "-c", "from tests.test_backups import add_content; add_content()")
    databases.empty, databases.source = empty, source
    yield databases
    databases.drop_all()


def test_dumpdata_and_loaddata_restore_every_member_story_and_page(databases, tmp_path):
    backup = tmp_path / "diseasemaps.json.gz"
    manage(databases.source, "dumpdata", "--natural-foreign", "--natural-primary", "-o", str(backup),
           *[f"--exclude={label}" for label in EXCLUDED])  # fmt: skip
    with gzip.open(backup, "rt") as dump:
        codes = [r["fields"]["code"] for r in json.load(dump) if r["model"] == "conditions.conditioncode"]
    # Codes by (system, code): load_codesets gives them other row ids in another database.
    assert ["icd-10-cm", "G70.80"] in codes
    assert all(code is None or len(code) == 2 for code in codes)

    restored = databases.new("restored", copy_of=databases.empty)  # after migrate and load_codesets
    manage(restored, "loaddata", str(backup), "-v0")
    manage(restored, "rebuild_search", "-v0")

    before, after = site_summary(databases.source), site_summary(restored)
    assert len(before["members"]) == 26  # the demo's 27 accounts, one deleted
    assert len(before["stories"]) == 6
    assert after == before
    assert set(after["page_status"].values()) == {200}
    assert after["approved_story_shown"]
    assert after["member_logs_in"]
    assert after["search"]["LEMS"][0] == "lambert-eaton-myasthenic-syndrome"
    assert after["search"]["g7080"][0] == "lambert-eaton-myasthenic-syndrome"


@pytest.mark.postgres  # pg_dump and pg_restore
def test_pg_dump_and_pg_restore_bring_back_the_whole_site(databases, tmp_path):
    backup = tmp_path / "diseasemaps.dump"
    subprocess.run(["pg_dump", "--format=custom", f"--file={backup}", databases.source], check=True, timeout=300)
    restored = databases.new("pg_restored")
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored}", str(backup)], check=True, timeout=300)
    assert site_summary(restored) == site_summary(databases.source)


def test_rebuild_search_indexes_every_published_page_and_dry_run_changes_nothing(make_condition):
    from io import StringIO

    from django.core.management import call_command

    from conditions import search
    from conditions.models import SearchEntry

    marfan = make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    make_condition(name="Fabry disease", slug="fabry-disease", status="draft")
    SearchEntry.objects.all().delete()  # as after loaddata, which leaves the index out
    out = StringIO()
    call_command("rebuild_search", "--dry-run", stdout=out)
    assert "Would index" in out.getvalue()
    assert search.search("marfan") == []
    call_command("rebuild_search", stdout=out)
    assert [hit.condition_id for hit in search.search("marfan")] == [marfan.pk]
    assert search.search("fabry") == []  # drafts stay out of search
