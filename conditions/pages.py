"""The condition page's editorial parts, rendered once and stored on the row.

Everything on a condition page except the community box changes only when an editor, a
reviewer or a loader changes something, so its HTML (head, article, related conditions) is
rendered at the first view after a change and kept in Condition.page_parts. The community box
changes when members join or leave and stories are approved: community_tags.community_box keeps
it in Condition.community_part, which invalidate_community() empties. A reader's request then
costs one query for the row. Any change empties the parts and bumps page_serial (invalidate(),
called by derived.refresh()), and a render stores its result only if no change came in while it
ran. Stored parts carry parts_version(); a release that changes the part templates (the
community box's included) or PARTS_VERSION has every page rendered again at its next view."""

import functools
import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import F, QuerySet, prefetch_related_objects
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.text import Truncator

from . import organisations
from .codes import format as code_format
from .models import Condition, ConditionCode, ConditionFact, page_prefetches
from .templatetags.conditions_extras import html_text

PARTS = {
    "head": "conditions/parts/head.html",  # canonical link, Open Graph, JSON-LD
    "intro": "conditions/parts/intro.html",  # name, other names, review status line
    "answer": "conditions/parts/answer.html",  # the short answer, beside the community box
    "toc": "conditions/parts/toc.html",  # jump links, under the short answer
    "main": "conditions/parts/main.html",  # medical sections, get help, codes, sources, review details
}
# The templates the parts include: their text is part of the version as well.
INCLUDES = [
    "conditions/includes/status_line.html",
    "conditions/includes/codes_panel.html",
    "conditions/includes/code_title.html",
    "conditions/includes/review_line.html",
    "conditions/includes/fact.html",
    "community/includes/community_box.html",  # stored beside the parts, emptied when they render
]
# Raise it when a change to this module changes what the parts contain: stored parts made by an
# older release are then rendered again at their next view. A change to a part template needs
# no raise: the templates' text is part of the version too.
PARTS_VERSION = 5
# Where each "read more" link goes, said in words beside it (the links are open-data facts).
DESTINATIONS = {
    "rarediseases.info.nih.gov": "The US Genetic and Rare Diseases Information Center (GARD): a page for patients.",
    "www.orpha.net": "Orphanet, the European rare disease portal: expert centres, patient organisations, research.",
    "omim.org": "OMIM, a catalogue of genes and genetic conditions written for clinicians and researchers.",
    "vsearch.nlm.nih.gov": "MedlinePlus, the US National Library of Medicine's pages for patients, searched by name.",
    "clinicaltrials.gov": "ClinicalTrials.gov: a search of registered clinical studies, open and closed, by this name.",
}
_SYSTEM_ORDER = {system: i for i, (system, _) in enumerate(code_format.CHOICES)}
_ROLE_ORDER = {role: i for i, role in enumerate(ConditionCode.Role.values)}


def invalidate(condition_ids):
    """Empties the stored parts and community box of these pages (ids, or a query of ids), so their
    next view renders afresh."""
    ids = condition_ids if isinstance(condition_ids, QuerySet) else list(condition_ids)
    Condition.objects.filter(pk__in=ids).update(page_parts={}, community_part="", page_serial=F("page_serial") + 1)


def invalidate_community(condition_ids):
    """Empties the stored community box of these pages (ids; all when None): a member joined or
    left, or a story was approved, edited or removed."""
    rows = Condition.objects.all() if condition_ids is None else Condition.objects.filter(pk__in=condition_ids)
    rows.update(community_part="", page_serial=F("page_serial") + 1)


def parts_version():
    """What made the stored parts: PARTS_VERSION, the part templates' text, the site's address
    and the smallest community size shown as a number (the community box prints it)."""
    made_by = f"{PARTS_VERSION}:{_templates_digest()}:{settings.SITE_URL}:{settings.COMMUNITY_MIN_PUBLIC_COUNT}"
    return hashlib.sha256(made_by.encode()).hexdigest()[:16]


@functools.cache
def _templates_digest():
    """The part templates' text, hashed once per process (templates change only with a release)."""
    digest = hashlib.sha256()
    for template in [*PARTS.values(), *INCLUDES]:
        with open(get_template(template).origin.name, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()


def parts_for(condition):
    """The stored parts of a condition page, rendering and storing them first when missing or made
    by another release. `condition` may be loaded with READER_FIELDS only. Queries only when
    rendering: the whole row, the page_prefetches() and one update, which also empties the stored
    community box (it may show the old name, or come from the old release)."""
    if condition.page_parts.get("version") == parts_version():
        return condition.page_parts
    full = Condition.objects.get(pk=condition.pk)
    prefetch_related_objects([full], *page_prefetches())
    context = page_context(full)
    parts = {name: render_to_string(template, context) for name, template in PARTS.items()}
    # What the view's template prints beyond the parts, made here once rather than at every view.
    parts["description"] = Truncator(html_text(full.rendered.get("summary", ""))).words(40, truncate=" …")
    parts["visit_url"] = reverse("conditions:visit", args=[full.slug])
    parts["version"] = parts_version()
    # Stored only if no change came in while rendering: a change bumps page_serial.
    Condition.objects.filter(pk=full.pk, page_serial=full.page_serial).update(page_parts=parts, community_part="")
    condition.page_serial, condition.community_part = full.page_serial, ""
    return parts


# What the condition page's view loads of the row: the stored parts and what the template prints.
READER_FIELDS = ["name", "slug", "acronym", "page_parts", "page_serial", "community_part"]


def reader_row(slug):
    """The published condition with this slug, with READER_FIELDS only, or None."""
    sql, params = _reader_sql()
    return next(iter(Condition.objects.raw(sql, [*params, slug])), None)


@functools.cache
def _reader_sql():
    """reader_row()'s query, compiled once per process: compiling it anew took 0.18 ms a view, six
    times as long as running it. The slug is its last parameter."""
    query = Condition.objects.published().only(*READER_FIELDS).filter(slug="").order_by().query
    sql, params = query.sql_with_params()
    return sql, params[:-1]


def sorted_codes(codes):
    """A page's codes in reading order: by system, then role (own codes first), then value."""
    return sorted(codes, key=lambda c: (_SYSTEM_ORDER[c.system], _ROLE_ORDER[c.role], c.value))


def page_context(condition):
    """What the stored parts print, from a condition with page_prefetches() loaded."""
    review = condition.latest_review()
    codes = sorted_codes(condition.codes.all())
    facts = condition.facts_by_kind()
    signs = condition.signs.all()
    has = _sections_present(condition, facts, signs)
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
        "signs": signs,
        "sign_groups": condition.sign_groups(),
        "facts": facts,
        "organisations": organisations.parse(condition.patient_organisations)[0],
        "links": [_link(fact) for fact in facts.get(ConditionFact.Kind.LINK, [])],
        "has": has,
        "toc": [(anchor, heading) for key, anchor, heading in READER_SECTIONS if has.get(key, True)],
        "indexable": condition.is_indexable(),
        "canonical_url": settings.SITE_URL + condition.get_absolute_url(),
        "structured_data": _structured_data(condition, codes, review),
    }


# The page's sections in the order a patient asks: (key in `has`, anchor, heading). The last four
# are on every page. Coding notes are for coders: codes_panel.html keeps them folded away.
READER_SECTIONS = [
    ("what_it_is", "what-it-is", "What it is"),
    ("who_gets_it", "who-gets-it", "Who gets it"),
    ("symptoms", "symptoms", "Symptoms"),
    ("causes", "causes", "Causes and inheritance"),
    ("diagnosis", "diagnosis", "Diagnosis"),
    ("treatment", "treatment", "Treatment"),
    ("living_with", "living-with", "Living with it and outlook"),
    ("urgent_help", "urgent-help", "When to get urgent help"),
    ("medicines_to_mention", "medicines", "Medicines and anaesthesia to mention"),
    ("questions_to_ask", "questions", "Questions to ask your doctor"),
    ("get_help", "get-help", "Get help"),
    ("codes", "codes", "Codes for your records"),
    ("sources", "sources", "Sources"),
    ("review", "review", "Review details"),
]


def _sections_present(condition, facts, signs):
    Kind = ConditionFact.Kind
    return {
        "what_it_is": bool(condition.clinical_significance),
        "who_gets_it": Kind.ONSET in facts,
        "symptoms": bool(condition.symptoms) or bool(signs),
        "causes": bool(condition.causes) or Kind.INHERITANCE in facts or Kind.GENE in facts,
        "diagnosis": bool(condition.diagnosis),
        "treatment": bool(condition.treatment),
        "living_with": bool(condition.living_with),
        "urgent_help": bool(condition.urgent_help),
        "medicines_to_mention": bool(condition.medicines_to_mention),
        "questions_to_ask": bool(condition.questions_to_ask),
    }


def _link(fact):
    return {
        "url": fact.url,
        "text": fact.text,
        "credit": fact.credit,
        "where": DESTINATIONS.get(urlsplit(fact.url).hostname, ""),
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
        "description": html_text(condition.rendered.get("summary", "")),  # plain words, no Markdown
        "dateModified": condition.updated_at.date().isoformat(),
        "about": about,
    }
    if review:
        data["lastReviewed"] = review.reviewed_on.isoformat()
        data["reviewedBy"] = {"@type": "Person", "name": review.reviewer_name}
    return data
