"""Mail, sent by a worker process (manage.py db_worker), never inside a request.

Tasks are rows in the database (django-tasks with the django-tasks-db backend), written in the
same transaction as the change that causes them: a rolled-back sign-up leaves no mail behind, and
a mail waits in the table until a worker runs. A worker claims a row under a lock (SELECT … FOR
UPDATE SKIP LOCKED on PostgreSQL, an exclusive transaction on SQLite), so two workers never send
one mail twice. The library does not retry, so a failed send is enqueued again here, later each
time, and after MAX_ATTEMPTS the last attempt stays recorded as failed."""

import datetime
import logging
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from .models import Follow, Notification, PageUpdate, PageUpdates, Story, User

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def retry_delay(attempt):
    """1, 2, 4, 8 minutes after the first, second, third and fourth failure."""
    return datetime.timedelta(minutes=2 ** (attempt - 1))


def _retrying(mail_task, kwargs, attempt, send):
    """Runs `send`; on failure enqueues the task again with a delay, then re-raises, so this
    attempt is recorded as failed with its error."""
    try:
        return send()
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            logger.exception("Mail task %s failed %d times; giving up", mail_task.name, attempt)
        else:
            run_after = timezone.now() + retry_delay(attempt)
            mail_task.using(run_after=run_after).enqueue(**kwargs, attempt=attempt + 1)
        raise


class EmailConfirmationTokenGenerator(PasswordResetTokenGenerator):
    """Signed, expiring (PASSWORD_RESET_TIMEOUT, 3 days) and single-use: confirming changes the
    state hashed in, and so does a newer sign-up with the same address (a new password)."""

    key_salt = "community.tasks.EmailConfirmationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.password}{user.is_active}{user.is_awaiting_confirmation}{user.email}{timestamp}"


confirmation_tokens = EmailConfirmationTokenGenerator()


def confirmation_url(user, next_url="", join=""):
    """`join` is a signed join (views.join_intent) that confirming finishes."""
    path = reverse(
        "community:signup-confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), confirmation_tokens.make_token(user)],
    )
    query = {key: value for key, value in [("next", next_url), ("join", join)] if value}
    return settings.SITE_URL + path + (f"?{urlencode(query)}" if query else "")


@task()
def send_signup_mail(*, email, next_url="", join="", attempt=1):
    """The mail that follows every sign-up: a confirmation link for a new account, or, when the
    address already had one, a notice to its owner (the sign-up page says the same either way)."""
    user = User.objects.filter(email=email).first()
    if user is None:  # deleted before the mail went out
        return "no account"
    if user.is_awaiting_confirmation:
        context = {"user": user, "url": confirmation_url(user, next_url, join)}
        template = "registration/signup_confirm_email.txt"
        subject = "Confirm your DiseaseMaps account"
    else:
        login_url = settings.SITE_URL + reverse("community:login")
        reset_url = settings.SITE_URL + reverse("community:password-reset")
        template, context = "registration/signup_known_email.txt", {"login_url": login_url, "reset_url": reset_url}
        subject = "You already have a DiseaseMaps account"
    message = EmailMessage(subject, render_to_string(template, context), to=[user.email])
    _retrying(send_signup_mail, {"email": email, "next_url": next_url, "join": join}, attempt, message.send)
    return "sent"


@task()
def send_password_reset(*, email, attempt=1):
    """Django's reset mail, to every active account with this address (at most one here)."""
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return "invalid address"

    def send():
        form.save(
            domain_override=site.netloc,
            use_https=site.scheme == "https",
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )

    _retrying(send_password_reset, {"email": email}, attempt, send)
    return "done"


# Notifications. Every e-mail goes to one member (never a list of addresses), names no other member
# and carries a one-click unsubscribe: a signed link that needs no log-in, and the List-Unsubscribe
# headers (RFC 8058) with which a mail program unsubscribes by itself.
UNSUBSCRIBE_SALT = "community.unsubscribe"
UNSUBSCRIBE_KINDS = {"pages": "e-mails about the pages you follow", "stories": "e-mails about your stories"}


def unsubscribe_token(user, kind):
    return signing.dumps([user.pk, kind], salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token):
    """(user, kind) from a token, or (None, None) if it was not made here."""
    try:
        user_id, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None, None
    if kind not in UNSUBSCRIBE_KINDS:
        return None, None
    return User.objects.filter(pk=user_id).first(), kind


def _notice(user, kind, subject, template, context):
    """A plain-text and HTML e-mail to `user` alone, with the unsubscribe link for `kind`."""
    unsubscribe_url = settings.SITE_URL + reverse("community:unsubscribe", args=[unsubscribe_token(user, kind)])
    context = {
        **context,
        "user": user,
        "site_url": settings.SITE_URL,
        "account_url": settings.SITE_URL + reverse("community:me") + "#notifications",
        "unsubscribe_url": unsubscribe_url,
        "unsubscribe_what": UNSUBSCRIBE_KINDS[kind],
    }
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"community/email/{template}.txt", context),
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string(f"community/email/{template}.html", context), "text/html")
    return message


STORY_SUBJECTS = {
    "approved": "Your story “{title}” is published",
    "rejected": "Your story “{title}” was not published",
    "edited": "A moderator edited your story “{title}”",
}


@task()
def send_story_notice(*, story_id, kind, reason="", note="", attempt=1):
    """To a story's author: it was approved, rejected (with the moderator's `reason`) or edited
    (with the moderator's `note`). The reason and note are the ones of that moment, passed in."""
    story = Story.objects.select_related("author", "condition").filter(pk=story_id).first()
    author = story.author if story else None
    if author is None or not author.is_active:
        return "no author"
    if not author.story_emails:
        return "unsubscribed"
    context = {
        "story": story,
        "kind": kind,
        "reason": reason,
        "note": note,
        "story_url": settings.SITE_URL + reverse("community:me") + f"#story-{story.pk}",
        "public_url": settings.SITE_URL + story.get_absolute_url(),
    }
    message = _notice(author, "stories", STORY_SUBJECTS[kind].format(title=story.title), "story_notice", context)
    kwargs = {"story_id": story_id, "kind": kind, "reason": reason, "note": note}
    _retrying(send_story_notice, kwargs, attempt, message.send)
    return "sent"


def _followers(condition_id):
    """Who hears about a condition page: active members following it who still consent to
    DiseaseMaps keeping health-related data and want e-mails about pages."""
    return User.objects.filter(
        follows__condition_id=condition_id, is_active=True, health_data_consent_at__isnull=False
    ).exclude(page_updates=PageUpdates.NEVER)


def _claim(user, key):
    """True the first time `key` is claimed: the unique key decides, under any concurrency."""
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, key=key)
    except IntegrityError:
        return False
    return True


def week_start(day):
    return day - datetime.timedelta(days=day.weekday())


@task()
def notify_followers(*, update_id):
    """Fans a page update out to its followers: at most one e-mail a day per page to those who
    chose that, and one weekly digest, sent when the week is over, to those who chose it."""
    update = PageUpdate.objects.filter(pk=update_id).first()
    if update is None:
        return "no update"
    today = timezone.localdate()
    queued = 0
    for user in _followers(update.condition_id).only("pk", "page_updates"):
        if user.page_updates == PageUpdates.DAILY:
            if _claim(user, f"page:{update.condition_id}:{user.pk}:{today.isoformat()}"):
                send_page_update.enqueue(user_id=user.pk, update_id=update.pk)
                queued += 1
        else:
            week = week_start(today)
            if _claim(user, f"digest:{user.pk}:{week.isoformat()}"):
                next_week = timezone.make_aware(
                    datetime.datetime.combine(week + datetime.timedelta(days=7), datetime.time(8))
                )
                send_digest.using(run_after=next_week).enqueue(user_id=user.pk, week=week.isoformat())
                queued += 1
    return f"{queued} queued"


@task()
def send_page_update(*, user_id, update_id, attempt=1):
    update = PageUpdate.objects.select_related("condition").filter(pk=update_id).first()
    user = _followers(update.condition_id).filter(pk=user_id).first() if update else None
    if user is None or user.page_updates != PageUpdates.DAILY:
        return "not following"  # unfollowed, unsubscribed or withdrew consent since
    condition = update.condition
    context = {"condition": condition, "page_url": settings.SITE_URL + condition.get_absolute_url()}
    message = _notice(
        user, "pages", f"{condition.name}: the page was updated after a medical review", "page_update", context
    )
    _retrying(send_page_update, {"user_id": user_id, "update_id": update_id}, attempt, message.send)
    return "sent"


@task()
def send_digest(*, user_id, week, attempt=1):
    """The week's updates of the pages the member follows, one line each."""
    user = User.objects.filter(
        pk=user_id, is_active=True, health_data_consent_at__isnull=False, page_updates=PageUpdates.WEEKLY
    ).first()
    if user is None:
        return "not subscribed"
    start = timezone.make_aware(datetime.datetime.combine(datetime.date.fromisoformat(week), datetime.time()))
    followed = Follow.objects.filter(user=user).values("condition_id")
    updates = (
        PageUpdate.objects.filter(
            condition__in=followed, published_at__gte=start, published_at__lt=start + datetime.timedelta(days=7)
        )
        .select_related("condition")
        .order_by("condition__name", "-published_at")
    )
    pages = {}
    for update in updates:
        pages.setdefault(update.condition_id, update.condition)
    if not pages:
        return "nothing to tell"
    context = {
        "pages": [(c, settings.SITE_URL + c.get_absolute_url()) for c in pages.values()],
        "week": datetime.date.fromisoformat(week),
    }
    count = len(pages)
    subject = f"This week on DiseaseMaps: {count} page{'' if count == 1 else 's'} you follow updated after review"
    message = _notice(user, "pages", subject, "digest", context)
    _retrying(send_digest, {"user_id": user_id, "week": week}, attempt, message.send)
    return "sent"
