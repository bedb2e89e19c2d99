"""Whole-page caching for anonymous readers, retired by version counters.

Reader pages opt in with @cache_for_readers. ReaderCacheMiddleware, near the top of the stack,
answers a GET from the cache when the request carries no session (so no logged-in member, who
must see their own actions at once) and no pending messages. A cached page is keyed by the
versions of what it shows:
- every page: the content version, bumped by any change to a page, a code, a review or a
  source (invalidate), which retires every cached page at once;
- a condition's own pages (/conditions/<slug>/…): that condition's community version, bumped
  when a member joins or leaves or a story changes (invalidate_community);
- the home page: the site's community version, for its member totals.
So a join retires two or three pages, not the whole cache. Several processes need a shared cache
(CACHE_URL) for this to hold."""

import functools
import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "pagecache:version"
COMMUNITY_KEY = "pagecache:community"
TIMEOUT = 60 * 60
_CONDITION_PATH = re.compile(r"^/conditions/([-\w]+)/")


def _condition_key(slug):
    return f"pagecache:community:{slug}"


def _bump(key):
    try:
        cache.incr(key)
    except ValueError:  # not set yet, or evicted: a new number, never one a cached page was keyed by
        cache.set(key, time.time_ns(), None)


def invalidate(*args, **kwargs):
    """Retire every cached page. Connected to the models' save and delete signals (signals.py)."""
    _bump(VERSION_KEY)


def invalidate_community(condition_slug):
    """Retire the pages that show this condition's members or stories, and the home page's totals."""
    _bump(_condition_key(condition_slug))
    _bump(COMMUNITY_KEY)


def _versions(path):
    keys = [VERSION_KEY]
    if path == "/":
        keys.append(COMMUNITY_KEY)
    match = _CONDITION_PATH.match(path)
    if match:
        keys.append(_condition_key(match.group(1)))
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, time.time_ns(), None)
            found[key] = cache.get(key)
    return ":".join(str(found[key]) for key in keys)


def _key(request):
    digest = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return f"pagecache:{_versions(request.path)}:{digest}"


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
        key = _key(request)
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
