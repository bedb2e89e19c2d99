"""Revisions: a published page stays live while its next version is written and reviewed.

The Condition row is what readers see. On a published page, an editor's changes to its names and
medical sections go into the page's open Revision (one per page, a database constraint); it is
submitted, sent back with a note, resubmitted, and finally approved by a medical reviewer, which
copies its words onto the row and signs that version off in one transaction. A page that is not
published has no readers to protect: its row is its draft, as before, and a reviewer either signs
it off (services.review_sign_off) or sends it back to draft with a note. Only condition_unpublish()
takes a published page off the site, and its community page stays reachable.

Every step is a WorkflowStep with who and when; the page's history lists them.

    state of the page      | action (who)                       | next state
    -----------------------|------------------------------------|------------------------------
    published, no draft    | edit and save (editor)             | published + draft (editing)
    draft editing          | submit (editor)                    | draft submitted
    draft submitted        | request changes + note (reviewer)  | draft changes requested
    draft changes requested| edit, resubmit (editor)            | draft submitted
    draft submitted        | approve (reviewer)                 | published (new version), no draft
    any open draft         | discard (editor)                   | published, no draft
    published              | unpublish + reason (reviewer)      | draft, community says "revised"
    draft (not live)       | submit (editor)                    | in review
    in review (not live)   | sign off (reviewer)                | published
    in review (not live)   | request changes + note (reviewer)  | draft
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import derived
from .models import Condition, Revision, Status, WorkflowStep
from .workflow import SIGN_OFF_PERMISSION, _save, condition_submit_for_review, review_sign_off

UNPUBLISH_PERMISSION = "conditions.unpublish_condition"
Action = WorkflowStep.Action
State = Revision.State


def open_revision(condition):
    """The page's open draft, or None. Queries once."""
    return Revision.objects.open().filter(condition=condition).select_related("created_by", "updated_by").first()


def live_content(condition):
    return {field: getattr(condition, field) for field in Revision.FIELDS}


def _step(condition, action, user, *, revision=None, note=""):
    return WorkflowStep.objects.create(condition=condition, revision=revision, action=action, user=user, note=note)


def _lock(condition):
    """Locks the page's row, so two workflow steps on one page run one after the other."""
    Condition.objects.select_for_update().filter(pk=condition.pk).first()


@transaction.atomic
def draft_save(*, condition, editor, content):
    """Keeps an editor's words for a published page in its open draft, starting one if needed.
    Readers' pages are untouched. Returns the draft, or None when nothing differs from the live page."""
    if condition.status != Status.PUBLISHED:
        raise ValidationError("Only a published page has a separate draft; edit this page directly.")
    _lock(condition)
    content = {field: (content.get(field) or "").replace("\r\n", "\n") for field in Revision.FIELDS}
    revision = open_revision(condition)
    if revision is None:
        if content == live_content(condition):
            return None
        revision = Revision.objects.create(
            condition=condition, content=content, base_version=condition.content_version,
            created_by=editor, updated_by=editor,
        )  # fmt: skip
        _step(condition, Action.DRAFT_STARTED, editor, revision=revision)
        return revision
    if revision.content != content:
        revision.content = content
        revision.updated_by, revision.updated_at = editor, timezone.now()
        revision.save(update_fields=["content", "updated_by", "updated_at"])
        _step(condition, Action.DRAFT_SAVED, editor, revision=revision)
    return revision


@transaction.atomic
def draft_submit(*, condition, editor):
    """Hands the page's draft (or a page that is not live) to the medical reviewers."""
    if condition.status != Status.PUBLISHED:
        if condition.status != Status.IN_REVIEW:
            condition_submit_for_review(condition=condition, editor=editor)
            _step(condition, Action.SUBMITTED, editor)
        return None
    _lock(condition)
    revision = open_revision(condition)
    if revision is None:
        raise ValidationError("There is no draft to submit: the page is as it is published.")
    if revision.state != State.SUBMITTED:
        revision.state = State.SUBMITTED
        revision.updated_by, revision.updated_at = editor, timezone.now()
        revision.save(update_fields=["state", "updated_by", "updated_at"])
        _step(condition, Action.SUBMITTED, editor, revision=revision)
    return revision


@transaction.atomic
def draft_discard(*, condition, editor):
    _lock(condition)
    revision = open_revision(condition)
    if revision is None:
        return None
    revision.state = State.DISCARDED
    revision.updated_by, revision.updated_at = editor, timezone.now()
    revision.save(update_fields=["state", "updated_by", "updated_at"])
    _step(condition, Action.DISCARDED, editor, revision=revision)
    return revision


def review_token(condition, revision=None):
    """What the review page carries: the draft's fingerprint, or the page's words for a page that
    is not live. A reviewer's decision is refused once it no longer matches."""
    return revision.token() if revision is not None else condition.version_token()


def _check_token(condition, revision, token):
    if token is not None and token != review_token(condition, revision):
        raise ValidationError(
            "This draft changed after you opened it: an editor saved new words since. Nothing was recorded; "
            "read the new version below first.",
            code="stale",
        )


@transaction.atomic
def changes_request(*, condition, reviewer, note, token=None):
    """A medical reviewer sends the draft back to its editor with a note saying what to change."""
    if not reviewer.has_perm(SIGN_OFF_PERMISSION):
        raise PermissionDenied("Only a medical reviewer can request changes.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what the editor should change."})
    _lock(condition)
    condition.refresh_from_db()
    revision = open_revision(condition) if condition.status == Status.PUBLISHED else None
    _check_token(condition, revision, token)
    if revision is not None:
        if revision.state != State.SUBMITTED:
            raise ValidationError("This draft is not submitted for review.")
        revision.state, revision.note = State.CHANGES_REQUESTED, note
        revision.save(update_fields=["state", "note"])
    elif condition.status == Status.IN_REVIEW:
        condition.status = Status.DRAFT
        _save(condition, user=reviewer, reason="Changes requested")
    else:
        raise ValidationError("This page is not submitted for review.")
    return _step(condition, Action.CHANGES_REQUESTED, reviewer, revision=revision, note=note)


@transaction.atomic
def revision_approve(*, condition, reviewer, token=None, reviewed_on=None, next_review_on=None, notes=""):
    """A medical reviewer approves the submitted draft: its words become the live page and the
    sign-off records that exact revision and the content version it made. Returns the Review."""
    if not reviewer.has_perm(SIGN_OFF_PERMISSION):
        raise PermissionDenied("Only a medical reviewer can approve a draft.")
    _lock(condition)
    condition.refresh_from_db()
    revision = open_revision(condition)
    if revision is None or revision.state != State.SUBMITTED:
        raise ValidationError("There is no submitted draft to approve on this page.")
    _check_token(condition, revision, token)
    with derived.refreshing([condition.pk]):
        for field in Revision.FIELDS:
            setattr(condition, field, revision.content.get(field, ""))
        condition.approving_draft = True
        _save(condition, user=reviewer, reason=f"Approved the draft started by {revision.created_by} and published it")
        review = review_sign_off(
            condition=condition, reviewer=reviewer, reviewed_on=reviewed_on, next_review_on=next_review_on,
            notes=notes, version=condition.content_version,
        )  # fmt: skip
    review.revision = revision
    review.save(update_fields=["revision"])
    revision.state = State.PUBLISHED
    revision.save(update_fields=["state"])
    _step(condition, Action.APPROVED, reviewer, revision=revision, note=notes)
    return review


@transaction.atomic
def condition_unpublish(*, condition, user, reason):
    """Takes a published page off the site, the only action that does. Its community page stays
    reachable and says the page is being revised; an open draft becomes the page's working text."""
    if not user.has_perm(UNPUBLISH_PERMISSION):
        raise PermissionDenied("Only a medical reviewer can unpublish a page.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the page leaves the site; it is kept in the page's history."})
    _lock(condition)
    condition.refresh_from_db()
    if condition.status != Status.PUBLISHED:
        raise ValidationError("This page is not published.")
    revision = open_revision(condition)
    if revision is not None:  # offline, the row is the draft again: no words are lost
        for field in Revision.FIELDS:
            setattr(condition, field, revision.content.get(field, ""))
        revision.state = State.DISCARDED
        revision.save(update_fields=["state"])
    condition.status = Status.DRAFT
    condition.unpublished_at = timezone.now()
    _save(condition, user=user, reason=f"Unpublished: {reason}")
    return _step(condition, Action.UNPUBLISHED, user, revision=revision, note=reason)
