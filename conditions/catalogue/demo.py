"""Demo condition pages for a fresh machine (load_demo).

Lambert-Eaton myasthenic syndrome comes from the seed page, with its facts checked: the seed
gave ICD-9-CM 358.41, a code that does not exist, and called G70.81 "Lambert-Eaton syndrome"
when that code's official title is "Lambert-Eaton syndrome in disease classified elsewhere".
That correction is recorded once in the page's history (its `history_note`), not printed on the page.
Its medical text was rewritten for patients after an outside medical audit: written by the DiseaseMaps
team from the clinical sources in its `references` (each claim names its source by first author and
year), and not yet reviewed by a medical reviewer. The other pages are built only from public data
shipped in packages: official code titles (ICD-10-CM, ICD-9-CM), Orphanet/OMIM identifiers and HPO
sign annotations. Every code is validated against the loaded code sets on the way in (full_clean),
so a wrong code fails loudly.
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
    # The short answer: plain words, no codes, no citations (the sections below carry them).
    "summary": (
        "Lambert-Eaton myasthenic syndrome (LEMS) is a rare condition that makes muscles weak and quick to tire, "
        "mostly in the upper legs and arms. It happens when the body's immune system attacks the places where "
        "nerves pass signals to muscles. About half of people with LEMS have a type of lung cancer, so doctors "
        "check for it. Treatments can ease the weakness."
    ),
    # Shown as "What it is": what the diagnosis means for a patient.
    "clinical_significance": (
        "In LEMS the immune system makes antibodies against tiny channels on nerve endings that let calcium in "
        "(voltage-gated calcium channels). With fewer working channels, nerves release less of the chemical messenger that tells "
        "a muscle to work, so the muscle is weak (Titulaer 2011; Orphanet). LEMS can also affect the nerves that "
        "run automatic body functions, such as making saliva (Orphanet).\n\n"
        "**Why doctors look for cancer.** About half of people with LEMS have a small-cell lung cancer, whose "
        "cells carry the same calcium channels (Titulaer 2011). LEMS often shows before the cancer does: in a "
        "large study, most cancers were found within 3 months of the LEMS diagnosis and almost all within a "
        "year, some only on a later scan (Titulaer 2008). Finding LEMS can therefore lead to finding the cancer "
        "early.\n\n"
        "**Many people have no cancer.** The other half of people with LEMS do not develop one; they tend to be "
        "younger (MDA). In a long-term study, people with LEMS and no cancer lived as long as the general "
        "population (Lipka 2020)."
    ),
    "symptoms": (
        "- **Weak upper legs and hips**, and to a lesser degree weak upper arms and shoulders. Climbing stairs, "
        "getting up from a chair, walking or lifting can become hard (MDA).\n"
        "- **Muscles tire with use**, and tiredness (fatigue) and weakness can change from day to day (MDA).\n"
        "- **Dry mouth (xerostomia)** is very common (HPO; MDA). Other changes in automatic body functions "
        "(autonomic signs) include constipation, difficulty getting an erection (erectile dysfunction), sweating "
        "less (hypohidrosis), dry eyes, and dizziness on standing up because blood pressure drops (orthostatic "
        "hypotension) (HPO).\n"
        "- **Drooping eyelids (ptosis)** and **double vision (diplopia)** can happen but are usually mild. Muscles "
        "for chewing, swallowing or breathing are affected only occasionally (MDA).\n"
        "- **Weak or missing reflexes**: when a doctor taps the knee or elbow, the reflex is reduced (HPO; "
        "Titulaer 2011).\n\n"
        "In some people, strength improves for a short time after a few seconds of strong effort, while longer "
        "effort tires the muscles (Titulaer 2011; MDA). Doctors look for this when they examine you; it is not "
        "advice to exercise more."
    ),
    "diagnosis": (
        "Doctors combine what you notice, what they find when they examine you, and these tests (Titulaer 2011):\n\n"
        "1. **A blood test for antibodies** against the calcium channels on nerve endings (P/Q-type "
        "voltage-gated calcium channel antibodies). Most people with LEMS have them (Titulaer 2011).\n"
        "2. **Nerve and muscle tests** (nerve conduction studies and electromyography, EMG). A small electrical "
        "pulse is given to a nerve and the muscle's answer is measured. In LEMS the first answer is small. It "
        "then **increases markedly** after about 10 seconds of the strongest effort you can make, or when the "
        "nerve is stimulated many times a second (high-rate repetitive nerve stimulation). This increase is the "
        "finding that points to LEMS (Titulaer 2011). The answer may also drop during repeated stimulation "
        "(HPO), but it is the increase that identifies LEMS.\n"
        "3. **Scans to look for cancer.** A CT scan of the chest comes first; if it is clear, a PET scan "
        "(FDG-PET) may follow. Because a cancer can be too small to see at first, the scans are repeated, "
        "for example every 6 months for 2 years (Titulaer 2008). How often depends on your own risk: in that "
        "study, everyone whose LEMS came with lung cancer had smoked (Titulaer 2008)."
    ),
    "treatment": (
        "- **Amifampridine (3,4-diaminopyridine)** is usually the first medicine. It helps nerve endings release "
        "more of their chemical messenger (MDA), and trials showed that it improves muscle strength (Keogh 2011; "
        "Titulaer 2011). In the United States it is approved for adults and for children aged 6 and over (FDA "
        "label).\n"
        "- **Pyridostigmine** is sometimes added. It has been tested together with amifampridine in only one "
        "small trial, so how much it adds is not clear (Keogh 2011). It can cause diarrhoea, stomach cramps and "
        "extra saliva (MDA).\n"
        "- **Medicines that calm the immune system** (immunosuppressants), such as a steroid (prednisone) and "
        "azathioprine, are used when weakness remains despite amifampridine (Titulaer 2011).\n"
        "- **Intravenous immunoglobulin (IVIg)**, a drip of antibodies from donated blood, and **plasma "
        "exchange**, which filters antibodies out of the blood, can help when weakness is severe. Their effect "
        "does not last: in one trial, IVIg helped for up to 8 weeks (Titulaer 2011; Keogh 2011).\n"
        "- **Treating the cancer**, when there is one, often makes LEMS better too (Titulaer 2011)."
    ),
    "living_with": (
        "There is no cure for LEMS yet, but treatment can ease it (MDA). In a Dutch study, about 6 in 10 people "
        "could manage daily activities on their own when LEMS was diagnosed, and more than 8 in 10 a year later "
        "(Lipka 2020).\n\n"
        "Weakness can vary from day to day; stress, heat and lack of sleep may make it worse (MDA).\n\n"
        "In this page's community you can meet people who live with LEMS or care for someone who does, share "
        "what has helped you and read their stories. The patient organisations listed on this page offer "
        "information and support too."
    ),
    "urgent_help": (
        "Get medical help straight away, or call your local emergency number, if you:\n\n"
        "- find it hard to breathe, or are short of breath at rest\n"
        "- have trouble swallowing, or choke on food or drink\n"
        "- become much weaker quickly, beyond your usual ups and downs\n\n"
        "Breathing and swallowing problems are uncommon in LEMS (MDA), but they need a doctor quickly. If you "
        "take amifampridine and have a seizure (fit), get urgent help and tell the doctors about your medicine "
        "(FDA label)."
    ),
    "medicines_to_mention": (
        "- **Before any operation under anaesthesia**, tell the anaesthetist that you have LEMS. People with "
        "LEMS are more sensitive to the muscle relaxants used during anaesthesia (neuromuscular blocking "
        "drugs), which can cause weakness that lasts longer than expected or breathing problems after the "
        "operation. The risk is higher when LEMS has not yet been diagnosed or treated (Weingarten 2014).\n"
        "- **Amifampridine can cause seizures (fits).** It is not for people who have had seizures before, so "
        "tell your doctor about any seizures in the past (FDA label).\n"
        "- **Any new medicine:** tell each doctor, dentist and pharmacist that you have LEMS, and bring a list "
        "of the medicines you take."
    ),
    "questions_to_ask": (
        "- Do I need scans to check for cancer? How often, and for how long?\n"
        "- Which treatment do you suggest for me, and what side effects should I watch for?\n"
        "- What should I do if my weakness gets worse, or if I have trouble breathing or swallowing?\n"
        "- What should I tell the anaesthetist before an operation?\n"
        "- Are there medicines I should avoid?\n"
        "- Could I see a specialist in nerve and muscle conditions?"
    ),
    "patient_organisations": (
        "myaware | United Kingdom | https://www.myaware.org\n"
        "Myasthenia Gravis Foundation of America | United States | https://myasthenia.org\n"
        "Muscular Dystrophy Association | United States | https://www.mda.org"
    ),
    "coding_notes": (
        "- **G70.80** Lambert-Eaton syndrome, unspecified: the code when no associated disease is documented.\n"
        "- **G70.81** Lambert-Eaton syndrome in disease classified elsewhere: *code first* the underlying disease.\n"
        "- **G73.1** Lambert-Eaton syndrome in neoplastic disease: *code first* the underlying neoplasm "
        "(C00-D49), e.g. small-cell lung cancer by its site (C34.-).\n"
        "- ICD-9-CM (legacy): 358.30, 358.39 and 358.31, which the CMS GEMs crosswalk to the three codes above."
    ),
    # What this page corrected in the seed page it grew from: recorded once in the page's history (the
    # reason of a saved version, at most 100 characters), not printed on the reader page.
    "history_note": "Corrected the seed page: ICD-9-CM 358.41 does not exist; G70.81 is for LEMS with another disease",
    # The clinical sources the text cites, by first author and year; the coding sources follow them.
    "references": [
        {
            "title": "Titulaer MJ, Lang B, Verschuuren JJ. Lambert-Eaton myasthenic syndrome: from clinical characteristics to therapeutic strategies",
            "publisher": "The Lancet Neurology 10(12):1098–1107",
            "url": "https://doi.org/10.1016/S1474-4422(11)70245-9",
            "published": "2011",
        },
        {
            "title": "Titulaer MJ, Wirtz PW, Willems LN, et al. Screening for small-cell lung cancer: a follow-up study of patients with Lambert-Eaton myasthenic syndrome",
            "publisher": "Journal of Clinical Oncology 26(26):4276–4281",
            "url": "https://pure.eur.nl/en/publications/screening-for-small-cell-lung-cancer-a-follow-up-study-of-patient-2",
            "published": "2008",
        },
        {
            "title": "Keogh M, Sedehizadeh S, Maddison P. Treatment for Lambert-Eaton myasthenic syndrome",
            "publisher": "Cochrane Database of Systematic Reviews, CD003279",
            "url": "https://doi.org/10.1002/14651858.CD003279.pub3",
            "published": "2011",
        },
        {
            "title": "Lipka AF, Boldingh MI, van Zwet EW, et al. Long-term follow-up, quality of life, and survival of patients with Lambert-Eaton myasthenic syndrome",
            "publisher": "Neurology 94(5):e511–e520",
            "url": "https://doi.org/10.1212/WNL.0000000000008747",
            "published": "2020",
        },
        {
            "title": "Weingarten TN, Araka CN, Mogensen ME, et al. Lambert-Eaton myasthenic syndrome during anesthesia: a report of 37 patients",
            "publisher": "Journal of Clinical Anesthesia 26(8):648–653",
            "url": "https://mayoclinic.elsevierpure.com/en/publications/lambert-eaton-myasthenic-syndrome-during-anesthesia-a-report-of-3",
            "published": "2014",
        },
        {
            "title": "FIRDAPSE (amifampridine) tablets: prescribing information (FDA label)",
            "publisher": "Catalyst Pharmaceuticals; U.S. Food and Drug Administration",
            "url": "https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&query=FIRDAPSE",
            "published": "",
        },
        {
            "title": "Lambert-Eaton Myasthenic Syndrome (LEMS): Signs and Symptoms",
            "publisher": "Muscular Dystrophy Association (MDA)",
            "url": "https://www.mda.org/disease/lambert-eaton-myasthenic-syndrome/signs-and-symptoms",
            "published": "",
        },
        {
            "title": "Lambert-Eaton Myasthenic Syndrome (LEMS): Medical Management",
            "publisher": "Muscular Dystrophy Association (MDA)",
            "url": "https://www.mda.org/disease/lambert-eaton-myasthenic-syndrome/medical-management",
            "published": "",
        },
    ],
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
        changed += _note_in_history(page)
    by_slug = {c.slug: c for c in Condition.objects.filter(slug__in=[p["slug"] for p in pages])}
    for page in pages:
        condition = by_slug[page["slug"]]
        wanted = {by_slug[s].pk for s in page["related"]}
        if set(condition.related.values_list("pk", flat=True)) != wanted:
            condition.related.set(wanted)
            changed += 1
    return changed


def _note_in_history(page):
    """Records the page's history note once, as the reason of its newest saved version (the admin's
    History lists each version with its reason): a correction belongs in the page's history, in plain
    words, not on the reader page. Returns 1 when it wrote the note, 0 otherwise."""
    note = page.get("history_note")
    if not note:
        return 0
    condition = Condition.objects.filter(slug=page["slug"], origin=Origin.DEMO).first()
    if condition is None or condition.history.filter(history_change_reason=note).exists():
        return 0
    newest = condition.history.order_by("-history_date", "-history_id").first()
    if newest is None or newest.history_change_reason:
        return 0  # that version already says why it was saved; never overwrite it
    newest.history_change_reason = note
    newest.save(update_fields=["history_change_reason"])
    return 1


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
    for order, ref in enumerate([*page.get("references", []), *_common_references(page["orpha"])]):
        _, created = Reference.objects.get_or_create(
            condition=condition, title=ref["title"], defaults={**ref, "order": order}
        )
        changed += created
    return changed
