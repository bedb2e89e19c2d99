"""The ICD-10-CM notes: which of a code's and its ancestors' notes apply to it, and what each asks
of a coder in plain words. Pure rules, like format.py: a code here is anything with the Code
fields (code, title, kind, is_billable, notes), so the whole release can be checked in memory."""

import re
from dataclasses import dataclass

from . import format as code_format

# The ICD-10-CM conventions in plain words (ICD-10-CM Official Guidelines for Coding and
# Reporting, section I.A.12 "Excludes notes", I.A.13 "Etiology/manifestation convention" and I.B.7
# "Multiple coding for a single condition"): heading, then what the note asks of a coder.
NOTE_KINDS = {
    "inclusion_terms": (
        "Also coded here",
        "Other names and conditions this code is used for; the list is not complete.",
    ),
    "includes": ("Includes", "What this part of the classification covers."),
    "excludes1": (
        "Excludes1: not coded here",
        "A condition listed here is coded elsewhere, and its code is never used at the same time as "
        "{code}. The one exception: the two may be coded together when they are unrelated to each other "
        "(when it is not clear whether they are related, the coder asks the provider).",
    ),
    "excludes2": (
        "Excludes2: not included here",
        "A condition listed here is not part of {code}, but a patient may have both at the same time: "
        "it is acceptable to use both codes together when the patient has both.",
    ),
    "code_first": ("Code first", "The code for what is named here is listed first, then {code}."),
    "use_additional_code": (
        "Use additional code",
        "Where it applies, a second code for what is named here is listed after {code}.",
    ),
    "code_also": (
        "Code also",
        "A second code may be needed to describe the condition fully; the note gives no order: it depends "
        "on the circumstances of the encounter.",
    ),
    "notes": ("Notes", ""),
    "seven_chr_note": ("7th character", ""),
}
# Inclusion terms describe one code; the instructional notes also bind every code below it.
INHERITED_KINDS = [k for k in NOTE_KINDS if k != "inclusion_terms"]
ICD10_TOKEN = re.compile(r"(?<![A-Za-z0-9.])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?![A-Za-z0-9])")
# T36-T50's code-first note reads "Code first, for adverse effects, the nature of the adverse effect,
# such as: …": it binds the adverse-effect codes only (5th or 6th character 5), whose official titles
# begin "Adverse effect of"; a poisoning or underdosing code does not take it.
_ADVERSE_EFFECTS = ", for adverse effects"


@dataclass
class NoteGroup:
    heading: str
    explanation: str
    items: list


def subject(code):
    """How an explanation names what it is about: the code itself, or the codes in a group.
    Codes keep their case: "the codes in G70", "the codes in chapter 6"."""
    if code.is_billable:
        return code.code
    return f"the codes in chapter {code.code}" if code.kind == "chapter" else f"the codes in {code.code}"


def _adverse_effect_groups(items, code, about):
    """The T36-T50 code-first note as the official text says it, where it applies to `code`: on an
    adverse-effect code; on a group holding some (with which ones); nowhere else (None)."""
    title = code.title.lower()
    if "adverse effect" not in title:
        return None
    items = [f"Code first{items[0]}", *items[1:]]
    if title.startswith("adverse effect"):
        explanation = f"For this adverse effect, the code for its nature is listed first, then {about}."
    else:
        explanation = (
            f"For the adverse-effect codes in {code.code} only (5th or 6th character 5): the code for the nature "
            "of the adverse effect is listed first. Poisoning and underdosing codes do not take this note."
        )
    return NoteGroup("Code first", explanation, items)


def _groups(holder, kinds, code, about):
    """The note groups of `holder` (the code itself or an ancestor) that apply to `code`."""
    groups = []
    for kind in kinds:
        items = list(holder.notes.get(kind, []))
        if kind == "seven_chr_note":
            items = [*items, *holder.notes.get("seven_chr_def", [])]
        if not items:
            continue
        if kind == "code_first" and items[0].startswith(_ADVERSE_EFFECTS):
            group = _adverse_effect_groups(items, code, about)
            if group is not None:
                groups.append(group)
            continue
        heading_, explanation = NOTE_KINDS[kind]
        groups.append(NoteGroup(heading_, explanation.format(code=about), items))
    return groups


def note_groups(code, chain):
    """(own groups, [(ancestor, groups), …] nearest first): the notes that apply to a code, as
    plain text, with no query. `chain` is ancestors(code)."""
    about = subject(code)
    own = _groups(code, NOTE_KINDS, code, about)
    inherited = [(a, g) for a in reversed(chain) if (g := _groups(a, INHERITED_KINDS, code, about))]
    return own, inherited


def applicable(code, chain, kind):
    """The items of one kind of note that apply to a code, its own first, then its ancestors'."""
    own, inherited = note_groups(code, chain)
    groups = [*own, *(g for _, groups in inherited for g in groups)]
    wanted = NOTE_KINDS[kind][0]
    return [item for group in groups if group.heading == wanted for item in group.items]


def named(items):
    """The codes and ranges a list of note items names."""
    return [ref for item in items for ref in code_format.references(item)]
