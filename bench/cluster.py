"""The site as it runs at scale, on this machine's loopback: several gunicorn instances against one
PostgreSQL database and one Redis cache, and a plain HTTP client that behaves like a browser
(cookies, CSRF tokens, no JavaScript). tests/test_scaleout.py and bench/loadtest.py use it.

    site = build_site(database_url, cache_url, tmp)        # fresh database: migrate, load_demo
    with Instances(site, count=2) as urls:                 # ["http://127.0.0.1:41234", ...]
        client = Client()
        client.log_in(urls[0], "member01@diseasemaps.example", "member-demo-2026")
        client.get(urls[1] + "/accounts/me/")              # the same member on the other instance
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
SECRET_KEY = "scale-out-and-load-test-only-" + "x" * 40  # every instance signs with the same key


_given = set()


def free_port():
    """A free loopback port: the first one in BENCH_PORTS (e.g. 18190-18199) that is free and not
    given out yet, on a machine shared by people who each keep to a range; else any the system gives."""
    span = os.environ.get("BENCH_PORTS")
    if not span:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    low, high = map(int, span.split("-"))
    for port in range(low, high + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in _given:  # a process just started may not be listening yet
            _given.add(port)
            return port
    raise RuntimeError(f"no free port left in BENCH_PORTS={span}")


def is_postgres(url):
    return url.startswith(("postgres://", "postgresql://"))


def fresh_postgres_database(url, suffix):
    """Drops and creates `<name><suffix>` beside the database `url` names; returns its URL."""
    import psycopg

    base, _, name = url.rpartition("/")
    name = f"{name.split('?')[0]}{suffix}"
    # Through the maintenance database: the one DATABASE_URL names need not exist (pytest makes test_<name>).
    with psycopg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def flush_redis(url):
    """Empties the one Redis database `url` names (redis://host:port/N), nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def sql(database_url, query, *params):
    """One row of a query against the site's database, read outside the site (psycopg)."""
    return sql_rows(database_url, query, *params)[0]


def sql_rows(database_url, query, *params):
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute(query, params).fetchall()


@dataclass
class Site:
    env: dict
    logs: Path
    database_url: str


def build_site(database_url, cache_url, tmp, **env):
    """Migrates and seeds the (empty) database like a fresh machine (README) and collects the
    static files; returns the environment every instance runs with. `cache_url` "" runs the
    embedded default (the database cache every process shares)."""
    tmp = Path(tmp)
    site_env = {
        **os.environ,
        "DEBUG": "false",
        "HTTPS": "false",  # plain HTTP on loopback; everything else as in production
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "STATIC_ROOT": str(tmp / "static"),
        "SITE_URL": "http://127.0.0.1",
        "LOG_LEVEL": "WARNING",  # one line per request would drown the logs of a load test
        **env,
    }
    site_env.pop("REDIS_URL", None)
    if cache_url:
        flush_redis(cache_url)
    for args, extra in [
        (["migrate", "--noinput"], {}),
        (["collectstatic", "--noinput"], {}),
        (["load_demo"], {"DEBUG": "true"}),
    ]:
        subprocess.run(
            [PYTHON, "manage.py", *args, "-v0"],
            cwd=ROOT,
            env={**site_env, **extra},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return Site(env=site_env, logs=tmp, database_url=database_url)


def manage(site, *args):
    """Runs a management command against the site's database, with the instances' settings."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=site.env, check=True, capture_output=True, text=True
    )
    return result.stdout


class Instances:
    """`count` gunicorn instances of `site` on free loopback ports, stopped on exit."""

    def __init__(self, site, count=2, workers=2, threads=2):
        self.site, self.count, self.workers, self.threads = site, count, workers, threads
        self.processes, self.urls = [], []

    def __enter__(self):
        for n in range(self.count):
            port = free_port()
            log = open(self.site.logs / f"instance-{n}.log", "w")  # noqa: SIM115 (closed in __exit__)
            env = {**self.site.env, "GUNICORN_WORKERS": str(self.workers), "GUNICORN_THREADS": str(self.threads)}
            process = subprocess.Popen(
                [GUNICORN, "diseasemaps.wsgi", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.processes.append((process, log))
            self.urls.append(f"http://127.0.0.1:{port}")
        try:
            for url in self.urls:
                wait_until_up(url)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self.urls

    def __exit__(self, *exc):
        for process, _ in self.processes:
            process.terminate()  # gunicorn's master stops its own workers
        for process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


VCL = ROOT / "deploy" / "varnish" / "default.vcl"


class Varnish:
    """varnishd from Debian (with varnish-modules' xkey) on `port` of 127.0.0.1, in front of
    `backend_urls` with deploy/varnish/default.vcl; purges are allowed from loopback. Stopped on
    exit. `url` is the address readers use."""

    def __init__(self, backend_urls, port, workdir):
        self.backend_urls, self.port, self.workdir = backend_urls, port, Path(workdir)
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def __enter__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        backends = []
        for n, url in enumerate(self.backend_urls):
            host, port = urllib.parse.urlsplit(url).netloc.split(":")
            probe = '.probe = { .url = "/healthz"; .interval = 1s; .window = 3; .threshold = 2; }'
            backends.append(f'backend app{n} {{ .host = "{host}"; .port = "{port}"; {probe} }}')
        adds = "".join(f"    site.add_backend(app{n});\n" for n in range(len(self.backend_urls)))
        (self.workdir / "backends.vcl").write_text(
            "\n".join(backends)
            + '\nacl purgers { "127.0.0.1"; }\n'
            + f"sub vcl_init {{\n    new site = directors.round_robin();\n{adds}}}\n"
        )
        self.log = open(self.workdir / "varnish.log", "w")  # noqa: SIM115 (closed in __exit__)
        self.process = subprocess.Popen(
            ["varnishd", "-F", "-j", "none", "-n", str(self.workdir / "state"), "-T", "none",
             "-a", f"127.0.0.1:{self.port}", "-s", "malloc,64m", "-f", str(VCL),
             "-p", f"vcl_path={self.workdir}:{VCL.parent}"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until_up(self.url)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def counters(self):
        """Varnish's own counts: requests answered from the cache (hit), fetched (miss), passed."""
        out = subprocess.run(
            ["varnishstat", "-n", str(self.workdir / "state"), "-1", "-f", "MAIN.cache_hit", "-f", "MAIN.cache_miss",
             "-f", "MAIN.s_pass"],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        counts = {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.strip()}
        return {name: counts.get(f"MAIN.{key}", 0) for name, key in [("hit", "cache_hit"), ("miss", "cache_miss"),
                                                                      ("pass", "s_pass")]}  # fmt: skip

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with _opener.open(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer /healthz within {seconds} s")
        time.sleep(0.2)


# --- a browser without JavaScript ---------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is a response like any other: the caller reads Location


# No proxy from the environment: every request goes straight to loopback.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


@dataclass
class Response:
    status: int
    headers: object
    text: str

    @property
    def location(self):
        return self.headers.get("Location", "")


_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Client:
    """One visitor: keeps its cookies across every instance, as a browser does behind a load
    balancer (cookies belong to the host, whichever instance set them). `address` is sent as
    X-Forwarded-For, the client address a load balancer reports (instances trust one proxy)."""

    address: str = ""
    cookies: dict = field(default_factory=dict)
    timeout: float = 30

    def request(self, method, url, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method)
        if self.cookies:
            request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if self.address:
            request.add_header("X-Forwarded-For", self.address)
        try:
            with _opener.open(request, timeout=self.timeout) as raw:
                response = Response(raw.status, raw.headers, raw.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = Response(error.code, error.headers, error.read().decode("utf-8", "replace"))
            error.close()
        self._keep_cookies(response.headers)
        return response

    def _keep_cookies(self, headers):
        for line in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)  # deleted, e.g. the session on log-out

    def get(self, url):
        return self.request("GET", url)

    def post(self, url, data):
        return self.request("POST", url, data)

    def submit(self, form_url, data, action=None):
        """GETs the page with the form, then POSTs `data` with its CSRF token, as a browser does."""
        page = self.get(form_url)
        match = _CSRF_INPUT.search(page.text)
        if not match:
            raise AssertionError(f"no CSRF token in {form_url} ({page.status})")
        return self.post(action or form_url, {**data, "csrfmiddlewaretoken": match.group(1)})

    def post_with_cookie_token(self, url, data):
        """POSTs with the CSRF cookie's token, as a page's script would (saves loading the form)."""
        return self.post(url, {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]})

    def log_in(self, base, email, password):
        response = self.submit(f"{base}/accounts/login/", {"username": email, "password": password})
        if response.status != 302:
            raise AssertionError(f"log-in of {email} on {base} failed: {response.status}")
        return response
