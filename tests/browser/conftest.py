"""Browser tests: Debian's Chromium driven by Playwright against a real server process.

The server runs with DEBUG off, WhiteNoise and hashed static files, on its own database built
once per session exactly as the README builds a fresh machine (migrate, load_codesets,
load_demo). The tests act as users do and check what users see, so nothing is flushed between
them: each test creates its own accounts and content where it writes."""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

# Playwright's sync API keeps an event loop in the main thread for the session; Django's ORM
# refuses to run beside one unless told the loop is not serving requests in this process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


MAILBOX = Path(tempfile.mkdtemp(prefix="browser-mail-"))


def mail_link(to, pattern, timeout=30):
    """The first link matching `pattern` in mail the worker sent to `to`, waiting for it."""
    for _ in range(int(timeout * 10)):
        for path in MAILBOX.iterdir():
            text = path.read_text()
            if f"\nTo: {to}\n" in text and (match := re.search(pattern, text)):
                return match.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to} with {pattern}")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser_database_url(tmp):
    """SQLite file by default; with a PostgreSQL DATABASE_URL, a fresh `<name>_browser` database beside it."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'browser.sqlite3'}"
    import psycopg

    base, _, name = url.rpartition("/")
    browser_db = f"{name.split('?')[0]}_browser"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{browser_db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{browser_db}"')
    return f"{base}/{browser_db}"


def _manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    env = {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",  # plain HTTP on loopback; everything else as in production
        "DATABASE_URL": _browser_database_url(tmp),
        "STATIC_ROOT": str(tmp / "static"),
        "SITE_URL": "",
        # Mail is sent by a worker beside the server, as `./dev run` does, into files the tests read.
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(MAILBOX),
    }
    _manage(env, "migrate", "--noinput", "-v0")
    _manage(env, "collectstatic", "--noinput", "-v0")
    _manage({**env, "DEBUG": "true"}, "load_demo", "-v0")
    # two enriched catalogue pages (test_catalogue_pages), and the LEMS demo page's links out (test_patient_pages)
    _manage(env, "import_catalogue", "--only", "15,160,43393", "-v0")
    # a page with every patient section filled (test_patient_sections)
    _manage(env, "shell", "-v0", "-c", "from tests.browser.filled_page import create; create()")
    port = _free_port()
    env["SITE_URL"] = f"http://127.0.0.1:{port}"
    log = open(tmp / "server.log", "w")  # noqa: SIM115 (closed at teardown)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise RuntimeError(f"The site did not start; see {tmp / 'server.log'}")
    yield url
    for process in (server, worker):
        process.terminate()
        process.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser, site_url, request):
    """A fresh browser context (no cookies) per test; a screenshot is kept when the test fails."""
    context = browser.new_context(base_url=site_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{request.node.name}.png", full_page=True)
    context.close()


def log_in(page, email, password):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
