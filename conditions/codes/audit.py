"""The rules a condition's codes are checked against, after a new release or a restore: one set,
used by `manage.py audit_codes` (every rule, every code) and by the admin dashboard (the rules a
single indexed query can check on every view).

The rules: a code has a valid form and is written in its canonical form; an ICD-10-CM or
ICD-9-CM code is in the loaded release, linked to it and has an official title; a primary code
is billable."""

from django.db.models import Q

from ..models import Code, ConditionCode
from .format import OFFICIAL, label, normalise

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
    return rows, [(row, problem) for row in rows for problem in _check(row, official)]


def _official_codes(rows):
    """{(system, code): Code} for every official code the rows name; one query per CHUNK codes."""
    wanted = {}
    for row in rows:
        if row.system in OFFICIAL:
            wanted.setdefault(row.system, set()).add(row.value)
    found = {}
    for system, values in wanted.items():
        values = sorted(values)
        for start in range(0, len(values), CHUNK):
            for code in Code.objects.filter(system=system, code__in=values[start : start + CHUNK]):
                found[system, code.code] = code
    return found


def _check(row, official):
    """Each rule, in order; the problems of one condition code, in words."""
    name = f"{label(row.system)} {row.value}"
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
