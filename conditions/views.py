import string

from django.core.paginator import Paginator
from django.db.models import Count, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import pages
from . import search as condition_search
from .codes import reads
from .models import Code, Condition, Status, Symptom

LETTERS = list(string.ascii_uppercase)
PAGE_SIZE = 50


@require_safe
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
def condition_detail(request, slug):
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    context = {
        "condition": condition,
        "parts": pages.parts_for(condition),
    }
    return render(request, "conditions/condition_detail.html", context)


@require_safe
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results, code_hits, title_codes, coded_with = [], [], [], []
    found = condition_search.Results()
    if query:
        code_hits = reads.codes_for_query(query)
        coded_with = reads.coded_with(code_hits)
        found = condition_search.search(query)
        hits = _code_carriers(code_hits) + found
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
    phrases = [phrase.text for phrase in found.phrases]
    context = {
        "query": query,
        "results": results,
        "code_hits": code_hits,
        "title_codes": title_codes,
        "coded_with": coded_with,
        "signs": phrases,
        # Sign hits list conditions in which signs are recorded: the page says that is no diagnosis.
        "by_sign": any(hit.signs for hit in found),
        "not_signs": found.unmatched if phrases else [],
        "did_you_mean": found.corrected if found.corrected and found.corrected != query.lower() else "",
        "fewer_words": _fewer_words(query, phrases) if not results and not code_hits else [],
    }
    return render(request, "conditions/search.html", context)


def _fewer_words(query, phrases):
    """Shorter queries to offer when nothing matched: each sign alone, or the query's first words."""
    if len(phrases) > 1:
        return phrases[:6]
    words = condition_search.tokens(query)
    return [" ".join(words[:n]) for n in range(min(len(words) - 1, 3), 0, -1)]


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
def symptom_list(request):
    """Signs A–Z by their plain name, with how many published conditions record each."""
    letter = request.GET.get("letter", "").upper()
    signs = (
        Symptom.objects.filter(condition_links__condition__status=Status.PUBLISHED)
        .annotate(
            plain=Coalesce(NullIf("layperson_name", Value("")), "name"),
            conditions=Count("condition_links"),
        )
        .only("name", "slug", "layperson_name")
        .order_by(Lower("plain"), "pk")
    )
    if letter in LETTERS:
        signs = signs.filter(plain__istartswith=letter)
    else:
        letter = ""
    page = Paginator(signs, SYMPTOM_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "conditions/symptom_list.html", {"page": page, "letter": letter, "letters": LETTERS})


@require_safe
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
