"""One refresh point for everything derived from a condition's rows.

Derived data: the search entry (names, codes, symptoms), the stored page parts (pages.py), the
last-reviewed date (the newest Review's) and the reader page cache. Every write path calls
refresh() with the conditions it changed: the admin, the services of both apps, the importers and
loaders, the rebuild_derived command. The save and delete signals of the models a page shows
(signals.py) call it too, as a safety net for edits made in the shell; inside a `refreshing()`
block they only collect ids, and the block refreshes once at its end.

Database-side data is rebuilt inside the caller's transaction, so it commits or rolls back with
the change. Cached pages are retired at once and again after the commit (diseasemaps/pagecache.py)."""

import contextlib
import threading

from django.db.models import OuterRef, Subquery

from diseasemaps import pagecache

from . import pages, search
from .models import Condition, Review

_collecting = threading.local()


def refresh(condition_ids=None, *, community=False):
    """Brings the derived data of these conditions (ids; all when None) up to date.

    community=True: only their members or stories changed, which nothing in the database derives
    from; their own pages and the home page's totals are retired from the page cache. Otherwise
    the search entries, stored page parts and last-reviewed dates are rebuilt, and every cached
    page is retired (a name or a code shows on lists, search and other pages)."""
    ids = None if condition_ids is None else {pk for pk in condition_ids if pk is not None}
    pending = getattr(_collecting, "pending", None)
    if pending is not None:  # inside refreshing(): once, at its end
        pending["community" if community else "pages"].append(ids)
        return
    if community:
        slugs = Condition.objects.filter(pk__in=ids or ()).values_list("slug", flat=True)
        slugs = list(slugs) if ids is not None else []
        if ids is None or len(slugs) < len(ids):  # all, or a page being deleted with its members
            pagecache.retire_all()
        else:
            pagecache.retire_community(slugs)
        return
    if ids is None or ids:
        rows = Condition.objects.all() if ids is None else Condition.objects.filter(pk__in=ids)
        newest_review = Review.objects.filter(condition=OuterRef("pk")).order_by("-reviewed_on", "-id")
        rows.update(last_reviewed_on=Subquery(newest_review.values("reviewed_on")[:1]))
        pages.invalidate(rows.values("pk"))
        search.refresh(ids)
    pagecache.retire_all()


@contextlib.contextmanager
def refreshing(condition_ids=(), *, community=False):
    """A write path's block: its saves' signals collect their conditions, and one refresh() at the
    end covers them and `condition_ids`. Nested blocks join the outermost one."""
    if getattr(_collecting, "pending", None) is not None:
        refresh(condition_ids, community=community)
        yield
        return
    _collecting.pending = pending = {"pages": [], "community": []}
    try:
        condition_ids = list(condition_ids)
        if condition_ids:
            refresh(condition_ids, community=community)
        yield
    finally:
        _collecting.pending = None
    for kind in ("pages", "community"):
        if pending[kind]:
            sets = pending[kind]
            ids = None if any(s is None for s in sets) else set().union(*sets)
            refresh(ids, community=kind == "community")
