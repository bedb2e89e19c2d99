from django.core.management.base import BaseCommand

from conditions.transfer import dumps, export_document


class Command(BaseCommand):
    help = (
        "Write the whole editorial content (conditions, synonyms, codes, sections, references, related "
        "pages, review records) as one JSON document, in a stable order: the README describes the format. "
        "Read-only, so safe to run at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", required=True, help="The file to write; '-' for standard output.")

    def handle(self, *args, output, verbosity, **options):
        document = export_document()
        text = dumps(document)
        if output == "-":
            self.stdout.write(text, ending="")
            return
        with open(output, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Exported {len(document['conditions'])} conditions to {output}."))
