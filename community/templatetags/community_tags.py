"""What the community shows on other apps' pages. This is the one way other pages read the
community: the condition page loads {% community_box condition %}, the home page
{% community_totals %}. Each tag runs its own fixed, small number of queries (listed below), so
the pages that use them stay within their budgets however large a community grows."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from conditions.models import Condition

from ..models import Membership

register = template.Library()

RECENT_STORIES = 3


@register.filter
def member_count(count):
    """A community's size as the public may see it: small counts could identify people."""
    threshold = settings.COMMUNITY_MIN_PUBLIC_COUNT
    if count < threshold:
        return f"fewer than {threshold} members"
    return f"{count:,} member" + ("" if count == 1 else "s")


@register.simple_tag
def community_box(condition):
    """The condition page's box: its member count and newest approved stories. Rendered once (two
    queries and an update) and kept on the condition's row (Condition.community_part, see
    conditions/pages.py) until the community changes, so a reader's request makes no query for it."""
    if not condition.community_part:
        context = {
            "condition": condition,
            "member_total": condition.memberships.count(),
            "stories": condition.stories.approved()
            .select_related("author")
            .only("title", "show_name", "role", "condition_id", "author__display_name")
            .order_by("-created_at")[:RECENT_STORIES],
        }
        html = render_to_string("community/includes/community_box.html", context)
        # Kept only if the community did not change while it rendered: a change bumps page_serial.
        Condition.objects.filter(pk=condition.pk, page_serial=condition.page_serial).update(community_part=html)
        condition.community_part = html
    return mark_safe(condition.community_part)  # the template escaped what it printed


@register.inclusion_tag("community/includes/community_totals.html")
def community_totals():
    """The home page's site-wide totals (one query). They identify no one, so unlike a single
    community's count they are shown exactly."""
    return Membership.objects.totals()
