import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from conditions.markdown import render as render_markdown
from conditions.models import Condition

from . import ratelimit, services
from .forms import (
    STORY_BODY_MAX,
    DeleteAccountForm,
    HoneypotPasswordResetForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    SignupConfirmForm,
    SignupForm,
    StoryForm,
    StoryReportForm,
)
from .models import Role, Story, User
from .tasks import confirmation_tokens

STORIES_PER_PAGE = 10
SUBMITTED = "Thank you. Your story is waiting for a moderator; you can follow it on your account page."
LISTED_MEMBERS_SHOWN = 50


def _condition(slug):
    # An unpublished page's community stays open: it says the page is being revised.
    return get_object_or_404(Condition.objects.with_community().only("name", "slug", "acronym", "status"), slug=slug)


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
    membership = None
    if request.user.is_authenticated:
        membership = condition.memberships.filter(user=request.user).first()
    if join_form is None:
        role = membership.role if membership else request.GET.get("role")
        join_form = JoinForm(
            initial={
                "role": role if role in Role.values else None,
                "is_public": bool(membership and membership.is_public),
            }
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
        "join_form": join_form,
        "user_id": request.user.pk,
    }
    return render(request, "community/community_detail.html", context, status=status)


@require_safe
def community_detail(request, slug):
    return _render_community(request, _condition(slug))


def _log_in_first(request, condition, role=None):
    """Join and leave are POST-only: after logging in the member comes back to the community page
    (with the role they picked), not to a URL that answers only POST."""
    query = f"?{urlencode({'role': role})}" if role in Role.values else ""
    messages.info(request, f"Log in or sign up to join the {condition.name} community.")
    return redirect_to_login(_community_url(condition, query + "#membership"))


@require_POST
def join(request, slug):
    condition = _condition(slug)
    if not request.user.is_authenticated:
        return _log_in_first(request, condition, request.POST.get("role"))
    form = JoinForm(request.POST)
    if not form.is_valid():
        return _render_community(request, condition, join_form=form)
    if ratelimit.hit(request, "membership"):
        form.add_error(None, ratelimit.MESSAGE)
        return _render_community(request, condition, join_form=form, status=429)
    membership, created = services.membership_join(
        user=request.user, condition=condition, role=form.cleaned_data["role"], is_public=form.cleaned_data["is_public"]
    )
    role = membership.get_role_display().lower()
    if created:
        messages.success(request, f"You joined the {condition.name} community as a {role}.")
    else:
        messages.success(request, f"Your membership is saved: you are in the {condition.name} community as a {role}.")
    return redirect(_community_url(condition, "#membership"))


@require_POST
def leave(request, slug):
    condition = _condition(slug)
    if not request.user.is_authenticated:
        return _log_in_first(request, condition)
    if ratelimit.hit(request, "membership"):
        messages.error(request, ratelimit.MESSAGE)
    elif services.membership_leave(user=request.user, condition=condition):
        messages.success(request, f"You left the {condition.name} community. Your stories stay as they are.")
    else:
        messages.info(request, f"You are not a member of the {condition.name} community.")
    return redirect(_community_url(condition, "#membership"))


def _story_form_page(request, condition, form, story=None, preview_html=None, status=200):
    context = {"condition": condition, "form": form, "story": story, "preview_html": preview_html}
    return render(request, "community/story_form.html", context, status=status)


def _story_form_view(request, condition, story=None):
    """New and edit share one flow: Preview renders the Markdown on the server (no JavaScript
    needed) and keeps every field as typed; Submit checks, rate-limits and saves."""
    if request.method == "POST" and "preview" in request.POST:
        # An unbound form filled with what was typed: a preview shows no "required" errors yet.
        form = StoryForm(initial=request.POST.dict(), condition=condition)
        body = request.POST.get("body", "")
        if ratelimit.hit(request, "preview"):
            messages.error(request, ratelimit.MESSAGE)
            return _story_form_page(request, condition, form, story, status=429)
        if len(body) > STORY_BODY_MAX:  # refused before rendering: any length would cost time
            messages.error(request, f"Your story is too long to preview: at most {STORY_BODY_MAX:,} characters.")
            return _story_form_page(request, condition, form, story, status=400)
        return _story_form_page(request, condition, form, story, render_markdown(body))
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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Your e-mail address is confirmed. Welcome, {user.display_name}.")
        return redirect(_safe_next(request) or "community:me")
    context = {"valid": True, "form": form, "email": user.email, "next": _safe_next(request)}
    return render(request, "registration/signup_confirm.html", context)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


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
    context = {
        "memberships": request.user.memberships.select_related("condition").order_by("condition__name"),
        "stories": request.user.stories.select_related("condition").defer("body").order_by("-created_at"),
    }
    return render(request, "community/me.html", context)


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
        services.member_delete(user=request.user, keep_stories=form.cleaned_data["stories"] == "keep")
        logout(request)
        messages.success(request, "Your account and everything linked to it are deleted.")
        return redirect("home")
    return render(request, "community/account_delete.html", {"form": form})
