"""Rate limits on the actions abuse would repeat: sign-up, join/leave, story submission, reports.

Counts live in Django's cache, so with a shared cache (Redis, Memcached) every server process
counts against the same numbers; with the default per-process cache each process counts alone.
Limits come from settings.COMMUNITY_RATE_LIMITS: {scope: {"user" | "ip": (attempts, seconds)}}."""

import datetime
import hashlib
import time

from django.conf import settings
from django.core.cache import cache

MESSAGE = "You have done this too many times in a short while. Please wait a little and try again."


def client_ip(request):
    """The address the request came from. Behind N proxies we trust (TRUSTED_PROXY_COUNT, e.g. 1
    for one load balancer), the client is the Nth address from the right of X-Forwarded-For:
    each proxy appends what it saw, and anything further left was written by the client itself."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def _count(key, window):
    # add() is a no-op when the key exists; incr() is atomic in Redis and Memcached.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=window)
        return 1


def hit(request, scope, **others):
    """Counts one attempt at `scope` for the account and for the address; True when either is
    now over its limit. Call it just before the action writes, after the form is valid.
    `others` names further subjects a scope may limit, e.g. email="..." for "password_reset_email"."""
    limits = settings.COMMUNITY_RATE_LIMITS.get(scope, {})
    subjects = {"ip": client_ip(request), **others}
    if request.user.is_authenticated:
        subjects["user"] = str(request.user.pk)
    over = False
    for kind, (attempts, window) in limits.items():
        if kind not in subjects:
            continue
        digest = hashlib.sha256(subjects[kind].encode()).hexdigest()[:24]
        key = f"ratelimit:{scope}:{kind}:{digest}:{int(time.time() // window)}"
        if _count(key, window) > attempts:
            over = True
    return over


# Password guessing. django-axes locks an (account, address) pair after AXES_FAILURE_LIMIT
# failures, on the site's log-in, the admin's and the delete-account form alike; a pair never
# locks the account for anyone else, so a stranger's guesses cannot keep the owner out, and the
# owner can always get in through a password-reset link (which clears the lock). On top of that,
# one address failing on many accounts (password spraying) is stopped by the ceiling below.
LOGIN_MESSAGE = (
    "Too many failed log-in attempts. For your security, please wait and try again later, "
    "or reset your password to get in now."
)
COOL_OFF_BASE = datetime.timedelta(minutes=15)
COOL_OFF_MAX = datetime.timedelta(hours=24)


def login_username(request, credentials):
    """The account a log-in names, as stored: e-mail addresses are kept in lower case."""
    credentials = credentials or {}
    # authenticate() is called with username=…; django-axes's own checks pass it as email=….
    username = credentials.get("username") or credentials.get("email") or request.POST.get("username") or ""
    request.login_username = username.strip().lower()  # for login_cool_off, which gets no credentials
    return request.login_username


def login_cool_off(request):
    """How long a locked pair stays locked: 15 minutes, doubled by every further failure while
    locked (30 min, 1 h, … up to 24 h). Also the window in which failures are counted."""
    from axes.models import AccessAttempt

    failures = 0
    if request is not None and hasattr(request, "login_username"):
        attempt = AccessAttempt.objects.filter(username=request.login_username, ip_address=client_ip(request)).first()
        failures = attempt.failures_since_start if attempt else 0
    extra = max(0, failures - settings.AXES_FAILURE_LIMIT)
    return min(COOL_OFF_BASE * 2 ** min(extra, 10), COOL_OFF_MAX)


def login_reset(email):
    """Clears every lock on the account, from any address: called once its owner has proved they
    read its mail (a password reset)."""
    from axes.utils import reset

    reset(username=email.strip().lower())


def password_check(request, user, password):
    """user.check_password() for an account that cannot log in yet, which authenticate() turns
    away before looking at the password: behind the same django-axes lock, and a wrong answer
    counts as a failed log-in for the (account, address) pair, as authenticate() would count it."""
    from axes.backends import AxesStandaloneBackend
    from django.contrib.auth.signals import user_login_failed
    from django.core.exceptions import PermissionDenied

    credentials = {"username": user.email}
    try:
        AxesStandaloneBackend().authenticate(request, password=password, **credentials)  # raises if locked
        correct = user.check_password(password)
    except PermissionDenied:
        correct = False
    if not correct:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return correct


def _ip_key(request):
    attempts, window = settings.COMMUNITY_RATE_LIMITS["login_failure"]["ip"]
    digest = hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]
    return f"ratelimit:login:ip:{digest}:{int(time.time() // window)}", attempts, window


def login_blocked(request, email=None):
    """True when the address is over the spraying ceiling; the pair lock is django-axes's."""
    key, attempts, _ = _ip_key(request)
    return (cache.get(key) or 0) >= attempts


def login_failed(request, email=None):
    key, _, window = _ip_key(request)
    _count(key, window)
