"""Rate limits on the actions abuse would repeat: sign-up, join/leave, story submission, reports.

Counts live in Django's cache, so with a shared cache (Redis, Memcached) every server process
counts against the same numbers; with the default per-process cache each process counts alone.
Limits come from settings.COMMUNITY_RATE_LIMITS: {scope: {"user" | "ip": (attempts, seconds)}}."""

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


def hit(request, scope):
    """Counts one attempt at `scope` for the account and for the address; True when either is
    now over its limit. Call it just before the action writes, after the form is valid."""
    limits = settings.COMMUNITY_RATE_LIMITS.get(scope, {})
    subjects = {"ip": client_ip(request)}
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


# Password guessing: failed log-ins are counted per account and per address, on the site's and
# the admin's log-in forms alike; over either limit every attempt is refused, right or wrong.
LOGIN_MESSAGE = "Too many failed log-in attempts. For your security, please wait 15 minutes and try again."


def _login_keys(request, email):
    limits = settings.COMMUNITY_RATE_LIMITS["login_failure"]
    subjects = {"account": email.strip().lower(), "ip": client_ip(request)}
    for kind, (attempts, window) in limits.items():
        digest = hashlib.sha256(subjects[kind].encode()).hexdigest()[:24]
        yield f"ratelimit:login:{kind}:{digest}:{int(time.time() // window)}", attempts, window


def login_blocked(request, email):
    return any((cache.get(key) or 0) >= attempts for key, attempts, _ in _login_keys(request, email))


def login_failed(request, email):
    for key, _, window in _login_keys(request, email):
        _count(key, window)
