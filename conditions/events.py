"""Events other apps may listen to. conditions imports nothing of theirs: the project connects its
page cache and community its e-mails to the members who follow a page, each in AppConfig.ready()."""

from django.dispatch import Signal

# Sent by the review sign-off when it publishes medical content no earlier review covered (a page
# leaving review, or a published page's changed text signed off), inside the sign-off's
# transaction: receivers that write (a task row) are rolled back with it.
# Arguments: condition, review.
page_published = Signal()

# Sent by derived.refresh() inside the writer's transaction once derived data is up to date, and
# again after the commit. `slugs` names the conditions whose community alone changed (cache_only
# refreshes); when it is None, `changed` names the conditions whose content changed (their pages and
# every list), or is None when any page may show the change (site-wide text, a deleted page, a full
# refresh). Sent with send(): a receiver that fails makes the write fail, so a cache that cannot be
# reached never leaves a stale page behind a successful write.
pages_changed = Signal()
