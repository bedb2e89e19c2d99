import string

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import codesystems
from . import search as condition_search
from .pagecache import cache_for_readers
from .models import Code, Condition, ConditionCode, Status, Symptom

LETTERS = list(string.ascii_uppercase)
PAGE_SIZE = 50


@require_GET
@cache_for_readers
def home(request):
    recently_reviewed = Condition.objects.recently_reviewed().only(
        "name", "slug", "acronym", "summary", "last_reviewed_on"
    )[:6]
    return render(request, "conditions/home.html", {"recently_reviewed": recently_reviewed})


@require_GET
@cache_for_readers
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


@require_GET
@cache_for_readers
def condition_detail(request, slug):
    condition = get_object_or_404(Condition.objects.published().for_page(), slug=slug)
    review = condition.latest_review()
    codes = sorted(condition.codes.all(), key=lambda c: (_SYSTEM_ORDER[c.system], _ROLE_ORDER[c.role], c.value))
    context = {
        "condition": condition,
        "synonyms": [s.name for s in condition.synonyms.all()],
        "review": review,
        "review_is_current": condition.is_review_current(review),
        "codes": codes,
        "fit_notes": _fit_notes(codes),
        "references": condition.references.all(),
        "related": condition.related.all(),
        "signs": condition.signs.all(),
        "member_total": condition.memberships.count(),
        "stories": condition.stories.approved().select_related("author").order_by("-created_at")[:3],
        "canonical_url": settings.SITE_URL + condition.get_absolute_url(),
        "structured_data": _structured_data(condition, codes, review),
    }
    return render(request, "conditions/condition_detail.html", context)


_SYSTEM_ORDER = {system: i for i, (system, _) in enumerate(codesystems.CHOICES)}
_ROLE_ORDER = {role: i for i, role in enumerate(ConditionCode.Role.values)}


def _fit_notes(codes):
    """Plain-words explanations of codes that do not match the condition exactly."""
    notes = []
    for code in codes:
        if code.role != ConditionCode.Role.PRIMARY or code.fit == ConditionCode.Fit.EXACT:
            continue
        system = codesystems.label(code.system)
        if code.fit == ConditionCode.Fit.BROADER:
            notes.append(
                f"There is no {system} code for this condition alone; it is coded as {code.value} "
                f"({code.title}), which covers other conditions too."
            )
        else:
            notes.append(f"{system} {code.value} ({code.title}) covers one form of this condition.")
    return notes


def _structured_data(condition, codes, review):
    about = {
        "@type": "MedicalCondition",
        "name": condition.name,
        "alternateName": [s.name for s in condition.synonyms.all()]
        + ([condition.acronym] if condition.acronym else []),
        "code": [
            {"@type": "MedicalCode", "codeValue": c.value, "codingSystem": codesystems.label(c.system)} for c in codes
        ],
    }
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": condition.title,
        "url": settings.SITE_URL + condition.get_absolute_url(),
        "description": condition.summary,
        "dateModified": condition.updated_at.date().isoformat(),
        "about": about,
    }
    if review:
        data["lastReviewed"] = review.reviewed_on.isoformat()
        data["reviewedBy"] = {"@type": "Person", "name": review.reviewer_name}
    return data


@require_GET
@cache_for_readers
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results, code_hits, title_codes = [], [], []
    if query:
        code_hits = _code_hits(query)
        hits = _code_carriers(code_hits) + condition_search.search(query)
        conditions = (
            Condition.objects.published()
            .only("name", "slug", "acronym", "summary", "origin", "last_reviewed_on")
            .in_bulk({hit.condition_id for hit in hits})
        )
        seen = set()
        for hit in hits:
            if hit.condition_id in conditions and hit.condition_id not in seen:
                seen.add(hit.condition_id)
                results.append((conditions[hit.condition_id], hit.reason))
        results = results[: condition_search.MAX_RESULTS]
        if not code_hits:
            title_codes = list(Code.objects.filter(pk__in=condition_search.search_codes(query)).order_by("-system", "code"))
    context = {"query": query, "results": results, "code_hits": code_hits, "title_codes": title_codes}
    return render(request, "conditions/search.html", context)


def _code_carriers(codes):
    """Search hits for the published conditions that carry these codes, directly or through the GEMs."""
    if not codes:
        return []
    direct = ConditionCode.objects.filter(code__in=codes).values_list("condition_id", "value")
    crosswalked = ConditionCode.objects.filter(code__mappings__target__in=codes).values_list(
        "condition_id", "code__mappings__target__code"
    )
    return [condition_search.Hit(cid, 0, 0, f"code {value}") for cid, value in direct] + [
        condition_search.Hit(cid, 0, 1, f"code {value}, through the crosswalk") for cid, value in crosswalked
    ]


@require_GET
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


def _code_hits(query):
    """Official codes a code-shaped query names exactly, in either system."""
    if not codesystems.looks_like_code(query):
        return []
    lookups = Q()
    for system, code in codesystems.candidates(query):
        lookups |= Q(system=system, code=code)
    return list(Code.objects.filter(lookups)) if lookups else []


@require_GET
def code_detail(request, system, code):
    if system not in codesystems.OFFICIAL:
        raise Http404("Unknown code system")
    found = Code.objects.filter(system=system, code=code).select_related("parent").first()
    if found is None:
        try:
            canonical = codesystems.normalise(system, code)
        except ValueError:
            canonical = None
        if canonical and canonical != code and Code.objects.filter(system=system, code=canonical).exists():
            return redirect("conditions:code-detail", system=system, code=canonical, permanent=True)
        response = render(
            request,
            "conditions/code_missing.html",
            {"system": system, "code": code, "label": codesystems.label(system)},
        )
        response.status_code = 404
        return response
    ancestors = []
    parent = found.parent
    while parent is not None:  # at most four levels: chapter, block, category, subcategory
        ancestors.insert(0, parent)
        parent = Code.objects.filter(pk=parent.parent_id).first() if parent.parent_id else None
    context = {
        "code": found,
        "ancestors": ancestors,
        "children": found.children.order_by("code"),
        "mappings": found.mappings.select_related("target").order_by("target__code"),
        "conditions": Condition.objects.published().filter(codes__code=found).distinct().only("name", "slug"),
        "release": codesystems.RELEASES[system],
    }
    return render(request, "conditions/code_detail.html", context)


SYMPTOM_PAGE_SIZE = 50


@require_GET
@cache_for_readers
def symptom_detail(request, slug):
    symptom = get_object_or_404(Symptom, slug=slug)
    links = (
        symptom.condition_links.filter(condition__status=Status.PUBLISHED)
        .select_related("condition")
        .only("frequency", "frequency_rank", "condition__name", "condition__slug", "condition__acronym")
        .order_by("frequency_rank", "condition__name")
    )
    page = Paginator(links, SYMPTOM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "conditions/symptom_detail.html", {"symptom": symptom, "page": page})


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /accounts/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain")


@require_GET
def healthz(request):
    """For a load balancer: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(error.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok"})
