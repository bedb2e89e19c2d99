import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from conditions.markdown import render as render_markdown
from conditions.models import Condition

from . import ratelimit, services
from .forms import (
    DeleteAccountForm,
    HoneypotPasswordResetForm,
    JoinForm,
    LoginForm,
    SignupForm,
    StoryForm,
    StoryReportForm,
)
from .models import Role, Story

STORIES_PER_PAGE = 10
SUBMITTED = "Thank you. Your story is waiting for a moderator; you can follow it on your account page."
LISTED_MEMBERS_SHOWN = 50


def _condition(slug):
    return get_object_or_404(Condition.objects.published().only("name", "slug", "acronym"), slug=slug)


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
        return _story_form_page(request, condition, form, story, render_markdown(request.POST.get("body", "")))
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


@never_cache
def signup(request):
    if request.user.is_authenticated:
        return redirect("community:me")
    form = SignupForm(request.POST or None)
    context = {"form": form, "next": _safe_next(request)}
    if request.method == "POST" and form.is_valid():
        if ratelimit.hit(request, "signup"):
            form.add_error(None, ratelimit.MESSAGE)
            return render(request, "registration/signup.html", context, status=429)
        try:
            user = services.member_signup(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.display_name}. Your account is ready.")
            return redirect(context["next"] or "community:me")
    return render(request, "registration/signup.html", context)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = HoneypotPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("community:password-reset-done")

    def form_valid(self, form):
        if ratelimit.hit(self.request, "password_reset"):
            form.add_error(None, ratelimit.MESSAGE)
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


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
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.member_delete(user=request.user, keep_stories=form.cleaned_data["stories"] == "keep")
        logout(request)
        messages.success(request, "Your account and everything linked to it are deleted.")
        return redirect("home")
    return render(request, "community/account_delete.html", {"form": form})
