"""HTTP caching that says the truth: reader pages are public for a while and revalidate with an
ETag; nothing personal is ever public; each reader page names what it shows (surrogate keys), and
a change retires exactly the pages that name it, here and, after the commit, in the shared caches
in front (a purge endpoint that records what it is sent stands in for Varnish here; the real one
is tested in tests/test_varnish.py)."""

import gzip
import http.server
import threading

import brotli
import pytest
from django.test import Client
from pytest_django.asserts import assertContains

from conditions.models import SiteText


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def page(make_condition):
    return make_condition(name="Quokka fever", slug="quokka-fever", summary="First summary.")


def test_an_anonymous_reader_page_is_public_for_a_while(client, page):
    response = client.get("/conditions/quokka-fever/")
    assert directives(response) == {
        "public",
        "max-age=60",
        "s-maxage=300",
        "stale-while-revalidate=60",
        "stale-if-error=86400",
    }
    assert response["ETag"].startswith('W/"')
    assert "Cookie" in response["Vary"]
    assert "Set-Cookie" not in response
    assert response["Surrogate-Key"] == "site condition:quokka-fever community:quokka-fever"
    assert response["xkey"] == response["Surrogate-Key"]


@pytest.mark.parametrize("purged", [True, False])
def test_a_page_changed_while_it_renders_is_not_shared_where_purges_reach_a_shared_cache(
    client, page, settings, monkeypatch, purged
):
    from conditions import pages
    from diseasemaps import pagecache

    if purged:  # the purge itself is sent after the commit, which the test never reaches
        settings.PURGE_BACKEND, settings.PURGE_URLS = "xkey", ["http://127.0.0.1:9/"]
    render = pages.parts_for

    def render_while_an_editor_saves(condition):
        pagecache.retire_keys(["condition:quokka-fever"])
        return render(condition)

    monkeypatch.setattr(pages, "parts_for", render_while_an_editor_saves)
    response = client.get("/conditions/quokka-fever/")
    assertContains(response, "First summary.")
    if purged:
        assert "public" not in directives(response)
        assert {"no-cache", "max-age=0"} <= directives(response)
    else:  # public as usual, and not served again from here: it was kept under the old versions
        assert "public" in directives(response)
        monkeypatch.setattr(pages, "parts_for", render)
        assert client.get("/conditions/quokka-fever/")["X-Cache"] == "miss"


def test_the_cached_copy_has_the_same_headers(client, page):
    first = client.get("/conditions/quokka-fever/")
    second = client.get("/conditions/quokka-fever/")
    assert second["X-Cache"] == "hit"
    assert second["ETag"] == first["ETag"]
    assert directives(second) == directives(first)


def test_a_reader_revalidates_with_the_etag_and_gets_304(client, page):
    etag = client.get("/conditions/quokka-fever/")["ETag"]
    for _ in range(2):  # rendered again with the page cache empty, then from the cache
        client.get("/conditions/quokka-fever/")
    response = client.get("/conditions/quokka-fever/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_after_an_edit_the_old_etag_gets_the_new_page(client, page):
    etag = client.get("/conditions/quokka-fever/")["ETag"]
    page.summary = "Second summary."
    page.save()
    response = client.get("/conditions/quokka-fever/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assertContains(response, "Second summary.")
    assert response["ETag"] != etag


@pytest.fixture
def member(make_user):
    return make_user(email="alice@example.org")


def test_reader_pages_for_a_logged_in_member_are_private(client, page, member):
    client.force_login(member)
    for url in ["/", "/conditions/", "/conditions/quokka-fever/", "/search/?q=quokka", "/codes/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert {"private", "no-store"} <= directives(response), url
        assert "public" not in directives(response), url
        assert "Surrogate-Key" not in response, url


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/", "/conditions/quokka-fever/community/"]
)
def test_every_form_page_is_private_for_anonymous_readers_too(client, page, url):
    response = client.get(url)
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_no_response_that_sets_or_depends_on_a_session_is_public(page, member, make_story, add_code):
    """Every page a reader, a visitor with a session and a member can reach, GET and POST alike."""
    add_code(page, "icd-10-cm", "Q87.40")
    story = make_story(page, status="approved")
    urls = [
        "/", "/conditions/", "/conditions/?letter=Q", "/conditions/quokka-fever/",
        "/conditions/quokka-fever/community/",
        f"/conditions/quokka-fever/stories/{story.pk}/report/", "/conditions/quokka-fever/stories/new/",
        "/search/?q=quokka", "/search/suggest/?q=quo", "/codes/", "/codes/icd-10-cm/", "/codes/icd-10-cm/Q87.40/",
        "/sitemap.xml", "/robots.txt", "/feeds/updates/", "/healthz", "/accounts/login/", "/accounts/signup/",
        "/accounts/me/", "/accounts/password-reset/",
    ]  # fmt: skip
    anonymous, with_session, logged_in = Client(), Client(), Client()
    with_session.post("/accounts/login/", {"username": "alice@example.org", "password": "wrong"})
    with_session.cookies["sessionid"] = "a-session-the-site-does-not-know"
    logged_in.force_login(member)
    seen = 0
    for client in (anonymous, with_session, logged_in):
        for url in urls:
            for response in (client.get(url), client.post(url, {"q": "x"})):
                sent_session = "sessionid" in client.cookies
                if response.cookies or sent_session:
                    seen += 1
                    assert "public" not in directives(response), (url, response.status_code)
                    assert "private" in directives(response) or response.status_code in (301, 302, 404, 405)
    assert seen > 40


# --- retiring by key --------------------------------------------------------------------------


def test_an_edit_keeps_unrelated_condition_pages_cached(client, page, make_condition):
    other = make_condition(name="Wombat fever", slug="wombat-fever")
    client.get(other.get_absolute_url())
    client.get("/codes/")
    page.summary = "Second summary."
    page.save()
    assert client.get(other.get_absolute_url())["X-Cache"] == "hit"
    assert client.get("/codes/")["X-Cache"] == "hit"
    assertContains(client.get("/conditions/quokka-fever/"), "Second summary.")


def test_a_rename_refreshes_the_lists_and_the_related_pages(client, page, make_condition):
    related = make_condition(name="Wombat fever", slug="wombat-fever")
    related.related.add(page)
    assertContains(client.get(related.get_absolute_url()), "Quokka fever")
    assertContains(client.get("/conditions/?letter=Q"), "Quokka fever")
    page.name = "Quokka flu"
    page.save()
    assertContains(client.get(related.get_absolute_url()), "Quokka flu")
    assertContains(client.get("/conditions/?letter=Q"), "Quokka flu")


def test_the_site_wide_disclaimer_retires_every_page(client, page):
    client.get("/codes/")
    client.get("/conditions/quokka-fever/")
    SiteText.objects.update_or_create(key=SiteText.Key.MEDICAL_DISCLAIMER, defaults={"text": "Ask your doctor."})
    assert client.get("/codes/")["X-Cache"] == "miss"
    assert client.get("/conditions/quokka-fever/")["X-Cache"] == "miss"


class PurgeRecorder(http.server.BaseHTTPRequestHandler):
    """A purge endpoint on loopback that records each request's method and purge headers."""

    received = []

    def _record(self):
        self.received.append((self.command, self.headers.get("xkey-purge") or self.headers.get("Surrogate-Key")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PURGE = do_BAN = _record

    def log_message(self, *args):
        pass


@pytest.fixture
def purge_endpoint(settings):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PurgeRecorder)
    PurgeRecorder.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.PURGE_BACKEND = "xkey"
    settings.PURGE_URLS = [f"http://127.0.0.1:{server.server_address[1]}/"]
    yield PurgeRecorder.received
    server.shutdown()
    server.server_close()


def test_an_edit_purges_exactly_its_pages_after_the_commit(page, make_condition, purge_endpoint,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    related = make_condition(name="Wombat fever", slug="wombat-fever")
    related.related.add(page)
    make_condition(name="Lemur pox", slug="lemur-pox")
    with django_capture_on_commit_callbacks(execute=True):
        page.summary = "Second summary."
        page.save()
        assert purge_endpoint == []  # nothing before the commit
    assert purge_endpoint == [("PURGE", "condition:quokka-fever condition:wombat-fever listings")]


def test_a_join_purges_its_community_and_the_home_totals(page, make_membership, purge_endpoint,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        make_membership(page)
    assert purge_endpoint == [("PURGE", "communities community:quokka-fever")]


def test_the_http_backend_sends_its_method_with_the_keys(page, settings, purge_endpoint,
                                                         django_capture_on_commit_callbacks):  # fmt: skip
    settings.PURGE_BACKEND, settings.PURGE_METHOD = "http", "BAN"
    with django_capture_on_commit_callbacks(execute=True):
        SiteText.objects.create(key=SiteText.Key.MEDICAL_DISCLAIMER, text="Ask your doctor.")
    assert purge_endpoint == [("BAN", "site")]


def test_a_rolled_back_change_purges_nothing(page, purge_endpoint, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            page.summary = "Never committed."
            page.save()
            raise RuntimeError
    assert purge_endpoint == []


def test_an_unreachable_purge_endpoint_does_not_fail_the_change(page, settings, django_capture_on_commit_callbacks):
    settings.PURGE_BACKEND, settings.PURGE_URLS = "xkey", ["http://127.0.0.1:9/"]  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        page.summary = "Second summary."
        page.save()
    page.refresh_from_db()
    assert page.summary == "Second summary."


# --- compression ------------------------------------------------------------------------------


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


LEMS = "/conditions/lambert-eaton-myasthenic-syndrome/"


def test_the_lems_page_is_compressed_to_under_a_third(client, demo):
    plain = client.get(LEMS)
    compressed = client.get(LEMS, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert "accept-encoding" in vary(plain)  # a shared cache keeps the plain copy apart
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "accept-encoding" in vary(compressed)
    assert len(compressed.content) <= 0.30 * len(plain.content)
    assert gzip.decompress(compressed.content) == plain.content


def test_a_browser_that_takes_brotli_gets_brotli(client, demo):
    plain = client.get(LEMS)
    compressed = client.get(LEMS, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "br"
    assert "accept-encoding" in vary(compressed)
    assert len(compressed.content) < len(gzip.compress(plain.content))
    assert brotli.decompress(compressed.content) == plain.content


def test_one_etag_revalidates_every_coding(client, demo):
    """The ETag is the page's, not the bytes': a browser that got Brotli revalidates with it and
    gets 304 whichever coding it asks for next, and a changed page is sent again."""
    etags = {client.get(LEMS, HTTP_ACCEPT_ENCODING=coding)["ETag"] for coding in ("", "gzip", "br")}
    assert len(etags) == 1
    etag = etags.pop()
    assert etag.startswith('W/"')
    for coding in ("", "gzip", "br"):
        assert client.get(LEMS, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(LEMS, HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH='W/"other"').status_code == 200


def test_a_members_page_is_compressed_and_stays_private(client, page, member):
    client.force_login(member)
    response = client.get("/conditions/quokka-fever/", HTTP_ACCEPT_ENCODING="br")
    assert response["Content-Encoding"] == "br"
    assert {"private", "no-store"} <= directives(response)
