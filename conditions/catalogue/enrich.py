"""The enrichment step of import_catalogue: adds the open data (opendata.py) to catalogue pages
and to demo pages, in bulk and idempotently.

- Facts (definition, other names, inheritance, onset, genes, links) are the importer's own rows:
  a page whose facts differ from the data gets its facts replaced, any other page is left alone.
- Other names are added as Synonym rows (searchable) when the page has no such name yet; a name
  is never removed, so an editor's names stay.
- ICD-10-CM codes are mapped from MONDO's cross-references and from an exact match of the
  official title to one of the page's names, validated against the loaded release, and noted
  "Mapped by …, not reviewed". A page that carries an ICD-10-CM code put there by anyone else
  (an editor, the demo loader) is left with its codes.
- A demo page keeps its own short answer: it gets no definition fact."""

import collections
from dataclasses import dataclass, field

from .. import derived
from ..codes import format as code_format
from ..models import Code, Condition, ConditionCode, ConditionFact, Origin, Synonym
from . import opendata
from .names import key, title_keys

MAPPED = "Mapped by "  # the note of every code this step adds; codes without it belong to someone else
_FACT_FIELDS = ["kind", "text", "url", "source", "release", "licence", "order"]


@dataclass
class EnrichResult:
    pages_changed: int = 0
    synonyms_added: int = 0
    codes: collections.Counter = field(default_factory=collections.Counter)


def enrich(targets):
    """targets: {condition id: (orpha, open-data entry)}. Returns what changed."""
    result = EnrichResult()
    conditions = {c.pk: c for c in Condition.objects.filter(pk__in=list(targets)).only("name", "origin")}
    changed = set()

    wanted = {}
    for pk, condition in conditions.items():
        orpha, data = targets[pk]
        rows = opendata.facts(orpha, condition.name, data)
        if condition.origin == Origin.DEMO:
            rows = [f for f in rows if f.kind != ConditionFact.Kind.DEFINITION]
        wanted[pk] = [(f.kind, f.text, f.url, f.source, f.release, f.licence, i) for i, f in enumerate(rows)]
    stored = collections.defaultdict(list)
    for row in ConditionFact.objects.filter(condition_id__in=list(conditions)).values_list(
        "condition_id", *_FACT_FIELDS
    ):
        stored[row[0]].append(row[1:])
    stale = [pk for pk in conditions if sorted(stored[pk]) != sorted(wanted[pk])]
    ConditionFact.objects.filter(condition_id__in=stale).delete()
    ConditionFact.objects.bulk_create(
        [
            ConditionFact(condition_id=pk, **dict(zip(_FACT_FIELDS, row, strict=True)))
            for pk in stale
            for row in wanted[pk]
        ],
        batch_size=2000,
    )
    changed.update(stale)

    names = collections.defaultdict(set)
    for pk, name in Synonym.objects.filter(condition_id__in=list(conditions)).values_list("condition_id", "name"):
        names[pk].add(key(name))
    new_synonyms = []
    for pk, condition in conditions.items():
        for name in targets[pk][1].get("synonyms", ()):
            if key(name) not in names[pk] and key(name) != key(condition.name):
                names[pk].add(key(name))
                new_synonyms.append(Synonym(condition_id=pk, name=name))
                changed.add(pk)
    Synonym.objects.bulk_create(new_synonyms, batch_size=2000, ignore_conflicts=True)
    result.synonyms_added = len(new_synonyms)

    changed |= map_icd10cm(conditions, targets, names, result.codes)
    derived.refresh(changed)  # search entries (other names, codes), stored page parts, cached pages
    result.pages_changed = len(changed)
    return result


def map_icd10cm(conditions, targets, names, counts):
    """Adds, updates or removes the mapped ICD-10-CM codes of these pages; returns the ids changed.
    `names` holds each page's other names as keys (names.key). Queries: the release's codes once,
    the pages' ICD-10-CM codes once, and the writes."""
    release = {
        code: (pk, title, billable)
        for pk, code, title, billable in Code.objects.filter(system=code_format.ICD10CM).values_list(
            "pk", "code", "title", "is_billable"
        )
    }
    by_title = collections.defaultdict(list)
    for code, (_, title, billable) in release.items():
        if billable:
            for title_key in title_keys(title):
                by_title[title_key].append(code)
    mine, others = collections.defaultdict(dict), set()
    for link in ConditionCode.objects.filter(condition_id__in=list(conditions), system=code_format.ICD10CM):
        if link.note.startswith(MAPPED):
            mine[link.condition_id][link.value] = link
        else:
            others.add(link.condition_id)

    release_label = opendata.source("mondo_xrefs")["release"]
    to_create, to_update, to_delete, changed = [], [], [], set()
    for pk, condition in conditions.items():
        if pk in others:
            continue
        keys = names[pk] | {key(condition.name)}
        desired = {}  # code → (fit, {how})
        for k in keys:
            for code in by_title.get(k, ()):
                desired[code] = (ConditionCode.Fit.EXACT, {"title"})
        exact = list(desired)
        name_words = key(condition.name).split()
        for code in targets[pk][1].get("icd10cm", ()):
            if code not in release:
                counts["cross-references not in the release"] += 1
                continue
            if code in desired:
                desired[code][1].add("mondo")
            elif title_keys(release[code][1]) & keys:
                desired[code] = (ConditionCode.Fit.EXACT, {"mondo"})
            elif any(code != e and code.startswith(e) for e in exact) or _names_a_form(release[code][1], name_words):
                desired[code] = (ConditionCode.Fit.NARROWER, {"mondo"})
            else:
                desired[code] = (ConditionCode.Fit.BROADER, {"mondo"})  # its title names something wider
        primary = next((c for c in sorted(desired) if desired[c][0] == ConditionCode.Fit.EXACT and release[c][2]), None)
        for code, (fit, how) in sorted(desired.items()):
            sources = []
            if "mondo" in how:
                sources.append(f"MONDO (release {release_label})")
            if "title" in how:
                sources.append("its official title")
            note = f"{MAPPED}{' and '.join(sources)}, not reviewed."
            role = ConditionCode.Role.PRIMARY if code == primary else ConditionCode.Role.ALTERNATIVE
            current = mine[pk].pop(code, None)
            if current is None:
                to_create.append(
                    ConditionCode(
                        condition_id=pk,
                        system=code_format.ICD10CM,
                        value=code,
                        code_id=release[code][0],
                        role=role,
                        fit=fit,
                        note=note,
                    )  # fmt: skip
                )
                changed.add(pk)
            elif (current.role, current.fit, current.note, current.code_id) != (role, fit, note, release[code][0]):
                current.role, current.fit, current.note, current.code_id = role, fit, note, release[code][0]
                to_update.append(current)
                changed.add(pk)
        for gone in mine[pk].values():
            to_delete.append(gone.pk)
            changed.add(pk)
        if desired:
            counts["pages with an ICD-10-CM code"] += 1
            counts["pages with an exact ICD-10-CM code"] += any(
                f == ConditionCode.Fit.EXACT for f, _ in desired.values()
            )
    ConditionCode.objects.filter(pk__in=to_delete).delete()
    ConditionCode.objects.bulk_create(to_create, batch_size=1000)
    ConditionCode.objects.bulk_update(to_update, ["role", "fit", "note", "code"], batch_size=1000)
    return changed


def _names_a_form(title, name_words):
    """True when an official title holds every word of the page's name and more: it names one form
    of the condition ("Plasmodium ovale malaria" for malaria). A code below a code that names the
    page is narrower too (checked by the caller, through the code hierarchy)."""
    title_words = key(title).split()
    return len(title_words) > len(name_words) and all(w in title_words for w in name_words)
