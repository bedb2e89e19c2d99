"""Events other apps may listen to. conditions imports nothing of theirs: community connects its
receivers in its AppConfig.ready() (e-mails to the members who follow a page)."""

from django.dispatch import Signal

# Sent by the review sign-off when it publishes medical content no earlier review covered (a page
# leaving review, or a published page's changed text signed off), inside the sign-off's
# transaction: receivers that write (a task row) are rolled back with it.
# Arguments: condition, review.
page_published = Signal()
