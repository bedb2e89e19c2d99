"""Whole-page caching for anonymous readers, retired by version counters.

The reader pages cached are listed by URL name in CACHED_PAGES, with the query parameters each
reads. ReaderCacheMiddleware, near the top of the stack, answers a GET for such a page from the cache
when the request carries no session (so no logged-in member, who must see their own actions at
once) and no pending messages. A cached page is keyed by its path, the values of the parameters
its view reads (any other parameter is ignored, so junk ones cannot fill the cache) and the
versions of what it shows:
- every page: the content version (retire_all), which retires every cached page at once;
- a condition's own pages (/conditions/<slug>/…): that condition's community version, bumped
  when a member joins or leaves or a story changes (retire_community);
- the home page: the site's community version, for its member totals.
So a join retires two or three pages, not the whole cache.

conditions/derived.py announces every change with its `pages_changed` signal, which the project
connects to retire() (apps.SiteConfig.ready). The versions are bumped twice:
at once, inside the writer's transaction, so a cache that cannot be reached fails the write
rather than leaving a stale page (the signal is sent with send(), so the error reaches the
writer); and again after the commit, because a reader who came in
between read the old rows and cached them under the first new version. The cache must be one
every process shares: the default database cache, or Redis (settings.CACHES)."""

import functools
import hashlib
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)

VERSION_KEY = "pagecache:version"
COMMUNITY_KEY = "pagecache:community"
TIMEOUT = 60 * 60

# The pages cached whole for anonymous readers, by URL name, with the query parameters each view
# reads: the only ones that tell one cached copy from another.
CACHED_PAGES = {
    "home": (),
    "conditions:list": ("letter", "page", "q", "reviewed", "community", "described"),
    "conditions:detail": (),
    "conditions:search": ("q",),
    "conditions:symptom-detail": ("page",),
    "conditions:code-index": (),
    "conditions:code-browse": ("range",),
    "conditions:code-detail": (),
}
_CONDITION_PATH = re.compile(r"^/conditions/([-\w]+)/")


def _condition_key(slug):
    return f"pagecache:community:{slug}"


def _bump(keys):
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # not set yet, or evicted: a new number, never one a cached page was keyed by
            cache.set(key, time.time_ns(), None)


def _bump_now_and_after_commit(keys):
    _bump(keys)
    transaction.on_commit(functools.partial(_bump_after_commit, keys))


def _bump_after_commit(keys):
    try:
        _bump(keys)
    except Exception:  # the change is committed; pages cached since the first bump live on (logged)
        logger.exception("Could not retire cached pages after a commit: %s", keys)


def retire_all():
    """Retire every cached page (a change to a page, a code, a review, a source or site text)."""
    _bump_now_and_after_commit([VERSION_KEY])


def retire_community(condition_slugs):
    """Retire the pages that show these conditions' members or stories, and the home page's totals."""
    _bump_now_and_after_commit([*(_condition_key(slug) for slug in condition_slugs), COMMUNITY_KEY])


def retire(sender, *, slugs, **kwargs):
    """Receives derived.pages_changed: `slugs` None retires every page; a list retires those
    conditions' own pages and the home page's totals (their members or stories changed)."""
    if slugs is None:
        retire_all()
    else:
        retire_community(slugs)


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


def _key(request, params):
    read = sorted((name, request.GET.getlist(name)) for name in params if name in request.GET)
    digest = hashlib.md5(repr((request.path, read)).encode(), usedforsecurity=False).hexdigest()
    return f"pagecache:{_versions(request.path)}:{digest}"


def _is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cached_params(request):
    """The parameters the requested view reads, or None when its pages are not cached."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return CACHED_PAGES.get(match.view_name)


class ReaderCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE or not _is_anonymous_read(request):
            return self.get_response(request)
        params = _cached_params(request)
        if params is None:
            return self.get_response(request)
        key = _key(request, params)
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
        response.status_code == 200
        and not response.cookies  # never share a response that sets a cookie
        and not (session is not None and session.modified)
    )
