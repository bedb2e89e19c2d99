"""Actions on members, memberships and stories. Views, admin actions, the editorial dashboard and
tests all call these, so each rule lives in one place."""

import secrets

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from conditions import derived

from . import tasks
from .models import (
    STORY_CHANGED,
    WITHDRAWN_NOT_APPROVED,
    Follow,
    Membership,
    PageUpdate,
    PageUpdates,
    Story,
    StoryReport,
    User,
)

NO_CONSENT = (
    "Joining or following a condition tells us you or someone close to you has it. Agree to DiseaseMaps "
    "keeping that before you join or follow."
)


def member_signup(*, email, password, display_name, next_url="", join=""):
    """Starts a sign-up and enqueues the mail that follows it; the caller's answer is the same
    whatever happens here, so a sign-up never tells whether an address has an account.

    - a new address: an account that cannot log in until its owner follows the confirmation link;
    - an address whose sign-up is still unconfirmed: the newest sign-up replaces it (its link
      is the only one that works). Confirming takes that link and the password chosen with it
      (forms.SignupConfirmForm), so a stranger who signs up with someone else's address cannot
      have its owner activate an account whose password the stranger knows;
    - an address with an account: nothing changes, and its owner is told someone tried.
    The password is hashed in every case, so the answer takes as long either way.

    Whoever signs up has agreed to DiseaseMaps keeping health-related data and confirmed being 16
    or older (forms.SignupForm): a new or replaced sign-up records when. `join` is the signed
    join the visitor started before signing up (views.join_intent): the confirmation link carries it,
    so confirming finishes the join, in whichever browser the link is opened."""
    email = User.objects.normalize_email(email).lower()
    password_hash = make_password(password)
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email__iexact=email).first()
        if user is None:
            # The username is never shown; a random one keeps the e-mail address out of it.
            user = User(
                email=email,
                username=f"member-{secrets.token_hex(6)}",
                display_name=display_name,
                password=password_hash,
                is_active=False,
                is_awaiting_confirmation=True,
                health_data_consent_at=now,
                age_confirmed_at=now,
            )
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError:
                pass  # a concurrent sign-up with this address won the row; this one gets its mail
        elif user.is_awaiting_confirmation:
            user.password, user.display_name = password_hash, display_name
            user.health_data_consent_at = user.age_confirmed_at = now
            user.save(update_fields=["password", "display_name", "health_data_consent_at", "age_confirmed_at"])
        tasks.send_signup_mail.enqueue(email=email, next_url=next_url, join=join)


def member_confirm(*, user):
    """The owner followed the link mailed at sign-up: the account can now log in."""
    user.is_active, user.is_awaiting_confirmation = True, False
    user.save(update_fields=["is_active", "is_awaiting_confirmation"])
    return user


def password_reset_request(*, email):
    """Enqueues the reset mail whether or not the address has an account: the request does the
    same work either way, and the worker finds out."""
    tasks.send_password_reset.enqueue(email=User.objects.normalize_email(email).lower())


# A join, a leave, a story sent or changed is one transaction with retiring the cached pages that
# show it (conditions/derived.py): if anything fails halfway, nothing is written and the member
# can simply try again (tests/test_atomic.py).
def _refreshing(condition_id):
    return derived.refreshing([condition_id], cache_only=True)


def _require_consent(user):
    if not user.has_health_data_consent:
        raise ValidationError(NO_CONSENT, code="no_consent")


@transaction.atomic
def membership_join(*, user, condition, role, is_public=False):
    """Joins `user` to the community, or updates their role and listing if they are a member already,
    and follows the condition's page. Returns (membership, created). Refused (ValidationError) without
    the member's consent to keeping health-related data. Safe under concurrent requests: the unique
    constraints keep one row each."""
    _require_consent(user)
    with _refreshing(condition.pk):
        membership, created = Membership.objects.update_or_create(
            user=user, condition=condition, defaults={"role": role, "is_public": is_public}
        )
        Follow.objects.get_or_create(user=user, condition=condition)
    return membership, created


@transaction.atomic
def membership_leave(*, user, condition):
    """Leaves the community and stops following its page. Returns True if the member left, False
    if they were not a member."""
    with _refreshing(condition.pk):
        deleted, _ = Membership.objects.filter(user=user, condition=condition).delete()
        Follow.objects.filter(user=user, condition=condition).delete()
    return bool(deleted)


def condition_follow(*, user, condition):
    """Follows a page without joining its community. Returns True if newly followed."""
    _require_consent(user)
    return Follow.objects.get_or_create(user=user, condition=condition)[1]


def condition_unfollow(*, user, condition):
    """Returns True if the member followed the page. A member of its community stays a member."""
    return bool(Follow.objects.filter(user=user, condition=condition).delete()[0])


def member_consent_give(*, user):
    user.health_data_consent_at = timezone.now()
    user.save(update_fields=["health_data_consent_at"])


@transaction.atomic
def member_consent_withdraw(*, user):
    """Without consent DiseaseMaps keeps no health-related data about the member: they leave every
    community and stop following every page. Their stories are theirs to withdraw or delete (each
    was published with its own consent) and stay as they are. Returns the names of the communities left."""
    memberships = list(user.memberships.select_related("condition").order_by("condition__name"))
    with derived.refreshing([m.condition_id for m in memberships], cache_only=True):
        user.memberships.all().delete()
        user.follows.all().delete()
        user.health_data_consent_at = None
        user.save(update_fields=["health_data_consent_at"])
    return [m.condition.name for m in memberships]


def on_page_published(sender, *, condition, review, **kwargs):
    """Receives conditions.events.page_published (connected in apps.py)."""
    page_update_record(condition=condition, content_version=review.content_version)


def on_member_saved(sender, instance, created, update_fields=None, **kwargs):
    """A member's display name is printed on their named stories: a save that may change it (the
    admin's user form) retires the pages showing those stories. Log-ins, which save the last
    log-in time alone, do not."""
    if created or (update_fields is not None and "display_name" not in update_fields):
        return
    shown_on = set(
        Story.objects.approved().filter(author=instance, show_name=True).values_list("condition_id", flat=True)
    )
    if shown_on:
        derived.refresh(shown_on, cache_only=True)


def member_unsubscribe(*, user, kind):
    """From a notification's unsubscribe link: "pages" or "stories" e-mails stop."""
    if kind == "pages":
        user.page_updates = PageUpdates.NEVER
        user.save(update_fields=["page_updates"])
    elif kind == "stories":
        user.story_emails = False
        user.save(update_fields=["story_emails"])


def page_update_record(*, condition, content_version):
    """A page's medical content was published after review (conditions.events.page_published):
    its followers are told by e-mail. The task row is written in the sign-off's transaction, so a
    sign-off that rolls back tells nobody."""
    update = PageUpdate.objects.create(condition=condition, content_version=content_version)
    tasks.notify_followers.enqueue(update_id=update.pk)
    return update


@transaction.atomic
def story_submit(*, author, condition, title, body, role, show_name, token=None):
    """A new story waits for a moderator. `token` is the form's one-time token: sent again, also
    by a concurrent request, it returns the story already stored (the unique constraint decides)."""
    if token is not None:
        first = Story.objects.filter(author=author, submission_token=token).first()
        if first is not None:
            return first
    try:
        with _refreshing(condition.pk), transaction.atomic():
            return Story.objects.create(
                author=author, condition=condition, title=title, body=body, role=role, show_name=show_name,
                consent=True, submission_token=token,
            )  # fmt: skip
    except IntegrityError:
        if token is None:
            raise
        return Story.objects.get(author=author, submission_token=token)


@transaction.atomic
def story_update(*, story, title, body, role, show_name):
    """The author's edit goes back to moderation, whatever the story's status was."""
    story.title, story.body, story.role, story.show_name = title, body, role, show_name
    story.status = Story.Status.PENDING
    story.rejection_reason = ""
    story.moderator_edited, story.moderator_note = False, ""
    story.moderated_by, story.moderated_at = None, None
    with _refreshing(story.condition_id):
        story.save()
    return story


@transaction.atomic
def story_withdraw(*, story):
    story.status = Story.Status.WITHDRAWN
    with _refreshing(story.condition_id):
        story.save(update_fields=["status", "updated_at"])
    return story


def story_lock_unchanged(*, story, seen):
    """Locks the story's row until the transaction ends and raises ValidationError (code "stale")
    unless it is still what the moderator was shown (`seen`, a version_token()). Returns the
    stored story."""
    stored = Story.objects.select_for_update().get(pk=story.pk)
    if stored.version_token() != seen:
        raise ValidationError(STORY_CHANGED, code="stale")
    return stored


@transaction.atomic
def story_approve(*, story, moderator, seen=None):
    """Publishes the story. Refused for a withdrawn story, whoever asks; with `seen` (the
    version_token() the moderator was shown), refused too if the author changed it since."""
    if seen is not None:
        stored = story_lock_unchanged(story=story, seen=seen)
    else:
        stored = Story.objects.select_for_update().get(pk=story.pk)
    if stored.status == Story.Status.WITHDRAWN:
        raise ValidationError({"status": WITHDRAWN_NOT_APPROVED}, code="withdrawn")
    if stored.status != Story.Status.APPROVED:  # approving a published story again tells nobody
        tasks.send_story_notice.enqueue(story_id=story.pk, kind="approved", note=stored.moderator_note)
    story.status = Story.Status.APPROVED
    story.rejection_reason = ""
    story.moderated_by, story.moderated_at = moderator, timezone.now()
    with _refreshing(story.condition_id):
        story.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at", "updated_at"])
    return story


@transaction.atomic
def story_reject(*, story, moderator, reason, seen=None):
    """The author sees `reason` on their account page and in an e-mail; open reports on the story
    are settled. With `seen`, refused if the author changed the story since the moderator opened it."""
    reason = (reason or "").strip()
    if seen is not None:
        stored = story_lock_unchanged(story=story, seen=seen)
    else:
        stored = Story.objects.select_for_update().get(pk=story.pk)
    if stored.status == Story.Status.WITHDRAWN:
        raise ValidationError("Its author withdrew this story: there is nothing to reject.", code="withdrawn")
    story.status, story.rejection_reason = Story.Status.REJECTED, reason
    story.clean()  # a rejection needs a reason
    if stored.status != Story.Status.REJECTED or stored.rejection_reason != reason:
        tasks.send_story_notice.enqueue(story_id=story.pk, kind="rejected", reason=reason)
    story.moderated_by, story.moderated_at = moderator, timezone.now()
    with _refreshing(story.condition_id):
        story.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at", "updated_at"])
    story_reports_resolve(story=story)
    return story


@transaction.atomic
def story_moderator_edit(*, story, moderator, title, body, note="", seen=None, notify=True):
    """A moderator removed identifying details (names, dates, places); the author is shown that it
    happened and the note, and is e-mailed unless `notify` is False (an edit made with an approval
    or rejection, whose own e-mail says so). With `seen`, refused if the author changed the story
    since the moderator opened it, so a moderator's edit never silently undoes the author's newer one."""
    if seen is not None:
        story_lock_unchanged(story=story, seen=seen)
    story.title, story.body = title, body
    story.moderator_edited, story.moderator_note = True, note
    story.moderated_by, story.moderated_at = moderator, timezone.now()
    with _refreshing(story.condition_id):
        story.save()
    if notify:
        tasks.send_story_notice.enqueue(story_id=story.pk, kind="edited", note=note)
    return story


def story_report(*, story, reporter, reason):
    """Returns (report, created); a reader's second report of one story changes nothing."""
    try:
        with transaction.atomic():
            return StoryReport.objects.create(story=story, reporter=reporter, reason=reason), True
    except IntegrityError:
        return StoryReport.objects.get(story=story, reporter=reporter), False


def story_reports_resolve(*, story):
    """Marks the story's open reports as dealt with; returns how many."""
    return story.reports.open().update(resolved_at=timezone.now())


def member_export(*, user):
    """Everything DiseaseMaps holds about the member, as JSON-ready data."""
    memberships = user.memberships.select_related("condition").order_by("condition__name")
    stories = user.stories.select_related("condition").order_by("created_at")
    reports = StoryReport.objects.filter(reporter=user).select_related("story").order_by("created_at")
    return {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "health_data_consent_at": user.health_data_consent_at.isoformat() if user.health_data_consent_at else None,
            "age_confirmed_at": user.age_confirmed_at.isoformat() if user.age_confirmed_at else None,
            "page_update_emails": user.page_updates,
            "story_emails": user.story_emails,
        },
        "following": list(user.follows.order_by("condition__name").values_list("condition__name", flat=True)),
        "memberships": [
            {
                "condition": m.condition.name,
                "role": m.role,
                "listed_by_display_name": m.is_public,
                "joined_at": m.joined_at.isoformat(),
            }
            for m in memberships
        ],
        "stories": [
            {
                "condition": s.condition.name,
                "title": s.title,
                "body": s.body,
                "role": s.role,
                "shown_with_display_name": s.show_name,
                "status": s.status,
                "rejection_reason": s.rejection_reason,
                "edited_by_moderator": s.moderator_edited,
                "moderator_note": s.moderator_note,
                "created_at": s.created_at.isoformat(),
                "updated_at": s.updated_at.isoformat(),
            }
            for s in stories
        ],
        "reports": [
            {"story": r.story.title, "reason": r.reason, "created_at": r.created_at.isoformat()} for r in reports
        ],
    }


@transaction.atomic
def member_delete(*, user, keep_stories):
    """Deletes the account, its memberships, follows and reports. With keep_stories the member's
    stories stay, with no author and no name; otherwise they are deleted too. Returns how many
    stories were kept or deleted, for the message that says which."""
    stories = Story.objects.filter(author=user)
    shown_on = {
        *stories.values_list("condition_id", flat=True),
        *user.memberships.values_list("condition_id", flat=True),
    }
    with derived.refreshing(shown_on, cache_only=True):
        if keep_stories:
            count = stories.update(author=None, show_name=False, updated_at=timezone.now())
        else:
            count = stories.count()
            stories.delete()
        user.delete()
    return count
