import string

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from . import pages
from . import search as condition_search
from .catalogue.names import index_range
from .codes import reads
from .models import Condition, ConditionCode, Status, Symptom

LETTERS = [*string.ascii_uppercase, "0-9"]
PAGE_SIZE = 50
# The index's filters: query parameter → (label, what it keeps).
INDEX_FILTERS = {
    "reviewed": "Reviewed by a medical reviewer",
    "community": "With a community",
    "described": "With a description",
}


@require_safe
def condition_list(request):
    """The A–Z index: natural order whatever the case (letters first, then digits), a letter, a
    name search and filters. Three queries however many pages exist: the count, the page's rows
    in the stored natural order (Condition.index_order), and the footer's disclaimer."""
    letter = request.GET.get("letter", "").upper()
    query = request.GET.get("q", "").strip()[:100]
    chosen = {name for name in INDEX_FILTERS if request.GET.get(name)}
    conditions = Condition.objects.published()
    if letter in LETTERS:
        lowest, above = index_range(letter)
        conditions = conditions.filter(index_order__gte=lowest, index_order__lt=above)
    else:
        letter = ""
    if query:
        conditions = conditions.filter(Q(name__icontains=query) | Q(acronym__iexact=query))
    if "reviewed" in chosen:
        conditions = conditions.exclude(last_reviewed_on=None)
    if "community" in chosen:
        # Only communities large enough to show their size: a smaller one could identify its members.
        sizeable = (
            Condition.objects.annotate(members=Count("memberships"))
            .filter(members__gte=settings.COMMUNITY_MIN_PUBLIC_COUNT)
            .values("pk")
        )
        conditions = conditions.filter(pk__in=sizeable)
    if "described" in chosen:
        conditions = conditions.indexable()
    order = ["index_order", "name"]
    # The page's names (unique) as a subquery. A subquery, or PostgreSQL would work out the review
    # state of every row before the sort and skip all but fifty; names, not ids, because the index
    # (status, index_order, name) holds them: PostgreSQL skips to the last page of 47,000 reading
    # the index alone (~30 ms), where ids made it sort the whole table (~0.2 s).
    page = Paginator(conditions.order_by(*order).values("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = (
        Condition.objects.filter(name__in=page.object_list)
        .only("name", "slug", "acronym", "origin", "content_version", "last_reviewed_on")
        .with_review_state()
        .order_by(*order)
    )
    context = {
        "page": page,
        "entries": list(entries),
        "letter": letter,
        "letters": LETTERS,
        "query": query,
        "filters": [(name, label, name in chosen) for name, label in INDEX_FILTERS.items()],
        "narrowed": bool(letter or query or chosen),
    }
    return render(request, "conditions/condition_list.html", context)


@require_safe
def condition_detail(request, slug):
    condition = pages.reader_row(slug)
    if condition is None:
        raise Http404("No such condition page.")
    context = {
        "condition": condition,
        "parts": pages.parts_for(condition),
    }
    return render(request, "conditions/condition_detail.html", context)


# Questions any patient may ask at a visit: prompts, not medical claims about a condition.
VISIT_QUESTIONS = [
    "How sure is the diagnosis, and what tests do I still need?",
    "What treatments are there for me, and what are their side effects?",
    "Who else should I see, and who coordinates my care?",
    "What changes should I watch for, and when should I get help straight away?",
    "Are any of my medicines, or medicines I might be given in hospital, a problem with this condition?",
    "Is it inherited? Should my family be told or tested?",
    "Are there patient organisations or clinical studies you would suggest?",
    "When should I come back?",
]


@require_safe
def condition_visit(request, slug):
    """A one-page sheet to take to the doctor: codes, review status, questions, space for notes."""
    condition = get_object_or_404(
        Condition.objects.published()
        .only(
            "name",
            "slug",
            "acronym",
            "origin",
            "content_version",
            "updated_at",
            "questions_to_ask",
            "medicines_to_mention",
            "rendered",
        )
        .prefetch_related(Prefetch("codes", queryset=ConditionCode.objects.select_related("code")), "reviews"),
        slug=slug,
    )
    codes = pages.sorted_codes(condition.codes.all())
    review = condition.latest_review()
    context = {
        "condition": condition,
        "own_codes": [c for c in codes if c.is_own],
        "coded_with": [c for c in codes if not c.is_own],
        "review": review,
        "review_is_current": condition.is_review_current(review),
        # The page's own questions replace the general ones; its medicines to mention take two write-in
        # rows and three note lines, so the sheet stays one printed page.
        "questions": [] if condition.questions_to_ask else VISIT_QUESTIONS,
        "medicine_rows": range(3 if condition.medicines_to_mention else 5),
        "note_lines": range(3 if condition.medicines_to_mention else 6),
    }
    return render(request, "conditions/condition_visit.html", context)


@require_safe
def search(request):
    query = _at_most(request.GET.get("q", "").strip(), 200)
    results, code_hits, title_codes, coded_with = [], [], [], []
    found = condition_search.Results()
    if query:
        code_hits = reads.codes_for_query(query)
        linked = reads.linked(code_hits)
        coded_with = reads.coded_with(code_hits, linked)
        found = condition_search.search(query)
        hits = _code_carriers(code_hits, linked) + found
        conditions = Condition.objects.for_search_results({hit.condition_id for hit in hits})
        seen = set()
        for hit in hits:
            if hit.condition_id in conditions and hit.condition_id not in seen:
                seen.add(hit.condition_id)
                results.append((conditions[hit.condition_id], hit.reason))
        results = results[: condition_search.MAX_RESULTS]
        if not code_hits:
            title_codes = condition_search.search_codes(query)
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


def _at_most(query, length):
    """The query cut to `length` characters at the end of a word: half a word ("proxi") matches
    nothing, and the page would say so."""
    if len(query) <= length or query[length].isspace():
        return query[:length].strip()
    words = query[:length].split()
    return " ".join(words[:-1]) if len(words) > 1 else query[:length]


def _fewer_words(query, phrases):
    """Shorter queries to offer when nothing matched: each sign alone, or the query's first words."""
    if len(phrases) > 1:
        return phrases[:6]
    words = condition_search.tokens(query)
    return [" ".join(words[:n]) for n in range(min(len(words) - 1, 3), 0, -1)]


def _code_carriers(codes, linked):
    """Search hits for the published conditions that carry these codes, directly or through the GEMs
    (`linked`: reads.linked())."""
    return [
        condition_search.Hit(c.condition_id, 0, 1, f"code {c.matched.code}, through the crosswalk")
        if c.through_crosswalk
        else condition_search.Hit(c.condition_id, 0, 0, f"code {c.value}")
        for c in reads.carriers(codes, linked)
    ]


@require_safe
def suggest(request):
    """Autocomplete for the search box (JSON); the search page itself needs no JavaScript."""
    query = request.GET.get("q", "").strip()[:100]
    hits = condition_search.search(query, limit=8) if len(query) >= 2 else []
    names = Condition.objects.for_search_results(hit.condition_id for hit in hits)
    suggestions = [
        {"name": names[h.condition_id].title, "url": names[h.condition_id].get_absolute_url(), "reason": h.reason}
        for h in hits
        if h.condition_id in names
    ]
    return JsonResponse({"query": query, "suggestions": suggestions})


SYMPTOM_PAGE_SIZE = 50


@require_safe
def symptom_list(request):
    """Signs A–Z by their plain name, with how many published conditions record each. Three queries
    however large the catalogue: the count, the page of signs with their stored counts (kept by
    conditions.derived.count_signs: counting the links here read every one), and the disclaimer."""
    letter = request.GET.get("letter", "").upper()
    signs = (
        Symptom.objects.filter(published_count__gt=0)
        .annotate(plain=Coalesce(NullIf("layperson_name", Value("")), "name"))
        .only("name", "slug", "layperson_name", "published_count")
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
