import time

from django.core.management.base import BaseCommand

from conditions import search
from conditions.codes import loader
from conditions.codes.format import label
from conditions.codes.release import GEMS_RELEASE


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
        sets, gems = loader.read_releases()
        if dry_run:
            for system, rows in sets.items():
                self.stdout.write(f"Would load {loader.summary(system, rows)}.")
            self.stdout.write(f"Would load up to {len(gems)} GEMs mappings ({GEMS_RELEASE}).")
            return
        loaded = loader.load(sets, gems)
        search.merge_full_text_segments()
        if not verbosity:
            return
        for system, rows in sets.items():
            new, removed, unlinked = loaded.changes[system]
            self.stdout.write(f"{loader.summary(system, rows)}: {new} new, {removed} removed as no longer in it.")
            if unlinked:
                self.stdout.write(
                    self.style.WARNING(
                        f"Condition codes naming an {label(system)} code this release no longer has: {unlinked}. "
                        "They keep their value, unlinked; run audit_codes."
                    )
                )
        self.stdout.write(
            f"GEMs crosswalk: {loaded.mappings} mappings from the {GEMS_RELEASE}, {loaded.stale} old ones "
            f"removed; {loaded.unknown} GEMs rows name a code these releases do not have (retired or replaced "
            f"since) and {loaded.repeated} repeat a pair, so were skipped."
        )
        self.stdout.write(self.style.SUCCESS(f"Loaded the code sets in {time.monotonic() - started:.1f} s."))
