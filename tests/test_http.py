"""HTTP behaviour that load balancers, link checkers, browsers and proxies rely on."""

import pytest
from django.test import Client

from conditions.models import Symptom


@pytest.fixture
def reader_urls(make_condition, add_code):
    condition = make_condition(name="Marfan syndrome", slug="marfan-syndrome")
    add_code(condition, "icd-10-cm", "Q87.40")
    Symptom.objects.create(hpo_id="HP:0001166", name="Arachnodactyly", slug="arachnodactyly")
    return [
        "/",
        "/conditions/",
        "/conditions/?letter=M",
        "/conditions/marfan-syndrome/",
        "/conditions/marfan-syndrome/community/",
        "/search/?q=marfan",
        "/search/suggest/?q=marf",
        "/symptoms/arachnodactyly/",
        "/codes/",
        "/codes/icd-10-cm/",
        "/codes/icd-10-cm/Q87.40/",
        "/codes/icd-9-cm/759.82/",
        "/sitemap.xml",
        "/sitemap-conditions.xml",
        "/robots.txt",
        "/feeds/updates/",
        "/healthz",
        "/accounts/login/",
        "/accounts/signup/",
    ]


def test_head_answers_like_get_on_every_reader_page(client, reader_urls):
    """Load balancers and link checkers send HEAD; the page cache is empty, so each view answers."""
    for url in reader_urls:
        response = client.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url


def test_pages_for_a_logged_in_member_are_never_stored(client, make_condition, make_story, make_user):
    condition = make_condition(slug="marfan-syndrome")
    member = make_user()
    client.force_login(member)
    own = make_story(condition, author=member, status="approved")
    other = make_story(condition, author=make_user(), status="approved")
    urls = [
        "/accounts/me/",
        "/accounts/me/delete/",
        "/conditions/marfan-syndrome/stories/new/",
        f"/conditions/marfan-syndrome/stories/{own.pk}/edit/",
        f"/conditions/marfan-syndrome/stories/{other.pk}/report/",
        "/conditions/marfan-syndrome/community/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_reader_pages_stay_cacheable_for_anonymous_readers(client, make_condition):
    make_condition(slug="marfan-syndrome")
    response = client.get("/conditions/marfan-syndrome/")
    assert "private" not in response.get("Cache-Control", "")


def test_https_is_believed_only_from_the_load_balancer(client, settings, make_condition):
    settings.SECURE_SSL_REDIRECT = True
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.2"]
    balancer = Client(REMOTE_ADDR="10.0.0.2")
    assert balancer.get("/conditions/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    stranger = Client(REMOTE_ADDR="203.0.113.7")
    response = stranger.get("/conditions/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/conditions/"


def test_a_body_over_the_upload_limit_gets_the_sites_error_page(client, settings):
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/accounts/login/", {"username": "a@example.org", "password": body})
    assert response.status_code == 400
    content = response.content.decode()
    assert "The request could not be read" in content
    assert 'href="/"' in content
