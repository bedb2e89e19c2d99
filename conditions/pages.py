"""The condition page's editorial parts, rendered once and stored on the row.

Everything on a condition page except the community box changes only when an editor, a
reviewer or a loader changes something, so its HTML (head, article, related conditions) is
rendered at the first view after a change and kept in Condition.page_parts: a reader's
request then costs three small queries. Any change empties the parts and bumps page_serial
(invalidate(), called by derived.refresh()), and a render stores its result only if no change
came in while it ran. Stored parts carry parts_version(); a release that changes the part
templates or PARTS_VERSION has every page rendered again at its next view."""

import functools
import hashlib

from django.conf import settings
from django.db.models import F, QuerySet, prefetch_related_objects
from django.template.loader import get_template, render_to_string

from .codes import format as code_format
from .models import Condition, ConditionCode, page_prefetches
from .templatetags.conditions_extras import html_text

PARTS = {
    "head": "conditions/parts/head.html",  # canonical link, Open Graph, JSON-LD
    "intro": "conditions/parts/intro.html",  # name, other names, review line, short answer
    "main": "conditions/parts/main.html",  # codes, sections, signs, sources
    "related": "conditions/parts/related.html",
}
# Raise it when a change to this module changes what the parts contain: stored parts made by an
# older release are then rendered again at their next view. A change to a part template needs
# no raise: the templates' text is part of the version too.
PARTS_VERSION = 2
_SYSTEM_ORDER = {system: i for i, (system, _) in enumerate(code_format.CHOICES)}
_ROLE_ORDER = {role: i for i, role in enumerate(ConditionCode.Role.values)}


def invalidate(condition_ids):
    """Empties the stored parts of these pages (ids, or a query of ids), so their next view renders afresh."""
    ids = condition_ids if isinstance(condition_ids, QuerySet) else list(condition_ids)
    Condition.objects.filter(pk__in=ids).update(page_parts={}, page_serial=F("page_serial") + 1)


def parts_version():
    """What made the stored parts: PARTS_VERSION, the part templates' text and the site's address."""
    return hashlib.sha256(f"{PARTS_VERSION}:{_templates_digest()}:{settings.SITE_URL}".encode()).hexdigest()[:16]


@functools.cache
def _templates_digest():
    """The part templates' text, hashed once per process (templates change only with a release)."""
    digest = hashlib.sha256()
    for template in PARTS.values():
        with open(get_template(template).origin.name, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def parts_for(condition):
    """The stored parts of a condition page, rendering and storing them first when missing or made
    by another release. Queries only when rendering: the page_prefetches() and one update."""
    if condition.page_parts.get("version") == parts_version():
        return condition.page_parts
    prefetch_related_objects([condition], *page_prefetches())
    context = page_context(condition)
    parts = {name: render_to_string(template, context) for name, template in PARTS.items()}
    parts["description"] = html_text(condition.rendered.get("summary", ""))  # escaped once, by the template
    parts["version"] = parts_version()
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
        "own_codes": [c for c in codes if c.is_own],
        "coded_with": [c for c in codes if not c.is_own],
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
        # The condition's own codes only: a code-first or code-also entry names another condition.
        "code": [
            {"@type": "MedicalCode", "codeValue": c.value, "codingSystem": code_format.label(c.system)}
            for c in codes
            if c.is_own
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
