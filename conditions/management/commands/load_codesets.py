import time

from django.core.management.base import BaseCommand
from django.db import transaction

from conditions import codesystems, official_codes
from conditions.models import Code, CodeMapping


class Command(BaseCommand):
    help = (
        "Load the official ICD-10-CM and ICD-9-CM code sets and the GEMs crosswalk from the data "
        "that PyPI packages ship. Safe to re-run: existing codes are updated in place, never duplicated."
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
                self.stdout.write(
                    f"Would load {len(rows)} {codesystems.label(system)} codes ({codesystems.RELEASES[system]})."
                )
            self.stdout.write(f"Would load up to {len(gems)} GEMs mappings.")
            return
        with transaction.atomic():
            ids = {}
            for system, rows in sets.items():
                ids[system] = self._load_system(system, rows)
            other = {codesystems.ICD10CM: codesystems.ICD9CM, codesystems.ICD9CM: codesystems.ICD10CM}
            # A pair can appear twice in the GEMs (once per scenario); keep one row per pair.
            pairs = {
                (ids[system][source], ids[other[system]][target]): (approximate, combination)
                for system, source, target, approximate, combination in gems
                if source in ids[system] and target in ids[other[system]]
            }
            mappings = [
                CodeMapping(source_id=source, target_id=target, is_approximate=approx, is_combination=combination)
                for (source, target), (approx, combination) in pairs.items()
            ]
            CodeMapping.objects.bulk_create(
                mappings, batch_size=5000, update_conflicts=True, unique_fields=["source", "target"],
                update_fields=["is_approximate", "is_combination"],
            )  # fmt: skip
        if verbosity:
            for system, rows in sets.items():
                self.stdout.write(
                    f"{codesystems.label(system)}: {len(rows)} codes from {codesystems.RELEASES[system]}."
                )
            self.stdout.write(
                f"GEMs crosswalk: {len(mappings)} mappings between codes in these releases "
                f"({len(gems) - len(mappings)} GEMs rows were repeats or named a code retired since)."
            )
            self.stdout.write(self.style.SUCCESS(f"Loaded the code sets in {time.monotonic() - started:.1f} s."))

    def _load_system(self, system, rows):
        """Upserts a system's codes level by level, so each parent's id is known before its children."""
        ids = dict(Code.objects.filter(system=system).values_list("code", "id"))
        pending = rows
        while pending:
            ready = [row for row in pending if row["parent"] is None or row["parent"] in ids]
            if not ready:
                raise RuntimeError(
                    f"{len(pending)} {system} codes name a parent that does not exist, e.g. {pending[0]}"
                )
            Code.objects.bulk_create(
                [
                    Code(system=system, code=row["code"], title=row["title"], kind=row["kind"],
                         parent_id=ids.get(row["parent"]), is_billable=row["is_billable"], notes=row["notes"])
                    for row in ready
                ],
                batch_size=2000, update_conflicts=True, unique_fields=["system", "code"],
                update_fields=["title", "kind", "parent", "is_billable", "notes"],
            )  # fmt: skip
            ids = dict(Code.objects.filter(system=system).values_list("code", "id"))
            ready_codes = {row["code"] for row in ready}
            pending = [row for row in pending if row["code"] not in ready_codes]
        return ids
