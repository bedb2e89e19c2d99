"""The moderators' lists on the admin's dashboard: stories waiting for moderation and reported
stories (sections as conditions/dashboard.py describes them)."""

from django.db.models import Count
from django.urls import reverse

from conditions.dashboard import changelist_url, first_rows

from .models import Story


def _change_url(story):
    return reverse("admin:community_story_change", args=[story.pk])


def _label(story):
    return f"{story.title} ({story.condition.name})"


def sections(user):
    found = []
    if user.has_perm("community.change_story"):
        pending, total = first_rows(Story.objects.pending().select_related("condition"))
        found.append(
            {
                "id": "stories-pending",
                "title": "Stories waiting for moderation",
                "empty": "No story is waiting.",
                "all_url": changelist_url("community", "story", status__exact=Story.Status.PENDING),
                "total": total,
                "rows": [
                    (_label(story), _change_url(story), f"sent {story.created_at:%-d %b %Y}") for story in pending
                ],
            }
        )
    if user.has_perm("community.change_storyreport"):
        reported, total = first_rows(
            Story.objects.with_open_reports()
            .filter(open_reports__gt=0)
            .select_related("condition")
            .order_by("-open_reports", "created_at")
        )
        found.append(
            {
                "id": "stories-reported",
                "title": "Reported stories",
                "empty": "No open report.",
                "all_url": changelist_url("community", "storyreport", resolved_at__isnull="True"),
                "total": total,
                "rows": [
                    (
                        _label(story),
                        _change_url(story),
                        f"{story.open_reports} open report{'s' if story.open_reports != 1 else ''}",
                    )
                    for story in reported
                ],
            }
        )
    return found


def members_per_condition():
    """An expression counting a condition's members, for the editorial lists that rank pages by
    how many people they matter to (conditions/review_queue.py)."""
    return Count("memberships")
