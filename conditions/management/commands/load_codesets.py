import time
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction

from conditions import codesystems, official_codes
from conditions.models import Code, CodeMapping, ConditionCode

_PLURALS = {
    "chapter": "chapters",
    "block": "blocks",
    "category": "categories",
    "subcategory": "subcategories",
    "code": "codes",
}


class Command(BaseCommand):
    help = (
        "Load the official ICD-10-CM and ICD-9-CM code sets and the GEMs crosswalk from the data that PyPI "
        "packages ship. Safe to re-run: codes are updated in place, never duplicated. Loading a new release "
        "removes the codes it no longer has; a condition still using one keeps its code text, unlinked, and "
        "audit_codes lists it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the codes, change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        started = time.monotonic()
        sets = {
            codesystems.ICD10CM: list(official_codes.iter_icd10cm()),
            codesystems.ICD9CM: list(official_codes.iter_icd9cm()),
        }
        gems = list(official_codes.iter_gems())
        if dry_run:
            for system, rows in sets.items():
                self.stdout.write(f"Would load {self._summary(system, rows)}.")
            self.stdout.write(f"Would load up to {len(gems)} GEMs mappings ({codesystems.GEMS_RELEASE}).")
            return
        with transaction.atomic():
            ids, changes = {}, {}
            for system, rows in sets.items():
                ids[system], changes[system] = self._load_system(system, rows)
            mappings, stale, unknown = self._load_gems(ids, gems)
            self._invalidate_cached_pages()
        if verbosity:
            for system, rows in sets.items():
                new, retired, unlinked = changes[system]
                self.stdout.write(f"{self._summary(system, rows)}: {new} new, {retired} removed as no longer in it.")
                if unlinked:
                    self.stdout.write(
                        self.style.WARNING(
                            f"Condition codes naming an {codesystems.label(system)} code this release no longer "
                            f"has: {unlinked}. They keep their value, unlinked; run audit_codes."
                        )
                    )
            self.stdout.write(
                f"GEMs crosswalk: {len(mappings)} mappings from the {codesystems.GEMS_RELEASE}, {stale} old ones "
                f"removed; {unknown} GEMs rows name a code these releases do not have (retired or replaced "
                f"since) and {len(gems) - unknown - len(mappings)} repeat a pair, so were skipped."
            )
            self.stdout.write(self.style.SUCCESS(f"Loaded the code sets in {time.monotonic() - started:.1f} s."))

    def _summary(self, system, rows):
        kinds = Counter(row["kind"] for row in rows)
        billable = sum(row["is_billable"] for row in rows)
        by_kind = ", ".join(f"{kinds[kind]} {_PLURALS[kind]}" for kind in Code.Kind.values if kinds[kind])
        return (
            f"{codesystems.label(system)}: {len(rows)} entries ({by_kind}; {billable} billable) from the "
            f"{codesystems.RELEASES[system]}"
        )

    def _load_system(self, system, rows):
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
                raise RuntimeError(
                    f"{len(pending)} {system} codes name a parent that does not exist, e.g. {pending[0]}"
                )
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

    def _load_gems(self, ids, gems):
        """Upserts the GEMs rows between loaded codes and removes any the GEMs no longer have.
        Returns ({(source id, target id): flags}, removed, rows naming a code not loaded)."""
        other = codesystems.OTHER
        # A pair can appear twice in the GEMs (once per scenario); keep one row per pair.
        pairs, unknown = {}, 0
        for system, source, target, approximate, combination in gems:
            if source in ids[system] and target in ids[other[system]]:
                pairs[ids[system][source], ids[other[system]][target]] = (approximate, combination)
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

    def _invalidate_cached_pages(self):
        """Bulk writes send no signals: the pages that print official titles are refreshed here."""
        from conditions import derived

        derived.refresh(ConditionCode.objects.filter(code__isnull=False).values_list("condition_id", flat=True))
