import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from conditions.markdown import render as render_markdown
from conditions.models import Condition, SiteText, fingerprint

from . import identifying, ratelimit, services, tasks
from .forms import (
    STORY_BODY_MAX,
    STORY_TOO_LONG,
    DeleteAccountForm,
    HoneypotPasswordResetForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    NotificationsForm,
    SignupConfirmForm,
    SignupForm,
    StoryForm,
    StoryReportForm,
    normalise_newlines,
)
from .models import Follow, Role, Story, User
from .tasks import confirmation_tokens

STORIES_PER_PAGE = 10
SUBMITTED = "Thank you. Your story is waiting for a moderator; you can follow it on your account page."
LISTED_MEMBERS_SHOWN = 50


def _condition(slug, viewer=None):
    """The condition whose community this is: published, or unpublished while it is revised (its
    community stays open and says so). For a logged-in `viewer`, annotated with `viewer_follows`,
    in the same query."""
    conditions = Condition.objects.with_community().only("name", "slug", "acronym", "status")
    if viewer is not None and viewer.is_authenticated:
        conditions = conditions.annotate(
            viewer_follows=Exists(Follow.objects.filter(condition=OuterRef("pk"), user=viewer))
        )
    return get_object_or_404(conditions, slug=slug)


def _community_url(condition, anchor=""):
    return reverse("community:detail", args=[condition.slug]) + anchor


def _render_community(request, condition, join_form=None, status=200):
    """The community page: counts, the members who chose to be listed, approved stories, and the
    reader's own membership. A fixed number of queries however large the community: condition,
    role counts, listed members, story count, story page (+ session, user, own membership for a
    member); tests/community/test_query_budget.py holds it to that."""
    counts = condition.memberships.role_counts()
    total = sum(counts.values())
    listed = list(
        condition.memberships.filter(is_public=True)
        .exclude(user__display_name="")
        .order_by("user__display_name")
        .values_list("user__display_name", flat=True)[: LISTED_MEMBERS_SHOWN + 1]
    )
    stories = condition.stories.approved().select_related("author").defer("body").order_by("-created_at", "-id")
    page = Paginator(stories, STORIES_PER_PAGE).get_page(request.GET.get("page"))
    membership, following = None, False
    if request.user.is_authenticated:
        membership = condition.memberships.filter(user=request.user).first()
        following = membership is not None or getattr(condition, "viewer_follows", False)
    needs_consent = request.user.is_authenticated and not request.user.has_health_data_consent
    if join_form is None:
        role = membership.role if membership else request.GET.get("role")
        join_form = JoinForm(
            initial={
                "role": role if role in Role.values else None,
                "is_public": bool(membership and membership.is_public),
            },
            needs_consent=needs_consent,
        )
    show_exact = total >= settings.COMMUNITY_MIN_PUBLIC_COUNT
    context = {
        "condition": condition,
        "member_total": total,
        "threshold": settings.COMMUNITY_MIN_PUBLIC_COUNT,
        # A breakdown by role of a small community could identify people: only above the threshold.
        "role_counts": [(label, counts.get(role, 0)) for role, label in Role.choices] if show_exact else [],
        "listed_members": listed[:LISTED_MEMBERS_SHOWN],
        "more_listed": len(listed) > LISTED_MEMBERS_SHOWN,
        "page": page,
        "membership": membership,
        "following": following,
        "needs_consent": needs_consent,
        "join_form": join_form,
        "user_id": request.user.pk,
    }
    return render(request, "community/community_detail.html", context, status=status)


@require_safe
def community_detail(request, slug):
    return _render_community(request, _condition(slug, request.user))


def _log_in_first(request, condition, role=None, action="join"):
    """Join and leave are POST-only: after logging in the member comes back to the community page
    (with the role they picked), not to a URL that answers only POST."""
    query = f"?{urlencode({'role': role})}" if role in Role.values else ""
    messages.info(request, f"Log in or sign up to {action} the {condition.name} community.")
    return redirect_to_login(_community_url(condition, query + "#membership"))


# A visitor who presses Join is asked to log in or sign up first; the join they started is kept
# (signed) in their session, and in the confirmation link a sign-up mails, so that logging in or
# confirming finishes it wherever the link is opened: nothing to press again.
JOIN_SALT = "community.join"
PENDING_JOIN = "pending_join"
JOIN_VALID_FOR = 7 * 24 * 3600  # longer than a confirmation link (PASSWORD_RESET_TIMEOUT)


def join_intent(*, condition, role, is_public):
    return signing.dumps({"slug": condition.slug, "role": role, "public": bool(is_public)}, salt=JOIN_SALT)


def _finish_join(request, signed):
    """Joins the logged-in member as the signed join says, with a message saying so; returns the
    community page's URL, or "" if there was nothing to finish."""
    request.session.pop(PENDING_JOIN, None)
    try:
        intent = signing.loads(signed, salt=JOIN_SALT, max_age=JOIN_VALID_FOR) if signed else None
    except signing.BadSignature:
        intent = None
    if not intent or intent.get("role") not in Role.values:
        return ""
    condition = Condition.objects.published().only("name", "slug").filter(slug=intent.get("slug")).first()
    if condition is None:
        return ""
    url = _community_url(condition, f"?{urlencode({'role': intent['role']})}#membership")
    try:
        membership, created = services.membership_join(
            user=request.user, condition=condition, role=intent["role"], is_public=intent.get("public", False)
        )
    except ValidationError:  # an account that has not agreed to keeping health data: one step left
        messages.info(
            request, f"One step left to join the {condition.name} community: tick the box to agree, then press Join."
        )
        return url
    _joined_message(request, condition, membership, created)
    return _community_url(condition, "#membership")


def _joined_message(request, condition, membership, created):
    role = membership.get_role_display().lower()
    if created:
        messages.success(
            request,
            f"You joined the {condition.name} community as a {role}. You follow its page: "
            "we e-mail you when its medical content is updated after review.",
        )
    else:
        messages.success(request, f"Your membership is saved: you are in the {condition.name} community as a {role}.")


@require_POST
def join(request, slug):
    condition = _condition(slug, request.user)
    if not request.user.is_authenticated:
        role = request.POST.get("role")
        if role in Role.values:
            request.session[PENDING_JOIN] = join_intent(
                condition=condition, role=role, is_public=request.POST.get("is_public") == "on"
            )
        return _log_in_first(request, condition, role)
    needs_consent = not request.user.has_health_data_consent
    form = JoinForm(request.POST, needs_consent=needs_consent)
    if not form.is_valid():
        return _render_community(request, condition, join_form=form)
    if ratelimit.hit(request, "membership"):
        form.add_error(None, ratelimit.MESSAGE)
        return _render_community(request, condition, join_form=form, status=429)
    if needs_consent:
        services.member_consent_give(user=request.user)
    membership, created = services.membership_join(
        user=request.user, condition=condition, role=form.cleaned_data["role"], is_public=form.cleaned_data["is_public"]
    )
    _joined_message(request, condition, membership, created)
    return redirect(_community_url(condition, "#membership"))


@require_POST
def follow(request, slug):
    """Follows a page without joining its community: e-mails when it is updated after review."""
    condition = _condition(slug)
    if not request.user.is_authenticated:
        return _log_in_first(request, condition, action="follow")
    if ratelimit.hit(request, "membership"):
        messages.error(request, ratelimit.MESSAGE)
        return redirect(_community_url(condition, "#follow"))
    if request.POST.get("unfollow"):
        if services.condition_unfollow(user=request.user, condition=condition):
            messages.success(request, f"You no longer follow the {condition.name} page.")
        return redirect(_community_url(condition, "#follow"))
    try:
        if request.POST.get("health_data_consent") == "on" and not request.user.has_health_data_consent:
            services.member_consent_give(user=request.user)
        services.condition_follow(user=request.user, condition=condition)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"You follow the {condition.name} page: we e-mail you when its medical content is updated after review. "
            "Nobody else can see what you follow.",
        )
    return redirect(_community_url(condition, "#follow"))


@require_POST
def leave(request, slug):
    condition = _condition(slug)
    if not request.user.is_authenticated:
        return _log_in_first(request, condition)
    if ratelimit.hit(request, "membership"):
        messages.error(request, ratelimit.MESSAGE)
    elif services.membership_leave(user=request.user, condition=condition):
        messages.success(
            request,
            f"You left the {condition.name} community and no longer follow its page. Your stories stay as they are.",
        )
    else:
        messages.info(request, f"You are not a member of the {condition.name} community.")
    return redirect(_community_url(condition, "#membership"))


def _story_form_page(request, condition, form, story=None, preview_html=None, flags=None, status=200):
    context = {
        "condition": condition,
        "form": form,
        "story": story,
        "preview_html": preview_html,
        "flags": flags or [],
        "body_limit": STORY_BODY_MAX,
    }
    if flags:  # "Send it as it is" carries the text it was shown for: any change is checked again
        context["details_checked"] = fingerprint(normalise_newlines(form["body"].value() or ""))
    return render(request, "community/story_form.html", context, status=status)


def _typed(request, condition, **changes):
    """An unbound form filled with what was typed: no "required" errors shown yet."""
    return StoryForm(initial=request.POST.dict() | changes, condition=condition)


def _story_form_view(request, condition, story=None):
    """New and edit share one flow: Preview renders the Markdown on the server (no JavaScript
    needed) and keeps every field as typed; Submit checks, shows what looks like identifying
    details (identifying.py) until the author removes them or sends the text as it is, rate-limits
    and saves."""
    if request.method == "POST" and ("preview" in request.POST or "remove_details" in request.POST):
        body = normalise_newlines(request.POST.get("body", ""))
        if ratelimit.hit(request, "preview"):
            messages.error(request, ratelimit.MESSAGE)
            return _story_form_page(request, condition, _typed(request, condition), story, status=429)
        if len(body) > STORY_BODY_MAX:  # refused before rendering: any length would cost time
            messages.error(request, STORY_TOO_LONG.format(length=len(body), limit=STORY_BODY_MAX))
            return _story_form_page(request, condition, _typed(request, condition), story, status=400)
        if "remove_details" in request.POST:
            flags = identifying.find(body)
            body = identifying.remove(body, flags)
            messages.info(
                request,
                f"{len(flags)} detail{'' if len(flags) == 1 else 's'} replaced by “[removed]”. "
                "Read your story again, then send it.",
            )
            return _story_form_page(request, condition, _typed(request, condition, body=body), story)
        form = _typed(request, condition, body=body)
        return _story_form_page(request, condition, form, story, render_markdown(body), identifying.find(body))
    if request.method != "POST":
        if story:
            form = StoryForm(instance=story, initial={"consent": story.consent}, condition=condition)
        else:
            membership = condition.memberships.filter(user=request.user).first()
            initial = {"role": membership.role if membership else None, "token": uuid.uuid4()}
            form = StoryForm(initial=initial, condition=condition)
        return _story_form_page(request, condition, form, story)
    form = StoryForm(request.POST, instance=story, condition=condition)
    if not form.is_valid():
        return _story_form_page(request, condition, form, story)
    token = form.cleaned_data["token"]
    if story is None and token and (first := request.user.stories.filter(submission_token=token).first()):
        # The same form sent again: answer as the first time, without counting it against the limit.
        messages.success(request, SUBMITTED)
        return redirect(reverse("community:me") + f"#story-{first.pk}")
    flags = identifying.find(form.cleaned_data["body"])
    if flags and request.POST.get("details_checked") != fingerprint(form.cleaned_data["body"]):
        return _story_form_page(request, condition, form, story, flags=flags)
    if ratelimit.hit(request, "story"):
        form.add_error(None, ratelimit.MESSAGE)
        return _story_form_page(request, condition, form, story, status=429)
    fields = {k: form.cleaned_data[k] for k in ["title", "body", "role", "show_name"]}
    if story:
        services.story_update(story=story, **fields)
        messages.success(request, "Your changes are saved. The story waits for a moderator again before it is shown.")
    else:
        story = services.story_submit(author=request.user, condition=condition, token=token, **fields)
        messages.success(request, SUBMITTED)
    return redirect(reverse("community:me") + f"#story-{story.pk}")


@login_required
def story_new(request, slug):
    return _story_form_view(request, _condition(slug))


def _own_story(request, slug, pk):
    """The member's own story, or 404: nobody else's story is ever found here."""
    return get_object_or_404(
        Story.objects.select_related("condition"), pk=pk, author=request.user, condition__slug=slug
    )


@login_required
def story_edit(request, slug, pk):
    story = _own_story(request, slug, pk)
    return _story_form_view(request, story.condition, story)


@require_POST
@login_required
def story_withdraw(request, slug, pk):
    story = _own_story(request, slug, pk)
    services.story_withdraw(story=story)
    messages.success(request, f"“{story.title}” is withdrawn: nobody else sees it. Edit it to send it again.")
    return redirect(reverse("community:me") + f"#story-{story.pk}")


@login_required
def story_report(request, slug, pk):
    story = get_object_or_404(
        Story.objects.approved().select_related("condition").defer("body"), pk=pk, condition__slug=slug
    )
    back = _community_url(story.condition, f"#story-{story.pk}")
    if story.author_id == request.user.pk:
        messages.info(request, "This is your own story: edit or withdraw it from your account page.")
        return redirect(back)
    form = StoryReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if ratelimit.hit(request, "report"):
            form.add_error(None, ratelimit.MESSAGE)
            return render(request, "community/story_report.html", {"story": story, "form": form}, status=429)
        _, created = services.story_report(story=story, reporter=request.user, reason=form.cleaned_data["reason"])
        if created:
            messages.success(request, "Thank you. A moderator will look at this story.")
        else:
            messages.info(request, "You have already reported this story; a moderator will look at it.")
        return redirect(back)
    return render(request, "community/story_report.html", {"story": story, "form": form})


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


SIGNUP_SENT = "Check your inbox: we have sent a message to {email}. Follow the link in it to finish signing up."


@never_cache
def signup(request):
    """Every sign-up gets the same answer, whether or not the address has an account; the
    e-mail that follows tells the owner which (services.member_signup). Every attempt, failed
    or not, counts against the limit, so the form cannot be used to test addresses at speed."""
    if request.user.is_authenticated:
        return redirect("community:me")
    form = SignupForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request)}
    if request.method == "POST":
        if ratelimit.hit(request, "signup"):
            form.is_valid()  # the page shows what was typed, and the limit above it
            form.add_error(None, ratelimit.MESSAGE)
            return render(request, "registration/signup.html", context, status=429)
        if form.is_valid():
            services.member_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                next_url=context["next"],
                join=request.session.get(PENDING_JOIN, ""),
            )
            messages.success(request, SIGNUP_SENT.format(email=form.cleaned_data["email"]))
            return redirect("community:signup-sent")
    return render(request, "registration/signup.html", context)


@require_safe
def signup_sent(request):
    return render(request, "registration/signup_sent.html")


@never_cache
def signup_confirm(request, uidb64, token):
    """The link mailed at sign-up. Opening it shows a form (mail scanners that follow links
    confirm nothing); the password chosen at sign-up activates the account and logs its owner in,
    so following a link mailed after a stranger's sign-up cannot open an account they control."""
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode(), is_awaiting_confirmation=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        user = None
    if user is None or not confirmation_tokens.check_token(user, token):
        return render(request, "registration/signup_confirm.html", {"valid": False}, status=400)
    data = request.POST if request.method == "POST" else None  # an empty POST is a missing password
    form = SignupConfirmForm(data, user=user, request=request)
    if form.is_valid():
        services.member_confirm(user=user)
        pending = request.POST.get("join") or request.session.get(PENDING_JOIN, "")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Your e-mail address is confirmed. Welcome, {user.display_name}.")
        joined = _finish_join(request, pending)
        return redirect(joined or _safe_next(request) or "community:me")
    join_value = request.GET.get("join") or request.POST.get("join") or ""
    context = {"valid": True, "form": form, "email": user.email, "next": _safe_next(request), "join": join_value}
    return render(request, "registration/signup_confirm.html", context)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        pending = self.request.session.get(PENDING_JOIN, "")
        response = super().form_valid(form)  # login() keeps the session's data
        joined = _finish_join(self.request, pending)
        return redirect(joined) if joined else response


def login_locked_out(request, response, credentials=None):
    """django-axes calls this when a log-in (or a delete-account password) hits a lock: the form
    already says so and how to get in (ThrottledLoginMixin); answer 429."""
    if response is None or response.status_code != 200:
        return HttpResponse(ratelimit.LOGIN_MESSAGE, status=429)
    response.status_code = 429
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """The mail is a task: the answer takes as long whether or not the address has an account."""

    form_class = HoneypotPasswordResetForm
    success_url = reverse_lazy("community:password-reset-done")

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        if ratelimit.hit(self.request, "password_reset"):
            form.add_error(None, ratelimit.MESSAGE)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        # One address gets a few reset mails an hour at most, whoever asks; past that the answer is
        # the same but nothing is sent, so nobody can flood an inbox or learn anything from it.
        if not ratelimit.hit(self.request, "password_reset_email", email=email.strip().lower()):
            services.password_reset_request(email=email)
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A new password also clears every log-in lock on the account and logs its owner in: the
    owner proved they read its mail, whatever a stranger guessed."""

    form_class = NewPasswordForm
    success_url = reverse_lazy("community:password-reset-complete")
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"

    def form_valid(self, form):
        response = super().form_valid(form)
        ratelimit.login_reset(form.user.email)
        return response


@login_required
def me(request):
    user = request.user
    form = NotificationsForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your e-mail choices are saved.")
        return redirect(reverse("community:me") + "#notifications")
    context = {
        "memberships": user.memberships.select_related("condition").order_by("condition__name"),
        "follows": user.follows.filter(condition__status="published")
        .exclude(condition__memberships__user=user)
        .select_related("condition")
        .order_by("condition__name"),
        "stories": user.stories.select_related("condition").defer("body").order_by("-created_at"),
        "notifications_form": form,
    }
    return render(request, "community/me.html", context)


@require_POST
@login_required
def me_consent(request):
    """Gives or withdraws the consent to keeping health-related data; withdrawing leaves every
    community and stops every follow, and the message says which."""
    user = request.user
    if request.POST.get("action") == "give":
        services.member_consent_give(user=user)
        messages.success(request, "Thank you: you can join communities and follow pages again.")
    elif request.POST.get("action") == "withdraw" and user.has_health_data_consent:
        left = services.member_consent_withdraw(user=user)
        if left:
            names = ", ".join(left)
            messages.success(
                request,
                f"Your consent is withdrawn. You left {len(left)} communit{'y' if len(left) == 1 else 'ies'} "
                f"({names}) and follow no page any more. Your stories are unchanged: withdraw or delete them "
                "below if you wish.",
            )
        else:
            messages.success(request, "Your consent is withdrawn. You follow no page any more.")
    return redirect(reverse("community:me") + "#consent")


@require_safe
@login_required
def me_export(request):
    response = JsonResponse(services.member_export(user=request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="diseasemaps-my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def me_delete(request):
    form = DeleteAccountForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        keep = form.cleaned_data["stories"] == "keep"
        count = services.member_delete(user=request.user, keep_stories=keep)
        logout(request)
        messages.success(request, deletion_message(keep=keep, stories=count))
        return redirect("home")
    return render(request, "community/account_delete.html", {"form": form})


def deletion_message(*, keep, stories):
    said = "Your account is deleted, with your e-mail address, memberships, follows and reports."
    if not stories:
        return said + " You had no stories."
    if stories == 1:
        n, verb = "story", "is"
    else:
        n, verb = f"{stories} stories", "are"
    if keep:
        return (
            said
            + f" Your {n} {'stays' if stories == 1 else 'stay'} on the site anonymised: no name, and no link to you."
        )
    return said + f" Your {n} {verb} deleted too."


@csrf_exempt  # the signed token is the authority; mail programs post here with no cookie (RFC 8058)
@never_cache
def unsubscribe(request, token):
    """The link in every notification: works logged out. Opening it shows one button (a link
    scanner that opens it changes nothing); a mail program's one-click POST unsubscribes at once."""
    user, kind = tasks.unsubscribe_read(token)
    if user is None:
        return render(request, "community/unsubscribe.html", {"valid": False}, status=400)
    done = request.method == "POST"
    if done:
        services.member_unsubscribe(user=user, kind=kind)
    context = {"valid": True, "done": done, "what": tasks.UNSUBSCRIBE_KINDS[kind]}
    return render(request, "community/unsubscribe.html", context)


@require_safe
def privacy(request):
    """The privacy notice: staff edit it in the admin (Site texts); until then, the default text."""
    text = SiteText.objects.filter(key=SiteText.Key.PRIVACY_NOTICE).values_list("text", flat=True).first()
    text = text or render_to_string("includes/privacy_notice.md")
    return render(request, "community/privacy.html", {"privacy_html": render_markdown(text)})
