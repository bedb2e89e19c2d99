"""The site's own pages: the home page, robots.txt and /healthz, and the admin's Markdown preview."""

import datetime

from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.db.models import Count, Q
from django.db.models.fields.json import KT
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_tasks_db.models import DBTaskResult

from community import ratelimit
from conditions.markdown import MAX_LENGTH, TOO_LONG
from conditions.markdown import render as render_markdown
from conditions.models import Condition, Origin


@require_safe
def home(request):
    # Cards show the stored summary HTML as plain words: no Markdown is rendered per request.
    cards = Condition.objects.only("name", "slug", "acronym", "last_reviewed_on", "updated_at", "origin").annotate(
        summary_html=KT("rendered__summary")
    )
    published = Condition.objects.published()
    context = {
        "recently_reviewed": cards.recently_reviewed()[:6],
        "recently_updated": cards.published().exclude(origin=Origin.CATALOGUE).order_by("-updated_at")[:6],
        "totals": published.aggregate(
            conditions=Count("id"),
            reviewed=Count("id", filter=Q(last_reviewed_on__isnull=False)),
            demo=Count("id", filter=Q(origin=Origin.DEMO, last_reviewed_on__isnull=True)),
            catalogue=Count("id", filter=Q(origin=Origin.CATALOGUE, last_reviewed_on__isnull=True)),
        ),
    }
    # Evaluated here so the template can leave the section out when no page has a review yet.
    context["recently_reviewed"] = list(context["recently_reviewed"])
    return render(request, "home.html", context)


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /accounts/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")


@require_safe
def healthz(request):
    """For a load balancer: 200 when the database answers, 503 when it does not. Also the task
    queue's backlog (mail waiting for a worker; a growing number means no worker is running)
    and the tasks that failed in the last day, for monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        day_ago = timezone.now() - datetime.timedelta(days=1)
        tasks = {
            "ready": DBTaskResult.objects.ready().count(),
            "failed_last_day": DBTaskResult.objects.failed().filter(finished_at__gte=day_ago).count(),
        }
    except Exception as error:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(error.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "tasks": tasks})


def _plain(message, status):
    # markdownx shows whatever comes back in the preview pane, so the refusal is plain words.
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@staff_member_required
@require_POST
def markdown_preview(request):
    """The admin's live preview: markdownx posts `content` here as an editor types."""
    if ratelimit.hit(request, "preview"):
        return _plain(ratelimit.MESSAGE, 429)
    text = request.POST.get("content", "")
    if len(text) > MAX_LENGTH:
        return _plain(TOO_LONG, 413)
    return HttpResponse(render_markdown(text))
