"""Production defaults: `check --deploy` passes, every page carries the security headers, and no
page (the site's or the admin's an editor uses) needs inline script, inline style or event
handler attributes, so the Content-Security-Policy can forbid them ('unsafe-inline' nowhere)."""

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from community.models import Story, User
from conditions.models import Condition, Symptom

ROOT = Path(__file__).resolve().parents[1]
LEMS = "lambert-eaton-myasthenic-syndrome"
MEMBER = "member01@diseasemaps.example"


def production_env(**extra):
    """The environment of a production server: DEBUG unset, its own key and host names."""
    # DJANGO_ALLOW_ASYNC_UNSAFE is the browser tests' (Playwright in this process), never production's
    test_only = {"DEBUG", "HTTPS", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env |= {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "diseasemaps.org,www.diseasemaps.org"}
    return env | extra


def test_check_deploy_passes_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_key():
    """The guard rail works: without a SECRET_KEY of its own a production server is refused."""
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr


# --- the pages ------------------------------------------------------------------------------


@pytest.fixture
def reader_pages(demo):
    symptom = Symptom.objects.filter(condition_links__condition__slug=LEMS).first()
    pages = [
        "/",
        "/conditions/",
        "/conditions/?letter=L",
        f"/conditions/{LEMS}/",
        f"/conditions/{LEMS}/community/",
        "/search/?q=lems",
        "/search/?q=zzzzqx",
        "/codes/",
        "/codes/icd-10-cm/",
        "/codes/icd-10-cm/G70.80/",
        "/codes/icd-9-cm/358.30/",
        "/codes/icd-10-cm/Q87.49/",  # not a code: the 404 page with the nearest codes
        "/conditions/no-such-page/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
    ]
    if symptom:
        pages.append(symptom.get_absolute_url())
    return pages


@pytest.fixture
def member_pages(client, demo):
    member = User.objects.get(email=MEMBER)
    story = Story.objects.create(
        author=member, condition=Condition.objects.get(slug=LEMS), title="Mine", body="*Years*.", role="patient"
    )
    client.force_login(member)
    return [
        "/accounts/me/",
        "/accounts/me/delete/",
        f"/conditions/{LEMS}/community/",
        f"/conditions/{LEMS}/stories/new/",
        f"/conditions/{LEMS}/stories/{story.pk}/edit/",
    ]


@pytest.fixture
def admin_pages(client, demo):
    """What an editor, a reviewer and a moderator open: as the administrator, who sees them all."""
    lems = Condition.objects.get(slug=LEMS)
    record = lems.history.order_by("-history_date").first()
    story = Story.objects.filter(condition=lems).first() or Story.objects.create(
        author=User.objects.get(email=MEMBER), condition=lems, title="Mine", body="Text.", role="patient"
    )
    client.force_login(User.objects.get(email="admin@diseasemaps.example"))
    return [
        "/admin/",
        "/admin/conditions/condition/",
        "/admin/conditions/condition/?status__exact=published",
        f"/admin/conditions/condition/{lems.pk}/change/",
        "/admin/conditions/condition/add/",
        f"/admin/conditions/condition/{lems.pk}/history/",
        f"/admin/conditions/condition/{lems.pk}/history/{record.pk}/diff/",
        f"/admin/conditions/condition/{lems.pk}/sign-off/",
        "/admin/community/story/",
        f"/admin/community/story/{story.pk}/change/",
        "/admin/community/membership/",
        "/admin/conditions/review/",
        "/admin/conditions/sitetext/",
    ]


class InlineCodeFinder(HTMLParser):
    """Everything a CSP without 'unsafe-inline' would block: inline <script> (JSON-LD data is not
    executed and is allowed), <style> elements, style="" and on*="" attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs:
            self._in_script = attrs.get("type", "")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f'<{tag} {name}="{value}">')

    def handle_data(self, data):
        if self._in_script is not None and data.strip() and self._in_script != "application/ld+json":
            self.found.append(f"inline <script type={self._in_script!r}>: {data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_sees_what_a_strict_policy_blocks():
    html = (
        '<script type="application/ld+json">{"a": 1}</script><script src="/s.js"></script>'
        '<script>alert(1)</script><p style="color:red" onclick="x()"><a href="javascript:x()">a</a>'
    )
    assert inline_code(html) == [
        "inline <script type=''>: alert(1)",
        '<p style="color:red">',
        '<p onclick="x()">',
        '<a href="javascript:x()">',
    ]


NOT_FOUND = {"/codes/icd-10-cm/Q87.49/", "/conditions/no-such-page/"}


def _get(client, url):
    response = client.get(url, secure=True)
    assert response.status_code == (404 if url in NOT_FOUND else 200), url
    return response


def test_reader_pages_have_no_inline_script_or_style(client, reader_pages):
    for url in reader_pages:
        assert inline_code(_get(client, url).content.decode()) == [], url


def test_member_pages_have_no_inline_script_or_style(client, member_pages):
    for url in member_pages:
        assert inline_code(_get(client, url).content.decode()) == [], url


def test_admin_pages_an_editor_uses_have_no_inline_script_or_style(client, admin_pages):
    for url in admin_pages:
        assert inline_code(_get(client, url).content.decode()) == [], url


def test_the_admin_live_preview_has_no_inline_code(client, demo):
    client.force_login(User.objects.get(email="editor@diseasemaps.example"))
    response = client.get("/admin/conditions/condition/add/", secure=True)
    csrf = response.cookies["csrftoken"].value
    text = '# Title\n\n<script>alert(1)</script><p style="x" onmouseover="y()">[a](javascript:z())</p>'
    response = client.post("/markdownx/markdownify/", {"content": text}, HTTP_X_CSRFTOKEN=csrf, secure=True)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


# --- the headers ----------------------------------------------------------------------------


def _policy(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_security_headers(response, url):
    policy = _policy(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"], url
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"], url
    assert policy["script-src"] == ["'self'"], url
    assert policy["style-src"] == ["'self'"], url
    assert policy["object-src"] == ["'none'"], url
    assert policy["frame-ancestors"] == ["'none'"], url
    assert response.headers["X-Frame-Options"] == "DENY", url
    assert response.headers["Referrer-Policy"] == "same-origin", url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert "camera=()" in response.headers["Permissions-Policy"], url
    assert "geolocation=()" in response.headers["Permissions-Policy"], url
    strict = response.headers["Strict-Transport-Security"]
    assert re.fullmatch(r"max-age=(\d+); includeSubDomains; preload", strict), url
    assert int(strict.split("=")[1].split(";")[0]) >= 31536000, url


def test_a_changed_policy_is_sent_at_once(client, settings, demo):
    """The policy is built once per process (diseasemaps.middleware.ContentSecurityPolicy), and
    built again when the setting changes."""
    assert _policy(_get(client, "/accounts/login/"))["img-src"] == ["'self'", "data:"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'"]}}
    assert _policy(_get(client, "/accounts/login/"))["img-src"] == ["'self'"]


def test_a_view_s_own_policy_and_a_nonce_still_reach_the_header(rf, settings):
    """django-csp's decorators and its nonce take its own path, and get what they ask for."""
    from csp.constants import NONCE, SELF
    from csp.decorators import csp_exempt, csp_update
    from django.http import HttpResponse

    from diseasemaps.middleware import ContentSecurityPolicy

    @csp_update({"img-src": ["https://images.example"]})
    def with_images(request):
        return HttpResponse()

    def with_nonce(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    def run(view):
        return ContentSecurityPolicy(view)(rf.get("/"))

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE], "img-src": [SELF]}}
    assert "https://images.example" in _policy(run(with_images))["img-src"]
    assert "'self'" in _policy(run(with_images))["img-src"]
    nonce_response = run(with_nonce)
    nonce = nonce_response.content.decode().split("'")[1]
    assert f"'nonce-{nonce}'" in _policy(nonce_response)["script-src"]
    assert "Content-Security-Policy" not in run(csp_exempt()(lambda request: HttpResponse()))
    assert _policy(run(lambda request: HttpResponse()))["script-src"] == ["'self'"]


@pytest.fixture
def production_https():
    """These tests read the settings the test process loaded: production's, unless DEBUG is set."""
    if not django_settings.HTTPS:
        message = "DEBUG or HTTPS=false in the environment: the production defaults are not loaded"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI runs these with production's settings; never passed over there
        pytest.skip(message)


def test_reader_pages_carry_the_security_headers(client, reader_pages, production_https):
    for url in reader_pages:
        assert_security_headers(_get(client, url), url)


def test_account_pages_carry_the_security_headers(client, member_pages, production_https):
    for url in member_pages:
        assert_security_headers(_get(client, url), url)


def test_admin_pages_carry_the_security_headers(client, admin_pages, production_https):
    for url in admin_pages:
        assert_security_headers(_get(client, url), url)


def test_plain_http_is_redirected_to_https_but_the_health_check_is_not(client, settings, demo, production_https):
    settings.SECURE_SSL_REDIRECT = True  # as production loads it (tests/conftest.py turns it off)
    response = client.get(f"/conditions/{LEMS}/")
    assert response.status_code == 301
    assert response["Location"] == f"https://testserver/conditions/{LEMS}/"
    assert client.get("/healthz").status_code == 200


def test_session_and_csrf_cookies_are_secure_and_http_only(client, demo, production_https):
    response = client.get("/accounts/login/", secure=True)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": MEMBER, "password": "member-demo-2026", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_admin_log_in_cookies_are_secure_and_http_only(client, demo, production_https):
    response = client.get("/admin/login/", secure=True)
    csrf = response.cookies["csrftoken"]
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor@diseasemaps.example", "password": "editor-demo-2026", "csrfmiddlewaretoken": csrf.value},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] is True
    assert session["httponly"] is True
