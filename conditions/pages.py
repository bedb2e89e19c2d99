"""The condition page's editorial parts, rendered once and stored on the row.

Everything on a condition page except the community box changes only when an editor, a
reviewer or a loader changes something, so its HTML (head, article, related conditions) is
rendered at the first view after a change and kept in Condition.page_parts: a reader's
request then costs three small queries. Any change empties the parts and bumps page_serial
(invalidate()), and a render stores its result only if no change came in while it ran."""

from django.conf import settings
from django.db.models import F, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from .codes import format as code_format
from .models import Condition, ConditionCode, page_prefetches

PARTS = {
    "head": "conditions/parts/head.html",  # canonical link, Open Graph, JSON-LD
    "intro": "conditions/parts/intro.html",  # name, other names, review line, short answer
    "main": "conditions/parts/main.html",  # codes, sections, signs, sources
    "related": "conditions/parts/related.html",
}
_SYSTEM_ORDER = {system: i for i, (system, _) in enumerate(code_format.CHOICES)}
_ROLE_ORDER = {role: i for i, role in enumerate(ConditionCode.Role.values)}


def invalidate(condition_ids):
    """Empties the stored parts of these pages (ids, or a query of ids), so their next view renders afresh."""
    ids = condition_ids if isinstance(condition_ids, QuerySet) else list(condition_ids)
    Condition.objects.filter(pk__in=ids).update(page_parts={}, page_serial=F("page_serial") + 1)


def parts_for(condition):
    """The stored parts of a condition page, rendering and storing them first when missing.
    Queries only when rendering: the page_prefetches() and one update."""
    if condition.page_parts.get("site_url") == settings.SITE_URL:
        return condition.page_parts
    prefetch_related_objects([condition], *page_prefetches())
    context = page_context(condition)
    parts = {name: render_to_string(template, context) for name, template in PARTS.items()}
    parts["description"] = strip_tags(condition.rendered.get("summary", "")).strip()
    parts["site_url"] = settings.SITE_URL
    # Stored only if no change came in while rendering: a change bumps page_serial.
    Condition.objects.filter(pk=condition.pk, page_serial=condition.page_serial).update(page_parts=parts)
    return parts


def page_context(condition):
    """What the stored parts print, from a condition with page_prefetches() loaded."""
    review = condition.latest_review()
    codes = sorted(condition.codes.all(), key=lambda c: (_SYSTEM_ORDER[c.system], _ROLE_ORDER[c.role], c.value))
    return {
        "condition": condition,
        "synonyms": [s.name for s in condition.synonyms.all()],
        "review": review,
        "review_is_current": condition.is_review_current(review),
        "codes": codes,
        "fit_notes": code_format.fit_notes(codes),
        "references": condition.references.all(),
        "related": condition.related.all(),
        "signs": condition.signs.all(),
        "sign_groups": condition.sign_groups(),
        "facts": condition.facts_by_kind(),
        "indexable": condition.is_indexable(),
        "canonical_url": settings.SITE_URL + condition.get_absolute_url(),
        "structured_data": _structured_data(condition, codes, review),
    }


def _structured_data(condition, codes, review):
    about = {
        "@type": "MedicalCondition",
        "name": condition.name,
        "alternateName": [s.name for s in condition.synonyms.all()]
        + ([condition.acronym] if condition.acronym else []),
        "code": [
            {"@type": "MedicalCode", "codeValue": c.value, "codingSystem": code_format.label(c.system)} for c in codes
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
