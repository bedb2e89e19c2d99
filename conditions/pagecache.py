"""Whole-page caching for anonymous readers, with one content version for invalidation.

Reader pages opt in with @cache_for_readers. ReaderCacheMiddleware, near the top of the stack,
answers a GET from the cache when the request carries no session (so no logged-in member, who
must see their own actions at once) and no pending messages. Any change a reader could see
(a page, a code, a review, a member count, a story) bumps the content version, which retires
every cached page at once: writes are rare next to reads, and a stale medical page or count is
worse than a few cache misses. Several processes need a shared cache (CACHE_URL) for this."""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "pagecache:version"
TIMEOUT = 60 * 60


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, None)
    return version


def invalidate(*args, **kwargs):
    """Retire every cached page. Connected to the models' save and delete signals (apps.py)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet, or evicted
        cache.set(VERSION_KEY, 2, None)


def _key(request, version):
    digest = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"pagecache:{version}:{digest}"


def _is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def cache_for_readers(view):
    """Marks a view whose anonymous responses may be cached whole."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        request.reader_cacheable = True
        return view(request, *args, **kwargs)

    return wrapped


class ReaderCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE or not _is_anonymous_read(request):
            return self.get_response(request)
        key = _key(request, content_version())
        response = cache.get(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if _storable(request, response):
            cache.set(key, response, TIMEOUT)
            response["X-Cache"] = "miss"
        return response


def _storable(request, response):
    session = getattr(request, "session", None)
    return (
        getattr(request, "reader_cacheable", False)
        and response.status_code == 200
        and not response.cookies  # never share a response that sets a cookie
        and not (session is not None and session.modified)
    )
