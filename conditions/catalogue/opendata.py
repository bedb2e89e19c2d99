"""What the open-data file (data/opendata.json.gz, written by build_opendata.py) says about a
catalogue page, in plain words, each fact with its source, release and licence. Only what the
data holds becomes a fact: nothing is guessed, and a page without data gets no placeholder."""

import functools
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_plus

from ..codes import format as code_format

DATA = Path(__file__).parent / "data" / "opendata.json.gz"

# HPO inheritance terms in plain words. Terms that describe a nuance rather than a way of
# inheritance (incomplete penetrance, anticipation) are left out.
INHERITANCE = {
    "HP:0000007": "Inherited in an autosomal recessive way: a child has it when both parents pass on a changed "
    "copy of the gene; parents with one changed copy usually have no symptoms.",
    "HP:0000006": "Inherited in an autosomal dominant way: one changed copy of the gene, from either parent or new "
    "in the child, is enough to cause it.",
    "HP:0001419": "Inherited in an X-linked recessive way: the gene is on the X chromosome, so it mostly affects "
    "boys; mothers can carry it without symptoms.",
    "HP:0001423": "Inherited in an X-linked dominant way: one changed copy of a gene on the X chromosome is "
    "enough, so girls and boys can both have it.",
    "HP:0001417": "Inherited in an X-linked way: the gene is on the X chromosome, so boys and girls are affected "
    "differently.",
    "HP:0001450": "Inherited on the Y chromosome: passed from fathers to sons.",
    "HP:0001427": "Inherited through the mitochondria: passed on by mothers, not by fathers.",
    "HP:0001426": "Caused by several genes together with other factors (multifactorial).",
    "HP:0010982": "Caused by changes in several genes together (polygenic).",
    "HP:0010984": "Caused by changes in two different genes together (digenic).",
    "HP:0003745": "Usually happens by chance (sporadic): it is not inherited from a parent.",
    "HP:0001442": "Caused by a change in only some of the body's cells (mosaicism); usually not inherited.",
    "HP:0001466": "Caused by a small missing or extra piece of a chromosome that takes several genes with it.",
    "HP:0001470": "Inherited in an autosomal dominant way that shows in one sex only.",
}
# HPO onset terms, youngest first, in plain words (age ranges as HPO defines them).
ONSET = {
    "HP:0034199": "before birth",
    "HP:0034198": "before birth",
    "HP:0034197": "before birth",
    "HP:0011461": "before birth",
    "HP:0030674": "before birth",
    "HP:0003577": "at birth",
    "HP:0003623": "in the first four weeks of life",
    "HP:0003593": "in the first year of life",
    "HP:0410280": "in childhood",
    "HP:0011463": "in early childhood (1 to 5 years)",
    "HP:0003621": "between 5 and 15 years of age",
    "HP:0011462": "in young adulthood (16 to 40 years)",
    "HP:0025708": "in young adulthood (16 to 40 years)",
    "HP:0025709": "in young adulthood (16 to 40 years)",
    "HP:0025710": "in young adulthood (16 to 40 years)",
    "HP:0003581": "in adulthood",
    "HP:0003596": "in middle age (40 to 60 years)",
    "HP:0003584": "after 60 years of age",
}
_ONSET_ORDER = {hpo_id: i for i, hpo_id in enumerate(ONSET)}
_MATERNAL = re.compile(r"^maternal\b(?!.*uniparental)", re.I)
MAX_OMIM_LINKS = 5


@functools.cache
def load() -> dict:
    with gzip.open(DATA, "rt", encoding="utf-8") as data:
        return json.load(data)


def entry(orpha: str) -> dict | None:
    return load()["diseases"].get(orpha)


def source(name: str) -> dict:
    return load()["sources"][name]


@dataclass(frozen=True)
class Fact:
    kind: str
    text: str
    source: str
    release: str = ""
    licence: str = ""
    url: str = ""


def _from(name, **fields):
    s = source(name)
    return {"source": fields.pop("label", s["name"]), "release": s["release"], "licence": s["licence"], **fields}


def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def facts(orpha: str, name: str, data: dict) -> list[Fact]:
    """The facts of one page, in the order the page shows them."""
    found = []
    if data.get("definition"):
        found.append(Fact("definition", data["definition"], **_from("mondo", label="MONDO")))
    if data.get("synonyms"):
        found.append(Fact("other_names", ", ".join(data["synonyms"]), **_from("mondo", label="MONDO")))
    modes = [INHERITANCE[m] for m in data.get("inheritance", ()) if m in INHERITANCE]
    hpo_label = "Human Phenotype Ontology annotations (Orphanet and OMIM data)"
    if modes:
        lead = "Its forms are inherited in different ways. " if len(modes) > 1 else ""
        found.append(Fact("inheritance", lead + " ".join(modes), **_from("hpo", label=hpo_label)))
    ages = sorted(
        {ONSET[o] for o in data.get("onset", ()) if o in ONSET},
        key=lambda a: min(_ONSET_ORDER[o] for o, label in ONSET.items() if label == a),
    )
    if ages:
        found.append(Fact("onset", f"Signs usually start {_and(ages)}.", **_from("hpo", label=hpo_label)))
    for symbol, basis in data.get("genes", ()):
        if basis.startswith("OMIM:"):
            text = f"{symbol}: changes in this gene cause it (the one gene linked to OMIM entry {basis[5:]})"
            found.append(
                Fact(
                    "gene",
                    text,
                    url=f"https://omim.org/entry/{basis[5:]}",
                    **_from("hpo", label="OMIM, through the HPO gene annotations"),
                )
            )
        else:
            text = f"{symbol}: changes in this gene cause it (named in MONDO's definition)"
            found.append(Fact("gene", text, **_from("mondo", label="MONDO")))
    if _MATERNAL.search(name):
        text = (
            "The mother has this condition during pregnancy; the signs listed below are those of the baby, "
            "who is affected before birth."
        )
        found.append(Fact("signs_note", text, **_from("hpo", label=hpo_label)))
    return found + links(orpha, name, data)


def links(orpha: str, name: str, data: dict) -> list[Fact]:
    """Where to read more: pages named by the page's ids, and searches built from its name."""
    found = []
    if data.get("gard"):
        gard_id, slug, gard_name = data["gard"]
        xrefs, gard = source("mondo_xrefs"), source("gard")
        found.append(
            Fact(
                "link",
                f"GARD: {gard_name}",
                url=f"https://rarediseases.info.nih.gov/diseases/{gard_id}/{slug}",
                source=f"GARD id from MONDO cross-references; page name from the {gard['package']} package",
                release=xrefs["release"],
                licence=xrefs["licence"],
            )
        )
    found.append(
        Fact(
            "link",
            f"Orphanet: ORPHA:{orpha}",
            url=code_format.external_url(code_format.ORPHA, orpha),
            **_from("hpo", label="Orphanet code from the HPO annotations"),
        )
    )
    for number in data.get("omim", ())[:MAX_OMIM_LINKS]:
        found.append(
            Fact(
                "link",
                f"OMIM: entry {number}",
                url=code_format.external_url(code_format.OMIM, number),
                **_from("mondo_xrefs", label="OMIM number from MONDO cross-references"),
            )
        )
    term = quote_plus(name)
    found.append(
        Fact(
            "link",
            f"MedlinePlus: search for “{name}”",
            url=f"https://vsearch.nlm.nih.gov/vivisimo/cgi-bin/query-meta?v%3Aproject=medlineplus&query={term}",
            source="a search built from this page's name",
        )
    )
    found.append(
        Fact(
            "link",
            f"ClinicalTrials.gov: studies of “{name}”",
            url=f"https://clinicaltrials.gov/search?cond={term}",
            source="a search built from this page's name",
        )
    )
    return found
