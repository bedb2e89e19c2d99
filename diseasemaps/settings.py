"""DiseaseMaps settings. Every value that differs between machines comes from the environment;
the defaults run a development site on SQLite with no setup. The README lists each variable."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name, str(default)).lower()
    if value not in {"true", "false", "1", "0"}:
        raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")
    return value in {"true", "1"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "django-insecure-local-only")  # check --deploy flags it
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "diseasemaps.apps.SiteConfig",  # the site's own system checks
    "diseasemaps.apps.EditorialAdminConfig",  # django.contrib.admin with the editorial dashboard
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "markdownx",
    "simple_history",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_http_compression",  # its system checks
    "conditions",
    "community",
]

MIDDLEWARE = [
    "diseasemaps.middleware.request_log",
    "diseasemaps.middleware.trusted_proxy_headers",  # before SecurityMiddleware reads X-Forwarded-Proto
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses what the middleware below return with the best coding the client takes (zstd,
    # Brotli, then gzip), with Vary: Accept-Encoding; WhiteNoise serves its own compressed files.
    "django_http_compression.middleware.HttpCompressionMiddleware",
    # 304 Not Modified for the ETag of a reader page, cached or not; below the compression, so one
    # weak ETag (of the uncompressed page) answers for every coding.
    "django.middleware.http.ConditionalGetMiddleware",
    # Before sessions: cached pages need no query. Sets Cache-Control on every response after the
    # session and CSRF middleware have set their cookies (public reader pages, private the rest).
    "diseasemaps.pagecache.ReaderCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "diseasemaps.middleware.ContentSecurityPolicy",
    "simple_history.middleware.HistoryRequestMiddleware",  # records who saved each version, inlines too
    "diseasemaps.middleware.permissions_policy",
    "axes.middleware.AxesMiddleware",  # a locked-out log-in answers 429 (community.views.login_locked_out)
]

ROOT_URLCONF = "diseasemaps.urls"
WSGI_APPLICATION = "diseasemaps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diseasemaps.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes write one file: readers never wait for a writer (WAL), every transaction
    # takes the write lock when it starts (IMMEDIATE, so none has to give up half-way with
    # "database is locked"), and a writer waits up to 20 s for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every process (gunicorn workers, instances behind a load balancer) must see one cache, or cached
# pages, sessions and rate limits disagree. By default it is a table in the database, shared by
# every process on the machine with no other service; CACHE_URL=redis://… for several machines;
# locmem:// (one process only: check --deploy refuses it with several workers) for a quick test.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL or locmem://, not {CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "diseasemaps.cache.DatabaseCache",  # created by migrate (and createcachetable)
            "LOCATION": "diseasemaps_cache",
            "OPTIONS": {"MAX_ENTRIES": 20000},  # a cached copy of every page of the catalogue, and more
        }
    }
# Whole pages for anonymous readers (diseasemaps/pagecache.py); off only to measure without it.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
# HTTP caching of reader pages for anonymous readers (seconds): browsers keep a page for
# CACHE_MAX_AGE, shared caches (Varnish, a CDN) for CACHE_SHARED_MAX_AGE; both may serve it stale
# while they fetch it again, and for a day if the site is down. With a purge backend, a change
# drops the pages that show it at once, so the shared lifetime can be long.
CACHE_MAX_AGE = int(os.environ.get("CACHE_MAX_AGE", "60"))
CACHE_SHARED_MAX_AGE = int(os.environ.get("CACHE_SHARED_MAX_AGE", "300"))
CACHE_STALE_WHILE_REVALIDATE = 60
CACHE_STALE_IF_ERROR = 24 * 60 * 60
# The shared caches told to drop pages after a change (diseasemaps/purge.py): none, xkey or http.
PURGE_BACKEND = os.environ.get("PURGE_BACKEND", "none")
if PURGE_BACKEND not in {"none", "xkey", "http"}:
    raise ImproperlyConfigured(f"PURGE_BACKEND must be none, xkey or http, not {PURGE_BACKEND!r}")
PURGE_URLS = env_list("PURGE_URLS", "")  # e.g. http://10.0.0.3:6081,http://10.0.0.4:6081
PURGE_METHOD = os.environ.get("PURGE_METHOD", "PURGE")  # for http: PURGE or BAN
if PURGE_BACKEND != "none" and not PURGE_URLS:
    raise ImproperlyConfigured(f"PURGE_BACKEND={PURGE_BACKEND} needs PURGE_URLS")

AUTH_USER_MODEL = "community.User"
# django-axes refuses log-ins for a locked (account, address) pair before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "community:login"
LOGIN_REDIRECT_URL = "community:me"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "diseasemaps.storage.StaticFilesStorage"},  # WhiteNoise's, addresses remembered
}
# Lets runserver and the tests serve static files without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Mail (password reset): printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "DiseaseMaps <no-reply@localhost>")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")  # for the file-based backend (tests)

# Mail is never sent inside a request: it is a task stored in the database in the same
# transaction as the write that caused it, and a worker (manage.py db_worker) sends it.
# See community/tasks.py for retries and the README for running workers.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MARKDOWNX_MARKDOWNIFY_FUNCTION = "conditions.markdown.render"
# markdownx posts the admin preview to its default /markdownx/markdownify/, routed in urls.py for
# staff only. Its image upload view is not routed: nobody can store files through it.

# Security. HTTPS defaults to on whenever DEBUG is off; only a local test server turns it off.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
# The load balancer terminates TLS and says so in this header, which is honoured only from the
# addresses gunicorn also trusts (diseasemaps.middleware.trusted_proxy_headers).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", "127.0.0.1")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# No inline scripts or styles anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "diseasemaps.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Requests are logged once, with their time, by diseasemaps.middleware.request_log.
    "loggers": {"django.server": {"level": "WARNING"}, "django.request": {"level": "ERROR"}},
}

# Below this many members the public sees "fewer than N members", never the exact count.
COMMUNITY_MIN_PUBLIC_COUNT = int(os.environ.get("COMMUNITY_MIN_PUBLIC_COUNT", "10"))

# Abuse limits, counted in the cache per account ("user") and per IP address ("ip"):
# (attempts, window in seconds). See community/ratelimit.py.
# Behind a load balancer, how many proxies add to X-Forwarded-For (0: use the connection's address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
COMMUNITY_RATE_LIMITS = {
    "signup": {"ip": (20, 3600)},
    "password_reset": {"ip": (20, 3600)},
    "membership": {"user": (30, 3600), "ip": (120, 3600)},
    "story": {"user": (10, 3600), "ip": (30, 3600)},
    "report": {"user": (20, 3600), "ip": (60, 3600)},
    # Failed log-ins from one address across every account (password spraying), site and admin.
    # Per (account, address) pair, django-axes counts them: see AXES_* below.
    "login_failure": {"ip": (100, 3600)},
    "password_reset_email": {"email": (3, 3600)},  # reset mails to one e-mail address
    "preview": {"user": (600, 600), "ip": (1200, 600)},  # story and admin previews; the admin's as one types
}

# Log-in lock-out per (account, address) pair: after AXES_FAILURE_LIMIT failures the pair is
# locked, for longer with every further try (community.ratelimit.login_cool_off). A password
# reset clears the lock and logs the owner in. Counted in the database, so every process agrees.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = "community.ratelimit.login_cool_off"
AXES_CLIENT_IP_CALLABLE = "community.ratelimit.client_ip"
AXES_USERNAME_CALLABLE = "community.ratelimit.login_username"
AXES_LOCKOUT_CALLABLE = "community.views.login_locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no record of members' successful log-ins and their addresses
AXES_VERBOSE = False
