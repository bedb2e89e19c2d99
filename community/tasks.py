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
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from .models import User

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


def confirmation_url(user, next_url=""):
    path = reverse(
        "community:signup-confirm",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), confirmation_tokens.make_token(user)],
    )
    return settings.SITE_URL + path + (f"?{urlencode({'next': next_url})}" if next_url else "")


@task()
def send_signup_mail(*, email, next_url="", attempt=1):
    """The mail that follows every sign-up: a confirmation link for a new account, or, when the
    address already had one, a notice to its owner (the sign-up page says the same either way)."""
    user = User.objects.filter(email=email).first()
    if user is None:  # deleted before the mail went out
        return "no account"
    if user.is_awaiting_confirmation:
        context = {"user": user, "url": confirmation_url(user, next_url)}
        template = "registration/signup_confirm_email.txt"
        subject = "Confirm your DiseaseMaps account"
    else:
        login_url = settings.SITE_URL + reverse("community:login")
        reset_url = settings.SITE_URL + reverse("community:password-reset")
        template, context = "registration/signup_known_email.txt", {"login_url": login_url, "reset_url": reset_url}
        subject = "You already have a DiseaseMaps account"
    message = EmailMessage(subject, render_to_string(template, context), to=[user.email])
    _retrying(send_signup_mail, {"email": email, "next_url": next_url}, attempt, message.send)
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
