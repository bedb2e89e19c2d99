import datetime
import string

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.db.models.fields.json import KT
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult

from diseasemaps.pagecache import cache_for_readers

from . import pages
from . import search as condition_search
from .codes import reads
from .models import Code, Condition, Origin, Status, Symptom

LETTERS = list(string.ascii_uppercase)
PAGE_SIZE = 50


@require_safe
@cache_for_readers()
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
            catalogue=Count("id", filter=Q(origin=Origin.CATALOGUE)),
        ),
        # The site-wide total identifies no one; per-condition counts follow the small-count rule.
        "community": Condition.objects.filter(memberships__isnull=False).aggregate(
            members=Count("memberships"), communities=Count("id", distinct=True)
        ),
    }
    return render(request, "conditions/home.html", context)


@require_safe
@cache_for_readers("letter", "page")
def condition_list(request):
    letter = request.GET.get("letter", "").upper()
    conditions = Condition.objects.published().only("name", "slug", "acronym")
    if letter in LETTERS:
        conditions = conditions.filter(name__istartswith=letter)
    elif letter == "0-9":
        conditions = conditions.filter(name__regex=r"^[0-9]")
    else:
        letter = ""
    page = Paginator(conditions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "conditions/condition_list.html",
        {"page": page, "letter": letter, "letters": LETTERS},
    )


@require_safe
@cache_for_readers()
def condition_detail(request, slug):
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    context = {
        "condition": condition,
        "parts": pages.parts_for(condition),
        "member_total": condition.memberships.count(),
        "stories": condition.stories.approved().select_related("author").order_by("-created_at")[:3],
    }
    return render(request, "conditions/condition_detail.html", context)


@require_safe
@cache_for_readers("q")
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results, code_hits, title_codes, coded_with = [], [], [], []
    if query:
        code_hits = reads.codes_for_query(query)
        coded_with = reads.coded_with(code_hits)
        hits = _code_carriers(code_hits) + condition_search.search(query)
        conditions = (
            Condition.objects.published()
            .only("name", "slug", "acronym", "origin", "last_reviewed_on")
            .annotate(summary_html=KT("rendered__summary"))
            .in_bulk({hit.condition_id for hit in hits})
        )
        seen = set()
        for hit in hits:
            if hit.condition_id in conditions and hit.condition_id not in seen:
                seen.add(hit.condition_id)
                results.append((conditions[hit.condition_id], hit.reason))
        results = results[: condition_search.MAX_RESULTS]
        if not code_hits:
            title_codes = list(
                Code.objects.filter(pk__in=condition_search.search_codes(query)).order_by("-system", "code")
            )
    context = {
        "query": query,
        "results": results,
        "code_hits": code_hits,
        "title_codes": title_codes,
        "coded_with": coded_with,
    }
    return render(request, "conditions/search.html", context)


def _code_carriers(codes):
    """Search hits for the published conditions that carry these codes, directly or through the GEMs."""
    return [
        condition_search.Hit(c.condition_id, 0, 1, f"code {c.matched.code}, through the crosswalk")
        if c.through_crosswalk
        else condition_search.Hit(c.condition_id, 0, 0, f"code {c.value}")
        for c in reads.carriers(codes)
    ]


@require_safe
def suggest(request):
    """Autocomplete for the search box (JSON); the search page itself needs no JavaScript."""
    query = request.GET.get("q", "").strip()[:100]
    hits = condition_search.search(query, limit=8) if len(query) >= 2 else []
    names = Condition.objects.published().only("name", "slug", "acronym").in_bulk([h.condition_id for h in hits])
    suggestions = [
        {"name": names[h.condition_id].title, "url": names[h.condition_id].get_absolute_url(), "reason": h.reason}
        for h in hits
        if h.condition_id in names
    ]
    return JsonResponse({"query": query, "suggestions": suggestions})


SYMPTOM_PAGE_SIZE = 50


@require_safe
@cache_for_readers("page")
def symptom_detail(request, slug):
    symptom = get_object_or_404(Symptom, slug=slug)
    links = (
        symptom.condition_links.filter(condition__status=Status.PUBLISHED)
        .select_related("condition")
        .only("symptom", "frequency", "frequency_rank", "condition__name", "condition__slug", "condition__acronym")
        .order_by("frequency_rank", "condition__name")
    )
    page = Paginator(links, SYMPTOM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "conditions/symptom_detail.html", {"symptom": symptom, "page": page})


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
