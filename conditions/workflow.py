"""Editorial actions that span models or check who may do them. The admin, the commands and the
tests all call these; none of it hides in save() or a signal."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import derived, events
from .models import Condition, Origin, Review, Status

REVIEW_INTERVAL = datetime.timedelta(days=365)  # next review due 12 months after sign-off
SIGN_OFF_PERMISSION = "conditions.sign_off_condition"
# What a restore brings back: the page's words, never its workflow state (status, origin, reviews).
RESTORED_FIELDS = ["name", "acronym", *Condition.MEDICAL_FIELDS]


def _save(condition, *, user, reason):
    """Validates and saves, recording who made this version and why in its history, and refreshes
    what is derived from the page (search, stored parts, last review date, cached pages)."""
    condition.full_clean()
    condition._history_user = user
    condition._change_reason = reason
    with derived.refreshing([condition.pk]):
        condition.save()


@transaction.atomic
def condition_submit_for_review(*, condition, editor):
    """An editor hands a draft (or a page taken back from publication) to the medical reviewers."""
    if condition.status == Status.IN_REVIEW:
        return condition
    if condition.status == Status.PUBLISHED:  # it stays live: its next version is a Revision
        raise ValidationError("A published page stays published: submit its draft instead (revisions.draft_submit).")
    condition.status = Status.IN_REVIEW
    _save(condition, user=editor, reason="Submitted for review")
    return condition


@transaction.atomic
def review_sign_off(*, condition, reviewer, reviewed_on=None, next_review_on=None, notes="", version=None):
    """A medical reviewer signs off the page as it stands now (its current content version).

    `version` is the content version the reviewer read (the sign-off form carries it): if an editor
    has changed the medical text since, nothing is recorded, so a review never vouches for words
    its reviewer did not see. A page in review is published by the sign-off; a demo or catalogue
    page becomes editorial, because from now on our reviewer vouches for it. A draft must be
    submitted for review first."""
    if not reviewer.has_perm(SIGN_OFF_PERMISSION):
        raise PermissionDenied("Only a medical reviewer can sign off a page.")
    # Signs what is stored, never unsaved edits on the caller's instance; the row lock stops an
    # editor's save from slipping in between reading the version and publishing it.
    Condition.objects.select_for_update().get(pk=condition.pk)
    condition.refresh_from_db()
    if version is not None and version != condition.content_version:
        raise ValidationError(
            f"This page changed after you opened it: you read version {version}, it is now version "
            f"{condition.content_version}. Nothing was signed off; read the new version below first.",
            code="stale",
        )
    if condition.status == Status.DRAFT:
        raise ValidationError("This page is a draft: an editor submits it for review before it can be signed off.")
    reviewed_on = reviewed_on or timezone.localdate()
    next_review_on = next_review_on or reviewed_on + REVIEW_INTERVAL
    review = Review(
        condition=condition,
        reviewer=reviewer,
        reviewer_name=reviewer.display_name or reviewer.get_full_name() or reviewer.username,
        reviewer_credentials=reviewer.credentials,
        reviewed_on=reviewed_on,
        next_review_on=next_review_on,
        content_version=condition.content_version,
        notes=notes,
    )
    if next_review_on <= reviewed_on:
        raise ValidationError({"next_review_on": "The next review must come after this one."})
    review.full_clean()
    published = condition.status == Status.IN_REVIEW
    newest = condition.reviews.order_by("-content_version").values_list("content_version", flat=True).first()
    new_content = published or newest is None or newest < condition.content_version
    condition.status = Status.PUBLISHED
    condition.origin = Origin.EDITORIAL
    reason = f"Signed off version {condition.content_version}" + (" and published" if published else "")
    with derived.refreshing([condition.pk]):  # once for the review and the page (its last review date)
        review.save()
        _save(condition, user=reviewer, reason=reason)
    condition.refresh_from_db(fields=["last_reviewed_on"])
    if new_content:
        events.page_published.send(sender=Condition, condition=condition, review=review)
    return review


@transaction.atomic
def condition_restore(*, condition, version, user, seen=None):
    """Brings back the words of an earlier version (a history record) as a new version.

    `seen` is the page's version_token() when the editor was shown what the restore changes: if
    someone has edited the page since, nothing is restored, so a restore never silently undoes an
    edit its editor did not see. Status, origin and reviews stay as they are: restored medical text
    on a published page is "changed since review" like any other edit, until a reviewer signs it off."""
    if version.id != condition.pk:
        raise ValidationError("That version belongs to another page.")
    Condition.objects.select_for_update().get(pk=condition.pk)
    condition.refresh_from_db()
    if seen is not None and seen != condition.version_token():
        raise ValidationError(
            "The page changed after you opened this version: someone edited it since. Nothing was restored; "
            "check the changes below again.",
            code="stale",
        )
    for field in RESTORED_FIELDS:
        setattr(condition, field, getattr(version, field))
    when = timezone.localtime(version.history_date).strftime("%d %b %Y %H:%M")
    _save(condition, user=user, reason=f"Restored the version of {when}")
    return condition
