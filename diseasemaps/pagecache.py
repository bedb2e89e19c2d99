"""Whole-page caching for anonymous readers, here and in any shared cache in front (Varnish, a CDN),
retired by surrogate keys.

The reader pages are listed by URL name in CACHED_PAGES, with the query parameters each reads.
Every such page names what it shows in surrogate keys (surrogate_keys()):
- `site`: every page (the site-wide texts: the medical disclaimer);
- `condition:<slug>`: a condition's own page, and the pages of the conditions related to it;
- `community:<slug>`: the pages that show a condition's members or stories;
- `communities`: the home page's member totals;
- `listings`: pages that list conditions by name (home, A–Z, search, symptoms, a code's users, the sitemap);
- `codes` and `code:<system>:<code>`: the code pages.

ReaderCacheMiddleware, near the top of the stack, answers a GET for such a page when the request
carries no session (so no logged-in member, who must see their own actions at once) and no pending
messages. It gives the page `Cache-Control: public` (short for browsers, longer for shared caches),
a weak ETag from its uncompressed content (ConditionalGetMiddleware answers 304 to it, whatever the
coding), `Vary: Cookie, Accept-Encoding` and the keys in `xkey` and `Surrogate-Key`. Every other
response that sets a cookie, serves a form (a CSRF token) or answers a request with a session is
`private, no-store`.

The in-app copy is keyed by the path and the parameters its view reads (any other parameter is
ignored, so junk ones cannot fill the cache), and kept with the versions of its keys it was made
under: it is served only while they are current, and one query reads it and the versions together.
conditions/derived.py
announces every change with `pages_changed` (conditions/events.py), which the project connects to retire()
(apps.SiteConfig.ready). The versions of the keys that change are bumped twice: at once, inside
the writer's transaction, so a cache that cannot be reached fails the write rather than leaving a
stale page (the signal is sent with send(), so the error reaches the writer); and again after the
commit, because a reader who came in between read the old rows and cached them under the first
new version. After the commit the same keys are purged from the shared caches (diseasemaps/purge.py).
A page whose keys changed while it was being rendered is kept here only under the versions it
started with, which the change retired; where purges reach shared caches, it is not shared either.
The cache must be one every process shares: the default database cache, or Redis (settings.CACHES)."""

import functools
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers

from . import purge

logger = logging.getLogger(__name__)

TIMEOUT = 60 * 60
SITE = "site"

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
    "sitemap": (),
    "sitemap-section": ("p",),
}


def surrogate_keys(view_name, kwargs):
    """What a reader page shows, as the keys that retire it (see the module's docstring)."""
    keys = [SITE]
    if view_name == "home":
        keys += ["listings", "communities"]
    elif view_name == "conditions:detail":
        keys += [f"condition:{kwargs['slug']}", f"community:{kwargs['slug']}"]
    elif view_name in ("conditions:list", "conditions:search", "conditions:symptom-detail"):
        keys.append("listings")
    elif view_name in ("conditions:code-index", "conditions:code-browse"):
        keys.append("codes")
    elif view_name in ("sitemap", "sitemap-section"):  # the published pages and the codes they use
        keys += ["listings", "codes"]
    elif view_name == "conditions:code-detail":  # its title and notes, and the conditions using it
        keys += ["codes", f"code:{kwargs['system']}:{kwargs['code']}", "listings"]
    return keys


def keys_for_change(*, slugs, changed=None):
    """The keys to retire for a pages_changed signal: `slugs`, a community change on these
    conditions; else `changed`, the conditions whose content changed, or None for everything.
    Queries the conditions related to the changed ones (their pages print their names)."""
    if slugs is not None:
        return [*(f"community:{slug}" for slug in slugs), "communities"]
    if changed is None:
        return [SITE]
    from conditions.models import Condition

    related = Condition.objects.filter(related__slug__in=changed).values_list("slug", flat=True)
    return sorted({f"condition:{slug}" for slug in [*changed, *related]}) + ["listings"]


def _version_key(key):
    return f"pagecache:key:{key}"


def _bump(keys):
    for key in map(_version_key, keys):
        try:
            cache.incr(key)
        except ValueError:  # not set yet, or evicted: a new number, never one a cached page was keyed by
            cache.set(key, time.time_ns(), None)


def _after_commit(keys):
    try:
        _bump(keys)
    except Exception:  # the change is committed; pages cached since the first bump live on (logged)
        logger.exception("Could not retire cached pages after a commit: %s", keys)
    purge.purge(keys)  # logs its own failures


def retire_keys(keys):
    """Retires every page, here and in the shared caches, that names one of these keys."""
    _bump(keys)
    transaction.on_commit(functools.partial(_after_commit, keys))


def retire(sender, *, slugs, changed=None, **kwargs):
    """Receives events.pages_changed (see keys_for_change)."""
    retire_keys(keys_for_change(slugs=slugs, changed=changed))


def _read(keys, page_key=None):
    """The current versions of these keys (a tuple) and, given its cache key, the page's cached
    (versions, response), both in one query."""
    names = [_version_key(key) for key in keys]
    found = cache.get_many([*names, page_key] if page_key else names)
    for name in names:
        if name not in found:
            cache.add(name, time.time_ns(), None)
            found[name] = cache.get(name)
    return tuple(found[name] for name in names), found.get(page_key)


def version(request, key):
    """The version of `key` this request renders under: the one ReaderCacheMiddleware read for its
    page, else read now. What is derived from the things `key` names may be kept in a process under
    its version (like the footer's disclaimer): a change bumps it after its commit too."""
    read = getattr(request, "key_versions", {})
    return read[key] if key in read else _read([key])[0][0]


def _key(request, params):
    read = sorted((name, request.GET.getlist(name)) for name in params if name in request.GET)
    return f"pagecache:{hashlib.md5(repr((request.path, read)).encode(), usedforsecurity=False).hexdigest()}"


def _is_anonymous_read(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _reader_page(request):
    """(parameters read, surrogate keys) of the requested reader page, or None for other pages."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    if match.view_name not in CACHED_PAGES:
        return None
    return CACHED_PAGES[match.view_name], surrogate_keys(match.view_name, match.kwargs)


class ReaderCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _reader_page(request) if _is_anonymous_read(request) else None
        if page is None:
            return _private_if_personal(request, self.get_response(request))
        params, keys = page
        key = _key(request, params) if settings.PAGE_CACHE else None
        versions, cached = _read(keys, key)
        request.key_versions = dict(zip(keys, versions, strict=True))
        if cached is not None and cached[0] == versions:
            response = cached[1]
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if not _shareable(request, response):
            return _private_if_personal(request, response)
        if _purged_caches_in_front() and _read(keys)[0] != versions:
            # Changed while rendering, so maybe from the old rows: a shared cache that the change's
            # purge has already reached would keep this copy until its s-maxage.
            patch_cache_control(response, no_cache=True, max_age=0)
            return response
        _make_public(response, keys)
        if settings.PAGE_CACHE:
            cache.set(key, (versions, response), TIMEOUT)
            response["X-Cache"] = "miss"
        return response


def _purged_caches_in_front():
    """Whether purges reach shared caches in front. Without them a rendering overlapped by a change
    needs no second read: its copy here is kept under the versions read before it, which the change
    retires, and a shared cache that nobody purges keeps any page for its s-maxage anyway."""
    return settings.PURGE_BACKEND != "none"


def _shareable(request, response):
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.cookies  # never share a response that sets a cookie
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # a form, whose token is this visitor's
        and not (session is not None and session.modified)
        and "no-store" not in response.get("Cache-Control", "")
    )


def _make_public(response, keys):
    patch_cache_control(
        response,
        public=True,
        max_age=settings.CACHE_MAX_AGE,
        s_maxage=settings.CACHE_SHARED_MAX_AGE,
        stale_while_revalidate=settings.CACHE_STALE_WHILE_REVALIDATE,
        stale_if_error=settings.CACHE_STALE_IF_ERROR,
    )
    # A browser that logs in sends a new Cookie header, so it does not reuse the anonymous copy.
    # Accept-Encoding even on an uncompressed answer: a shared cache must not hand it to every
    # browser when the next one could have had it compressed.
    patch_vary_headers(response, ["Cookie", "Accept-Encoding"])
    digest = hashlib.sha256(response.content).hexdigest()[:32]  # twice as fast as MD5 here (SHA extensions)
    response["ETag"] = f'W/"{digest}"'
    response["xkey"] = response["Surrogate-Key"] = " ".join(keys)


def _private_if_personal(request, response):
    """A member's page, a page answering any session, a form or a response that sets a cookie is
    kept by no shared cache and by no browser once its reader leaves it."""
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        patch_cache_control(response, private=True, no_store=True)
    return response
