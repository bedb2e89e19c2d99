"""A real shared cache in front: Varnish (Debian's, with varnish-modules' xkey) and
deploy/varnish/default.vcl before two gunicorn instances on one PostgreSQL database and one Redis
cache. Anonymous readers are served by Varnish; an edit purges exactly the pages that show it and a
join its community's pages, after the commit; a logged-in member never gets a shared copy.

Real processes (bench/cluster.py). The database is `<name>_varnish` beside DATABASE_URL's, built
like a fresh machine's; the cache is the Redis database VARNISH_TEST_CACHE_URL names (11 unless
told), flushed first. Varnish listens on a free port of 127.0.0.1 and is stopped at the end."""

import gzip
import os
import shutil
import urllib.error
import urllib.request

import brotli
import pytest

from bench.cluster import Client, Instances, Varnish, build_site, free_port, fresh_postgres_database, manage

DATABASE_URL = os.environ.get("DATABASE_URL", "")
CACHE_URL = os.environ.get("VARNISH_TEST_CACHE_URL", "redis://127.0.0.1:6379/11")
LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"
MARFAN = "/conditions/marfan-syndrome/"

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy

pytestmark = pytest.mark.postgres  # two instances share one PostgreSQL database


@pytest.fixture(scope="module")
def varnish(tmp_path_factory):
    assert shutil.which("varnishd"), "needs Debian's varnish and varnish-modules (.ci/run installs them)"
    tmp = tmp_path_factory.mktemp("varnish")
    port = free_port()
    database_url = fresh_postgres_database(DATABASE_URL, "_varnish")
    site = build_site(
        database_url,
        CACHE_URL,
        tmp,
        TRUSTED_PROXY_COUNT="1",
        COMMUNITY_MIN_PUBLIC_COUNT="1",
        PURGE_BACKEND="xkey",
        PURGE_URLS=f"http://127.0.0.1:{port}/",
        CACHE_SHARED_MAX_AGE="86400",  # purged on change, so kept long
    )
    with Instances(site, count=2, workers=2, threads=2) as urls, Varnish(urls, port, tmp / "varnish") as front:
        front.site = site
        yield front


def shared(response):
    return response.headers["X-Shared-Cache"]


def test_anonymous_reads_are_served_by_varnish(varnish):
    reader = Client()
    first = reader.get(varnish.url + "/codes/")
    assert first.status == 200
    assert shared(first) == "miss"
    second = reader.get(varnish.url + "/codes/")
    assert shared(second) == "hit"
    assert int(second.headers["Age"]) >= 0
    assert second.text == first.text
    assert "public" in second.headers["Cache-Control"]
    assert second.headers["xkey"] is None  # the keys stay inside
    assert second.headers.get_all("Set-Cookie") is None


def test_varnish_answers_304_and_serves_gzip(varnish):
    Client().get(varnish.url + LEMS)
    plain = Client().get(varnish.url + LEMS)
    assert shared(plain) == "hit"
    request = urllib.request.Request(varnish.url + LEMS, headers={"Accept-Encoding": "gzip"})
    with _direct.open(request) as raw:
        assert raw.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in raw.headers["Vary"]
        body = raw.read()
    assert len(body) <= 0.30 * len(plain.text.encode())
    assert gzip.decompress(body).decode() == plain.text
    request = urllib.request.Request(varnish.url + LEMS, headers={"If-None-Match": plain.headers["ETag"]})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        _direct.open(request)
    assert not_modified.value.code == 304


def test_varnish_serves_brotli_to_browsers_that_take_it_and_304_across_codings(varnish):
    plain = Client().get(varnish.url + LEMS)
    for _ in range(2):  # fetched as Brotli once, then served from Varnish's copy
        request = urllib.request.Request(varnish.url + LEMS, headers={"Accept-Encoding": "gzip, deflate, br"})
        with _direct.open(request) as raw:
            assert raw.headers["Content-Encoding"] == "br"
            assert raw.headers["ETag"] == plain.headers["ETag"]
            assert brotli.decompress(raw.read()).decode() == plain.text
    assert raw.headers["X-Shared-Cache"] == "hit"
    gzipped = urllib.request.Request(varnish.url + LEMS, headers={"Accept-Encoding": "gzip"})
    with _direct.open(gzipped) as raw:
        assert raw.headers["Content-Encoding"] == "gzip"  # Brotli only to who asked for it
    for coding in ("br", "gzip", "identity"):
        request = urllib.request.Request(
            varnish.url + LEMS, headers={"Accept-Encoding": coding, "If-None-Match": plain.headers["ETag"]}
        )
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            _direct.open(request)
        assert not_modified.value.code == 304, coding


def test_an_edit_purges_exactly_the_pages_that_show_it(varnish):
    reader = Client()
    pages = [LEMS, MARFAN, "/codes/", "/conditions/?letter=L", "/"]
    for page in pages:
        reader.get(varnish.url + page)
    assert [shared(reader.get(varnish.url + page)) for page in pages] == ["hit"] * 5

    # An editor adds another name (a save in the shell goes the admin's way: derived.refresh,
    # then, after the commit, a purge of the page's keys).
    manage(
        varnish.site,
        "shell",
        "-c",
        "from conditions.models import Condition, Synonym;"
        "Synonym.objects.create(condition=Condition.objects.get(slug='lambert-eaton-myasthenic-syndrome'),"
        "name='Quokka-Lambert syndrome')",
    )
    lems = reader.get(varnish.url + LEMS)
    assert lems.status == 200
    assert shared(lems) == "miss"
    assert "Quokka-Lambert syndrome" in lems.text
    assert shared(reader.get(varnish.url + "/conditions/?letter=L")) == "miss"  # lists show its name
    assert shared(reader.get(varnish.url + "/")) == "miss"
    assert shared(reader.get(varnish.url + MARFAN)) == "hit"  # other pages stay cached
    assert shared(reader.get(varnish.url + "/codes/")) == "hit"


def test_a_join_purges_its_communitys_pages(varnish):
    reader = Client()
    for page in (MARFAN, LEMS, "/"):
        reader.get(varnish.url + page)
    before = reader.get(varnish.url + MARFAN)
    assert shared(before) == "hit"

    member = Client(address="10.6.0.1")
    member.log_in(varnish.url, "member05@diseasemaps.example", "member-demo-2026")
    joined = member.post_with_cookie_token(f"{varnish.url}{MARFAN}join/", {"role": "patient"})
    assert joined.status == 302
    after = reader.get(varnish.url + MARFAN)
    assert shared(after) == "miss"
    assert "1 member" in after.text
    assert shared(reader.get(varnish.url + "/")) == "miss"  # the home page's totals
    assert shared(reader.get(varnish.url + LEMS)) == "hit"  # another community's page stays cached


def test_a_logged_in_member_never_gets_a_shared_copy(varnish):
    reader = Client()
    reader.get(varnish.url + LEMS)
    assert shared(reader.get(varnish.url + LEMS)) == "hit"
    member = Client(address="10.7.0.1")
    member.log_in(varnish.url, "member06@diseasemaps.example", "member-demo-2026")
    for _ in range(2):
        page = member.get(varnish.url + LEMS)
        assert shared(page) == "pass"
        assert "private" in page.headers["Cache-Control"]
        assert "Log in" not in page.text  # their own page, not the anonymous one
    anonymous = reader.get(varnish.url + LEMS)
    assert "Log in" in anonymous.text  # nor does a reader ever get the member's
    assert shared(anonymous) == "hit"
