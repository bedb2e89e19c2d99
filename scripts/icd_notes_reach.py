"""Entries that gained notes from a spanning range, and entries whose note explanations changed,
comparing the package's own hierarchy and the previous explanations with the current ones.
Run against a database with the code sets loaded: .venv/bin/python manage.py shell < scripts/icd_notes_reach.py"""

import re
import subprocess
from types import SimpleNamespace

import simple_icd_10_cm as icd

from conditions.codes import notes as code_notes
from conditions.models import Code

# The explanations before issue 14, from the commit the work started on.
_before = subprocess.run(
    ["git", "show", "13957e1:conditions/codes/reads.py"], capture_output=True, text=True, check=True
)
_namespace = {}
exec(re.search(r"^NOTE_KINDS = \{.*?^\}", _before.stdout, re.S | re.M).group(0), _namespace)
OLD_KINDS = _namespace["NOTE_KINDS"]
rows = {
    r["code"]: SimpleNamespace(**r)
    for r in Code.objects.filter(system="icd-10-cm").values(
        "code", "title", "kind", "is_billable", "notes", "parent__code"
    )
}


def new_chain(e):
    out, p = [], e.parent__code
    while p:
        out.insert(0, rows[p])
        p = rows[p].parent__code
    return out


def old_chain(e):
    out, p = [], icd.get_parent(e.code) or None
    while p:
        if p == (out[0].code if out else e.code):  # a category named like its block: the chapter
            p = icd.get_parent(p, prioritize_blocks=True) or None
            continue
        out.insert(0, rows[p])
        p = icd.get_parent(p) or None
    return out


def old_explanations(e, chain):
    label = f"chapter {e.code}" if e.kind == "chapter" else e.code
    about = e.code if e.is_billable else f"the codes in {label.lower()}"
    found = []
    for holder, kinds in [
        (e, list(OLD_KINDS)),
        *((a, [k for k in OLD_KINDS if k != "inclusion_terms"]) for a in reversed(chain)),
    ]:
        for kind in kinds:
            if holder.notes.get(kind) or (kind == "seven_chr_note" and holder.notes.get("seven_chr_def")):
                found.append(OLD_KINDS[kind][1].format(code=about))
    return found


gained = gained_billable = changed = changed_billable = 0
for e in rows.values():
    chain, before = new_chain(e), old_chain(e)
    own, inherited = code_notes.note_groups(e, chain)
    if {a.code for a, _ in inherited} - {a.code for a in before}:
        gained += 1
        gained_billable += e.is_billable
    now = [g.explanation for g in own] + [g.explanation for _, gs in inherited for g in gs]
    if now != old_explanations(e, before):
        changed += 1
        changed_billable += e.is_billable
print(f"{len(rows)} ICD-10-CM entries")
print(f"gained notes from a spanning range: {gained} ({gained_billable} billable codes)")
print(f"note explanations changed: {changed} ({changed_billable} billable codes)")
