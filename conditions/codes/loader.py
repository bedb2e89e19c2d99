"""Loads the official releases (release.py) into Code and CodeMapping: what load_codesets does.

Safe to re-run: codes are updated in place, never duplicated, and only new or changed rows are
written. A new release removes the codes it no longer has; a condition still using one keeps its
code text, unlinked, and audit_codes lists it."""

from collections import Counter
from dataclasses import dataclass

from django.db import transaction

from .. import derived
from ..models import Code, CodeMapping, ConditionCode
from .format import ICD9CM, ICD10CM, OTHER, label
from .release import RELEASES, iter_gems, iter_icd9cm, iter_icd10cm

_PLURALS = {
    "chapter": "chapters",
    "block": "blocks",
    "category": "categories",
    "subcategory": "subcategories",
    "code": "codes",
}


def read_releases():
    """({system: [row, …]}, [GEMs row, …]): the releases as the packages ship them, in memory."""
    sets = {ICD10CM: list(iter_icd10cm()), ICD9CM: list(iter_icd9cm())}
    return sets, list(iter_gems())


def summary(system, rows):
    """One line naming a release and counting its entries by kind."""
    kinds = Counter(row["kind"] for row in rows)
    billable = sum(row["is_billable"] for row in rows)
    by_kind = ", ".join(f"{kinds[kind]} {_PLURALS[kind]}" for kind in Code.Kind.values if kinds[kind])
    return f"{label(system)}: {len(rows)} entries ({by_kind}; {billable} billable) from the {RELEASES[system]}"


@dataclass
class Loaded:
    changes: dict  # {system: (new, removed, unlinked)}
    mappings: int  # GEMs rows stored, one per pair of loaded codes
    stale: int  # GEMs rows removed as no longer in the release
    unknown: int  # GEMs rows naming a code these releases do not have
    repeated: int  # GEMs rows repeating a pair already stored


def load(sets, gems):
    """Writes the releases and refreshes the pages that print official titles, in one transaction."""
    with transaction.atomic():
        ids, changes = {}, {}
        for system, rows in sets.items():
            ids[system], changes[system] = _load_system(system, rows)
        mappings, stale, unknown = _load_gems(ids, gems)
        # Bulk writes send no signals: the pages that print official titles are refreshed here.
        derived.refresh(ConditionCode.objects.filter(code__isnull=False).values_list("condition_id", flat=True))
    return Loaded(changes, len(mappings), stale, unknown, len(gems) - unknown - len(mappings))


def _load_system(system, rows):
    """Upserts a system's codes level by level, so each parent's id is known before its children,
    writing only new or changed rows; then removes the codes the release no longer has.
    Returns ({code: id}, (new, removed, unlinked))."""
    fields = ["title", "kind", "parent_id", "is_billable", "notes"]
    stored = {row[0]: row[1:] for row in Code.objects.filter(system=system).values_list("code", "id", *fields)}
    before = {code: values[0] for code, values in stored.items()}
    ids = dict(before)
    pending = rows
    while pending:
        ready = [row for row in pending if row["parent"] is None or row["parent"] in ids]
        if not ready:
            raise RuntimeError(f"{len(pending)} {system} codes name a parent that does not exist, e.g. {pending[0]}")
        changed = []
        for row in ready:
            values = (row["title"], row["kind"], ids.get(row["parent"]), row["is_billable"], row["notes"])
            if row["code"] not in stored or tuple(stored[row["code"]][1:]) != values:
                changed.append(Code(system=system, code=row["code"], **dict(zip(fields, values, strict=True))))
        Code.objects.bulk_create(
            changed, batch_size=2000, update_conflicts=True, unique_fields=["system", "code"],
            update_fields=["title", "kind", "parent", "is_billable", "notes"],
        )  # fmt: skip
        if all(code.pk for code in changed):  # SQLite 3.35+ and PostgreSQL return the ids
            ids.update((code.code, code.pk) for code in changed)
        else:
            ids = dict(Code.objects.filter(system=system).values_list("code", "id"))
        ready_codes = {row["code"] for row in ready}
        pending = [row for row in pending if row["code"] not in ready_codes]
    current = {row["code"] for row in rows}
    gone = [code_id for code, code_id in ids.items() if code not in current]
    unlinked = 0
    if gone:
        # A condition's code is protected from deletion; it keeps its value, unlinked, for audit_codes.
        unlinked = ConditionCode.objects.filter(code_id__in=gone).update(code=None)
        for start in range(0, len(gone), 500):
            Code.objects.filter(pk__in=gone[start : start + 500]).delete()
    ids = {code: code_id for code, code_id in ids.items() if code in current}
    return ids, (len(current - before.keys()), len(gone), unlinked)


def _load_gems(ids, gems):
    """Upserts the GEMs rows between loaded codes and removes any the GEMs no longer have.
    Returns ({(source id, target id): flags}, removed, rows naming a code not loaded)."""
    # A pair can appear twice in the GEMs (once per scenario); keep one row per pair.
    pairs, unknown = {}, 0
    for system, source, target, approximate, combination in gems:
        if source in ids[system] and target in ids[OTHER[system]]:
            pairs[ids[system][source], ids[OTHER[system]][target]] = (approximate, combination)
        else:
            unknown += 1
    stored = {
        (source, target): (pk, tuple(flags))
        for pk, source, target, *flags in CodeMapping.objects.values_list(
            "pk", "source_id", "target_id", "is_approximate", "is_combination"
        )
    }
    changed = [
        CodeMapping(source_id=source, target_id=target, is_approximate=approx, is_combination=combination)
        for (source, target), (approx, combination) in pairs.items()
        if stored.get((source, target), (None, None))[1] != (approx, combination)
    ]
    CodeMapping.objects.bulk_create(
        changed, batch_size=5000, update_conflicts=True, unique_fields=["source", "target"],
        update_fields=["is_approximate", "is_combination"],
    )  # fmt: skip
    stale = [pk for pair, (pk, _) in stored.items() if pair not in pairs]
    for start in range(0, len(stale), 500):
        CodeMapping.objects.filter(pk__in=stale[start : start + 500]).delete()
    return pairs, len(stale), unknown
