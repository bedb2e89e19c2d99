import string

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from . import codesystems, pages, selectors
from . import search as condition_search
from .models import Code, Condition, Origin, Status, Symptom
from .pagecache import cache_for_readers

LETTERS = list(string.ascii_uppercase)
PAGE_SIZE = 50


@require_safe
@cache_for_readers
def home(request):
    fields = ["name", "slug", "acronym", "summary", "last_reviewed_on", "updated_at", "origin"]
    published = Condition.objects.published()
    context = {
        "recently_reviewed": Condition.objects.recently_reviewed().only(*fields)[:6],
        "recently_updated": published.exclude(origin=Origin.CATALOGUE).order_by("-updated_at").only(*fields)[:6],
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


@require_safe
@cache_for_readers
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
@cache_for_readers
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results, code_hits, title_codes = [], [], []
    if query:
        code_hits = selectors.codes_for_query(query)
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
            title_codes = list(
                Code.objects.filter(pk__in=condition_search.search_codes(query)).order_by("-system", "code")
            )
    context = {"query": query, "results": results, "code_hits": code_hits, "title_codes": title_codes}
    return render(request, "conditions/search.html", context)


def _code_carriers(codes):
    """Search hits for the published conditions that carry these codes, directly or through the GEMs."""
    return [
        condition_search.Hit(c.condition_id, 0, 1, f"code {c.matched.code}, through the crosswalk")
        if c.through_crosswalk
        else condition_search.Hit(c.condition_id, 0, 0, f"code {c.value}")
        for c in selectors.carriers(codes)
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


@require_safe
@cache_for_readers
def code_index(request):
    releases = codesystems.RELEASES
    context = {"icd10_release": releases[codesystems.ICD10CM], "icd9_release": releases[codesystems.ICD9CM]}
    return render(request, "conditions/code_index.html", context)


@require_safe
@cache_for_readers
def code_browse(request, system):
    """ICD-10-CM by chapter; ICD-9-CM, which the CMS release gives without chapters, by number."""
    canonical = codesystems.system_from_url(system)
    if canonical is None:
        raise Http404("Unknown code system")
    if canonical != system:
        return redirect(reverse("conditions:code-browse", args=[canonical]) + _query_string(request), permanent=True)
    context = {"system": system, "label": codesystems.label(system), "release": codesystems.RELEASES[system]}
    if system == codesystems.ICD10CM:
        return render(request, "conditions/code_browse.html", context | {"chapters": selectors.chapters()})
    prefix = request.GET.get("range", "").upper()
    if not prefix:
        return render(request, "conditions/code_browse.html", context | {"ranges": selectors.icd9_ranges()})
    codes = selectors.icd9_range(prefix) if selectors.ICD9_RANGE.match(prefix) else []
    if not codes:
        raise Http404("No such range")
    code_range = selectors.CodeRange(prefix, len(codes))
    return render(request, "conditions/code_range.html", context | {"range": code_range, "codes": codes})


def _query_string(request):
    return f"?{request.GET.urlencode()}" if request.GET else ""


@require_safe
@cache_for_readers
def code_detail(request, system, code):
    """An official code: title, place in the hierarchy, notes, crosswalk and the conditions using it."""
    canonical_system = codesystems.system_from_url(system)
    if canonical_system is None:
        raise Http404("Unknown code system")
    found = selectors.code_for_page(canonical_system, code)
    if found is None or canonical_system != system:
        canonical = codesystems.canonical_code(canonical_system, code)
        if canonical and (canonical, canonical_system) != (code, system):
            found = selectors.code_for_page(canonical_system, canonical)
            if found is not None:
                return redirect(found, permanent=True)
        return _code_missing(request, canonical_system, canonical or code.strip())
    chain = selectors.ancestors(found)
    is_group, is_icd9 = found.kind in (Code.Kind.CHAPTER, Code.Kind.BLOCK), system == codesystems.ICD9CM
    crosswalk = [] if is_group else selectors.crosswalk(found)
    own_notes, inherited_notes = selectors.notes(found, chain)
    context = {
        "code": found,
        "heading": selectors.heading(found),
        "label": selectors.short_label(found),
        "ancestors": [(a, selectors.short_label(a)) for a in chain],
        "icd9_range": selectors.CodeRange(found.code[:2], 0) if is_icd9 else None,
        "children": selectors.children(found) if not is_icd9 else [],
        "neighbours": selectors.icd9_neighbours(found) if is_icd9 else [],
        "icd9_category": found.code.split(".")[0],
        "own_notes": own_notes,
        "inherited_notes": inherited_notes,
        "crosswalk": crosswalk,
        "other_label": codesystems.label(codesystems.OTHER[system]),
        "is_group": is_group,
        "uses": [] if is_group else selectors.uses(found, crosswalk),
        "release": codesystems.RELEASES[system],
        "gems_release": codesystems.GEMS_RELEASE,
        "canonical_url": settings.SITE_URL + found.get_absolute_url(),
        "structured_data": _code_structured_data(found),
    }
    return render(request, "conditions/code_detail.html", context)


def _code_missing(request, system, code):
    """A 404 that says what was not found, names the nearest real codes and offers a search."""
    try:
        near = codesystems.suggestions(system, codesystems.normalise(system, code))
    except ValueError:
        near = []
    context = {"system": system, "code": code, "label": codesystems.label(system), "near": near}
    return render(request, "conditions/code_missing.html", context, status=404)


def _code_structured_data(code):
    if code.kind in (Code.Kind.CHAPTER, Code.Kind.BLOCK):
        return None
    return {
        "@context": "https://schema.org",
        "@type": "MedicalCode",
        "codeValue": code.code,
        "codingSystem": code.system_label,
        "name": code.title,
        "url": settings.SITE_URL + code.get_absolute_url(),
    }


SYMPTOM_PAGE_SIZE = 50


@require_safe
@cache_for_readers
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
    """For a load balancer: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": str(error.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok"})
