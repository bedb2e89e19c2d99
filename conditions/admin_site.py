"""The admin site editors, reviewers and moderators work in: its index is their dashboard.

Each list shows only to those who can act on it, and every row links to the place to act."""

import datetime

from django.apps import apps
from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

DASHBOARD_LIMIT = 20  # rows per list; the "all" link opens the filtered change list
DUE_WITHIN_DAYS = 30

ROLE_SUMMARIES = {
    "Editor": "You write and edit condition pages, their codes and sources, and submit them for medical review.",
    "Medical reviewer": "You read pages submitted for review and sign them off; a sign-off publishes a page in review.",
    "Moderator": "You approve or reject members' stories and handle readers' reports.",
}


def _changelist(model_name, app_label="conditions", **params):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _rows(queryset):
    """The first DASHBOARD_LIMIT rows and the total, in two queries."""
    return list(queryset[:DASHBOARD_LIMIT]), queryset.count()


def editorial_dashboard(user, *, today=None):
    """The dashboard's lists for this user, each only when their permissions let them act on it."""
    from .codes.audit import failing_codes, failing_reason
    from .models import Condition

    today = today or timezone.localdate()
    from .review_queue import review_queue_sections

    sections = review_queue_sections(user)
    if user.has_perm("conditions.view_condition"):
        conditions = Condition.objects.only("name", "slug", "status", "content_version")

        def change_url(condition):
            return reverse("admin:conditions_condition_change", args=[condition.pk])

        soon = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
        due, total = _rows(conditions.with_review_state().filter(next_review_on__lte=soon).order_by("next_review_on"))
        sections.append(
            {
                "id": "review-due",
                "title": f"Review overdue or due in the next {DUE_WITHIN_DAYS} days",
                "empty": "No review is due in the next 30 days.",
                "all_url": _changelist("condition", review="due_or_overdue"),
                "total": total,
                "rows": [
                    (
                        c.name,
                        change_url(c),
                        ("overdue since " if c.next_review_on < today else "due ") + f"{c.next_review_on:%-d %b %Y}",
                    )
                    for c in due
                ],
            }
        )
        changed, total = _rows(conditions.changed_since_review().order_by("-updated_at"))
        sections.append(
            {
                "id": "changed",
                "title": "Changed since review",
                "empty": "Every reviewed page is as its reviewer signed it off.",
                "all_url": _changelist("condition", review="changed"),
                "total": total,
                "rows": [
                    (c.name, change_url(c), f"version {c.content_version}, reviewed version {c.reviewed_version}")
                    for c in changed
                ],
            }
        )
    if user.has_perm("conditions.change_condition"):
        codes, total = _rows(failing_codes())
        sections.append(
            {
                "id": "failing-codes",
                "title": "Codes failing the audit",
                "empty": "Every ICD-10-CM and ICD-9-CM code on a page is in the official code set.",
                "all_url": "",
                "total": total,
                "rows": [
                    (
                        f"{code.condition.name}: {code}",
                        reverse("admin:conditions_condition_change", args=[code.condition_id]) + "#codes-group",
                        failing_reason(code),
                    )
                    for code in codes
                ],
            }
        )
    if user.has_perm("community.change_story"):
        Story = apps.get_model("community", "Story")
        pending, total = _rows(Story.objects.pending().select_related("condition"))
        sections.append(
            {
                "id": "stories-pending",
                "title": "Stories waiting for moderation",
                "empty": "No story is waiting.",
                "all_url": _changelist("story", app_label="community", status__exact=Story.Status.PENDING),
                "total": total,
                "rows": [
                    (
                        f"{story.title} ({story.condition.name})",
                        reverse("admin:community_story_change", args=[story.pk]),
                        f"sent {story.created_at:%-d %b %Y}",
                    )
                    for story in pending
                ],
            }
        )
    if user.has_perm("community.change_storyreport"):
        Story = apps.get_model("community", "Story")
        reported, total = _rows(
            Story.objects.annotate(open_reports=Count("reports", filter=Q(reports__resolved_at=None)))
            .filter(open_reports__gt=0)
            .select_related("condition")
            .order_by("-open_reports", "created_at")
        )
        sections.append(
            {
                "id": "stories-reported",
                "title": "Reported stories",
                "empty": "No open report.",
                "all_url": _changelist("storyreport", app_label="community", resolved_at__isnull="True"),
                "total": total,
                "rows": [
                    (
                        f"{story.title} ({story.condition.name})",
                        reverse("admin:community_story_change", args=[story.pk]),
                        f"{story.open_reports} open report{'s' if story.open_reports != 1 else ''}",
                    )
                    for story in reported
                ],
            }
        )
    return sections


class EditorialAdminSite(admin.AdminSite):
    site_header = "DiseaseMaps editorial"
    site_title = "DiseaseMaps admin"
    index_title = "Editorial dashboard"
    index_template = "admin/editorial_index.html"

    def index(self, request, extra_context=None):
        user = request.user
        roles = sorted(user.groups.values_list("name", flat=True))
        context = {
            "dashboard": editorial_dashboard(user),
            "roles": [(name, ROLE_SUMMARIES.get(name, "")) for name in roles],
            "is_superuser": user.is_superuser,
        }
        return super().index(request, {**context, **(extra_context or {})})
