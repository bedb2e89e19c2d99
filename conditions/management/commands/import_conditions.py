import json

from django.core.management.base import BaseCommand, CommandError

from conditions.transfer import Problems, import_document


class Command(BaseCommand):
    help = (
        "Import a file written by export_conditions. Every record is validated first, as the admin "
        "validates it (codes against the official code sets, the publish gate): if any record fails, "
        "each problem is printed with its record and nothing is written. Pages already on the site "
        "with the same content are left alone, so re-running the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON file written by export_conditions.")
        parser.add_argument("--dry-run", action="store_true", help="Validate everything, write nothing.")

    def handle(self, *args, file, dry_run, verbosity, **options):
        try:
            with open(file, encoding="utf-8") as handle:
                document = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        try:
            created, unchanged = import_document(document, dry_run=dry_run)
        except Problems as error:
            for record, problem in error.problems:
                self.stderr.write(f"{record}: {problem}")
            raise CommandError(f"{len(error.problems)} problem(s) in {file}; nothing was imported.") from None
        if verbosity:
            verb = "Would import" if dry_run else "Imported"
            self.stdout.write(
                self.style.SUCCESS(f"{verb} {len(created)} conditions; {len(unchanged)} already on the site unchanged.")
            )
