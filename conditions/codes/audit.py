"""The rules a condition's codes are checked against, after a new release or a restore: one set,
used by `manage.py audit_codes` (every rule, every code) and by the admin dashboard (the rules a
single indexed query can check on every view).

The rules: a code has a valid form and is written in its canonical form; an ICD-10-CM or
ICD-9-CM code is in the loaded release, linked to it and has an official title; a primary code
is billable; a range (a code-first, use-additional-code or code-also entry such as C00-D49) starts
and ends with codes in the release.

And the ICD-10-CM conventions, page by page (audit() only):
- a condition's own code whose official note, or an ancestor's, says "code first" a code or range
  needs a code-first entry on the page naming it, or a code or range inside it (when the note lists
  examples, "such as: …", any code-first entry will do);
- an Excludes1 note of one code must not name another code the page codes together with it. Each
  own code is coded with the page's code-first, use-additional-code and code-also entries; primary
  and alternative codes are either/or (one is chosen), so they are not coded together."""

from django.db.models import Q

from ..models import Code, ConditionCode
from . import notes as code_notes
from .format import ICD10CM, OFFICIAL, OWN_ROLES, covers, is_range, label, normalise, normalise_range

# Eight hops of parent reach the chapter from any ICD-10-CM code (reads.ANCESTRY).
_ANCESTRY = "__".join(["parent"] * 8)

CHUNK = 500  # codes per IN (...) lookup, well under SQLite's variable limit


def audit():
    """(rows, [(row, problem), …]): every condition's code, and each problem found with its row.
    Queries once for the rows, once per CHUNK official codes, and for each code missing from the
    release once or twice more (to name the nearest real codes)."""
    rows = list(
        ConditionCode.objects.select_related("code")
        .only("system", "value", "role", "code", "condition__name", "condition__status")
        .select_related("condition")
        .order_by("condition__name", "system", "value")
    )
    official = _official_codes(rows)
    problems = [(row, problem) for row in rows for problem in _check(row, official)]
    by_condition = {}
    for row in rows:
        by_condition.setdefault(row.condition_id, []).append(row)
    for page_rows in by_condition.values():
        problems += _check_conventions(page_rows, official)
    return rows, problems


def _official_codes(rows):
    """{(system, code): Code} for every official code the rows name; one query per CHUNK codes."""
    wanted = {}
    for row in rows:
        if row.system in OFFICIAL:  # a range's two ends, or the code
            wanted.setdefault(row.system, set()).update(row.value.split("-") if is_range(row.value) else [row.value])
    found = {}
    for system, values in wanted.items():
        values = sorted(values)
        for start in range(0, len(values), CHUNK):
            chunk = Code.objects.filter(system=system, code__in=values[start : start + CHUNK])
            for code in chunk.select_related(_ANCESTRY):  # the notes of its ancestors apply to it too
                found[system, code.code] = code
    return found


def _check(row, official):
    """Each rule, in order; the problems of one condition code, in words."""
    name = f"{label(row.system)} {row.value}"
    if row.system == ICD10CM and "-" in row.value:
        yield from _check_range(row, name, official)
        return
    try:
        canonical = normalise(row.system, row.value)
    except ValueError as error:
        yield f"{name}: {error}"
        return
    if canonical != row.value:
        yield f"{name} is not written in its canonical form, {canonical}."
    if row.system not in OFFICIAL:
        return
    code = official.get((row.system, row.value))
    if code is None:
        yield f"{name}: " + Code.objects.not_found_message(row.system, row.value)
        return
    if row.code_id != code.pk:
        yield f"{name} is not linked to the official code set; save it again in the admin to link it."
    if not code.title.strip():
        yield f"{name} has no official title in the loaded release."
    if row.role == ConditionCode.Role.PRIMARY and not code.is_billable:
        yield f"{name} is a primary code but not billable: the release has more specific codes under it."


def _check_range(row, name, official):
    try:
        canonical = normalise_range(row.value)
    except ValueError as error:
        yield f"{name}: {error}"
        return
    if canonical != row.value:
        yield f"{name} is not written in its canonical form, {canonical}."
        return
    if row.role in OWN_ROLES:
        yield f"{name} is a range of codes, but a {row.get_role_display().lower()} code must be one code."
    for end in row.value.split("-"):
        if (row.system, end) not in official:
            yield f"{name}: " + Code.objects.not_found_message(row.system, end)


def _chain(code):
    chain, parent = [], code.parent
    while parent is not None:
        chain.insert(0, parent)
        parent = parent.parent
    return chain


def _check_conventions(rows, official):
    """The ICD-10-CM conventions on one page's codes: [(row, problem), …]."""
    coded = [row for row in rows if row.system == ICD10CM]
    own = [(row, official.get((ICD10CM, row.value))) for row in coded if row.role in OWN_ROLES]
    own = [(row, code) for row, code in own if code is not None]
    instructions = [row for row in coded if row.role not in OWN_ROLES]
    code_first = [row for row in instructions if row.role == ConditionCode.Role.CODE_FIRST]
    problems = []
    for row, code in own:
        chain = _chain(code)
        items = code_notes.applicable(code, chain, "code_first")
        wanted = code_notes.named(items)
        examples = any("such as" in item for item in items)
        if wanted and not any(covers(ref, entry.value) for ref in wanted for entry in code_first):
            if not (examples and code_first):
                problems.append((row, (
                    f"ICD-10-CM {row.value}: its official note says “Code first {'; '.join(items)}”, but the page "
                    f"has no code-first entry naming {' or '.join(dict.fromkeys(wanted))}."
                )))  # fmt: skip
        excludes = code_notes.named(code_notes.applicable(code, chain, "excludes1"))
        for entry in instructions:
            other = official.get((ICD10CM, entry.value))
            theirs = code_notes.named(code_notes.applicable(other, _chain(other), "excludes1")) if other else []
            if any(covers(ref, entry.value) for ref in excludes) or any(covers(ref, row.value) for ref in theirs):
                problems.append((entry, (
                    f"ICD-10-CM {row.value} and {entry.value} are coded together on this page "
                    f"({entry.get_role_display().lower()}), but an Excludes1 note of one names the other: "
                    "they are coded together only when the two conditions are unrelated."
                )))  # fmt: skip
    return problems


def failing_codes():
    """For the dashboard: the ICD codes on a page that fail the rules one indexed query can check,
    cheap enough for every view. A code not linked to the release covers both "not in the release"
    and "not linked" (the loader unlinks the codes a new release drops, and validation links every
    code it accepts); a linked primary code that is not billable is the last rule. audit() checks
    the rest (form, canonical form, official title)."""
    return (
        ConditionCode.objects.filter(system__in=OFFICIAL)
        .filter(Q(code__isnull=True) | Q(role=ConditionCode.Role.PRIMARY, code__is_billable=False))
        .select_related("condition", "code")
        .order_by("condition__name", "system", "value")
    )


def failing_reason(row):
    """Why a row of failing_codes() fails, in a few words."""
    return "not in the official code set" if row.code_id is None else "primary code is not billable"
