"""One refresh point for everything derived from a condition's rows.

Derived data: the search entry (names, codes, symptoms), the stored page parts and community box
(pages.py), the last-reviewed date (the newest Review's), each sign's count of published
conditions (the signs index) and the reader page cache. Every write path calls
refresh() with the conditions it changed: the admin, the services of both apps, the importers and
loaders, the rebuild_derived command. The save and delete signals of the models a page shows
(signals.py) call it too, as a safety net for edits made in the shell; inside a `refreshing()`
block they only collect ids, and the block refreshes once at its end.

Database-side data is rebuilt inside the caller's transaction, so it commits or rolls back with
the change. Then `pages_changed` tells whoever caches pages (the project's page cache, which
retires them at once and again after the commit)."""

import contextlib
import threading
from collections import Counter

from django.db.models import Count, OuterRef, Q, Subquery

from . import pages, search
from .events import pages_changed
from .models import Condition, ConditionSymptom, Review, Status, Symptom

_collecting = threading.local()


def refresh(condition_ids=None, *, cache_only=False):
    """Brings the derived data of these conditions (ids; all when None) up to date.

    cache_only=True: what changed shows only on these conditions' own pages, in their community
    box (another app's rows, such as members and stories): the stored box is emptied and
    pages_changed names their slugs. Otherwise the search entries, stored page parts, the counts
    of their signs and last-reviewed dates are rebuilt, and every page is announced as changed (a
    name or a code shows on lists, search and other pages)."""
    ids = None if condition_ids is None else {pk for pk in condition_ids if pk is not None}
    pending = getattr(_collecting, "pending", None)
    if pending is not None:  # inside refreshing(): once, at its end
        pending["cache_only" if cache_only else "pages"].append(ids)
        return
    if cache_only:
        pages.invalidate_community(ids)
        slugs = list(Condition.objects.filter(pk__in=ids).values_list("slug", flat=True)) if ids else []
        if ids is None or len(slugs) < len(ids):  # all, or a page being deleted with its rows
            slugs = None
        pages_changed.send(sender=Condition, slugs=slugs)
        return
    changed = None
    if ids is None or ids:
        rows = Condition.objects.all() if ids is None else Condition.objects.filter(pk__in=ids)
        newest_review = Review.objects.filter(condition=OuterRef("pk")).newest_first()
        rows.update(last_reviewed_on=Subquery(newest_review.values("reviewed_on")[:1]))
        # A related condition's page prints this one's name in its stored parts.
        shown_on = rows if ids is None else Condition.objects.filter(Q(pk__in=ids) | Q(related__in=ids))
        pages.invalidate(shown_on.values("pk"))
        search.refresh(ids)
        if ids is not None:
            changed = list(rows.values_list("slug", flat=True))
            if len(changed) < len(ids):  # a page being deleted: its slug is gone with it
                changed = None
        if ids is None or changed is None:  # all, or a deleted page: its links went with it, unseen
            count_signs()
        else:
            count_signs(ConditionSymptom.objects.filter(condition__in=ids).values("symptom"))
    pages_changed.send(sender=Condition, slugs=None, changed=changed)


def count_signs(signs=None):
    """Symptom.published_count of these signs (ids, or a query of ids; every sign when None), which
    the signs index lists. refresh() recounts the signs its conditions record; a writer that
    removes a page's signs recounts them itself (catalogue.importer), as no link names them then.
    Each sign's links less those of unpublished pages: joining every link to its page to read its
    status took seconds on SQLite at 1.25 million links, when the links alone are counted from an
    index. Only the counts that changed are written."""
    links = ConditionSymptom.objects.all() if signs is None else ConditionSymptom.objects.filter(symptom__in=signs)
    unpublished = Condition.objects.exclude(status=Status.PUBLISHED).values("pk")
    counted = _per_sign(links)
    counted.subtract(_per_sign(links.filter(condition__in=unpublished)))
    stored = Symptom.objects.all() if signs is None else Symptom.objects.filter(pk__in=signs)
    stale = [
        Symptom(pk=pk, published_count=counted[pk])
        for pk, count in stored.values_list("pk", "published_count")
        if count != counted[pk]
    ]
    Symptom.objects.bulk_update(stale, ["published_count"], batch_size=1000)


def _per_sign(links):
    return Counter(dict(links.values_list("symptom").annotate(n=Count("*")).order_by()))


@contextlib.contextmanager
def refreshing(condition_ids=(), *, cache_only=False):
    """A write path's block: its saves' signals collect their conditions, and one refresh() at the
    end covers them and `condition_ids`. Nested blocks join the outermost one."""
    if getattr(_collecting, "pending", None) is not None:
        refresh(condition_ids, cache_only=cache_only)
        yield
        return
    _collecting.pending = pending = {"pages": [], "cache_only": []}
    try:
        condition_ids = list(condition_ids)
        if condition_ids:
            refresh(condition_ids, cache_only=cache_only)
        yield
    finally:
        _collecting.pending = None
    for kind in ("pages", "cache_only"):
        if pending[kind]:
            sets = pending[kind]
            ids = None if any(s is None for s in sets) else set().union(*sets)
            refresh(ids, cache_only=kind == "cache_only")
