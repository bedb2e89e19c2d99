from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from conditions.models import Condition

from .models import Role


@require_GET
def community_detail(request, slug):
    condition = get_object_or_404(Condition.objects.published().only("name", "slug", "acronym"), slug=slug)
    counts = condition.memberships.role_counts()
    context = {
        "condition": condition,
        "member_total": sum(counts.values()),
        "role_counts": [(label, counts.get(role, 0)) for role, label in Role.choices],
        "stories": condition.stories.approved().select_related("author").order_by("-created_at")[:20],
    }
    return render(request, "community/community_detail.html", context)


@login_required
def me(request):
    context = {
        "memberships": request.user.memberships.select_related("condition").order_by("condition__name"),
        "stories": request.user.stories.select_related("condition").order_by("-created_at"),
    }
    return render(request, "community/me.html", context)
