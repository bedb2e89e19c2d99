from django.core.management.base import BaseCommand
from django.db import transaction

from conditions import derived, search
from conditions.models import Condition, SearchEntry


class Command(BaseCommand):
    help = (
        "Rebuild everything derived from the pages (search index, stored page parts, last review dates) "
        "from the database and retire cached pages. Run it after restoring a backup made with dumpdata "
        "(which leaves the index out) or a bulk change made outside the site. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the pages, change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        if dry_run:
            published = Condition.objects.published().count()
            self.stdout.write(f"Would index {published} published conditions ({SearchEntry.objects.count()} now).")
            return
        with transaction.atomic():
            derived.refresh()
            search.merge_full_text_segments()
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Search index rebuilt: {SearchEntry.objects.count()} conditions."))
