"""Demo condition pages for a fresh machine (load_demo).

Lambert-Eaton myasthenic syndrome comes from the seed page, with its facts checked: the seed
gave ICD-9-CM 358.41, a code that does not exist, and called G70.81 "Lambert-Eaton syndrome"
when that code's official title is "Lambert-Eaton syndrome in disease classified elsewhere".
The other pages are built only from public data shipped in packages: official code titles
(ICD-10-CM, ICD-9-CM), Orphanet/OMIM identifiers and HPO sign annotations. Every code is
validated against the loaded code sets on the way in (full_clean), so a wrong code fails loudly.
"""

from django.db import transaction

from ..codes import format as code_format
from ..models import Code, Condition, ConditionCode, Origin, Reference, Status, Synonym
from . import hpo
from .importer import attach_signs, catalogue_summary

P, A, FIRST = ConditionCode.Role.PRIMARY, ConditionCode.Role.ALTERNATIVE, ConditionCode.Role.CODE_FIRST
EXACT, BROADER, NARROWER = ConditionCode.Fit.EXACT, ConditionCode.Fit.BROADER, ConditionCode.Fit.NARROWER
# Fit follows the rule in ConditionCode.fit's help text: exact when the title names the condition as a
# whole, narrower when it names one form (with or without exacerbation, in neoplastic disease ...).
I10, I9 = code_format.ICD10CM, code_format.ICD9CM

LEMS = {
    "name": "Lambert-Eaton myasthenic syndrome",
    "slug": "lambert-eaton-myasthenic-syndrome",
    "acronym": "LEMS",
    "orpha": "43393",
    "synonyms": ["Lambert-Eaton syndrome", "Eaton-Lambert syndrome", "Myasthenic syndrome of Lambert-Eaton"],
    "codes": [
        (I10, "G70.80", P, EXACT, "When the medical record does not document an associated disease."),
        (I10, "G70.81", A, NARROWER, "LEMS with another underlying disease: code first the underlying disease."),
        (I10, "G73.1", A, NARROWER, "Paraneoplastic LEMS: code first the underlying neoplasm (C00-D49)."),
        (
            I10,
            "C00-D49",
            FIRST,
            "",
            "With G73.1: the underlying neoplasm, coded by its site and, where the codes distinguish them, its "
            "side; most often small-cell lung cancer, in C34.- (malignant neoplasm of bronchus and lung).",
        ),
        (I9, "358.30", P, EXACT, "Legacy code; crosswalks to G70.80."),
        (I9, "358.39", A, NARROWER, "Legacy code; crosswalks to G70.81."),
        (I9, "358.31", A, NARROWER, "Legacy code; crosswalks to G73.1."),
    ],
    "summary": (
        "Lambert-Eaton myasthenic syndrome (LEMS) is a rare condition characterized by muscle weakness caused by "
        "an autoimmune attack on the presynaptic voltage-gated calcium channels at the neuromuscular junction. "
        "It is often paraneoplastic: triggered by an underlying cancer, most commonly small-cell lung cancer.\n\n"
        "In ICD-10-CM it is coded **G70.80** (Lambert-Eaton syndrome, unspecified), **G70.81** when it occurs in "
        "another disease, and **G73.1** when it occurs in neoplastic disease; the legacy ICD-9-CM codes are "
        "**358.30**, **358.39** and **358.31**."
    ),
    "clinical_significance": (
        "Because Lambert-Eaton myasthenic syndrome is often paraneoplastic—meaning it is triggered by an underlying "
        "malignancy, most commonly small-cell lung cancer—accurate coding is vital for ensuring that clinicians "
        "prioritize a thorough cancer screening. Early identification using the appropriate ICD codes helps in "
        "coordinating multidisciplinary care between neurologists, oncologists, and pulmonologists to manage both "
        "the neuromuscular symptoms and the underlying etiology."
    ),
    "symptoms": (
        "The hallmark symptom is proximal muscle weakness, which often improves temporarily with exercise. "
        "Muscle strength can fluctuate."
    ),
    "diagnosis": (
        "Diagnosis is typically confirmed through a combination of clinical assessment and specialized testing. "
        "Clinicians look for the hallmark symptom of proximal muscle weakness, which often improves temporarily "
        "with exercise.\n\n"
        "Findings that the Orphanet annotations list as very frequent in LEMS point to the tests involved:\n\n"
        "1. Blood test for antibodies against voltage-gated calcium channels (calcium channel antibody positivity).\n"
        "2. Electromyography (EMG) with repetitive nerve stimulation (a decremental response of the compound "
        "muscle action potential).\n"
        "3. Because LEMS is often paraneoplastic, a thorough screening for an underlying cancer, most commonly "
        "small-cell lung cancer."
    ),
    "treatment": (
        "Care manages both the neuromuscular symptoms and the underlying cause, coordinated between neurologists, "
        "oncologists and pulmonologists. Targeted therapies such as amifampridine are used for the muscle "
        "weakness; when LEMS is paraneoplastic, the underlying cancer is treated as well."
    ),
    "living_with": (
        "Receiving a diagnosis of Lambert-Eaton myasthenic syndrome can be overwhelming, as patients often face a "
        'long "diagnostic odyssey" before identifying the cause of their fatigue and weakness. Connecting with '
        "others who understand its challenges, such as the fluctuating nature of muscle strength and the anxiety "
        "surrounding cancer screenings, can reduce the isolation often felt by patients and their caregivers."
    ),
    "coding_notes": (
        "- **G70.80** Lambert-Eaton syndrome, unspecified: the code when no associated disease is documented.\n"
        "- **G70.81** Lambert-Eaton syndrome in disease classified elsewhere: *code first* the underlying disease.\n"
        "- **G73.1** Lambert-Eaton syndrome in neoplastic disease: *code first* the underlying neoplasm "
        "(C00-D49), e.g. small-cell lung cancer by its site (C34.-).\n"
        "- ICD-9-CM (legacy): 358.30, 358.39 and 358.31, which the CMS GEMs crosswalk to the three codes above.\n\n"
        "Corrections to the page this entry grew from: it gave the ICD-9-CM code as 358.41, which does not exist "
        'in ICD-9-CM, and titled G70.81 "Lambert-Eaton syndrome"; its official title is "Lambert-Eaton '
        'syndrome in disease classified elsewhere", and G70.80 is the unspecified code.'
    ),
    "related": ["myasthenia-gravis"],
}

# The other demo pages: name, slug, acronym, ORPHA, OMIM, codes, related slugs.
OTHERS = [
    ("Myasthenia gravis", "myasthenia-gravis", "MG", "589", "254200", [
        (I10, "G70.00", P, NARROWER, "Without (acute) exacerbation."),
        (I10, "G70.01", A, NARROWER, "With (acute) exacerbation."),
        (I9, "358.00", P, NARROWER, "Legacy code, without (acute) exacerbation."),
        (I9, "358.01", A, NARROWER, "Legacy code, with (acute) exacerbation."),
    ], ["lambert-eaton-myasthenic-syndrome"]),
    ("Huntington disease", "huntington-disease", "HD", "399", "143100", [
        (I10, "G10", P, EXACT, ""),
        (I9, "333.4", P, EXACT, "Legacy code."),
    ], []),
    ("Marfan syndrome", "marfan-syndrome", "", "558", "154700", [
        (I10, "Q87.40", P, EXACT, "Unspecified; Q87.41- (cardiovascular), Q87.42 (ocular) and Q87.43 (skeletal) code the manifestations."),
        (I9, "759.82", P, EXACT, "Legacy code."),
    ], []),
    ("Cystic fibrosis", "cystic-fibrosis", "CF", "586", "219700", [
        (I10, "E84.9", P, EXACT, "Unspecified; E84.0–E84.8 code the manifestations."),
        (I10, "E84.0", A, NARROWER, "With pulmonary manifestations."),
        (I9, "277.00", P, NARROWER, "Legacy code, without mention of meconium ileus."),
    ], []),
    ("Wilson disease", "wilson-disease", "", "905", "277900", [
        (I10, "E83.01", P, EXACT, ""),
        (I9, "275.1", P, BROADER, "Legacy code for all disorders of copper metabolism."),
    ], []),
    ("Fabry disease", "fabry-disease", "", "324", "301500", [
        (I10, "E75.21", P, EXACT, ""),
        (I9, "272.7", P, BROADER, "Legacy code for all lipidoses."),
    ], []),
    ("Duchenne muscular dystrophy", "duchenne-muscular-dystrophy", "DMD", "98896", "310200", [
        (I10, "G71.01", P, BROADER, "The code covers Becker muscular dystrophy as well."),
        (I9, "359.1", P, BROADER, "Legacy code for hereditary progressive muscular dystrophy."),
    ], []),
]  # fmt: skip


def _hpo_source(orpha):
    return {
        "title": f"Orphanet ORPHA:{orpha}",
        "publisher": "Orphanet",
        "url": code_format.external_url(code_format.ORPHA, orpha),
    }


def _common_references(orpha):
    return [
        {"title": "ICD-10-CM Tabular List of Diseases and Injuries, April 1, 2026 update", "publisher": "CDC National Center for Health Statistics", "url": "https://www.cdc.gov/nchs/icd/icd-10-cm/", "published": "2026"},
        {"title": "ICD-9-CM diagnosis codes, version 32, and the General Equivalence Mappings", "publisher": "Centers for Medicare & Medicaid Services", "url": "https://www.cms.gov/medicare/coding-billing/icd-10-codes", "published": "2014"},
        _hpo_source(orpha),
        {"title": hpo.SOURCE.format(version=hpo.version()), "publisher": "Human Phenotype Ontology", "url": "https://hpo.jax.org/", "published": hpo.version()[:4]},
    ]  # fmt: skip


def _other_page(name, slug, acronym, orpha, omim, codes, related):
    signs = hpo.diseases().get(f"ORPHA:{orpha}", {}).get("signs", [])
    primary = next(c for c in codes if c[0] == I10 and c[2] == P)
    summary = catalogue_summary(name, orpha, signs, Code.objects.get(system=I10, code=primary[1]))
    return {
        "name": name, "slug": slug, "acronym": acronym, "orpha": orpha, "omim": omim, "synonyms": [],
        "codes": codes, "summary": summary, "related": related,
    }  # fmt: skip


def demo_pages():
    return [LEMS, *(_other_page(*spec) for spec in OTHERS)]


@transaction.atomic
def load_demo_conditions():
    """Creates or updates the demo pages; returns how many rows changed (0 on a second run)."""
    changed = 0
    pages = demo_pages()
    for page in pages:
        changed += _load_page(page)
    by_slug = {c.slug: c for c in Condition.objects.filter(slug__in=[p["slug"] for p in pages])}
    for page in pages:
        condition = by_slug[page["slug"]]
        wanted = {by_slug[s].pk for s in page["related"]}
        if set(condition.related.values_list("pk", flat=True)) != wanted:
            condition.related.set(wanted)
            changed += 1
    return changed


def _load_page(page):
    signs = hpo.diseases().get(f"ORPHA:{page['orpha']}", {}).get("signs", [])
    sections = [
        "clinical_significance", "symptoms", "diagnosis", "treatment", "living_with",
        "urgent_help", "medicines_to_mention", "questions_to_ask", "patient_organisations", "coding_notes",
    ]  # fmt: skip
    fields = {
        "name": page["name"],
        "acronym": page["acronym"],
        "summary": page["summary"],
        "status": Status.PUBLISHED,
        "origin": Origin.DEMO,
        **{f: page.get(f, "") for f in sections},
    }
    changed = 0
    condition = Condition.objects.filter(slug=page["slug"]).first()
    if condition is not None and condition.origin != Origin.DEMO:
        return 0  # an editor or reviewer has taken the page over: it is theirs now
    if condition is None:
        condition = Condition(slug=page["slug"], **fields)
        condition.full_clean()
        condition.save()
        changed += 1
    elif any(getattr(condition, f) != v for f, v in fields.items()):
        for f, v in fields.items():
            setattr(condition, f, v)
        condition.is_loader_text = True  # the demo's own newer text, not an editor's takeover
        condition.full_clean()
        condition.save()
        changed += 1

    codes = list(page["codes"]) + [(code_format.ORPHA, page["orpha"], P, EXACT, "")]
    if page.get("omim"):
        codes.append((code_format.OMIM, page["omim"], P, EXACT, ""))
    for system, value, role, fit, note in codes:
        existing = condition.codes.filter(system=system, value=value).first()
        wanted = {"role": role, "fit": fit, "note": note}
        if existing and all(getattr(existing, k) == v for k, v in wanted.items()):
            continue
        code = existing or ConditionCode(condition=condition, system=system, value=value)
        for k, v in wanted.items():
            setattr(code, k, v)
        code.full_clean()
        code.save()
        changed += 1

    for name in page["synonyms"]:
        _, created = Synonym.objects.get_or_create(condition=condition, name=name)
        changed += created
    wanted_signs = {(sign.hpo_id, sign.frequency) for sign in signs}
    if set(condition.signs.values_list("symptom__hpo_id", "frequency")) != wanted_signs:
        attach_signs({condition.pk: signs})
        changed += 1
    for order, ref in enumerate(_common_references(page["orpha"])):
        _, created = Reference.objects.get_or_create(
            condition=condition, title=ref["title"], defaults={**ref, "order": order}
        )
        changed += created
    return changed
